using System.Runtime.CompilerServices;
using Allocation.Api.Features.Queue;
using Allocation.Api.Infrastructure;
using Allocation.Api.Infrastructure.Auth;
using Allocation.Api.Persistence;
using Allocation.Domain;
using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Allocation.Api.Features.Offers;

/// <summary>A coordinator offers one available apartment to one approved (queued) request; every hard check must pass and the household must have a valid consent.</summary>
/// <param name="ApartmentId">The available apartment to offer.</param>
/// <param name="RequestId">The approved (queued) allocation request to offer it to.</param>
/// <param name="RespondBy">Deadline for the household's answer (ISO 8601 instant with offset, in the future); omit for the agreement's <c>offerResponseWorkingDays</c> from now.</param>
public sealed record CreateOfferRequest(Guid ApartmentId, Guid RequestId, DateTimeOffset? RespondBy = null);

public sealed record CreateOfferCommand(CreateOfferRequest Body) : ICommand<OfferResponse>;

public sealed class CreateOfferValidator : AbstractValidator<CreateOfferCommand>
{
    public CreateOfferValidator()
    {
        RuleFor(c => c.Body.ApartmentId).NotEmpty();
        RuleFor(c => c.Body.RequestId).NotEmpty();
    }
}

public sealed class CreateOfferHandler(AllocationDbContext db, Caller caller, TimeProvider clock, CaseReferenceProtector protector)
    : ICommandHandler<CreateOfferCommand, OfferResponse>
{
    public async ValueTask<OfferResponse> Handle(CreateOfferCommand command, CancellationToken ct)
    {
        var body = command.Body;

        await using var tx = await db.Database.BeginCommandTransactionAsync(ct);
        // PRODUCT §11: one open offer per apartment and per request. Both rows stay locked until commit, so parallel
        // offers queue here and see the state the first one left; partial unique indexes back this up.
        var (apartment, request, agreement, reservation) = await LockAsync(body.ApartmentId, body.RequestId, ct);
        var now = clock.GetUtcNow();
        var respondBy = body.RespondBy ?? WorkingDays.Add(now, agreement.OfferResponseWorkingDays);

        var queue = await SnapshotQueueAsync(agreement, apartment, request, reservation, now, ct);

        var offer = Offer.Make(apartment, request, respondBy, now, (offerId, _) => Snapshot(offerId, request, queue, agreement, apartment, now, reservation, protector), reservation);
        db.Offers.Add(offer);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return OfferResponse.From(offer, agreement.OfferStallDays, now, caller);
    }

    /// <summary>
    /// Locks the apartment and the request — in that order, the order of every command, taken by one statement
    /// (<c>FOR UPDATE OF a, r</c> locks in the order it names) — and the apartment's unended reservation after them, and
    /// loads them with the agreement, in one round trip. Each locked row is the version current when its lock was granted.
    /// A reservation made while this waited for the apartment is not in the statement's snapshot; making or cancelling one
    /// changes the apartment, so then the reservation is read again, now that the apartment is held.
    /// </summary>
    private async Task<(Apartment, AllocationRequest, Agreement, Reservation?)> LockAsync(Guid apartmentId, Guid requestId, CancellationToken ct)
    {
        const string locked = "FROM apartments a JOIN allocation_requests r ON r.id = {1} WHERE a.id = {0} FOR UPDATE OF a, r";
        var row = await (
                from a in db.Apartments.FromSql(FormattableStringFactory.Create("SELECT a.*, a.xmin " + locked, apartmentId, requestId))
                from r in db.AllocationRequests.FromSql(FormattableStringFactory.Create("SELECT r.*, r.xmin " + locked, apartmentId, requestId))
                join g in db.Agreements on a.AgreementId equals g.Id
                from res in db.Reservations.FromSql(FormattableStringFactory.Create("""
                        SELECT res.*, res.xmin FROM apartments a JOIN allocation_requests r ON r.id = {1}
                            JOIN reservations res ON res.apartment_id = a.id AND res.ended_at IS NULL
                        WHERE a.id = {0} FOR UPDATE OF a, r, res
                        """, apartmentId, requestId)).DefaultIfEmpty()
                select new { a, r, g, res, Changed = !db.Apartments.Any(x => x.Id == apartmentId && x.Version == a.Version) })
            .SingleOrDefaultAsync(ct);
        if (row is null)
        {
            if (!await db.Apartments.AnyAsync(a => a.Id == apartmentId, ct)) throw new NotFoundException("apartment", apartmentId);
            throw new NotFoundException("allocation request", requestId);
        }
        // The snapshot's version of the apartment against the one locked: a difference is a change committed in between.
        var reservation = row.Changed ? await db.LockUnendedReservationAsync(apartmentId, ct) : row.res;
        return (row.a, row.r, row.g, reservation);
    }

    /// <summary>
    /// What the decision snapshot needs of the queue, in one query: the requests eligible for this apartment (the checks as
    /// SQL, <see cref="EligibilityFilter"/>) and the chosen one with the number of queued requests ahead of it.
    /// </summary>
    private async Task<IReadOnlyList<SnapshotRow>> SnapshotQueueAsync(Agreement agreement, Apartment apartment, AllocationRequest chosen,
        Reservation? reservation, DateTimeOffset now, CancellationToken ct)
    {
        var parameters = new List<NpgsqlParameter> { new("agreement", agreement.Id), new("chosen", chosen.Id) };
        var eligible = "TRUE" + new EligibilityFilter(apartment, reservation, now).Sql(parameters);
        var sql = $"""
            SELECT r.id AS request_id, t.code AS target_group_code, t.priority_rank, r.urgency, r.queued_since, coalesce(({eligible}), false) AS eligible,
                   CASE WHEN r.id = @chosen THEN (SELECT count(*)::int FROM allocation_requests q
                        WHERE q.agreement_id = @agreement AND q.status = 'Approved'
                          AND (q.queue_rank, q.urgency_order, q.queued_since, q.id) < (r.queue_rank, r.urgency_order, r.queued_since, r.id)) END AS ahead
            FROM allocation_requests r JOIN target_groups t ON t.id = r.target_group_id
            WHERE r.agreement_id = @agreement AND r.status = 'Approved' AND (coalesce(({eligible}), false) OR r.id = @chosen)
            """;
        return await db.Database.SqlQueryRaw<SnapshotRow>(sql, parameters.ToArray<object>()).ToListAsync(ct);
    }

    /// <summary>The ranking among the households eligible for this apartment, as it was read under the locks of this offer.</summary>
    private static string Snapshot(Guid offerId, AllocationRequest chosen, IReadOnlyList<SnapshotRow> queue, Agreement agreement, Apartment apartment,
        DateTimeOffset now, Reservation? reservation, CaseReferenceProtector protector)
    {
        var eligible = QueueOrder.Rank(queue.Where(q => q.Eligible), q => q.Entry).ToList();
        var row = queue.Single(q => q.RequestId == chosen.Id);
        var position = row.Ahead!.Value + 1;
        var mine = QueueRanking.Check([new QueuedRequest(chosen, row.Entry, position, row.QueuedSince < now.AddDays(-agreement.QueueStallDays), chosen.InCooldown(now))],
            apartment, now, reservation)[0];
        return new DecisionSnapshot(
            now,
            eligible.FindIndex(q => q.RequestId == chosen.Id) + 1,
            position,
            QueueOrder.Explain(row.Entry, position),
            mine.Checks.Select(CheckResponse.From).ToList(),
            eligible.Select((q, i) => new CompetitorSnapshot(protector.HouseholdPseudonym(offerId, q.RequestId), i + 1, q.PriorityRank,
                q.Entry.Urgency, q.QueuedSince, q.RequestId == chosen.Id, Erased: false)).ToList()).Serialize();
    }

    private sealed class SnapshotRow
    {
        public Guid RequestId { get; set; }
        public string TargetGroupCode { get; set; } = "";
        public int PriorityRank { get; set; }
        public string Urgency { get; set; } = "";
        public DateTimeOffset QueuedSince { get; set; }
        public bool Eligible { get; set; }
        public int? Ahead { get; set; }

        public QueueEntry Entry => new(RequestId, TargetGroupCode, PriorityRank, Enum.Parse<Domain.Urgency>(Urgency), QueuedSince);
    }
}
