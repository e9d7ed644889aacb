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
        var queue = await ranking.QueueAsync(await ranking.AgreementAsync(query.AgreementId, ct), now, ct);
        // The queue is a ranking, not a keyed list: the cursor is a position in it.
        var skip = Paging.DecodeOffset(query.Cursor);
        var rows = queue.Skip(skip).Take(query.Limit + 1).Select(q => QueueItemResponse.From(q, now)).ToList();
        return Paging.ToOffsetPage(rows, query.Limit, skip);
    }
}
