using Allocation.Domain.Forecasting;

namespace Allocation.Domain.Tests.Forecasting;

/// <summary>PRODUCT §5.3: the forecast's inputs are what the history says, computed in a way anyone can check.</summary>
public sealed class ForecastEstimationTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 8, 0, 0, TimeSpan.Zero);

    [Test]
    public void Arrivals_are_counted_per_day_of_the_window_and_per_whole_month_for_their_variation()
    {
        // Months of 30 days from the window's start: 2, 6 and 1 approvals, then 10 days of a fourth month with 1 more.
        var approvals = new[] { 1, 29 }.Concat([30, 31, 35, 40, 50, 59]).Concat([75]).Concat([95]).Select(d => Start.AddDays(d)).ToList();

        var estimate = ForecastEstimation.Arrivals(approvals, Start, Start.AddDays(100));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(estimate.Approved, Is.EqualTo(10));
            Assert.That(estimate.PerDay, Is.EqualTo(0.1).Within(1e-12));
            Assert.That(estimate.Months, Is.EqualTo(3));
            Assert.That(estimate.MonthlyMean, Is.EqualTo(3).Within(1e-12));
            Assert.That(estimate.MonthlyVariance, Is.EqualTo(7).Within(1e-12), "((2−3)² + (6−3)² + (1−3)²) ÷ 2");
            Assert.That(estimate.DailyRateVariance, Is.EqualTo(4.0 / 900).Within(1e-15), "(7 − 3) ÷ 30²");
        }
    }

    [Test]
    public void Months_that_vary_no_more_than_a_Poisson_stream_add_no_variation()
    {
        var approvals = Enumerable.Range(0, 6).SelectMany(m => new[] { 3, 10, 20 }.Select(d => Start.AddDays(30 * m + d)));

        var estimate = ForecastEstimation.Arrivals(approvals, Start, Start.AddDays(180));

        Assert.That((estimate.MonthlyVariance, estimate.DailyRateVariance), Is.EqualTo((0.0, 0.0)));
    }

    [Test]
    public void With_less_than_two_whole_months_the_variation_is_unknown_and_taken_as_none()
    {
        var estimate = ForecastEstimation.Arrivals([Start.AddDays(3), Start.AddDays(40)], Start, Start.AddDays(45));

        Assert.That((estimate.Months, estimate.MonthlyMean, estimate.MonthlyVariance, estimate.DailyRateVariance), Is.EqualTo((1, (double?)null, (double?)null, 0.0)));
    }

    [Test]
    public void Lead_time_runs_from_when_apartment_and_household_could_first_meet()
    {
        var offeredAt = Start.AddDays(20);
        var from = DateOnly.FromDateTime(Start.UtcDateTime);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(ForecastEstimation.LeadTimeDays(new(offeredAt, Start.AddDays(2), from, Start.AddDays(14))), Is.EqualTo(6).Within(1e-9), "queued after the apartment freed");
            Assert.That(ForecastEstimation.LeadTimeDays(new(offeredAt, Start.AddDays(15), from, Start)), Is.EqualTo(5).Within(1e-9), "queued before");
            Assert.That(ForecastEstimation.LeadTimeDays(new(offeredAt, Start, from.AddDays(18), Start)), Is.EqualTo(2 + 8.0 / 24).Within(1e-9),
                "not before the day it can be moved into (midnight UTC)");
        }
    }

    [Test]
    public void Expired_offers_count_as_not_accepted()
    {
        var estimate = ForecastEstimation.Acceptance(accepted: 6, declined: 3, expired: 1);

        Assert.That((estimate.Answered, estimate.Probability), Is.EqualTo((10, (double?)0.6)));
        Assert.That(ForecastEstimation.Acceptance(0, 0, 0).Probability, Is.Null);
    }

    [Test]
    public void Mean_occupancy_is_leased_days_over_leases_ended_so_running_leases_count_their_days_so_far()
    {
        var today = new DateOnly(2027, 1, 1);
        (DateOnly, DateOnly?)[] leases = [(new(2026, 1, 1), new DateOnly(2026, 3, 2)), (new(2026, 6, 1), null), (new(2026, 12, 1), new DateOnly(2026, 12, 31))];

        var estimate = ForecastEstimation.Occupancy(leases, today);

        Assert.That(estimate, Is.EqualTo(new OccupancyEstimate(3, 2, 60 + 214 + 30, (60 + 214 + 30) / 2.0)));
        Assert.That(ForecastEstimation.Occupancy([(new DateOnly(2026, 6, 1), null)], today).MeanDays, Is.Null, "no lease ended: no turnover seen");
    }
}
