using System.Text.Json.Serialization;
using Allocation.Api.Infrastructure;
using Allocation.Api.Infrastructure.Auth;
using Allocation.Api.Persistence;
using Allocation.Domain;
using Allocation.Domain.Network;
using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Allocation.Api.Features.Network;

/// <summary>A member's offer of an apartment of its own stock to another member's relocation request. Seen by its two parties only.</summary>
/// <param name="Id">The network offer's id.</param>
/// <param name="RelocationRequestId">The relocation request it answers.</param>
/// <param name="MunicipalityCode">SCB code of the destination: the member offering the apartment.</param>
/// <param name="OriginMunicipalityCode">SCB code of the origin: the member whose household would move.</param>
/// <param name="ApartmentId">The destination's apartment on this platform, shown to the destination only; null for the origin and for an external member's apartment.</param>
/// <param name="District">District the apartment is in.</param>
/// <param name="Rooms">Number of rooms.</param>
/// <param name="MonthlyRent">Rent in SEK per month.</param>
/// <param name="AvailableFrom">First day the apartment can be moved into (local date).</param>
/// <param name="IsAccessible">Whether the apartment is accessible.</param>
/// <param name="HouseholdSize">Number of people in the household the apartment is offered to.</param>
/// <param name="Status">The offer's state.</param>
/// <param name="CreatedAt">When the offer was made (UTC instant, ISO 8601).</param>
/// <param name="RespondedAt">When the origin accepted or declined it, or it was released by another acceptance (UTC instant, ISO 8601); null while open.</param>
/// <param name="DeclineReason">The origin's reason for declining; null unless the status is Declined.</param>
/// <param name="DeclineNote">Free text recorded with the decline (always given for reason Other); null when none.</param>
/// <param name="Version">Row version for optimistic concurrency; not in the body, sent as the ETag header.</param>
/// <param name="CancelledBy">SCB code of the party (origin or destination) that called off the accepted move; null unless the status is Cancelled.</param>
/// <param name="CancelReason">Why the accepted move was called off; null unless the status is Cancelled.</param>
/// <param name="CancelNote">Free text recorded with the cancellation (always given for reason Other); null when none.</param>
/// <param name="MovedInOn">The move-in date an external member's partner client recorded for the move (local date); null otherwise.</param>
public sealed record RelocationOfferResponse(
    Guid Id,
    Guid RelocationRequestId,
    string MunicipalityCode,
    string OriginMunicipalityCode,
    Guid? ApartmentId,
    string District,
    int Rooms,
    decimal MonthlyRent,
    DateOnly AvailableFrom,
    bool IsAccessible,
    int HouseholdSize,
    RelocationOfferStatus Status,
    DateTimeOffset CreatedAt,
    DateTimeOffset? RespondedAt,
    DeclineReason? DeclineReason,
    string? DeclineNote,
    [property: JsonIgnore] uint Version,
    string? CancelledBy = null,
    MoveCancelReason? CancelReason = null,
    string? CancelNote = null,
    DateOnly? MovedInOn = null)
{
    /// <summary>The destination's apartment id is the destination's own record: the origin does not get it (PRODUCT §12).</summary>
    public static RelocationOfferResponse From(RelocationOffer o, Caller caller) => new(o.Id, o.RelocationRequestId, o.MunicipalityCode,
        o.OriginMunicipalityCode, caller.Municipality == o.MunicipalityCode ? o.ApartmentId : null, o.District, o.Rooms, o.MonthlyRent, o.AvailableFrom,
        o.IsAccessible, o.HouseholdSize, o.Status, o.CreatedAt, o.RespondedAt, o.DeclineReason, o.DeclineNote, o.Version, o.CancelledBy, o.CancelReason, o.CancelNote, o.MovedInOn);
}

/// <summary>
/// A member answers another member's relocation request with an apartment of its own stock: on this platform an available
/// apartment it marked as available to the network (<c>apartmentId</c>); an external member describes its apartment instead.
/// </summary>
/// <param name="ApartmentId">The member's own available apartment, marked as available to the network; omit to describe an external member's apartment.</param>
/// <param name="District">District of the described apartment (1 to 100 characters); only without <c>apartmentId</c>.</param>
/// <param name="Rooms">Rooms of the described apartment (1 to 12); only without <c>apartmentId</c>.</param>
/// <param name="MonthlyRent">Rent of the described apartment in SEK per month; only without <c>apartmentId</c>.</param>
/// <param name="AvailableFrom">First move-in day of the described apartment (local date); only without <c>apartmentId</c>.</param>
/// <param name="IsAccessible">Whether the described apartment is accessible; only without <c>apartmentId</c>.</param>
public sealed record CreateRelocationOfferRequest(
    Guid? ApartmentId = null,
    string? District = null,
    int? Rooms = null,
    decimal? MonthlyRent = null,
    DateOnly? AvailableFrom = null,
    bool? IsAccessible = null);

public sealed record CreateRelocationOfferCommand(Guid RelocationRequestId, CreateRelocationOfferRequest Body) : ICommand<RelocationOfferResponse>;

public sealed class CreateRelocationOfferValidator : AbstractValidator<CreateRelocationOfferCommand>
{
    public CreateRelocationOfferValidator()
    {
        RuleFor(c => c.Body.ApartmentId).NotEqual(Guid.Empty);
        RuleFor(c => c.Body.District).MaximumLength(100);
        RuleFor(c => c.Body.Rooms).InclusiveBetween(1, 12);
        RuleFor(c => c.Body.MonthlyRent).GreaterThanOrEqualTo(0m).LessThan(100_000_000m).PrecisionScale(10, 2, true);
        When(c => c.Body.ApartmentId is null, () =>
        {
            RuleFor(c => c.Body.District).NotEmpty().WithMessage("district is required without apartmentId.");
            RuleFor(c => c.Body.Rooms).NotNull().WithMessage("rooms is required without apartmentId.");
            RuleFor(c => c.Body.MonthlyRent).NotNull().WithMessage("monthlyRent is required without apartmentId.");
            RuleFor(c => c.Body.AvailableFrom).NotNull().WithMessage("availableFrom is required without apartmentId.");
            RuleFor(c => c.Body.IsAccessible).NotNull().WithMessage("isAccessible is required without apartmentId.");
        }).Otherwise(() =>
            RuleFor(c => new { c.Body.District, c.Body.Rooms, c.Body.MonthlyRent, c.Body.AvailableFrom, c.Body.IsAccessible })
                .Must(d => d.District is null && d.Rooms is null && d.MonthlyRent is null && d.AvailableFrom is null && d.IsAccessible is null)
                .OverridePropertyName("apartmentId")
                .WithMessage("An apartment of the stock is described by its own record: give apartmentId or the description, not both."));
    }
}

public sealed class CreateRelocationOfferHandler(AllocationDbContext db, Caller caller, TimeProvider clock)
    : ICommandHandler<CreateRelocationOfferCommand, RelocationOfferResponse>
{
    public async ValueTask<RelocationOfferResponse> Handle(CreateRelocationOfferCommand command, CancellationToken ct)
    {
        var body = command.Body;
        var member = await NetworkView.MemberAsync(db, caller, ct);
        var now = clock.GetUtcNow();
        await using var tx = await db.Database.BeginCommandTransactionAsync(ct);
        // Relocation request, then apartment: the network's lock order (see AllocationDbContext).
        var request = await NetworkView.LockForAnswerAsync(db, member.MunicipalityCode, command.RelocationRequestId, ct);
        RelocationOffer offer;
        if (body.ApartmentId is { } apartmentId)
        {
            // The member's own stock only (the query filter): an apartment of another municipality is not found.
            var apartment = await db.LockApartmentAsync(apartmentId, ct) ?? throw new NotFoundException("apartment", apartmentId);
            offer = RelocationOffer.FromStock(request, apartment, now, await db.LockUnendedReservationAsync(apartment.Id, ct));
        }
        else
        {
            if (await db.Agreements.IgnoreQueryFilters().AnyAsync(a => a.MunicipalityCode == member.MunicipalityCode, ct))
                throw new BadRequestException("apartment-required", "A member with its stock on this platform offers one of its apartments: give apartmentId.");
            offer = RelocationOffer.Described(request, member.MunicipalityCode,
                new OfferedApartment(body.District!.Trim(), body.Rooms!.Value, body.MonthlyRent!.Value, body.AvailableFrom!.Value, body.IsAccessible!.Value), now);
        }
        db.RelocationOffers.Add(offer);
        NetworkEvents.OfferChanged(db, offer, request, now);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return RelocationOfferResponse.From(offer, caller);
    }
}

public sealed record GetRelocationOfferQuery(Guid Id) : IQuery<RelocationOfferResponse>;

public sealed class GetRelocationOfferHandler(AllocationDbContext db, Caller caller) : IQueryHandler<GetRelocationOfferQuery, RelocationOfferResponse>
{
    // The query filter keeps an offer to its two parties: any other member gets 404.
    public async ValueTask<RelocationOfferResponse> Handle(GetRelocationOfferQuery query, CancellationToken ct) =>
        RelocationOfferResponse.From(await db.RelocationOffers.AsNoTracking().SingleOrDefaultAsync(o => o.Id == query.Id, ct)
                                     ?? throw new NotFoundException("relocation offer", query.Id), caller);
}

public sealed record ListRelocationOffersQuery(Guid? RelocationRequestId, RelocationOfferStatus? Status, string? Cursor, int Limit) : IQuery<Page<RelocationOfferResponse>>;

public sealed class ListRelocationOffersValidator : AbstractValidator<ListRelocationOffersQuery>
{
    public ListRelocationOffersValidator() => RuleFor(q => q.Limit).ValidPageSize();
}

public sealed class ListRelocationOffersHandler(AllocationDbContext db, Caller caller) : IQueryHandler<ListRelocationOffersQuery, Page<RelocationOfferResponse>>
{
    public async ValueTask<Page<RelocationOfferResponse>> Handle(ListRelocationOffersQuery query, CancellationToken ct)
    {
        var after = Paging.DecodeCursor(query.Cursor);
        var offers = db.RelocationOffers.AsNoTracking();
        if (query.RelocationRequestId is { } requestId) offers = offers.Where(o => o.RelocationRequestId == requestId);
        if (query.Status is { } status) offers = offers.Where(o => o.Status == status);
        if (after is not null) offers = offers.Where(o => o.Id.CompareTo(after.Value) > 0);
        var rows = await offers.OrderBy(o => o.Id).Take(query.Limit + 1).ToListAsync(ct);
        return Paging.ToPage(rows.Select(o => RelocationOfferResponse.From(o, caller)).ToList(), query.Limit, o => o.Id);
    }
}

/// <summary>The origin's answer to a network offer, in one transaction with everything it moves.</summary>
internal static class RelocationOfferAnswers
{
    /// <summary>
    /// Locks the offer's relocation request, then its open offers in id order with their apartments, then the origin's
    /// allocation request — the network's lock order — so parallel answers queue and each sees the state the last one left.
    /// </summary>
    public static async Task<RelocationOfferResponse> AnswerAsync(AllocationDbContext db, Caller caller, TimeProvider clock, Guid offerId, uint? expectedVersion,
        Action<RelocationOffer, RelocationRequest, Apartment?, IReadOnlyList<(RelocationOffer, Apartment?)>, AllocationRequest?, DateTimeOffset> answer,
        CancellationToken ct)
    {
        var seen = await db.RelocationOffers.AsNoTracking().SingleOrDefaultAsync(o => o.Id == offerId, ct) ?? throw new NotFoundException("relocation offer", offerId);
        // PRODUCT §7: the origin decides; the destination sees its offer but cannot answer it.
        if (seen.OriginMunicipalityCode != caller.Municipality)
            throw new ForbiddenException("other-municipality", "Only the municipality that posted the relocation request answers its offers.");
        await using var tx = await db.Database.BeginCommandTransactionAsync(ct);
        var request = (await db.LockRelocationRequestAsync(seen.RelocationRequestId, ct))!;
        var open = await db.LockOpenRelocationOffersAsync(request.Id, ct);
        var offer = open.SingleOrDefault(o => o.Id == offerId) ?? (await db.LockRelocationOfferAsync(offerId, ct))!;
        ETags.Expect(db, offer, expectedVersion, o => o.Version);
        var others = new List<(RelocationOffer, Apartment?)>();
        foreach (var o in open)
            others.Add((o, o.ApartmentId is { } id ? await db.LockApartmentAsync(id, ct, bypassScope: true) : null));
        var apartment = others.SingleOrDefault(o => o.Item1.Id == offer.Id).Item2
                        ?? (offer.ApartmentId is { } own ? await db.LockApartmentAsync(own, ct, bypassScope: true) : null);
        var origin = request.AllocationRequestId is { } allocationId ? await db.LockRequestAsync(allocationId, ct, bypassScope: true) : null;
        var statuses = open.ToDictionary(o => o.Id, o => o.Status);
        var requestStatus = request.Status;
        var now = clock.GetUtcNow();

        answer(offer, request, apartment, others, origin, now);

        foreach (var changed in open.Where(o => statuses[o.Id] != o.Status)) NetworkEvents.OfferChanged(db, changed, request, now);
        if (request.Status != requestStatus) NetworkEvents.RequestChanged(db, request, now);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return RelocationOfferResponse.From(offer, caller);
    }
}

public sealed record AcceptRelocationOfferCommand(Guid OfferId, uint? ExpectedVersion) : ICommand<RelocationOfferResponse>;

public sealed class AcceptRelocationOfferHandler(AllocationDbContext db, Caller caller, TimeProvider clock) : ICommandHandler<AcceptRelocationOfferCommand, RelocationOfferResponse>
{
    public async ValueTask<RelocationOfferResponse> Handle(AcceptRelocationOfferCommand command, CancellationToken ct) =>
        await RelocationOfferAnswers.AnswerAsync(db, caller, clock, command.OfferId, command.ExpectedVersion,
            (offer, request, apartment, others, origin, now) => offer.Accept(request, apartment, others, origin, now), ct);
}

/// <summary>The origin declines a network offer, with the household's reason.</summary>
/// <param name="Reason">Why the household declines: Rent, Size, District, Safety, Health or Other.</param>
/// <param name="Note">Free text (at most 1000 characters); required for reason Other.</param>
public sealed record DeclineRelocationOfferRequest(DeclineReason Reason, string? Note = null);

public sealed record DeclineRelocationOfferCommand(Guid OfferId, uint? ExpectedVersion, DeclineRelocationOfferRequest Body) : ICommand<RelocationOfferResponse>;

public sealed class DeclineRelocationOfferValidator : AbstractValidator<DeclineRelocationOfferCommand>
{
    public DeclineRelocationOfferValidator()
    {
        RuleFor(c => c.Body.Reason).IsInEnum();
        RuleFor(c => c.Body.Note).MaximumLength(1000);
        RuleFor(c => c.Body.Note).NotEmpty().When(c => c.Body.Reason == DeclineReason.Other).WithMessage("A note is required for reason Other.");
    }
}

public sealed class DeclineRelocationOfferHandler(AllocationDbContext db, Caller caller, TimeProvider clock) : ICommandHandler<DeclineRelocationOfferCommand, RelocationOfferResponse>
{
    public async ValueTask<RelocationOfferResponse> Handle(DeclineRelocationOfferCommand command, CancellationToken ct) =>
        await RelocationOfferAnswers.AnswerAsync(db, caller, clock, command.OfferId, command.ExpectedVersion,
            (offer, request, apartment, _, _, now) => offer.Decline(request, apartment, command.Body.Reason, command.Body.Note?.Trim(), now), ct);
}
