namespace Allocation.Domain.Network;

/// <summary>
/// PRODUCT §1, §7: the network works only if members give as well as take. A member whose balance (placements given
/// minus received) is below <see cref="Threshold"/> may not post new relocation requests; without a threshold the rule is off.
/// </summary>
public sealed record ReciprocityRule(int? Threshold)
{
    public bool MayPost(int balance) => Threshold is not { } threshold || balance >= threshold;

    public void EnsureMayPost(string municipalityCode, int balance)
    {
        if (!MayPost(balance))
            throw new DomainRuleException("reciprocity-threshold",
                $"Municipality {municipalityCode} has a network balance of {balance}, below the threshold of {Threshold}: it must offer placements before it posts new relocation requests.");
    }
}
