using Allocation.Domain;

namespace Allocation.Domain.Tests;

public sealed class TargetGroupTests
{
    [TestCase(-0.01)]
    [TestCase(1.01)]
    public void A_target_share_is_a_fraction_of_the_quota(decimal share)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new TargetGroup(Guid.NewGuid(), "g", "G", "G", 1, false, share));
    }

    [Test]
    public void Rank_one_is_the_highest_and_nothing_ranks_above_it()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new TargetGroup(Guid.NewGuid(), "g", "G", "G", 0, false, null));
    }

    [TestCase("0127", true)]
    [TestCase("127", false)]
    [TestCase("01270", false)]
    [TestCase("01a7", false)]
    [TestCase(null, false)]
    public void A_municipality_code_is_four_digits(string? code, bool valid)
    {
        Assert.That(Municipality.IsValidCode(code), Is.EqualTo(valid));
    }
}
