using System.Security.Cryptography;
using System.Text;
using Allocation.Api.Features.Queue;
using Allocation.Api.Infrastructure;
using Allocation.Api.Infrastructure.Auth;
using Allocation.Api.Persistence;
using Allocation.Domain;
using FluentValidation;
using Mediator;

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

public sealed class CreateOfferHandler(AllocationDbContext db, QueueRanking ranking, Caller caller, TimeProvider clock)
    : ICommandHandler<CreateOfferCommand, OfferResponse>
{
    public async ValueTask<OfferResponse> Handle(CreateOfferCommand command, CancellationToken ct)
    {
        var body = command.Body;

        await using var tx = await db.Database.BeginTransactionAsync(ct);
        // PRODUCT §11: one open offer per apartment and per request. Both rows stay locked until commit, so parallel
        // offers queue here and see the state the first one left; partial unique indexes back this up.
        var apartment = await db.LockApartmentAsync(body.ApartmentId, ct) ?? throw new NotFoundException("apartment", body.ApartmentId);
        var request = await db.LockRequestAsync(body.RequestId, ct) ?? throw new NotFoundException("allocation request", body.RequestId);
        // PRODUCT §5.1: while reserved only the group's households are eligible; an offer to one of them ends the reservation.
        var reservation = await db.LockUnendedReservationAsync(apartment.Id, ct);
        var now = clock.GetUtcNow();
        var agreement = await ranking.AgreementAsync(apartment.AgreementId, ct);
        var respondBy = body.RespondBy ?? WorkingDays.Add(now, agreement.OfferResponseWorkingDays);

        var queue = await ranking.QueueAsync(agreement, now, ct);

        var offer = Offer.Make(apartment, request, respondBy, now, (offerId, _) => Snapshot(offerId, request.Id, queue, apartment, now, reservation), reservation);
        db.Offers.Add(offer);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return OfferResponse.From(offer, agreement.OfferStallDays, now, caller);
    }

    /// <summary>The ranking among the households eligible for this apartment, as it was read under the locks of this offer.</summary>
    private static string Snapshot(Guid offerId, Guid chosenId, IReadOnlyList<QueuedRequest> queue, Apartment apartment, DateTimeOffset now,
        Reservation? reservation)
    {
        var candidates = QueueRanking.Check(queue, apartment, now, reservation);
        var eligible = candidates.Where(c => c.Eligible).ToList();
        var mine = candidates.Single(c => c.Queued.Request.Id == chosenId);
        return new DecisionSnapshot(
            now,
            eligible.FindIndex(c => c.Queued.Request.Id == chosenId) + 1,
            mine.Queued.Position,
            QueueOrder.Explain(mine.Queued.Entry, mine.Queued.Position),
            mine.Checks.Select(CheckResponse.From).ToList(),
            eligible.Select((c, i) => new CompetitorSnapshot(Pseudonym(offerId, c.Queued.Request.Id), i + 1, c.Queued.Entry.PriorityRank,
                c.Queued.Entry.Urgency, c.Queued.Entry.QueuedSince, c.Queued.Request.Id == chosenId)).ToList()).Serialize();
    }

    // PRODUCT §6/§4: competitors are pseudonymised; keyed by the offer so pseudonyms cannot be linked across offers.
    private static string Pseudonym(Guid offerId, Guid requestId) =>
        "H-" + Convert.ToHexString(HMACSHA256.HashData(offerId.ToByteArray(), Encoding.ASCII.GetBytes(requestId.ToString())))[..12].ToLowerInvariant();
}
