namespace Allocation.Domain;

/// <summary>A priority target group (PRODUCT §4). Rank 1 is the highest priority.</summary>
public sealed class TargetGroup
{
    public TargetGroup(Guid id, string code, string nameSv, string nameEn, int priorityRank, bool isSensitive, decimal? targetShare)
    {
        if (priorityRank < 1) throw new ArgumentOutOfRangeException(nameof(priorityRank));
        // The group-wide share of the quota that PRODUCT §4 first described; an agreement's target shares replace it.
        if (targetShare is < 0m or > 1m) throw new ArgumentOutOfRangeException(nameof(targetShare));
        Id = id;
        Code = code;
        NameSv = nameSv;
        NameEn = nameEn;
        PriorityRank = priorityRank;
        IsSensitive = isSensitive;
        TargetShare = targetShare;
    }

    public Guid Id { get; private set; }
    public string Code { get; private set; }
    public string NameSv { get; private set; }
    public string NameEn { get; private set; }
    public int PriorityRank { get; private set; }

    /// <summary>Membership itself is sensitive (PRODUCT §6): never shown to the housing company, suppressed in small counts.</summary>
    public bool IsSensitive { get; private set; }

    /// <summary>
    /// Superseded by the agreement's own target shares (<see cref="AgreementTargetGroup.TargetShare"/>, issue 10): kept and
    /// shown for the clients that set it, read by no rule and no report.
    /// </summary>
    public decimal? TargetShare { get; private set; }
}
