using Allocation.Domain;

namespace Allocation.Api.Features.Queue;

/// <summary>One hard constraint as checked, with its explanation; <c>refusalCode</c> is the error an offer would get.</summary>
public sealed record CheckResponse(string Name, bool Passed, string Explanation, string RefusalCode)
{
    public static CheckResponse From(MatchCheck c) => new(c.Name, c.Passed, c.Explanation, c.RefusalCode);
}

/// <summary>A request's place in its agreement's queue and why.</summary>
public sealed record QueueItemResponse(
    int Position,
    Guid RequestId,
    string TargetGroupCode,
    int PriorityRank,
    Urgency Urgency,
    DateTimeOffset QueuedSince,
    int DaysInQueue,
    bool Stalled,
    DateTimeOffset? CooldownUntil,
    string Explanation)
{
    public static QueueItemResponse From(QueuedRequest q, DateTimeOffset now) => new(
        q.Position, q.Request.Id, q.Entry.TargetGroupCode, q.Entry.PriorityRank, q.Entry.Urgency, q.Entry.QueuedSince,
        (int)(now - q.Entry.QueuedSince).TotalDays, q.Stalled, q.InCooldown ? q.Request.CooldownUntil : null,
        QueueOrder.Explain(q.Entry, q.Position));
}
