namespace Allocation.Domain.Forecasting;

/// <summary>One target group's arrivals in the observation window.</summary>
/// <param name="Approved">Requests approved into the queue in the window (a return to the queue after an offer is not an approval).</param>
/// <param name="PerDay">Approved ÷ the window's days.</param>
/// <param name="Months">Whole 30-day months in the window (counted from its start); the variance is taken over these.</param>
/// <param name="MonthlyMean">Mean approvals per whole month; null with fewer than two months.</param>
/// <param name="MonthlyVariance">Sample variance (n − 1) of the approvals per whole month; null with fewer than two months.</param>
/// <param name="DailyRateVariance">
/// The month-to-month variance of the daily rate: (monthly variance − monthly mean) ÷ 30², or 0 when the months vary no
/// more than a Poisson stream's would (variance ≤ mean) or cannot tell (fewer than two months).
/// </param>
public sealed record ArrivalEstimate(int Approved, double PerDay, int Months, double? MonthlyMean, double? MonthlyVariance, double DailyRateVariance);

/// <summary>The households' answers to offers.</summary>
/// <param name="Accepted">Offers accepted (including those that became leases).</param>
/// <param name="Declined">Offers declined.</param>
/// <param name="Expired">Offers left unanswered past their deadline: like a decline, the apartment and the household return.</param>
/// <param name="Probability">Accepted ÷ (accepted + declined + expired); null when no offer has been answered.</param>
public sealed record AcceptanceEstimate(int Accepted, int Declined, int Expired, double? Probability)
{
    public int Answered => Accepted + Declined + Expired;
}

/// <summary>How long apartments stay occupied, from the leases.</summary>
/// <param name="Leases">Leases counted.</param>
/// <param name="Ended">Of those, ended (taken over or terminated).</param>
/// <param name="LeasedDays">Days under lease of all of them, from the start day to the end day, or to today while running.</param>
/// <param name="MeanDays">LeasedDays ÷ Ended: the exponential's mean, with the running leases' days counted (censored); null when none ended.</param>
public sealed record OccupancyEstimate(int Leases, int Ended, int LeasedDays, double? MeanDays);

/// <summary>What an offer's history says about its lead time.</summary>
/// <param name="OfferedAt">When the offer was made.</param>
/// <param name="ApartmentAvailableSince">When the apartment last became available before the offer.</param>
/// <param name="AvailableFrom">The first day the apartment could be moved into.</param>
/// <param name="RequestQueuedSince">When the household last entered the queue (approval, or return after an earlier offer) before the offer.</param>
public sealed record LeadTimeObservation(DateTimeOffset OfferedAt, DateTimeOffset ApartmentAvailableSince, DateOnly AvailableFrom, DateTimeOffset RequestQueuedSince);

/// <summary>
/// The simulation's inputs estimated from an agreement's recorded history (PRODUCT §5: from the history, never invented).
/// Pure functions of what the history says, so they can be checked against the history independently.
/// </summary>
public static class ForecastEstimation
{
    /// <summary>The month of the arrival model: each simulated month draws its arrival rate afresh.</summary>
    public const double MonthDays = 30;

    /// <summary>Below this many approved requests an agreement has too little history for a forecast (409 insufficient-history).</summary>
    public const int MinApprovedRequests = 20;

    /// <summary>Below this many observations an input is flagged as uncertain (low confidence).</summary>
    public const int MinObservations = 20;

    /// <summary>Below this many whole months the month-to-month variation is flagged as uncertain.</summary>
    public const int MinMonths = 6;

    public static ArrivalEstimate Arrivals(IEnumerable<DateTimeOffset> approvedAt, DateTimeOffset from, DateTimeOffset to)
    {
        var days = (to - from).TotalDays;
        if (days <= 0) throw new ArgumentException("The window must end after it starts.", nameof(to));
        var months = (int)Math.Floor(days / MonthDays);
        var perMonth = new int[months];
        var approved = 0;
        foreach (var at in approvedAt)
        {
            if (at < from || at > to) continue;
            approved++;
            var month = (int)Math.Floor((at - from).TotalDays / MonthDays);
            if (month < months) perMonth[month]++;
        }
        if (months < 2) return new ArrivalEstimate(approved, approved / days, months, null, null, 0);
        var mean = perMonth.Average();
        var variance = perMonth.Sum(c => (c - mean) * (c - mean)) / (months - 1);
        // A month's count is Poisson given its rate, so its variance is the mean plus 30² × the rate's variance.
        return new ArrivalEstimate(approved, approved / days, months, mean, variance, Math.Max(0, variance - mean) / (MonthDays * MonthDays));
    }

    /// <summary>
    /// Days from the moment the apartment and the household could first meet — the later of the apartment becoming available
    /// (not before its available-from day) and the household entering the queue — to the offer. Time an apartment stood empty
    /// because nobody was queued is not lead time: the simulation makes that wait itself, from the arrivals.
    /// </summary>
    public static double LeadTimeDays(LeadTimeObservation offer)
    {
        var movable = new DateTimeOffset(offer.AvailableFrom.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var met = new[] { offer.ApartmentAvailableSince, movable, offer.RequestQueuedSince }.Max();
        return Math.Max(0, (offer.OfferedAt - met).TotalDays);
    }

    public static AcceptanceEstimate Acceptance(int accepted, int declined, int expired)
    {
        var answered = accepted + declined + expired;
        return new AcceptanceEstimate(accepted, declined, expired, answered == 0 ? null : (double)accepted / answered);
    }

    public static OccupancyEstimate Occupancy(IEnumerable<(DateOnly Start, DateOnly? EndedOn)> leases, DateOnly today)
    {
        var (count, ended, days) = (0, 0, 0);
        foreach (var (start, endedOn) in leases)
        {
            count++;
            if (endedOn is not null) ended++;
            days += Math.Max(0, (endedOn ?? today).DayNumber - start.DayNumber);
        }
        return new OccupancyEstimate(count, ended, days, ended == 0 ? null : (double)days / ended);
    }

    /// <summary>The nearest-rank percentile of some days, as the reports take them.</summary>
    public static double Percentile(IReadOnlyCollection<double> values, int percent)
    {
        if (values.Count == 0) throw new ArgumentException("No values.", nameof(values));
        var sorted = values.Order().ToArray();
        return sorted[Math.Max(0, (percent * sorted.Length + 99) / 100 - 1)];
    }
}
