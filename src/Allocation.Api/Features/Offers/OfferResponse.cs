using System.Security.Cryptography;
using System.Text;
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
/// <param name="RankExplanation">Why the household ranked where it did: target group and its priority rank, urgency and queue time. Once the household's case details are erased under retention, only its queue position and "Erased under retention.".</param>
/// <param name="Checks">Every hard check of the chosen household against the apartment, as evaluated then (all passed). Once the household's case details are erased under retention, each explanation reads "Erased under retention.".</param>
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

    /// <summary>What retention leaves in place of what an erased household's case details said.</summary>
    public const string ErasedText = "Erased under retention.";

    /// <summary>
    /// The pseudonyms of snapshots made before 2026-12-04: keyed by the offer's id alone, so whoever held a request's id
    /// could recompute them. Retention still finds an erased household's entry in those by it.
    /// </summary>
    private static string UnkeyedPseudonym(Guid offerId, Guid requestId) =>
        "H-" + Convert.ToHexString(HMACSHA256.HashData(offerId.ToByteArray(), Encoding.ASCII.GetBytes(requestId.ToString())))[..12].ToLowerInvariant();

    /// <summary>
    /// Retention (gallring, PRODUCT §6): the snapshot without what it said of households whose case details are erased.
    /// Their entries keep position, priority rank and queue time, which the request keeps too, and read urgency
    /// <c>Normal</c> as the erased request does, marked <see cref="CompetitorSnapshot.Erased"/>. If the chosen household
    /// is one of them, the rank explanation and the checks' explanations, which describe its case, are erased as well.
    /// Returns this same instance when none of them is in the snapshot.
    /// </summary>
    /// <param name="offerId">The offer the snapshot belongs to (its pseudonyms are keyed by it).</param>
    /// <param name="chosenRequestId">The request the offer was made to.</param>
    /// <param name="erased">Requests whose case details are erased.</param>
    /// <param name="protector">Computes the households' pseudonyms (<see cref="CaseReferenceProtector.HouseholdPseudonym"/>).</param>
    public DecisionSnapshot WithErased(Guid offerId, Guid chosenRequestId, IEnumerable<Guid> erased, CaseReferenceProtector protector)
    {
        var erasedIds = erased.ToHashSet();
        var pseudonyms = erasedIds.SelectMany(id => new[] { protector.HouseholdPseudonym(offerId, id), UnkeyedPseudonym(offerId, id) }).ToHashSet();
        var chosenErased = erasedIds.Contains(chosenRequestId);
        if (!chosenErased && !Competitors.Any(c => !c.Erased && pseudonyms.Contains(c.Pseudonym))) return this;
        var snapshot = this with
        {
            Competitors = Competitors.Select(c => pseudonyms.Contains(c.Pseudonym) ? c with { Urgency = Urgency.Normal, Erased = true } : c).ToList(),
        };
        return chosenErased
            ? snapshot with { RankExplanation = $"Position {QueuePosition}: {ErasedText}", Checks = Checks.Select(c => c with { Explanation = ErasedText }).ToList() }
            : snapshot;
    }
}

/// <summary>A household eligible for the apartment when the offer was made, without any identifying data.</summary>
/// <param name="Pseudonym">Pseudonym of the household (<c>H-</c> and 12 hex characters), stable within this offer only: a keyed hash that cannot be linked to other offers, to the request or to the case reference.</param>
/// <param name="PositionAmongEligible">Position among the eligible households (1 = first).</param>
/// <param name="PriorityRank">Priority rank of the household's target group (1 = highest).</param>
/// <param name="Urgency">The household's urgency at that moment.</param>
/// <param name="QueuedSince">The household's queue time (UTC instant, ISO 8601).</param>
/// <param name="Chosen">True for the household that got the offer.</param>
/// <param name="Erased">True once the household's case details were erased under retention: its urgency then reads <c>Normal</c>, as its erased request's does.</param>
public sealed record CompetitorSnapshot(string Pseudonym, int PositionAmongEligible, int PriorityRank, Urgency Urgency, DateTimeOffset QueuedSince, bool Chosen,
    bool Erased);

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
