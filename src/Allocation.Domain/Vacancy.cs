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

    private static int Count(IEnumerable<ApartmentStatusChange> history, DateOnly availableFrom, DateTimeOffset until, Func<ApartmentStatusChange, bool> opensStretch)
    {
        var movableFrom = new DateTimeOffset(availableFrom.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var total = TimeSpan.Zero;
        DateTimeOffset? vacantSince = null;
        foreach (var change in history)
        {
            if (change.ChangedAt > until) break;
            if (vacantSince is { } since) total += Period(since, change.ChangedAt, movableFrom);
            vacantSince = opensStretch(change) ? change.ChangedAt : null;
        }
        if (vacantSince is { } open) total += Period(open, until, movableFrom);
        return (int)Math.Floor(total.TotalDays);
    }

    /// <summary>The rent for one day: a month's rent over the average month.</summary>
    public static decimal DailyRent(decimal monthlyRent) => Math.Round(monthlyRent * 12m / 365m, 2);

    private static TimeSpan Period(DateTimeOffset from, DateTimeOffset to, DateTimeOffset movableFrom)
    {
        var start = from > movableFrom ? from : movableFrom;
        return to > start ? to - start : TimeSpan.Zero;
    }
}
