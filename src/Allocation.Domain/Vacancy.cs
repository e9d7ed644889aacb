namespace Allocation.Domain;

/// <summary>PRODUCT §4: days an apartment spends available inside the stock are vacant days; the municipality pays their rent.</summary>
public static class Vacancy
{
    /// <summary>Whole vacant days from an apartment's history up to <paramref name="until"/>, counted from the day it can be moved into.</summary>
    /// <param name="history">The changes in the order they happened (timestamps can tie, so they cannot order them).</param>
    /// <param name="availableFrom">The first day the apartment can be moved into; days before it are not vacant.</param>
    /// <param name="until">The instant up to which vacant days are counted.</param>
    public static int Days(IEnumerable<ApartmentStatusChange> history, DateOnly availableFrom, DateTimeOffset until) =>
        Count(history, availableFrom, until, change => change.ToStatus == ApartmentStatus.Available);

    /// <summary>
    /// Void days (PRODUCT §8, issue 9): the vacant days between a tenancy ending and the next offer, i.e. the vacant stretches
    /// that began with a lease ending (leased → available), counted like <see cref="Days"/>; a subset of the vacant days.
    /// </summary>
    public static int VoidDays(IEnumerable<ApartmentStatusChange> history, DateOnly availableFrom, DateTimeOffset until) =>
        Count(history, availableFrom, until, change => change is { FromStatus: ApartmentStatus.Leased, ToStatus: ApartmentStatus.Available });

    /// <summary>
    /// Reservation vacant days (PRODUCT §5.1, §8): of the vacant days, the time the apartment stood available while reserved for
    /// a target group, summed over the reservations and floored to whole days like <see cref="Days"/> (so never more than it).
    /// What a reservation costs in empty days, reported apart from ordinary vacancy.
    /// </summary>
    /// <param name="history">The changes in the order they happened.</param>
    /// <param name="availableFrom">The first day the apartment can be moved into; days before it are not vacant.</param>
    /// <param name="until">The instant up to which vacant days are counted.</param>
    /// <param name="reserved">The apartment's reservations as [start, end) periods: from when each was made to when it ended (its until, or earlier when cancelled, offered or returned).</param>
    public static int ReservedDays(IEnumerable<ApartmentStatusChange> history, DateOnly availableFrom, DateTimeOffset until,
        IEnumerable<(DateTimeOffset From, DateTimeOffset To)> reserved)
    {
        var periods = Merge(reserved);
        var total = TimeSpan.Zero;
        foreach (var (from, to) in Stretches(history, availableFrom, until, change => change.ToStatus == ApartmentStatus.Available))
        foreach (var (start, end) in periods)
            total += Overlap(from, to, start, end);
        return (int)Math.Floor(total.TotalDays);
    }

    private static int Count(IEnumerable<ApartmentStatusChange> history, DateOnly availableFrom, DateTimeOffset until, Func<ApartmentStatusChange, bool> opensStretch)
    {
        var total = TimeSpan.Zero;
        foreach (var (from, to) in Stretches(history, availableFrom, until, opensStretch)) total += to - from;
        return (int)Math.Floor(total.TotalDays);
    }

    /// <summary>The stretches that <paramref name="opensStretch"/> opens, each up to the next change, clipped to [available-from day, until).</summary>
    private static IEnumerable<(DateTimeOffset From, DateTimeOffset To)> Stretches(IEnumerable<ApartmentStatusChange> history, DateOnly availableFrom,
        DateTimeOffset until, Func<ApartmentStatusChange, bool> opensStretch)
    {
        var movableFrom = new DateTimeOffset(availableFrom.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        DateTimeOffset? vacantSince = null;
        foreach (var change in history)
        {
            if (change.ChangedAt > until) break;
            if (vacantSince is { } since && Clip(since, change.ChangedAt, movableFrom) is { } stretch) yield return stretch;
            vacantSince = opensStretch(change) ? change.ChangedAt : null;
        }
        if (vacantSince is { } open && Clip(open, until, movableFrom) is { } last) yield return last;
    }

    /// <summary>The rent for one day: a month's rent over the average month.</summary>
    public static decimal DailyRent(decimal monthlyRent) => Math.Round(monthlyRent * 12m / 365m, 2);

    private static (DateTimeOffset, DateTimeOffset)? Clip(DateTimeOffset from, DateTimeOffset to, DateTimeOffset movableFrom)
    {
        var start = from > movableFrom ? from : movableFrom;
        return to > start ? (start, to) : null;
    }

    private static TimeSpan Overlap(DateTimeOffset aFrom, DateTimeOffset aTo, DateTimeOffset bFrom, DateTimeOffset bTo)
    {
        var start = aFrom > bFrom ? aFrom : bFrom;
        var end = aTo < bTo ? aTo : bTo;
        return end > start ? end - start : TimeSpan.Zero;
    }

    // An apartment holds one reservation at a time, but periods are merged anyway so that no moment counts twice.
    private static List<(DateTimeOffset From, DateTimeOffset To)> Merge(IEnumerable<(DateTimeOffset From, DateTimeOffset To)> periods)
    {
        var merged = new List<(DateTimeOffset From, DateTimeOffset To)>();
        foreach (var (from, to) in periods.Where(p => p.To > p.From).OrderBy(p => p.From))
        {
            if (merged.Count > 0 && from <= merged[^1].To)
                merged[^1] = (merged[^1].From, to > merged[^1].To ? to : merged[^1].To);
            else
                merged.Add((from, to));
        }
        return merged;
    }
}
