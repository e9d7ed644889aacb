using Allocation.Api.Infrastructure.Auth;
using Allocation.Api.Persistence;
using Allocation.Domain.Network;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Allocation.Api.Features.Network;

/// <summary>One member's line of the reciprocity ledger: placements given and received, and its balance.</summary>
/// <param name="MunicipalityCode">SCB code of the member.</param>
/// <param name="Name">The member's name.</param>
/// <param name="Active">Whether the member takes part in exchanges now.</param>
/// <param name="Given">Households this member housed from other members: network moves whose lease in this member's stock is signed.</param>
/// <param name="Received">Households of this member housed by other members.</param>
/// <param name="Balance"><c>given − received</c>.</param>
/// <param name="GivenPeople">People in the households given (the balance weighted by household size).</param>
/// <param name="ReceivedPeople">People in the households received.</param>
/// <param name="WeightedBalance"><c>givenPeople − receivedPeople</c>.</param>
/// <param name="OpenRequests">The member's relocation requests still open for offers.</param>
/// <param name="OffersMade">Offers the member has made to other members' requests, whatever became of them.</param>
/// <param name="MayPostRequests">Whether the reciprocity rule lets the member post new relocation requests now.</param>
public sealed record LedgerMemberResponse(
    string MunicipalityCode,
    string Name,
    bool Active,
    int Given,
    int Received,
    int Balance,
    int GivenPeople,
    int ReceivedPeople,
    int WeightedBalance,
    int OpenRequests,
    int OffersMade,
    bool MayPostRequests);

/// <summary>The Södertörn network's reciprocity ledger (PRODUCT §7): per member, and the rule that may stop a member far below balance from posting.</summary>
/// <param name="ReciprocityThreshold">A member whose <c>balance</c> is below this may not post new relocation requests (409 reciprocity-threshold); null when the rule is off.</param>
/// <param name="Rule">The reciprocity rule in words, as configured.</param>
/// <param name="Members">Every registered member, by SCB code. Across members, the sum of <c>given</c> equals the sum of <c>received</c>.</param>
public sealed record NetworkLedgerResponse(int? ReciprocityThreshold, string Rule, IReadOnlyList<LedgerMemberResponse> Members);

public sealed record GetNetworkLedgerQuery : IQuery<NetworkLedgerResponse>;

public sealed class GetNetworkLedgerHandler(AllocationDbContext db, ReciprocityRule rule) : IQueryHandler<GetNetworkLedgerQuery, NetworkLedgerResponse>
{
    public async ValueTask<NetworkLedgerResponse> Handle(GetNetworkLedgerQuery query, CancellationToken ct)
    {
        var figures = await NetworkView.LedgerFiguresAsync(db, ct);
        var members = await db.NetworkMembers.AsNoTracking().OrderBy(m => m.MunicipalityCode).ToListAsync(ct);
        return new NetworkLedgerResponse(rule.Threshold, Describe(rule), members.Select(m =>
        {
            var f = figures.GetValueOrDefault(m.MunicipalityCode) ?? new LedgerFigures(0, 0, 0, 0, 0, 0);
            return new LedgerMemberResponse(m.MunicipalityCode, m.Name, m.Active, f.Given, f.Received, f.Given - f.Received, f.GivenPeople, f.ReceivedPeople,
                f.GivenPeople - f.ReceivedPeople, f.OpenRequests, f.OffersMade, rule.MayPost(f.Given - f.Received));
        }).ToList());
    }

    private static string Describe(ReciprocityRule rule) => rule.Threshold is { } threshold
        ? $"A member whose balance (given − received) is below {threshold} may not post new relocation requests."
        : "Off: every active member may post relocation requests whatever its balance.";
}

/// <summary>A member's figures, as <see cref="NetworkView.LedgerFiguresAsync"/> counts them.</summary>
public sealed record LedgerFigures(int Given, int Received, int GivenPeople, int ReceivedPeople, int OpenRequests, int OffersMade);

internal static class NetworkLedger
{
    public static async Task<int> BalanceAsync(AllocationDbContext db, string municipalityCode, CancellationToken ct) =>
        (await NetworkView.LedgerFiguresAsync(db, ct)).GetValueOrDefault(municipalityCode) is { } f ? f.Given - f.Received : 0;
}
