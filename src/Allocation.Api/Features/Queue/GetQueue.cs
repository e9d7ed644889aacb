using Allocation.Api.Infrastructure;
using Allocation.Api.Infrastructure.Audit;
using FluentValidation;
using Mediator;

namespace Allocation.Api.Features.Queue;

/// <summary>The queue shows each household's target group and urgency: a read of requests' details, so it is audited (PRODUCT §6).</summary>
public sealed record GetQueueQuery(Guid AgreementId, string? Cursor, int Limit) : IQuery<Page<QueueItemResponse>>, IAuditedRead
{
    public Guid? ResourceId => null;
}

public sealed class GetQueueValidator : AbstractValidator<GetQueueQuery>
{
    public GetQueueValidator()
    {
        RuleFor(q => q.AgreementId).NotEmpty();
        RuleFor(q => q.Limit).ValidPageSize();
    }
}

public sealed class GetQueueHandler(QueueRanking ranking, QueuePages pages, TimeProvider clock) : IQueryHandler<GetQueueQuery, Page<QueueItemResponse>>
{
    public async ValueTask<Page<QueueItemResponse>> Handle(GetQueueQuery query, CancellationToken ct)
    {
        var after = QueueKey.FromCursor(query.Cursor); // a bad cursor is refused before any work
        var now = clock.GetUtcNow();
        var agreement = await ranking.AgreementAsync(query.AgreementId, ct);
        // The cursor is the last row's place in the queue's order: the next page starts right after it, whatever moved before it.
        var rows = (await pages.PageAsync(agreement, after, query.Limit + 1, now, null, ct)).ToList();
        // PRODUCT §5.1: a reservation does not move anyone in the queue; it decides who is eligible for the reserved apartment.
        var reserved = (await ranking.ActiveReservationsAsync(agreement.Id, now, ct)).Values.CountBy(r => r.TargetGroupId).ToDictionary();
        var more = rows.Count > query.Limit;
        if (more) rows.RemoveAt(rows.Count - 1);
        return new Page<QueueItemResponse>(
            [.. rows.Select(q => QueueItemResponse.From(q, now, reserved.GetValueOrDefault(q.Request.TargetGroupId)))],
            more ? QueueKey.Of(rows[^1].Entry).ToCursor() : null);
    }
}
