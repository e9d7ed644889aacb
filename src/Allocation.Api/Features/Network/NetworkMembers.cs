using Allocation.Api.Infrastructure;
using Allocation.Api.Persistence;
using Allocation.Domain;
using Allocation.Domain.Network;
using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Allocation.Api.Features.Network;

/// <summary>A member of the Södertörn network: a municipality by its SCB code, on this platform or acting through its network-partner client.</summary>
/// <param name="MunicipalityCode">SCB code of the member municipality (four digits, e.g. 0126 Huddinge).</param>
/// <param name="Name">The municipality's name.</param>
/// <param name="Active">Whether the member takes part in exchanges now: only active members post requests, see others' requests and offer apartments.</param>
/// <param name="ContactUnit">The social-services unit other members contact about exchanges; no person's name. Null when none is registered.</param>
/// <param name="HasApartmentsToOffer">Whether the member has an available apartment on this platform marked as available to the network (PRODUCT §7: a member takes part by having apartments to offer). Always false for an external member, whose stock is not on this platform.</param>
/// <param name="Version">Row version for optimistic concurrency; not in the body, sent as the ETag header.</param>
public sealed record NetworkMemberResponse(
    string MunicipalityCode,
    string Name,
    bool Active,
    string? ContactUnit,
    bool HasApartmentsToOffer,
    [property: System.Text.Json.Serialization.JsonIgnore] uint Version);

public sealed record ListNetworkMembersQuery(string? Cursor, int Limit) : IQuery<Page<NetworkMemberResponse>>;

public sealed class ListNetworkMembersValidator : AbstractValidator<ListNetworkMembersQuery>
{
    public ListNetworkMembersValidator() => RuleFor(q => q.Limit).ValidPageSize();
}

public sealed class ListNetworkMembersHandler(AllocationDbContext db) : IQueryHandler<ListNetworkMembersQuery, Page<NetworkMemberResponse>>
{
    public async ValueTask<Page<NetworkMemberResponse>> Handle(ListNetworkMembersQuery query, CancellationToken ct)
    {
        // The registry is small (a few dozen municipalities at most): read whole, paged in memory.
        var members = await db.NetworkMembers.AsNoTracking().OrderBy(m => m.MunicipalityCode).ToListAsync(ct);
        var offering = await NetworkView.MembersWithApartmentsToOfferAsync(db, ct);
        return Paging.PageOf(members.Select(m => NetworkMemberResponse(m, offering)), query.Cursor, query.Limit);
    }

    internal static NetworkMemberResponse NetworkMemberResponse(NetworkMember m, IReadOnlySet<string> offering) =>
        new(m.MunicipalityCode, m.Name, m.Active, m.ContactUnit, offering.Contains(m.MunicipalityCode), m.Version);
}

/// <summary>An administrator registers a municipality as a member of the network, or changes its registration.</summary>
/// <param name="Name">The municipality's name (1 to 100 characters); registers the municipality too when its code is new to the platform (an external member).</param>
/// <param name="Active">Whether the member takes part in exchanges; an inactive member keeps its history but cannot post, see or offer.</param>
/// <param name="ContactUnit">The social-services unit other members contact about exchanges (at most 100 characters; no person's name); omit for none.</param>
public sealed record NetworkMemberRequest(string Name, bool Active, string? ContactUnit = null);

public sealed record PutNetworkMemberCommand(string MunicipalityCode, NetworkMemberRequest Body) : ICommand<NetworkMemberResponse>;

public sealed class PutNetworkMemberValidator : AbstractValidator<PutNetworkMemberCommand>
{
    public PutNetworkMemberValidator()
    {
        RuleFor(c => c.MunicipalityCode).NotEmpty().Matches(Municipality.CodePattern).WithMessage("A municipality code is four digits (SCB), e.g. 0127.");
        RuleFor(c => c.Body.Name).NotEmpty().MaximumLength(100);
        RuleFor(c => c.Body.ContactUnit).MaximumLength(100);
    }
}

public sealed class PutNetworkMemberHandler(AllocationDbContext db, TimeProvider clock) : ICommandHandler<PutNetworkMemberCommand, NetworkMemberResponse>
{
    public async ValueTask<NetworkMemberResponse> Handle(PutNetworkMemberCommand command, CancellationToken ct)
    {
        var body = command.Body;
        var code = command.MunicipalityCode;
        if (!await db.Municipalities.AnyAsync(m => m.Code == code, ct))
            db.Municipalities.Add(new Municipality(code, body.Name.Trim())); // an external member: known to the platform by its code and name
        var member = await db.NetworkMembers.SingleOrDefaultAsync(m => m.MunicipalityCode == code, ct);
        if (member is null) db.NetworkMembers.Add(member = NetworkMember.Register(code, body.Name.Trim(), body.Active, body.ContactUnit?.Trim(), clock.GetUtcNow()));
        else member.Update(body.Name.Trim(), body.Active, body.ContactUnit?.Trim());
        await db.SaveChangesAsync(ct);
        return ListNetworkMembersHandler.NetworkMemberResponse(member, await NetworkView.MembersWithApartmentsToOfferAsync(db, ct));
    }
}
