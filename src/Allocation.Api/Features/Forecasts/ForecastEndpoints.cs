using Allocation.Api.Infrastructure;
using Allocation.Api.Infrastructure.Auth;
using Allocation.Api.Persistence;
using Mediator;

namespace Allocation.Api.Features.Forecasts;

public static class ForecastEndpoints
{
    public static void MapForecastEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/forecasts").WithTags("Forecasts");

        group.MapPost("/reservation-what-if", async (ReservationWhatIfRequest body, IMediator mediator, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new ForecastReservationWhatIfQuery(body), ct)))
            .WithName("ForecastReservationWhatIf")
            .RequireRoles(Access.ReadReports)
            .WithRequestExample(new ReservationWhatIfRequest(SeedData.BotkyrkaAgreement, SeedData.TargetGroups[0].Code, 5, 60, 730, 1000, 2026))
            .WithSummary("Forecast what reserving apartments for a target group would cost and gain")
            .WithDescription(
                "PRODUCT §5.3. For the policy \"keep up to `apartments` apartments reserved for the target group, each for at most "
                + "`reservationDays` days\" against no reservation, over `horizonDays` days from now: the vacant apartment-days (and of them "
                + "the reserved ones), their cost, and the days from a request's arrival to its first offer for the group and for all "
                + "other groups — each as the mean and the 10th, 50th and 90th percentile of `runs` simulated runs, and as the change "
                + "(reservation − baseline) over the same random history. A discrete-event Monte Carlo simulation whose inputs are "
                + "estimated from the agreement's recorded history: arrivals of approved requests per group with their month-to-month "
                + "variation, the lead time to an offer, the acceptance probability, how long apartments stay occupied, the stock, the "
                + "queue now and the mean daily rent. The response lists every input with its observations, the assumptions in words, "
                + "and `lowConfidence` with reasons when an input rests on little history. Deterministic: the same `seed` and history "
                + "give the same answer. The agreement must be the caller's municipality's (404). Refusals: 400 validation-failed "
                + "(bounds, `apartments` above the stock, `runs` × stock above 3,000,000 or `runs` × the requests expected over the horizon "
                + "above 10,000,000). A sensitive group's counts from 1 "
                + "to the suppression threshold − 1 are null and named in its `suppressed` (PRODUCT §6). Every forecast is written to "
                + "the audit trail like a report (`exported reservation-what-if …`).")
            .Refuses(
                ("insufficient-history", "fewer than 20 approved requests, less than 30 days of history, no offer ever accepted, "
                                         + "or only leases that ended without lasting a day"),
                ("target-group-not-in-agreement", "the target group is not one of the agreement's target groups"))
            .ProducesProblems(400, 404);
    }
}
