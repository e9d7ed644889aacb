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
/// <param name="TargetGroups">The same target groups in the same order, each with its soft target share and the actual share of the households housed under the agreement.</param>
/// <param name="Housed">
/// Households housed under the agreement since it started, in every target group (also groups the agreement does not name): one
/// per lease confirmed under it, whether the lease is still active, taken over or terminated. The whole the target shares and
/// <c>targetGroups[].housedShare</c> are fractions of. Null when suppressed (then <c>suppressed</c> names it) and for
/// housing-company callers.
/// </param>
/// <param name="Suppressed">The figures of the agreement itself hidden by small-cell suppression: <c>housed</c>, or none. A target group's hidden figures are named in its own <c>suppressed</c>.</param>
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
    IReadOnlyList<AgreementTargetGroupResponse> TargetGroups,
    int? Housed,
    IReadOnlyList<string> Suppressed,
    DateTimeOffset CreatedAt,
    [property: JsonIgnore] uint Version)
{
    /// <summary>
    /// One query shape for every read of an agreement, so list and detail never disagree. The housings are not in it:
    /// <see cref="AgreementReads"/> adds them, suppressed, to whatever this reads.
    /// </summary>
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
        a.TargetGroups
            .Join(db.TargetGroups, x => x.TargetGroupId, t => t.Id, (x, t) => new { t.Code, t.PriorityRank, x.TargetShare })
            .OrderBy(t => t.PriorityRank).ThenBy(t => t.Code)
            .Select(t => new AgreementTargetGroupResponse(t.Code, t.TargetShare, null, null, new List<string>()))
            .ToList(),
        null,
        new List<string>(),
        a.CreatedAt,
        a.Version);
}

/// <summary>
/// One of an agreement's target groups: its soft target share (PRODUCT §5) beside the actual share of the households
/// housed under the agreement. A target share is a goal that is measured, never a block: no eligibility, queue or offer rule reads it.
/// </summary>
/// <param name="TargetGroupCode">The target group's code.</param>
/// <param name="TargetShare">The goal: the fraction of the households housed under the agreement meant for this group, from 0 to 1 (0.4 = 40 %); the shares of one agreement add up to at most 1. Null when the agreement sets none for the group.</param>
/// <param name="Housed">
/// Households of this group housed under the agreement since it started (leases confirmed, whether still active, taken over or
/// terminated). Null when suppressed (PRODUCT §6: a sensitive group's count from 1 to the suppression threshold − 1, and the
/// counts that would let it be worked out from the agreement's <c>housed</c>) and for housing-company callers, who know their
/// tenants and so are never told their target groups.
/// </param>
/// <param name="HousedShare">The actual share: <c>housed</c> ÷ the agreement's <c>housed</c>, from 0 to 1, rounded to four decimals, to compare with <c>targetShare</c>. Null when nobody has been housed yet, when either count is suppressed, and for housing-company callers.</param>
/// <param name="Suppressed">This group's figures hidden by small-cell suppression (<c>housed</c>, <c>housedShare</c>); empty when none.</param>
public sealed record AgreementTargetGroupResponse(
    string TargetGroupCode,
    decimal? TargetShare,
    int? Housed,
    decimal? HousedShare,
    IReadOnlyList<string> Suppressed);
