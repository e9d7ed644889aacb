using Allocation.Api.Infrastructure;
using FluentValidation;
using Mediator;

namespace Allocation.Api.Features.Queue;

public sealed record GetQueueQuery(Guid AgreementId, string? Cursor, int Limit) : IQuery<Page<QueueItemResponse>>;

public sealed class GetQueueValidator : AbstractValidator<GetQueueQuery>
{
    public GetQueueValidator()
    {
        RuleFor(q => q.AgreementId).NotEmpty();
        RuleFor(q => q.Limit).ValidPageSize();
    }
}

public sealed class GetQueueHandler(QueueRanking ranking, TimeProvider clock) : IQueryHandler<GetQueueQuery, Page<QueueItemResponse>>
{
    public async ValueTask<Page<QueueItemResponse>> Handle(GetQueueQuery query, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var agreement = await ranking.AgreementAsync(query.AgreementId, ct);
        var queue = await ranking.QueueAsync(agreement, now, ct);
        // PRODUCT §5.1: a reservation does not move anyone in the queue; it decides who is eligible for the reserved apartment.
        var reserved = (await ranking.ActiveReservationsAsync(agreement.Id, now, ct)).Values.CountBy(r => r.TargetGroupId).ToDictionary();
        // The queue is a ranking, not a keyed list: the cursor is a position in it.
        var skip = Paging.DecodeOffset(query.Cursor);
        var rows = queue.Skip(skip).Take(query.Limit + 1)
            .Select(q => QueueItemResponse.From(q, now, reserved.GetValueOrDefault(q.Request.TargetGroupId))).ToList();
        return Paging.ToOffsetPage(rows, query.Limit, skip);
    }
}
