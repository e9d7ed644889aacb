using System.Linq.Expressions;
using System.Text.Json.Serialization;
using Allocation.Api.Infrastructure.Auth;
using Allocation.Api.Persistence;
using Allocation.Domain;

namespace Allocation.Api.Features.AllocationRequests;

/// <summary>A household's request for a social contract. Carries no names or personal identity numbers.</summary>
public sealed record AllocationRequestResponse(
    Guid Id,
    string MunicipalityCode,
    Guid AgreementId,
    string OwningUnit,
    string CaseReference,
    string TargetGroupCode,
    int Adults,
    int Children,
    int MinRooms,
    decimal? MaxRent,
    bool NeedsAccessibility,
    IReadOnlyList<string> RequiredDistricts,
    IReadOnlyList<string> ExcludedDistricts,
    Urgency Urgency,
    DateOnly? UrgentBy,
    ProtectionLevel ProtectionLevel,
    DateOnly HousingPlanStartedOn,
    DateOnly? ConsentGivenOn,
    DateOnly? ConsentExpiresOn,
    RequestStatus Status,
    DateTimeOffset CreatedAt,
    DateTimeOffset? SubmittedAt,
    DateTimeOffset? QueuedSince,
    DateTimeOffset? CooldownUntil,
    string? RejectionReason,
    RequestOutcome? Outcome,
    DateTimeOffset? ClosedAt,
    [property: JsonIgnore] uint Version)
{
    public static Expression<Func<AllocationRequest, AllocationRequestResponse>> Projection(AllocationDbContext db) => r => new AllocationRequestResponse(
        r.Id, r.MunicipalityCode, r.AgreementId, r.OwningUnit, r.CaseReference,
        db.TargetGroups.Where(t => t.Id == r.TargetGroupId).Select(t => t.Code).Single(),
        r.Adults, r.Children, r.MinRooms, r.MaxRent, r.NeedsAccessibility, r.RequiredDistricts, r.ExcludedDistricts,
        r.Urgency, r.UrgentBy, r.ProtectionLevel, r.HousingPlanStartedOn, r.ConsentGivenOn, r.ConsentExpiresOn,
        r.Status, r.CreatedAt, r.SubmittedAt, r.QueuedSince, r.CooldownUntil, r.RejectionReason, r.Outcome, r.ClosedAt, r.Version);
}

public static class AllocationRequestResponses
{
    /// <summary>The stored (encrypted) case reference becomes what this caller may see: the reference or its pseudonym.</summary>
    public static AllocationRequestResponse ShownTo(this AllocationRequestResponse response, CaseReferenceProtector protector, Caller caller) =>
        response with { CaseReference = protector.ShowTo(caller, response.OwningUnit, response.CaseReference) };
}

public sealed record RequestStatusChangeResponse(RequestStatus? FromStatus, RequestStatus ToStatus, DateTimeOffset ChangedAt, string Reason);
