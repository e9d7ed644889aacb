namespace Allocation.Domain.Forecasting;

/// <summary>
/// PRODUCT §5.3: what reserving k apartments for a target group, each for at most D days, would cost in vacant days and
/// gain in waiting time, against no reservation, by a discrete-event Monte Carlo simulation of the agreement's stock.
/// </summary>
/// <remarks>
/// The model: the stock of N apartments is constant (an apartment that leaves is replaced at once). Requests arrive per
/// group as a Poisson stream whose rate is drawn afresh each 30-day month (gamma around the mean with the month-to-month
/// variance), and queue by priority rank, then arrival. When a vacant apartment and a household that may take it meet, the
/// offer follows after a lead time drawn from the observed ones; the household accepts with probability p and the
/// apartment is then occupied for an exponential time, or declines and returns to its place in the queue while the
/// apartment goes to the next household. The policy reserves each apartment that becomes vacant while fewer than k are
/// reserved (and, at the start, the first k vacant ones); a reserved apartment goes only to the group, and the reservation
/// ends with an offer to the group or after D days. Both policies of a run meet the same random history.
/// </remarks>
public static class ReservationWhatIf
{
    public const int MaxRuns = 10_000;
    public const int MaxHorizonDays = 1826;
    public const int MaxReservationDays = 365;

    public static ReservationForecast Simulate(ForecastInputs inputs, ReservationPolicy policy, SimulationSettings settings, CancellationToken ct = default)
    {
        var target = Check(inputs, policy, settings);
        var runs = settings.Runs;
        var baseline = new RunResult[runs];
        var reservation = new RunResult[runs];
        var seed = (ulong)(long)settings.Seed;

        Parallel.For(0, runs, new ParallelOptions { CancellationToken = ct },
            () => (Simulation: new Simulation(inputs, target, settings), Arrivals: new Arrivals()),
            (run, _, workspace) =>
            {
                // Each run's randomness comes from (seed, run) alone: the answer does not depend on which thread runs it.
                var key = Draws.Key(seed, (ulong)run);
                workspace.Arrivals.Generate(key, inputs.Groups, workspace.Simulation.Until);
                baseline[run] = workspace.Simulation.Run(key, workspace.Arrivals, 0, 0);
                reservation[run] = workspace.Simulation.Run(key, workspace.Arrivals, policy.Apartments, policy.Days);
                return workspace;
            },
            _ => { });

        var rent = (double)inputs.DailyRent;
        return new ReservationForecast(
            Figures(baseline, rent),
            Figures(reservation, rent),
            Figures(reservation.Zip(baseline, Minus).ToArray(), rent),
            Figure(reservation.Select(r => (double)r.ReservationsStarted)),
            Figure(reservation.Select(r => (double)r.ReservationsExpired)),
            Figure(reservation.Select(r => (double)r.ReservationsOffered)));
    }

    private static int Check(ForecastInputs inputs, ReservationPolicy policy, SimulationSettings settings)
    {
        var target = inputs.Groups.Select(g => g.Code).ToList().IndexOf(policy.TargetGroupCode);
        if (target < 0) throw new ArgumentException($"'{policy.TargetGroupCode}' is not one of the inputs' groups.", nameof(policy));
        if (inputs.Vacant < 0 || inputs.Occupied < 0 || inputs.Groups.Any(g => g.Queued < 0 || g.Offered < 0 || g.ArrivalsPerDay < 0 || g.DailyRateVariance < 0))
            throw new ArgumentException("Counts, rates and variances are never negative.", nameof(inputs));
        if (inputs.Stock < 1) throw new ArgumentException("The stock holds at least one apartment.", nameof(inputs));
        // An offer nobody can accept would be made again and again at the same moment.
        if (!(inputs.AcceptanceProbability is > 0 and <= 1)) throw new ArgumentOutOfRangeException(nameof(inputs), "The acceptance probability is in (0, 1].");
        if (inputs.MeanOccupancyDays is <= 0) throw new ArgumentOutOfRangeException(nameof(inputs), "The mean occupancy is positive.");
        if (inputs.LeadTimeDays.Any(d => !(d >= 0) || double.IsInfinity(d))) throw new ArgumentException("Lead times are finite and never negative.", nameof(inputs));
        if (policy.Apartments < 1 || policy.Apartments > inputs.Stock) throw new ArgumentOutOfRangeException(nameof(policy), "k is from 1 to the stock.");
        if (policy.Days is < 1 or > MaxReservationDays) throw new ArgumentOutOfRangeException(nameof(policy), $"A reservation lasts 1 to {MaxReservationDays} days.");
        if (settings.HorizonDays is < 1 or > MaxHorizonDays) throw new ArgumentOutOfRangeException(nameof(settings), $"The horizon is 1 to {MaxHorizonDays} days.");
        if (settings.Runs is < 1 or > MaxRuns) throw new ArgumentOutOfRangeException(nameof(settings), $"1 to {MaxRuns} runs.");
        if (settings.WarmUpDays < 0) throw new ArgumentOutOfRangeException(nameof(settings), "The warm-up is never negative.");
        return target;
    }

    private static RunResult Minus(RunResult a, RunResult b) => new(
        a.VacantDays - b.VacantDays,
        a.ReservedVacantDays - b.ReservedVacantDays,
        a.DaysToOfferTargetGroup - b.DaysToOfferTargetGroup,
        a.DaysToOfferOtherGroups - b.DaysToOfferOtherGroups,
        a.TargetGroupRequests,
        a.OtherGroupsRequests,
        0, 0, 0);

    private static PolicyFigures Figures(RunResult[] runs, double dailyRent) => new(
        Figure(runs.Select(r => r.VacantDays)),
        Figure(runs.Select(r => r.ReservedVacantDays)),
        Figure(runs.Select(r => r.VacantDays * dailyRent)),
        // Weighted by the run's requests: the mean is over households, each counting once, not over runs.
        RunFigure.Of(runs.Select(r => r.DaysToOfferTargetGroup).ToArray(), runs.Select(r => (double)r.TargetGroupRequests).ToArray()),
        RunFigure.Of(runs.Select(r => r.DaysToOfferOtherGroups).ToArray(), runs.Select(r => (double)r.OtherGroupsRequests).ToArray()));

    private static RunFigure Figure(IEnumerable<double> values) => RunFigure.Of(values.ToArray())!;
}
