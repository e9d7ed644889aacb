using Allocation.Domain.Forecasting;

namespace Allocation.Domain.Tests.Forecasting;

/// <summary>Issue 10 acceptance: the simulator against closed forms, and its reservation, percentile and seed rules.</summary>
public sealed class ReservationWhatIfTests
{
    private const string Women = "violence-exposed-women", Families = "families-acute-homelessness", Young = "young-adults-leaving-care";

    /// <summary>
    /// One group, Poisson arrivals, offers at once and always accepted, exponential occupancy: the stock is an M/M/c queue with
    /// the apartments as servers. 400 runs of five years after a year's warm-up (the stock starts at its mean occupancy, and a
    /// year is many relaxation times of these queues, so the counted years are in the steady state). Tolerance: four standard
    /// errors of the mean over the runs. The mean wait is compared with W_q less the part of the waits cut off at the horizon's
    /// end (a request still waiting then counts the days it has waited): E[W_q²] ÷ 2H of the mean, exact in the steady state.
    /// </summary>
    [TestCase(5, 0.2, 20.0)]
    [TestCase(10, 0.4, 20.0)]
    [TestCase(3, 0.05, 30.0)]
    public void With_Poisson_arrivals_and_exponential_leases_waits_and_vacancy_are_those_of_an_M_M_c_queue(int c, double lambda, double meanOccupancy)
    {
        const int horizon = 1826, runs = 400;
        var mu = 1 / meanOccupancy;
        var load = lambda / mu;
        var occupied = (int)Math.Round(load);
        var inputs = new ForecastInputs(c - occupied, occupied, [new GroupDemand(Women, 1, lambda, 0, 0, 0)], [], 1, meanOccupancy, 250m);

        var forecast = ReservationWhatIf.Simulate(inputs, new ReservationPolicy(Women, 1, 30), new SimulationSettings(horizon, runs, 2026, WarmUpDays: 365));

        var wait = forecast.Baseline.DaysToOfferTargetGroup!;
        var expectedWait = ErlangC.MeanWait(c, lambda, mu) - ErlangC.MeanSquaredWait(c, lambda, mu) / (2 * horizon);
        var vacant = forecast.Baseline.VacantDays;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(wait.Values, Has.Count.EqualTo(runs));
            Assert.That(wait.Mean, Is.EqualTo(expectedWait).Within(4 * wait.StandardError), $"W_q = {ErlangC.MeanWait(c, lambda, mu):F3} days");
            Assert.That(vacant.Mean / horizon, Is.EqualTo(c - load).Within(4 * vacant.StandardError / horizon), "idle servers: c − λ/μ");
            Assert.That(wait.StandardError, Is.LessThan(0.05 * Math.Max(1, expectedWait)), "the check is tight enough to catch an error");
        }
    }

    [Test]
    public void With_no_arrivals_the_reserved_apartments_stand_vacant_k_times_the_reservation_days()
    {
        var inputs = new ForecastInputs(6, 0, [new GroupDemand(Women, 1, 0, 0, 0, 0), new GroupDemand(Families, 2, 0, 0, 0, 0)], [], 0.5, 400, 250m);

        var forecast = ReservationWhatIf.Simulate(inputs, new ReservationPolicy(Women, 2, 30), new SimulationSettings(365, 20, 1));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(forecast.Reservation.ReservedVacantDays.Values, Is.All.EqualTo(2 * 30.0).Within(1e-9), "k × D: one cycle each");
            Assert.That(forecast.ReservationsStarted.Values, Is.All.EqualTo(2));
            Assert.That(forecast.ReservationsExpired.Values, Is.All.EqualTo(2));
            Assert.That(forecast.Baseline.VacantDays.Values, Is.All.EqualTo(6 * 365.0).Within(1e-9), "nobody comes: the stock stays empty");
            Assert.That(forecast.Change.VacantDays.Values, Is.All.EqualTo(0).Within(1e-9), "a reservation nobody could have used costs nothing extra");
            Assert.That(forecast.Baseline.ReservedVacantDays.Values, Is.All.EqualTo(0));
        }
    }

    [Test]
    public void With_no_arrivals_and_leases_ending_every_reservation_cycle_stands_vacant_its_days_unless_the_horizon_cuts_it()
    {
        const int days = 45, k = 3;
        var inputs = new ForecastInputs(0, 40, [new GroupDemand(Women, 1, 0, 0, 0, 0), new GroupDemand(Families, 2, 0, 0, 0, 0)], [], 0.5, 300, 250m);

        var forecast = ReservationWhatIf.Simulate(inputs, new ReservationPolicy(Women, k, days), new SimulationSettings(1000, 50, 7));

        var reserved = forecast.Reservation.ReservedVacantDays.Values;
        var started = forecast.ReservationsStarted.Values;
        var expired = forecast.ReservationsExpired.Values;
        Assert.That(expired.Sum(), Is.GreaterThan(50 * 5), "many cycles to check");
        for (var run = 0; run < reserved.Count; run++)
        {
            var running = started[run] - expired[run]; // none can be offered: nobody of the group comes
            Assert.That(running, Is.InRange(0, k), $"run {run}: at most k reservations at once");
            // Every ended cycle stood its D days; those still running at the horizon's end stood part of theirs.
            Assert.That(reserved[run] - days * expired[run], Is.InRange(0, days * running + 1e-9), $"run {run}");
        }
    }

    [Test]
    public void Every_figure_has_its_percentiles_in_order()
    {
        var forecast = ReservationWhatIf.Simulate(Realistic(), new ReservationPolicy(Women, 3, 60), new SimulationSettings(730, 300, 11));

        var figures = new[] { forecast.Baseline, forecast.Reservation, forecast.Change }
            .SelectMany(p => new[] { p.VacantDays, p.ReservedVacantDays, p.VacancyCost, p.DaysToOfferTargetGroup!, p.DaysToOfferOtherGroups! })
            .Concat([forecast.ReservationsStarted, forecast.ReservationsExpired, forecast.ReservationsOffered])
            .ToList();
        Assert.That(figures, Has.All.Not.Null);
        foreach (var figure in figures)
        {
            Assert.That(figure.Values.Min(), Is.LessThanOrEqualTo(figure.P10));
            Assert.That(figure.P10, Is.LessThanOrEqualTo(figure.P50));
            Assert.That(figure.P50, Is.LessThanOrEqualTo(figure.P90));
            Assert.That(figure.P90, Is.LessThanOrEqualTo(figure.Values.Max()));
        }
        Assert.That(forecast.Reservation.VacantDays.P90, Is.GreaterThan(forecast.Reservation.VacantDays.P10), "the runs differ");
    }

    [Test]
    public void The_same_seed_gives_the_same_forecast_and_another_seed_another()
    {
        var policy = new ReservationPolicy(Women, 2, 90);
        var first = ReservationWhatIf.Simulate(Realistic(), policy, new SimulationSettings(365, 200, 42));
        var again = ReservationWhatIf.Simulate(Realistic(), policy, new SimulationSettings(365, 200, 42));
        var other = ReservationWhatIf.Simulate(Realistic(), policy, new SimulationSettings(365, 200, 43));

        Assert.That(Flatten(again), Is.EqualTo(Flatten(first)));
        Assert.That(Flatten(other), Is.Not.EqualTo(Flatten(first)));
    }

    [Test]
    public void A_run_depends_on_the_seed_and_its_number_only_so_not_on_threads_or_the_number_of_runs()
    {
        var policy = new ReservationPolicy(Women, 2, 90);
        var few = ReservationWhatIf.Simulate(Realistic(), policy, new SimulationSettings(365, 8, 5));
        var many = ReservationWhatIf.Simulate(Realistic(), policy, new SimulationSettings(365, 400, 5));

        Assert.That(many.Change.VacantDays.Values.Take(8), Is.EqualTo(few.Change.VacantDays.Values));
        Assert.That(many.Reservation.DaysToOfferOtherGroups!.Values.Take(8), Is.EqualTo(few.Reservation.DaysToOfferOtherGroups!.Values));
    }

    /// <summary>
    /// In expectation: over 300 paired runs, the target group (second in priority here, so it does wait) waits less the more
    /// apartments are reserved for it, within three standard errors of the paired difference; the others wait longer and
    /// the stock stands vacant more.
    /// </summary>
    [Test]
    public void More_reservation_means_the_group_waits_no_longer()
    {
        var settings = new SimulationSettings(1095, 300, 3);
        var one = ReservationWhatIf.Simulate(Realistic(), new ReservationPolicy(Families, 1, 60), settings);
        var four = ReservationWhatIf.Simulate(Realistic(), new ReservationPolicy(Families, 4, 60), settings);

        var gain = four.Change.DaysToOfferTargetGroup!.Values.Zip(one.Change.DaysToOfferTargetGroup!.Values, (a, b) => a - b).ToList();
        var meanGain = gain.Average();
        var standardError = Math.Sqrt(gain.Sum(d => (d - meanGain) * (d - meanGain)) / (gain.Count - 1) / gain.Count);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(one.Change.DaysToOfferTargetGroup.Values, Has.Count.EqualTo(300));
            Assert.That(one.Change.DaysToOfferTargetGroup.Mean, Is.LessThanOrEqualTo(3 * one.Change.DaysToOfferTargetGroup.StandardError));
            Assert.That(meanGain, Is.LessThanOrEqualTo(3 * standardError), "four reserved: no longer a wait than one");
            Assert.That(four.Change.DaysToOfferTargetGroup.Mean, Is.LessThan(0), "and here a shorter one than none");
            Assert.That(four.Change.DaysToOfferOtherGroups!.Mean, Is.GreaterThan(0), "paid for by the other groups");
            Assert.That(four.Change.VacantDays.Mean, Is.GreaterThan(one.Change.VacantDays.Mean), "and by empty apartments");
        }
    }

    [Test]
    public void Monthly_arrivals_vary_as_much_as_the_history_says()
    {
        // 0.3 a day with a month-to-month variance of 0.01 (per day²): a month's count has variance 9 + 900 × 0.01 = 18.
        var demand = new GroupDemand(Women, 1, 0.3, 0.01, 0, 0);
        var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var arrivals = new Arrivals();
        var estimates = Enumerable.Range(0, 200).Select(run =>
        {
            arrivals.Generate(Draws.Key(99, (ulong)run), [demand], 1800);
            var times = Enumerable.Range(0, arrivals.Count).Select(i => start.AddDays(arrivals.Time(i)));
            return ForecastEstimation.Arrivals(times, start, start.AddDays(1800));
        }).ToList();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(estimates.Average(e => e.PerDay), Is.EqualTo(0.3).Within(0.01));
            Assert.That(estimates.Average(e => e.MonthlyVariance!.Value), Is.EqualTo(18).Within(1.5));
            Assert.That(estimates.Average(e => e.DailyRateVariance), Is.EqualTo(0.01).Within(0.002));
        }
    }

    [Test]
    public void Steady_arrivals_are_a_Poisson_stream()
    {
        var demand = new GroupDemand(Women, 1, 0.5, 0, 0, 0);
        var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var arrivals = new Arrivals();
        var estimates = Enumerable.Range(0, 200).Select(run =>
        {
            arrivals.Generate(Draws.Key(7, (ulong)run), [demand], 1800);
            return ForecastEstimation.Arrivals(Enumerable.Range(0, arrivals.Count).Select(i => start.AddDays(arrivals.Time(i))), start, start.AddDays(1800));
        }).ToList();

        Assert.That(estimates.Average(e => e.MonthlyVariance!.Value), Is.EqualTo(15).Within(1), "a Poisson month: variance = mean = 30 × 0.5");
    }

    [Test]
    public void Inputs_that_cannot_be_simulated_are_refused()
    {
        var settings = new SimulationSettings(365, 10, 1);
        var policy = new ReservationPolicy(Women, 1, 30);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(() => ReservationWhatIf.Simulate(Realistic() with { AcceptanceProbability = 0 }, policy, settings), Throws.InstanceOf<ArgumentOutOfRangeException>());
            Assert.That(() => ReservationWhatIf.Simulate(Realistic(), policy with { TargetGroupCode = "nobody" }, settings), Throws.ArgumentException);
            Assert.That(() => ReservationWhatIf.Simulate(Realistic(), policy with { Apartments = 61 }, settings), Throws.InstanceOf<ArgumentOutOfRangeException>());
            Assert.That(() => ReservationWhatIf.Simulate(Realistic(), policy, settings with { Runs = ReservationWhatIf.MaxRuns + 1 }), Throws.InstanceOf<ArgumentOutOfRangeException>());
            Assert.That(() => ReservationWhatIf.Simulate(Realistic(), policy, settings with { HorizonDays = ReservationWhatIf.MaxHorizonDays + 1 }), Throws.InstanceOf<ArgumentOutOfRangeException>());
        }
    }

    /// <summary>A stock of 60 with three groups, demand near its turnover, lead times, declines and month-to-month variation.</summary>
    private static ForecastInputs Realistic() => new(
        4,
        53,
        [
            new GroupDemand(Women, 1, 0.03, 0.0002, 2, 1),
            new GroupDemand(Families, 2, 0.05, 0.0005, 4, 1),
            new GroupDemand(Young, 3, 0.03, 0, 3, 1),
        ],
        [0, 0.5, 1, 2, 3, 5, 8, 13, 21],
        0.6,
        700,
        240m);

    private static List<double> Flatten(ReservationForecast forecast) =>
        new[] { forecast.Baseline, forecast.Reservation, forecast.Change }
            .SelectMany(p => new[] { p.VacantDays, p.ReservedVacantDays, p.VacancyCost, p.DaysToOfferTargetGroup, p.DaysToOfferOtherGroups })
            .Concat([forecast.ReservationsStarted, forecast.ReservationsExpired, forecast.ReservationsOffered])
            .SelectMany(f => f!.Values.Append(f.Mean).Append(f.P10).Append(f.P50).Append(f.P90))
            .ToList();
}
