using System.Linq.Expressions;
using System.Text.Json.Serialization;
using Allocation.Api.Persistence;
using Allocation.Domain;

namespace Allocation.Api.Features.Agreements;

/// <summary>An agreement between a municipality and a housing company on apartments for social contracts: its terms, quota, current stock and free places.</summary>
/// <param name="Id">The agreement's id.</param>
/// <param name="MunicipalityCode">SCB code of the municipality that is party to the agreement and owns its records (four digits, e.g. 0127 Botkyrka).</param>
/// <param name="HousingCompanyId">The housing company that is the other party and registers apartments under the agreement.</param>
/// <param name="Reference">The parties' reference for the agreement, e.g. its contract or diary number.</param>
/// <param name="ValidFrom">First day the agreement is in force (local date, inclusive); apartments can be registered only while it is in force.</param>
/// <param name="ValidTo">Last day the agreement is in force (local date, inclusive); null when it runs until further notice.</param>
/// <param name="ApartmentQuota">The most apartments the agreement's stock may hold at any time (e.g. 300); never exceeded, a registration beyond it is refused with 409 quota-exhausted.</param>
/// <param name="StockCount">Apartments currently in the stock: registered and not yet taken over or returned (available, offered or leased).</param>
/// <param name="FreePlaces">How many more apartments can be registered now: <c>apartmentQuota</c> minus <c>stockCount</c>.</param>
/// <param name="DefaultTrialMonths">Trial period (prövotid) in months given to a lease confirmed without its own <c>trialEndsOn</c>.</param>
/// <param name="OfferResponseWorkingDays">Default time a household has to answer an offer, in working days (Monday to Friday; public holidays are not excluded).</param>
/// <param name="QueueStallDays">An approved request queued longer than this many days is flagged as stalled in the queue.</param>
/// <param name="OfferStallDays">An offer still open after this many days is flagged as stalled.</param>
/// <param name="TargetGroupCodes">Codes of the target groups the agreement prioritises, by priority rank (highest first).</param>
/// <param name="CreatedAt">When the agreement was registered (UTC instant, ISO 8601).</param>
/// <param name="Version">Row version for optimistic concurrency; not in the body, sent as the ETag header.</param>
public sealed record AgreementResponse(
    Guid Id,
    string MunicipalityCode,
    Guid HousingCompanyId,
    string Reference,
    DateOnly ValidFrom,
    DateOnly? ValidTo,
    int ApartmentQuota,
    int StockCount,
    int FreePlaces,
    int DefaultTrialMonths,
    int OfferResponseWorkingDays,
    int QueueStallDays,
    int OfferStallDays,
    IReadOnlyList<string> TargetGroupCodes,
    DateTimeOffset CreatedAt,
    [property: JsonIgnore] uint Version)
{
    /// <summary>One query shape for every read of an agreement, so list and detail never disagree.</summary>
    public static Expression<Func<Agreement, AgreementResponse>> Projection(AllocationDbContext db) => a => new AgreementResponse(
        a.Id,
        a.MunicipalityCode,
        a.HousingCompanyId,
        a.Reference,
        a.ValidFrom,
        a.ValidTo,
        a.ApartmentQuota,
        a.StockCount,
        a.ApartmentQuota - a.StockCount,
        a.DefaultTrialMonths,
        a.OfferResponseWorkingDays,
        a.QueueStallDays,
        a.OfferStallDays,
        db.TargetGroups
            .Where(t => a.TargetGroups.Any(x => x.TargetGroupId == t.Id))
            .OrderBy(t => t.PriorityRank).ThenBy(t => t.Code)
            .Select(t => t.Code)
            .ToList(),
        a.CreatedAt,
        a.Version);
}
