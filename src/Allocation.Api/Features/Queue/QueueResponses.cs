using Allocation.Domain;

namespace Allocation.Api.Features.Queue;

/// <summary>One hard constraint between a request and an apartment as checked, with its explanation.</summary>
/// <param name="Name">The check: <c>agreement</c>, <c>reservation</c>, <c>rooms</c>, <c>rent</c>, <c>accessibility</c>, <c>excluded-districts</c>, <c>required-districts</c>, <c>consent</c> or <c>cooldown</c>.</param>
/// <param name="Passed">Whether the constraint is met.</param>
/// <param name="Explanation">The check explained in words, e.g. "3 rooms, at least 2 needed."; an excluded district is never named.</param>
/// <param name="RefusalCode">The error code an offer gets when this check fails, e.g. <c>too-few-rooms</c>, <c>rent-too-high</c>, <c>excluded-district</c>, <c>consent-expired</c>, <c>apartment-reserved</c>.</param>
public sealed record CheckResponse(string Name, bool Passed, string Explanation, string RefusalCode)
{
    public static CheckResponse From(MatchCheck c) => new(c.Name, c.Passed, c.Explanation, c.RefusalCode);
}

/// <summary>An approved request's place in its agreement's queue and why; for coordinators.</summary>
/// <param name="Position">Position in the queue (1 = first), ranked by target-group priority rank, then urgency, then time approved.</param>
/// <param name="RequestId">The queued allocation request.</param>
/// <param name="TargetGroupCode">Code of the household's target group.</param>
/// <param name="PriorityRank">Priority rank of that target group (1 = highest).</param>
/// <param name="Urgency">The household's urgency.</param>
/// <param name="QueuedSince">Queue time: when the request was approved (UTC instant, ISO 8601), kept through declined, withdrawn or expired offers.</param>
/// <param name="DaysInQueue">Whole days since <c>queuedSince</c>.</param>
/// <param name="Stalled">True when the request has been queued longer than the agreement's <c>queueStallDays</c>.</param>
/// <param name="CooldownUntil">End of a running cool-down during which the household gets no offers (UTC instant, ISO 8601); null when none is running.</param>
/// <param name="Explanation">The queue position explained in words.</param>
/// <param name="ReservedApartments">Apartments of the agreement reserved now for the household's target group (PRODUCT §5.1): only households of that group are eligible for them, whatever their place in the queue.</param>
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
    string Explanation,
    int ReservedApartments)
{
    public static QueueItemResponse From(QueuedRequest q, DateTimeOffset now, int reservedApartments) => new(
        q.Position, q.Request.Id, q.Entry.TargetGroupCode, q.Entry.PriorityRank, q.Entry.Urgency, q.Entry.QueuedSince,
        (int)(now - q.Entry.QueuedSince).TotalDays, q.Stalled, q.InCooldown ? q.Request.CooldownUntil : null,
        QueueOrder.Explain(q.Entry, q.Position), reservedApartments);
}
