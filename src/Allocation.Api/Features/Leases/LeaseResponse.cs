using System.Text.Json.Serialization;
using Allocation.Domain;

namespace Allocation.Api.Features.Leases;

public sealed record FollowUpResponse(Guid Id, DateOnly Date, FollowUpResult Result, string? Note, DateTimeOffset RecordedAt);

/// <summary>A signed social contract and where it stands in its trial period.</summary>
public sealed record LeaseResponse(
    Guid Id,
    string MunicipalityCode,
    Guid AgreementId,
    Guid OfferId,
    Guid ApartmentId,
    Guid RequestId,
    DateOnly StartDate,
    LeaseForm Form,
    DateOnly TrialEndsOn,
    bool InTrial,
    LeaseStatus Status,
    DateTimeOffset SignedAt,
    DateOnly? EndedOn,
    TerminationReason? TerminationReason,
    IReadOnlyList<FollowUpResponse> FollowUps,
    [property: JsonIgnore] uint Version)
{
    public static LeaseResponse From(Lease l, DateTimeOffset now) => new(
        l.Id, l.MunicipalityCode, l.AgreementId, l.OfferId, l.ApartmentId, l.RequestId, l.StartDate, l.Form, l.TrialEndsOn,
        l.InTrial(DateOnly.FromDateTime(now.UtcDateTime)), l.Status, l.SignedAt, l.EndedOn, l.TerminationReason,
        l.FollowUps.OrderBy(f => f.Date).ThenBy(f => f.Id).Select(f => new FollowUpResponse(f.Id, f.Date, f.Result, f.Note, f.RecordedAt)).ToList(),
        l.Version);
}
