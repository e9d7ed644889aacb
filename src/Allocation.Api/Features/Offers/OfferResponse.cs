using System.Text.Json;
using System.Text.Json.Serialization;
using Allocation.Api.Features.Queue;
using Allocation.Api.Infrastructure.Auth;
using Allocation.Domain;

namespace Allocation.Api.Features.Offers;

/// <summary>
/// Why this household got this apartment, as it was when the offer was made (PRODUCT §4): the household's position,
/// the competing eligible households (pseudonymised per offer) and every check.
/// </summary>
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

/// <summary>An eligible household at the time of the offer; <c>pseudonym</c> is stable within one offer only.</summary>
public sealed record CompetitorSnapshot(string Pseudonym, int PositionAmongEligible, int PriorityRank, Urgency Urgency, DateTimeOffset QueuedSince, bool Chosen);

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
