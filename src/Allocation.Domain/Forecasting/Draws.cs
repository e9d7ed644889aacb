namespace Allocation.Domain.Forecasting;

/// <summary>
/// Random numbers keyed by what they are for — the run, the household, its n-th offer — rather than by the order they are
/// drawn in. So a run gives the same answer on any thread, and both policies of a run meet the same households arriving at
/// the same moments, answering their n-th offer the same way and staying as long (common random numbers): the difference
/// between the policies is the policy's, not chance's.
/// </summary>
internal static class Draws
{
    private const ulong Golden = 0x9E3779B97F4A7C15;

    /// <summary>SplitMix64's finaliser: every output bit depends on every input bit.</summary>
    public static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
        return z ^ (z >> 31);
    }

    public static ulong Key(ulong a, ulong b) => Mix(a + Golden * (b + 1));

    public static ulong Key(ulong a, ulong b, ulong c) => Key(Key(a, b), c);

    public static ulong Key(ulong a, ulong b, ulong c, ulong d) => Key(Key(a, b, c), d);

    /// <summary>A uniform number in (0, 1]: never 0, so its logarithm is finite.</summary>
    public static double Uniform(ulong key) => ((key >> 11) + 1) * (1.0 / (1UL << 53));

    public static double Exponential(ulong key, double mean) => -mean * Math.Log(Uniform(key));
}

/// <summary>A sequential stream of random numbers (SplitMix64), for the arrivals of one target group in one run.</summary>
internal struct DrawStream(ulong seed)
{
    private const ulong Golden = 0x9E3779B97F4A7C15;
    private ulong _state = seed;

    public double Uniform()
    {
        _state += Golden;
        return Draws.Uniform(Draws.Mix(_state));
    }

    public double Exponential(double mean) => -mean * Math.Log(Uniform());

    /// <summary>A standard normal number (Box–Muller).</summary>
    public double Normal() => Math.Sqrt(-2 * Math.Log(Uniform())) * Math.Cos(2 * Math.PI * Uniform());

    /// <summary>A gamma-distributed number (Marsaglia and Tsang; a shape below 1 is boosted by one and scaled back).</summary>
    public double Gamma(double shape, double scale)
    {
        if (shape < 1) return Gamma(shape + 1, scale) * Math.Pow(Uniform(), 1 / shape);
        var d = shape - 1.0 / 3;
        var c = 1 / Math.Sqrt(9 * d);
        while (true)
        {
            var x = Normal();
            var v = 1 + c * x;
            if (v <= 0) continue;
            v = v * v * v;
            if (Math.Log(Uniform()) < 0.5 * x * x + d - d * v + d * Math.Log(v)) return d * v * scale;
        }
    }
}
