namespace Allocation.Domain.Forecasting;

/// <summary>One target group's demand as the simulation uses it.</summary>
/// <param name="Code">The target group's code.</param>
/// <param name="PriorityRank">Its priority rank (1 first); the queue is ordered by rank, then by arrival.</param>
/// <param name="ArrivalsPerDay">The mean number of requests approved into the queue per day.</param>
/// <param name="DailyRateVariance">
/// How much the daily arrival rate varies from month to month (a variance, per day²). Each simulated month draws its rate
/// from a gamma distribution with this variance around the mean; 0 is a steady Poisson stream.
/// </param>
/// <param name="Queued">Requests of the group waiting in the queue now.</param>
/// <param name="Offered">Requests of the group holding an open offer now (their apartments are neither vacant nor occupied).</param>
public sealed record GroupDemand(string Code, int PriorityRank, double ArrivalsPerDay, double DailyRateVariance, int Queued, int Offered);

/// <summary>The state of an agreement's stock now and the rates its history gives: everything the simulation knows.</summary>
/// <param name="Vacant">Apartments available now (no open or accepted offer, no lease).</param>
/// <param name="Occupied">Apartments leased now, or with an accepted offer awaiting the lease.</param>
/// <param name="Groups">The agreement's target groups with their demand; the offered apartments are counted here, per group.</param>
/// <param name="LeadTimeDays">
/// The observed days from an apartment and a household being able to meet to the offer; each offer's lead time is drawn
/// from these (an empirical distribution). Empty: offers are made at once.
/// </param>
/// <param name="AcceptanceProbability">The chance that a household accepts an offer, in (0, 1].</param>
/// <param name="MeanOccupancyDays">The mean time an accepted apartment stays occupied (exponential); null: no turnover at all.</param>
/// <param name="DailyRent">What one vacant day costs, in SEK.</param>
public sealed record ForecastInputs(
    int Vacant,
    int Occupied,
    IReadOnlyList<GroupDemand> Groups,
    IReadOnlyList<double> LeadTimeDays,
    double AcceptanceProbability,
    double? MeanOccupancyDays,
    decimal DailyRent)
{
    /// <summary>The stock, held constant: an apartment that leaves is taken to be replaced at once.</summary>
    public int Stock => Vacant + Occupied + Groups.Sum(g => g.Offered);
}

/// <summary>Keep up to <paramref name="Apartments"/> apartments reserved for one target group, each for at most <paramref name="Days"/> days.</summary>
/// <param name="TargetGroupCode">The group the apartments are reserved for.</param>
/// <param name="Apartments">k: how many apartments may be reserved at once.</param>
/// <param name="Days">D: a reservation ends after this many days without an offer to the group.</param>
public sealed record ReservationPolicy(string TargetGroupCode, int Apartments, int Days);

/// <summary>How much to simulate.</summary>
/// <param name="HorizonDays">The days ahead that are counted.</param>
/// <param name="Runs">Independent runs, each with its own random history.</param>
/// <param name="Seed">Runs are derived from it: the same seed gives the same answer.</param>
/// <param name="WarmUpDays">Days simulated first and not counted, to let the stock settle into its steady state (0 for a forecast from now).</param>
public sealed record SimulationSettings(int HorizonDays, int Runs, int Seed, int WarmUpDays = 0);

/// <summary>A figure over the runs: its mean, its 10th, 50th and 90th percentiles (nearest rank) and the mean's standard error.</summary>
/// <param name="Mean">The mean over the runs in which the figure exists; for a mean per request, over all the runs' requests (a run counts by its requests).</param>
/// <param name="P10">The 10th percentile of the runs' figures.</param>
/// <param name="P50">The median.</param>
/// <param name="P90">The 90th percentile.</param>
/// <param name="StandardError">The standard error of the mean, from the spread over the runs.</param>
/// <param name="Values">The figure of each run in which it exists, in run order.</param>
public sealed record RunFigure(double Mean, double P10, double P50, double P90, double StandardError, IReadOnlyList<double> Values)
{
    /// <summary>The figure over the runs' values, leaving out runs where it does not exist (NaN); null when it exists in none.</summary>
    /// <param name="runs">Each run's figure.</param>
    /// <param name="weights">
    /// For a mean per request, each run's number of requests: the mean is then the ratio of the sums (every request counts
    /// once), which a plain mean of the runs' means is not — runs with more requests tend to have longer waits.
    /// </param>
    public static RunFigure? Of(IReadOnlyList<double> runs, IReadOnlyList<double>? weights = null)
    {
        var kept = Enumerable.Range(0, runs.Count).Where(i => !double.IsNaN(runs[i])).ToArray();
        if (kept.Length == 0) return null;
        var values = kept.Select(i => runs[i]).ToArray();
        var w = kept.Select(i => weights?[i] ?? 1).ToArray();
        var total = w.Sum();
        var mean = values.Select((v, i) => v * w[i]).Sum() / total;
        // The ratio estimator's standard error (for unit weights, the usual s ÷ √n).
        var n = values.Length;
        var spread = n > 1 ? values.Select((v, i) => Math.Pow(w[i] * (v - mean), 2)).Sum() * n / (n - 1) : 0;
        var sorted = values.Order().ToArray();
        return new RunFigure(mean, Percentile(sorted, 10), Percentile(sorted, 50), Percentile(sorted, 90), Math.Sqrt(spread) / total, values);
    }

    // Nearest rank, in whole numbers so that 90 % of 10 runs is exactly 9 of them.
    private static double Percentile(double[] sorted, int percent) => sorted[Math.Max(0, (percent * sorted.Length + 99) / 100 - 1)];
}

/// <summary>What one policy gives over the horizon, or (for the change) the reservation's figures minus the baseline's, run by run.</summary>
/// <param name="VacantDays">Apartment-days the stock stands vacant: available, with no offer made yet.</param>
/// <param name="ReservedVacantDays">Of those, the days an apartment stands vacant under a reservation.</param>
/// <param name="VacancyCost">Vacant days × the daily rent, in SEK.</param>
/// <param name="DaysToOfferTargetGroup">Days from a request's arrival to its first offer, over the target group's requests that arrive in the horizon (each run's figure is its requests' mean); one still waiting at the end counts the days it has waited. Null when no such request arrives in any run.</param>
/// <param name="DaysToOfferOtherGroups">The same over every other group's requests.</param>
public sealed record PolicyFigures(RunFigure VacantDays, RunFigure ReservedVacantDays, RunFigure VacancyCost, RunFigure? DaysToOfferTargetGroup,
    RunFigure? DaysToOfferOtherGroups);

/// <summary>The forecast: both policies and their paired change, and how the reservations went.</summary>
/// <param name="Baseline">No reservation.</param>
/// <param name="Reservation">The reservation policy.</param>
/// <param name="Change">Reservation minus baseline, run by run (the same random history in both).</param>
/// <param name="ReservationsStarted">Reservations made in the horizon.</param>
/// <param name="ReservationsExpired">Of those, ended unused after the reservation's days.</param>
/// <param name="ReservationsOffered">Ended by an offer to the group.</param>
public sealed record ReservationForecast(PolicyFigures Baseline, PolicyFigures Reservation, PolicyFigures Change, RunFigure ReservationsStarted,
    RunFigure ReservationsExpired, RunFigure ReservationsOffered);
