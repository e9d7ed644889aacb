using System.Linq.Expressions;
using System.Text.Json.Serialization;
using Allocation.Api.Infrastructure.Auth;
using Allocation.Api.Persistence;
using Allocation.Domain;

namespace Allocation.Api.Features.AllocationRequests;

/// <summary>A household's request for a social contract, visible to the owning unit's case officers and to coordinators. Carries no names, personal identity numbers or reasons.</summary>
/// <param name="Id">The request's id.</param>
/// <param name="MunicipalityCode">SCB code of the municipality the request belongs to, that of its agreement (four digits, e.g. 0127).</param>
/// <param name="AgreementId">The agreement whose queue the request is in.</param>
/// <param name="OwningUnit">The social-services unit that owns the request, taken from the creating case officer's token; only that unit's case officers and coordinators see the request.</param>
/// <param name="CaseReference">The case officer's opaque case reference, in clear only for the owning unit's case officers and for coordinators; every other caller gets a stable pseudonym (<c>P-</c> and 16 hex characters).</param>
/// <param name="TargetGroupCode">Code of the household's priority target group; never shown to the housing company.</param>
/// <param name="Adults">Number of adults in the household.</param>
/// <param name="Children">Number of children in the household.</param>
/// <param name="AdultWomen">How many of the adults are women, for the national surveys; null when not recorded.</param>
/// <param name="AdultMen">How many of the adults are men, for the national surveys; null when not recorded.</param>
/// <param name="MinRooms">Minimum number of rooms the household needs.</param>
/// <param name="MaxRent">Highest rent the household can pay, in SEK per month; null for no limit.</param>
/// <param name="NeedsAccessibility">Whether the household needs an accessible apartment.</param>
/// <param name="RequiredDistricts">Districts the apartment must be in; empty means any district.</param>
/// <param name="ExcludedDistricts">Districts the household must avoid, e.g. near the perpetrator; apartments there are never eligible, and check explanations do not name them.</param>
/// <param name="Urgency">How urgent the household's need is.</param>
/// <param name="UrgentBy">Date the household must be housed by, e.g. when a protected-housing placement ends (local date); null when none was given.</param>
/// <param name="ProtectionLevel">The household's protection level (the level only, never the reason); never shown to the housing company.</param>
/// <param name="HousingPlanStartedOn">Day the housing plan (boendeplanering) with the household started (local date).</param>
/// <param name="ConsentGivenOn">First day of the household's consent to disclose offer details to the housing company (OSL 12 kap. 2 §, local date); null until consent is recorded.</param>
/// <param name="ConsentExpiresOn">Last day of that consent (local date, inclusive); without a valid consent no offer can be made. Null until consent is recorded.</param>
/// <param name="Status">The request's current state.</param>
/// <param name="CreatedAt">When the request was created as a draft (UTC instant, ISO 8601).</param>
/// <param name="SubmittedAt">When the case officer submitted it (UTC instant, ISO 8601); null while it is a draft.</param>
/// <param name="QueuedSince">Queue time: when a coordinator approved the request (UTC instant, ISO 8601), kept when an offer is declined, withdrawn or expires; null until approved.</param>
/// <param name="CooldownUntil">End of a cool-down set by a coordinator after a declined offer, during which the household gets no offers (UTC instant, ISO 8601); null when none was set (it may lie in the past).</param>
/// <param name="RejectionReason">The coordinator's reason for rejecting the request; null unless the status is Rejected.</param>
/// <param name="Outcome">How the household's need ended; null until the request is closed.</param>
/// <param name="ClosedAt">When the request was closed (UTC instant, ISO 8601); null until then.</param>
/// <param name="Version">Row version for optimistic concurrency; not in the body, sent as the ETag header.</param>
public sealed record AllocationRequestResponse(
    Guid Id,
    string MunicipalityCode,
    Guid AgreementId,
    string OwningUnit,
    string CaseReference,
    string TargetGroupCode,
    int Adults,
    int Children,
    int? AdultWomen,
    int? AdultMen,
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
        r.Adults, r.Children, r.AdultWomen, r.AdultMen, r.MinRooms, r.MaxRent, r.NeedsAccessibility, r.RequiredDistricts, r.ExcludedDistricts,
        r.Urgency, r.UrgentBy, r.ProtectionLevel, r.HousingPlanStartedOn, r.ConsentGivenOn, r.ConsentExpiresOn,
        r.Status, r.CreatedAt, r.SubmittedAt, r.QueuedSince, r.CooldownUntil, r.RejectionReason, r.Outcome, r.ClosedAt, r.Version);
}

public static class AllocationRequestResponses
{
    /// <summary>The stored (encrypted) case reference becomes what this caller may see: the reference or its pseudonym.</summary>
    public static AllocationRequestResponse ShownTo(this AllocationRequestResponse response, CaseReferenceProtector protector, Caller caller) =>
        response with { CaseReference = protector.ShowTo(caller, response.OwningUnit, response.CaseReference) };
}

/// <summary>One change of an allocation request's state, for its history.</summary>
/// <param name="FromStatus">The state before the change; null for the first change, when the request was created.</param>
/// <param name="ToStatus">The state after the change.</param>
/// <param name="ChangedAt">When the change took effect (UTC instant, ISO 8601); for an expired offer this is its deadline.</param>
/// <param name="Reason">What caused the change: <c>created</c>, <c>submitted</c>, <c>approved</c>, <c>rejected</c>, <c>withdrawn</c>, <c>offered</c>, <c>offer declined</c>, <c>offer withdrawn</c>, <c>offer expired</c>, <c>lease signed</c> or <c>closed: {outcome}</c>.</param>
public sealed record RequestStatusChangeResponse(RequestStatus? FromStatus, RequestStatus ToStatus, DateTimeOffset ChangedAt, string Reason);
