namespace Allocation.Domain.Tests.Forecasting;

/// <summary>The M/M/c queue's closed forms, to hold the simulation to.</summary>
public static class ErlangC
{
    /// <summary>The probability that an arrival has to wait, with <paramref name="c"/> servers and offered load <paramref name="a"/> = λ/μ &lt; c.</summary>
    public static double WaitProbability(int c, double a)
    {
        if (a >= c) throw new ArgumentOutOfRangeException(nameof(a), "The queue is stable only below c.");
        // Σ a^k/k! for k < c, and a^c/c!, built term by term so that nothing overflows.
        double term = 1, sum = 1;
        for (var k = 1; k < c; k++)
        {
            term *= a / k;
            sum += term;
        }
        var waiting = term * a / c * c / (c - a);
        return waiting / (sum + waiting);
    }

    /// <summary>W_q = C(c, λ/μ) ÷ (cμ − λ): the mean wait in the queue.</summary>
    public static double MeanWait(int c, double lambda, double mu) => WaitProbability(c, lambda / mu) / (c * mu - lambda);

    /// <summary>E[W_q²] = C × 2 ÷ (cμ − λ)²: a wait is 0, or exponential with rate cμ − λ.</summary>
    public static double MeanSquaredWait(int c, double lambda, double mu) => WaitProbability(c, lambda / mu) * 2 / Math.Pow(c * mu - lambda, 2);
}

public sealed class ErlangCTests
{
    [Test]
    public void Erlang_C_matches_known_values()
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(ErlangC.WaitProbability(1, 0.5), Is.EqualTo(0.5).Within(1e-12), "M/M/1: the server is busy with probability ρ");
            Assert.That(ErlangC.WaitProbability(2, 1), Is.EqualTo(1.0 / 3).Within(1e-12), "two servers, one Erlang: exactly 1/3");
            // Erlang C tables (e.g. call-centre staffing tables): 10 agents, 8 Erlangs → 40.9 % of calls wait.
            Assert.That(ErlangC.WaitProbability(10, 8), Is.EqualTo(0.4092).Within(5e-4));
        }
    }
}
