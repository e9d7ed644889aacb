using Allocation.Api.Infrastructure;
using Allocation.Api.Infrastructure.Auth;
using Allocation.Api.Persistence;
using Allocation.Domain;
using Allocation.Domain.Network;
using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Allocation.Api.Features.Network;

/// <summary>
/// A member posts a relocation request. Its coordinator makes it from one of its own approved allocation requests
/// (household size, rooms and accessibility come from it); an external member's network-partner client describes the household.
/// </summary>
/// <param name="EarliestMoveDate">The first day the household can move (local date).</param>
/// <param name="WishDecidedByPerson">Must be true: the person's own wish of destination is recorded as her decision (409 destination-wish-missing otherwise).</param>
/// <param name="WishedMunicipalityCodes">The person's wish of destination: active members by SCB code (at most 20); omit or leave empty for any member not excluded.</param>
/// <param name="ExcludedMunicipalityCodes">Municipalities that must never see the request, by SCB code (at most 20), e.g. where the perpetrator lives.</param>
/// <param name="AllocationRequestId">The origin's own approved allocation request (coordinator); omit when a network-partner client describes the household.</param>
/// <param name="Urgency">How urgent the move is; required without <c>allocationRequestId</c>, else defaults to the allocation request's urgency.</param>
/// <param name="HouseholdSize">Number of people (1 to 20); required without <c>allocationRequestId</c>, not allowed with it.</param>
/// <param name="RoomsNeeded">Minimum number of rooms (1 to 12); required without <c>allocationRequestId</c>, not allowed with it.</param>
/// <param name="NeedsAccessibility">Whether an accessible apartment is needed; required without <c>allocationRequestId</c>, not allowed with it.</param>
public sealed record CreateRelocationRequestRequest(
    DateOnly EarliestMoveDate,
    bool WishDecidedByPerson,
    IReadOnlyList<string>? WishedMunicipalityCodes = null,
    IReadOnlyList<string>? ExcludedMunicipalityCodes = null,
    Guid? AllocationRequestId = null,
    Urgency? Urgency = null,
    int? HouseholdSize = null,
    int? RoomsNeeded = null,
    bool? NeedsAccessibility = null);

public sealed record CreateRelocationRequestCommand(CreateRelocationRequestRequest Body) : ICommand<RelocationRequestResponse>;

public sealed class CreateRelocationRequestValidator : AbstractValidator<CreateRelocationRequestCommand>
{
    public CreateRelocationRequestValidator()
    {
        RuleFor(c => c.Body.WishedMunicipalityCodes).Must(c => c is null || c.Count <= 20).WithMessage("At most 20 wished municipalities.");
        RuleForEach(c => c.Body.WishedMunicipalityCodes).NotEmpty().Matches(Municipality.CodePattern).WithMessage("A municipality code is four digits (SCB), e.g. 0126.");
        RuleFor(c => c.Body.ExcludedMunicipalityCodes).Must(c => c is null || c.Count <= 20).WithMessage("At most 20 excluded municipalities.");
        RuleForEach(c => c.Body.ExcludedMunicipalityCodes).NotEmpty().Matches(Municipality.CodePattern).WithMessage("A municipality code is four digits (SCB), e.g. 0126.");
        RuleFor(c => c.Body.AllocationRequestId).NotEqual(Guid.Empty);
        RuleFor(c => c.Body.HouseholdSize).InclusiveBetween(1, 20);
        RuleFor(c => c.Body.RoomsNeeded).InclusiveBetween(1, 12);
        When(c => c.Body.AllocationRequestId is null, () =>
        {
            RuleFor(c => c.Body.HouseholdSize).NotNull().WithMessage("householdSize is required without allocationRequestId.");
            RuleFor(c => c.Body.RoomsNeeded).NotNull().WithMessage("roomsNeeded is required without allocationRequestId.");
            RuleFor(c => c.Body.NeedsAccessibility).NotNull().WithMessage("needsAccessibility is required without allocationRequestId.");
            RuleFor(c => c.Body.Urgency).NotNull().WithMessage("urgency is required without allocationRequestId.");
        }).Otherwise(() =>
        {
            RuleFor(c => c.Body.HouseholdSize).Null().WithMessage("householdSize comes from the allocation request.");
            RuleFor(c => c.Body.RoomsNeeded).Null().WithMessage("roomsNeeded comes from the allocation request.");
            RuleFor(c => c.Body.NeedsAccessibility).Null().WithMessage("needsAccessibility comes from the allocation request.");
        });
    }
}

public sealed class CreateRelocationRequestHandler(AllocationDbContext db, Caller caller, ReciprocityRule reciprocity, TimeProvider clock)
    : ICommandHandler<CreateRelocationRequestCommand, RelocationRequestResponse>
{
    public async ValueTask<RelocationRequestResponse> Handle(CreateRelocationRequestCommand command, CancellationToken ct)
    {
        var body = command.Body;
        var member = await NetworkView.MemberAsync(db, caller, ct);
        var wished = body.WishedMunicipalityCodes ?? [];
        var active = await db.NetworkMembers.AsNoTracking().Where(m => m.Active && wished.Contains(m.MunicipalityCode)).Select(m => m.MunicipalityCode).ToListAsync(ct);
        if (wished.Except(active).FirstOrDefault() is { } unknown)
            throw new BadRequestException("unknown-network-member", $"Municipality {unknown} is not an active member of the network.");
        // PRODUCT §7: a member far below balance may be stopped from posting; the ledger shows the rule.
        reciprocity.EnsureMayPost(member.MunicipalityCode, await NetworkLedger.BalanceAsync(db, member.MunicipalityCode, ct));

        var now = clock.GetUtcNow();
        await using var tx = await db.Database.BeginCommandTransactionAsync(ct);
        RelocationRequest request;
        if (body.AllocationRequestId is { } allocationRequestId)
        {
            // The origin's own household: only its coordinators decide to relocate it.
            if (!caller.Roles.Contains(Roles.Coordinator))
                throw new ForbiddenException("forbidden", "Only a coordinator can relocate one of the municipality's allocation requests.");
            var allocation = await db.LockRequestAsync(allocationRequestId, ct) ?? throw new NotFoundException("allocation request", allocationRequestId);
            request = RelocationRequest.FromAllocationRequest(allocation, body.Urgency ?? allocation.Urgency, body.EarliestMoveDate,
                body.ExcludedMunicipalityCodes ?? [], wished, body.WishDecidedByPerson, now);
        }
        else
        {
            if (!caller.Roles.Contains(Roles.NetworkPartner))
                throw new BadRequestException("allocation-request-required", "A coordinator relocates one of the municipality's allocation requests: give allocationRequestId.");
            request = RelocationRequest.Post(member.MunicipalityCode, new RelocationNeeds(body.HouseholdSize!.Value, body.RoomsNeeded!.Value,
                body.NeedsAccessibility!.Value, body.Urgency!.Value, body.EarliestMoveDate, body.ExcludedMunicipalityCodes ?? [], wished,
                body.WishDecidedByPerson), now);
        }
        db.RelocationRequests.Add(request);
        await NetworkEvents.RequestPostedAsync(db, request, now, ct);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return RelocationRequestResponse.From(request);
    }
}
