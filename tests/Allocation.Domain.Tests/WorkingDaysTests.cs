using Allocation.Domain;

namespace Allocation.Domain.Tests;

public sealed class WorkingDaysTests
{
    private static DateTimeOffset At(int day, int hour = 8, int minute = 0) => new(2026, 6, day, hour, minute, 0, TimeSpan.Zero);

    [Test]
    public void The_test_calendar_starts_on_a_monday()
    {
        Assert.That(At(1).DayOfWeek, Is.EqualTo(DayOfWeek.Monday));
    }

    [TestCase(1, 3, 4, TestName = "Monday_plus_three_working_days_is_Thursday")]
    [TestCase(4, 3, 9, TestName = "Thursday_plus_three_working_days_is_the_next_Tuesday")]
    [TestCase(5, 1, 8, TestName = "Friday_plus_one_working_day_is_Monday")]
    [TestCase(6, 1, 8, TestName = "Saturday_plus_one_working_day_is_Monday")]
    [TestCase(7, 1, 8, TestName = "Sunday_plus_one_working_day_is_Monday")]
    [TestCase(1, 5, 8, TestName = "Five_working_days_is_one_week")]
    [TestCase(1, 10, 15, TestName = "Ten_working_days_is_two_weeks")]
    public void Adding_working_days_skips_weekends(int startDay, int days, int expectedDay)
    {
        Assert.That(WorkingDays.Add(At(startDay), days), Is.EqualTo(At(expectedDay)));
    }

    [Test]
    public void The_time_of_day_and_offset_are_kept()
    {
        var start = new DateTimeOffset(2026, 6, 5, 16, 45, 30, TimeSpan.FromHours(2));

        var result = WorkingDays.Add(start, 1);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(result, Is.EqualTo(new DateTimeOffset(2026, 6, 8, 16, 45, 30, TimeSpan.FromHours(2))));
            Assert.That(result.Offset, Is.EqualTo(TimeSpan.FromHours(2)));
        }
    }

    [Test]
    public void Zero_working_days_is_the_same_instant()
    {
        var saturday = At(6, 13, 7);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(WorkingDays.Add(At(1, 9, 30), 0), Is.EqualTo(At(1, 9, 30)));
            Assert.That(WorkingDays.Add(saturday, 0), Is.EqualTo(saturday));
        }
    }

    [Test]
    public void A_negative_number_of_working_days_is_a_programming_error()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => WorkingDays.Add(At(1), -1));
    }
}
