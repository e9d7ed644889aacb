using System.Linq.Expressions;
using System.Text.Json.Serialization;
using Allocation.Api.Persistence;
using Allocation.Domain;

namespace Allocation.Api.Features.Agreements;

/// <summary>An agreement with its quota, the current stock and the free places.</summary>
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
