using Allocation.Api.Persistence;

namespace Allocation.Api.Features.Forecasts;

/// <summary>The contract's example forecast: Botkyrka, five apartments reserved for violence-exposed women for 60 days, over two years.</summary>
internal static class ForecastExamples
{
    private static ForecastFigure F(double mean, double p10, double p50, double p90) => new(mean, p10, p50, p90);

    private static ForecastGroupInput Group(int index, int? approved, double? perDay, int months, double? mean, double? variance, double? rateVariance, int? queued,
        IReadOnlyList<string> suppressed) =>
        new(SeedData.TargetGroups[index].Code, SeedData.TargetGroups[index].PriorityRank, approved, perDay, months, mean, variance, rateVariance, queued, suppressed);

    public static readonly ReservationForecastResponse Response = new(
        SeedData.BotkyrkaAgreement, SeedData.TargetGroups[0].Code, 5, 60, 730, 1000, 2026,
        new ForecastInputsResponse(
            new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2027, 3, 1, 9, 30, 0, TimeSpan.Zero), 424.395833,
            new ForecastStockInput(296, 11, 4, 281),
            [
                Group(0, 61, 0.143735, 14, 4.357143, 9.785714, 0.006032, null, ["queued"]),
                Group(1, 88, 0.207353, 14, 6.285714, 8.835165, 0.002833, 9, []),
            ],
            new ForecastLeadTimeInput(163, 6.412877, 4.854167, 14.2125),
            new ForecastAcceptanceInput(151, 94, 49, 8, 0.622517),
            new ForecastOccupancyInput(104, 23, 31206, 1356.782609),
            new ForecastRentInput(296, 248.51m)),
        true,
        ["The horizon of 730 days reaches further ahead than the history goes back (424 days)."],
        ForecastReservationWhatIfHandler.Assumptions,
        new ForecastPolicyResponse(F(3866.4, 3121.9, 3840.2, 4648.7), F(0, 0, 0, 0), F(960859.06, 775843.38, 954348.1, 1155268.54), F(9.81, 7.02, 9.64, 12.93),
            F(64.27, 41.88, 62.93, 88.1)),
        new ForecastPolicyResponse(F(5912.8, 5105.3, 5899.5, 6741.2), F(3398.5, 3010.6, 3402.0, 3781.3), F(1469439.93, 1268718.1, 1466101.4, 1675265.6),
            F(2.36, 1.41, 2.28, 3.42), F(69.05, 45.7, 67.81, 93.34)),
        new ForecastPolicyResponse(F(2046.4, 1538.2, 2049.9, 2548.0), F(3398.5, 3010.6, 3402.0, 3781.3), F(508580.87, 382263.2, 509431.1, 633214.5),
            F(-7.45, -10.21, -7.33, -4.83), F(4.78, 1.12, 4.66, 8.61)),
        new ForecastReservationsResponse(F(71.3, 62, 71, 81), F(38.6, 31, 38, 46), F(30.2, 24, 30, 37)));
}
