using System.Text.Json.Serialization;
using Allocation.Domain;

namespace Allocation.Api.Features.Leases;

/// <summary>A case officer's follow-up of the household during the lease's trial period.</summary>
/// <param name="Id">The follow-up's id.</param>
/// <param name="Date">Day of the follow-up (local date).</param>
/// <param name="Result">Whether the follow-up found the tenancy going well or a concern.</param>
/// <param name="Note">Free-text note; always given for a concern, otherwise null when none.</param>
/// <param name="RecordedAt">When the follow-up was recorded (UTC instant, ISO 8601).</param>
public sealed record FollowUpResponse(Guid Id, DateOnly Date, FollowUpResult Result, string? Note, DateTimeOffset RecordedAt);

/// <summary>A signed social contract and where it stands: trial period, takeover or termination, and its follow-ups.</summary>
/// <param name="Id">The lease's id.</param>
/// <param name="MunicipalityCode">SCB code of the municipality the lease belongs to (four digits, e.g. 0127).</param>
/// <param name="AgreementId">The agreement the apartment belongs to.</param>
/// <param name="OfferId">The accepted offer the lease was confirmed on; null for a lease signed through the Södertörn network.</param>
/// <param name="RelocationOfferId">The accepted network offer the lease was confirmed on (a household relocated from another member); null for a local lease.</param>
/// <param name="ApartmentId">The leased apartment.</param>
/// <param name="RequestId">The allocation request (household) housed; an opaque id. Null for a lease signed through the network: the household's request belongs to the municipality it came from.</param>
/// <param name="StartDate">First day of the lease (local date).</param>
/// <param name="Form">How the social contract is arranged.</param>
/// <param name="TrialEndsOn">Day the trial period (prövotid) ends (local date); the household can take over the lease from that day.</param>
/// <param name="InTrial">True while the lease is active and today is before <c>trialEndsOn</c>.</param>
/// <param name="Status">The lease's state.</param>
/// <param name="SignedAt">When the housing company confirmed the signed lease (UTC instant, ISO 8601).</param>
/// <param name="EndedOn">Day the lease ended by takeover or termination (local date); null while active.</param>
/// <param name="TerminationReason">Why the lease was terminated; null unless the status is Terminated.</param>
/// <param name="FollowUps">Follow-ups recorded during the trial period, by date.</param>
/// <param name="Version">Row version for optimistic concurrency; not in the body, sent as the ETag header.</param>
public sealed record LeaseResponse(
    Guid Id,
    string MunicipalityCode,
    Guid AgreementId,
    Guid? OfferId,
    Guid? RelocationOfferId,
    Guid ApartmentId,
    Guid? RequestId,
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
        l.Id, l.MunicipalityCode, l.AgreementId, l.OfferId, l.RelocationOfferId, l.ApartmentId, l.RequestId, l.StartDate, l.Form, l.TrialEndsOn,
        l.InTrial(DateOnly.FromDateTime(now.UtcDateTime)), l.Status, l.SignedAt, l.EndedOn, l.TerminationReason,
        l.FollowUps.OrderBy(f => f.Date).ThenBy(f => f.Id).Select(f => new FollowUpResponse(f.Id, f.Date, f.Result, f.Note, f.RecordedAt)).ToList(),
        l.Version);
}
