using System.Text.Json;
using System.Text.Json.Serialization;
using Allocation.Api.Features.Queue;
using Allocation.Api.Infrastructure.Auth;
using Allocation.Domain;

namespace Allocation.Api.Features.Offers;

/// <summary>Why this household got this apartment, frozen when the offer was made: its position, the competing eligible households (pseudonymised) and every check. Never shown to the housing company.</summary>
/// <param name="TakenAt">When the offer was made and the snapshot taken (UTC instant, ISO 8601).</param>
/// <param name="PositionAmongEligible">The chosen household's position among the households eligible for the apartment at that moment (1 = first).</param>
/// <param name="QueuePosition">The chosen household's position in the agreement's whole queue at that moment.</param>
/// <param name="RankExplanation">Why the household ranked where it did: target group and its priority rank, urgency and queue time.</param>
/// <param name="Checks">Every hard check of the chosen household against the apartment, as evaluated then (all passed).</param>
/// <param name="Competitors">Every household eligible for the apartment at that moment, the chosen one included, in rank order and pseudonymised.</param>
public sealed record DecisionSnapshot(
    DateTimeOffset TakenAt,
    int PositionAmongEligible,
    int QueuePosition,
    string RankExplanation,
    IReadOnlyList<CheckResponse> Checks,
    IReadOnlyList<CompetitorSnapshot> Competitors)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    public string Serialize() => JsonSerializer.Serialize(this, Json);

    public static DecisionSnapshot Deserialize(string json) => JsonSerializer.Deserialize<DecisionSnapshot>(json, Json)!;
}

/// <summary>A household eligible for the apartment when the offer was made, without any identifying data.</summary>
/// <param name="Pseudonym">Pseudonym of the household (<c>H-</c> and 12 hex characters), stable within this offer only: it cannot be linked to other offers or to the case reference.</param>
/// <param name="PositionAmongEligible">Position among the eligible households (1 = first).</param>
/// <param name="PriorityRank">Priority rank of the household's target group (1 = highest).</param>
/// <param name="Urgency">The household's urgency at that moment.</param>
/// <param name="QueuedSince">The household's queue time (UTC instant, ISO 8601).</param>
/// <param name="Chosen">True for the household that got the offer.</param>
public sealed record CompetitorSnapshot(string Pseudonym, int PositionAmongEligible, int PriorityRank, Urgency Urgency, DateTimeOffset QueuedSince, bool Chosen);

/// <summary>One apartment offered to one household by a coordinator. The housing company sees of the household only its size and accessibility need, never target group, urgency, protection or the decision snapshot.</summary>
/// <param name="Id">The offer's id.</param>
/// <param name="MunicipalityCode">SCB code of the municipality the offer belongs to (four digits, e.g. 0127).</param>
/// <param name="AgreementId">The agreement the apartment and the request belong to.</param>
/// <param name="ApartmentId">The apartment offered.</param>
/// <param name="RequestId">The allocation request (household) the apartment is offered to; an opaque id that says nothing about the household.</param>
/// <param name="HouseholdSize">Number of people in the household (adults plus children) when the offer was made; disclosed to the housing company with the household's consent.</param>
/// <param name="NeedsAccessibility">Whether the household needs an accessible apartment; disclosed to the housing company with the household's consent.</param>
/// <param name="Status">The offer's state; an open offer past <c>respondBy</c> reads as Expired even before the expiry is recorded.</param>
/// <param name="CreatedAt">When the coordinator made the offer (UTC instant, ISO 8601).</param>
/// <param name="RespondBy">Deadline for the household's answer (UTC instant, ISO 8601); from this instant an unanswered offer is expired.</param>
/// <param name="Stalled">True when the offer is still open after more than the agreement's <c>offerStallDays</c>.</param>
/// <param name="ViewedAt">When the household viewed the apartment, as recorded by the housing company or a coordinator (UTC instant, ISO 8601); null until recorded.</param>
/// <param name="ViewingNote">Note recorded with the viewing; null when none was given.</param>
/// <param name="RespondedAt">When the offer was accepted, declined or withdrawn, or its deadline when it expired (UTC instant, ISO 8601); null while open.</param>
/// <param name="DeclineReason">The household's reason for declining; null unless the status is Declined.</param>
/// <param name="DeclineNote">Free text recorded with the decline (always given for reason Other); null when none.</param>
/// <param name="DecisionSnapshot">Why this household got this apartment, as it was when the offer was made; null for the housing company, which may not see ranks or urgencies.</param>
/// <param name="Version">Row version for optimistic concurrency; not in the body, sent as the ETag header.</param>
public sealed record OfferResponse(
    Guid Id,
    string MunicipalityCode,
    Guid AgreementId,
    Guid ApartmentId,
    Guid RequestId,
    int HouseholdSize,
    bool NeedsAccessibility,
    OfferStatus Status,
    DateTimeOffset CreatedAt,
    DateTimeOffset RespondBy,
    bool Stalled,
    DateTimeOffset? ViewedAt,
    string? ViewingNote,
    DateTimeOffset? RespondedAt,
    DeclineReason? DeclineReason,
    string? DeclineNote,
    DecisionSnapshot? DecisionSnapshot,
    [property: JsonIgnore] uint Version)
{
    /// <summary>
    /// The status as of <paramref name="now"/>: an open offer past its deadline reads as expired (PRODUCT §4). The
    /// decision snapshot (ranks, urgencies) is for social services: the housing company gets null (PRODUCT §6).
    /// </summary>
    public static OfferResponse From(Offer o, int offerStallDays, DateTimeOffset now, Caller caller)
    {
        var status = o.StatusAt(now);
        return new OfferResponse(o.Id, o.MunicipalityCode, o.AgreementId, o.ApartmentId, o.RequestId, o.HouseholdSize, o.NeedsAccessibility,
            status, o.CreatedAt, o.RespondBy,
            status == OfferStatus.Open && o.CreatedAt < now.AddDays(-offerStallDays), o.ViewedAt, o.ViewingNote,
            status == OfferStatus.Expired ? o.RespondBy : o.RespondedAt, o.DeclineReason, o.DeclineNote,
            caller.SeesHouseholdDetails ? DecisionSnapshot.Deserialize(o.DecisionSnapshot) : null, o.Version);
    }
}
