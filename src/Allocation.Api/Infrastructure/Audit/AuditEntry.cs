namespace Allocation.Api.Infrastructure.Audit;

/// <summary>
/// One line of the append-only audit trail (PRODUCT §6): who did or read what, when, with which outcome. No personal
/// data: actors are token subjects, resources are ids. <see cref="Id"/>, <see cref="PreviousHash"/> and
/// <see cref="Hash"/> are set by the database on insert, which chains every entry to the one before it.
/// </summary>
public sealed class AuditEntry
{
    public long Id { get; private set; }
    public DateTimeOffset At { get; init; }
    public required string Actor { get; init; }
    public required string Role { get; init; }
    public required string Client { get; init; }

    /// <summary>Whose records these are (PRODUCT §12): auditors see their own municipality's entries.</summary>
    public string? Municipality { get; init; }
    public required string Action { get; init; }
    public required string ResourceType { get; init; }
    public Guid? ResourceId { get; init; }
    public required string Outcome { get; init; }
    public required string CorrelationId { get; init; }
    public byte[] PreviousHash { get; private set; } = [];
    public byte[] Hash { get; private set; } = [];
}
