namespace Allocation.Domain;

public static class WorkingDays
{
    /// <summary>
    /// The same time of day <paramref name="days"/> working days (Monday–Friday) later. Public holidays are not
    /// known here; a coordinator can always set the deadline explicitly.
    /// </summary>
    public static DateTimeOffset Add(DateTimeOffset start, int days)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(days);
        var result = start;
        while (days > 0)
        {
            result = result.AddDays(1);
            if (result.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday)) days--;
        }
        return result;
    }
}
