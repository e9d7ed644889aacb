using Allocation.Api.Infrastructure.Auth;
using Allocation.Api.Infrastructure;
using Allocation.Domain;
using Mediator;

namespace Allocation.Api.Features.Apartments;

public static class ApartmentEndpoints
{
    public static void MapApartmentEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/v1/agreements/{agreementId:guid}/apartments",
                async (Guid agreementId, RegisterApartmentRequest body, IMediator mediator, HttpContext http, CancellationToken ct) =>
                {
                    var apartment = await mediator.Send(new RegisterApartmentCommand(agreementId, body), ct);
                    ETags.Set(http, apartment.Version);
                    return TypedResults.Created($"/api/v1/apartments/{apartment.Id}", apartment);
                })
            .WithTags("Apartments")
            .WithName("RegisterApartment")
            .RequireRoles(Access.ManageStock)
            .WithRequestExample(new RegisterApartmentRequest("BB-10452", "Hallunda torg 4", "Hallunda", 3, 74.5m, 2, true, false, 8950m, new DateOnly(2026, 9, 1)))
            .WithSummary("Register an apartment under an agreement")
            .WithDescription("The housing company provides an apartment: it enters the agreement's stock as available and takes one place of the quota.")
            .Refuses(
                ("quota-exhausted", "the agreement's stock has reached its quota"),
                ("duplicate-object-number", "the housing company already has an apartment with that object number in a stock"),
                ("agreement-not-in-force", "today is outside the agreement's validity"))
            .ProducesProblems(400, 404);

        var group = app.MapGroup("/api/v1/apartments").WithTags("Apartments");

        group.MapGet("/", async (IMediator mediator, Guid? agreementId, ApartmentStatus? status, string? district, int? minRooms, string? cursor, int? limit,
                    CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new ListApartmentsQuery(agreementId, status, district, minRooms, cursor, limit ?? Paging.DefaultLimit), ct)))
            .WithName("ListApartments")
            .RequireRoles(Access.ReadStock)
            .WithSummary("List apartments")
            .WithDescription("Apartments, filtered by agreement, status, district and minimum number of rooms, in registration order.")
            .ProducesProblems(400);

        group.MapGet("/{apartmentId:guid}", async (Guid apartmentId, IMediator mediator, HttpContext http, CancellationToken ct) =>
            {
                var apartment = await mediator.Send(new GetApartmentQuery(apartmentId), ct);
                ETags.Set(http, apartment.Version);
                return TypedResults.Ok(apartment);
            })
            .WithName("GetApartment")
            .RequireRoles(Access.ReadStock)
            .WithSummary("Get an apartment")
            .WithDescription("The apartment's description and state. The ETag is needed to change it.")
            .ProducesProblems(404);

        group.MapGet("/{apartmentId:guid}/history", async (Guid apartmentId, IMediator mediator, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new GetApartmentHistoryQuery(apartmentId), ct)))
            .WithName("GetApartmentHistory")
            .RequireRoles(Access.ReadStock)
            .WithSummary("Get an apartment's status history")
            .WithDescription("Every state the apartment has been in, oldest first; vacant days and reports are derived from it.")
            .ProducesProblems(404);

        group.MapGet("/{apartmentId:guid}/eligible-requests", async (Guid apartmentId, bool? includeIneligible, string? cursor, int? limit, IMediator mediator,
                    CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new GetEligibleRequestsQuery(apartmentId, includeIneligible ?? false, cursor, limit ?? Paging.DefaultLimit), ct)))
            .WithName("GetEligibleRequests")
            .RequireRoles(Access.Match)
            .WithSummary("List the queued households eligible for an apartment")
            .WithDescription("The agreement's queue checked against the apartment, in queue order (target-group priority rank, urgency, time "
                             + "approved), each with the explanation of its rank and of every hard check: a reservation for another target group, "
                             + "rooms, rent, accessibility, excluded and required districts, valid consent, cool-down. `includeIneligible=true` also "
                             + "lists the households that fail a check. "
                             + "The API never allocates: a coordinator chooses and makes the offer.")
            .ProducesProblems(400, 404);

        group.MapPatch("/{apartmentId:guid}", async (Guid apartmentId, UpdateApartmentRequest body, IMediator mediator, HttpContext http, CancellationToken ct) =>
            {
                var apartment = await mediator.Send(new UpdateApartmentCommand(apartmentId, ETags.RequiredIfMatch(http.Request), body), ct);
                ETags.Set(http, apartment.Version);
                return TypedResults.Ok(apartment);
            })
            .WithName("UpdateApartment")
            .RequireRoles(Access.ManageStock)
            .WithRequestExample(new UpdateApartmentRequest(MonthlyRent: 9120m))
            .WithSummary("Change an apartment's description")
            .WithDescription("Changes the fields given; absent fields keep their value. Requires If-Match with the apartment's ETag.")
            .WithIfMatch()
            .Refuses(("apartment-not-in-stock", "the apartment has left the stock (taken over or returned)"))
            .ProducesProblems(400, 404, 412, 428);

        group.MapPost("/{apartmentId:guid}/return", async (Guid apartmentId, IMediator mediator, HttpContext http, CancellationToken ct) =>
            {
                var apartment = await mediator.Send(new ReturnApartmentCommand(apartmentId, ETags.OptionalIfMatch(http.Request)), ct);
                ETags.Set(http, apartment.Version);
                return TypedResults.Ok(apartment);
            })
            .WithName("ReturnApartment")
            .RequireRoles(Access.ManageStock)
            .WithSummary("Return an apartment to the housing company")
            .WithDescription("An available apartment leaves the agreement's stock and its quota place is freed. If-Match is optional.")
            .WithIfMatch(required: false)
            .Refuses(("apartment-not-available", "the apartment is offered or leased, or has already left the stock"))
            .ProducesProblems(404, 412);
    }
}
