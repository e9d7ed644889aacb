using System.Linq.Expressions;
using System.Text.Json.Serialization;
using Allocation.Api.Features.Reservations;
using Allocation.Domain;

namespace Allocation.Api.Features.Apartments;

/// <summary>An apartment the housing company provides under an agreement, in (or once in) the agreement's stock.</summary>
/// <param name="Id">The apartment's id.</param>
/// <param name="AgreementId">The agreement whose stock and quota the apartment belongs to.</param>
/// <param name="MunicipalityCode">SCB code of the agreement's municipality (four digits, e.g. 0127 Botkyrka).</param>
/// <param name="HousingCompanyId">The housing company that provides the apartment.</param>
/// <param name="ObjectNumber">The housing company's own object number for the apartment, unique per housing company; set at registration and not changeable.</param>
/// <param name="Address">The apartment's street address.</param>
/// <param name="District">District the apartment is in, e.g. Alby, Fittja, Hallunda, Norsborg or Tumba; matched case-insensitively against a request's required and excluded districts.</param>
/// <param name="Rooms">Number of rooms; compared with the household's minimum number of rooms.</param>
/// <param name="FloorArea">Floor area in square metres, with at most two decimals.</param>
/// <param name="Floor">Floor the apartment is on, as the housing company counts floors (-3 to 60).</param>
/// <param name="HasLift">Whether the building has a lift.</param>
/// <param name="IsAccessible">Whether the apartment is accessible (tillgänglighetsanpassad); a household that needs accessibility is eligible only for such apartments.</param>
/// <param name="MonthlyRent">Rent in SEK per month, with at most two decimals; compared with a request's <c>maxRent</c> and the basis of the vacancy cost.</param>
/// <param name="AvailableFrom">First day the apartment can be moved into (local date); vacant days are counted from this day.</param>
/// <param name="Status">The apartment's current state.</param>
/// <param name="ProvidedAt">When the apartment was registered and entered the stock (UTC instant, ISO 8601).</param>
/// <param name="AvailableToNetwork">Whether the municipality offers the apartment to the Södertörn network as well as to its own queue (PRODUCT §7); set by a coordinator.</param>
/// <param name="LeftStockAt">When the apartment left the stock by takeover or return (UTC instant, ISO 8601); null while it is in the stock.</param>
/// <param name="Reservation">The apartment's active reservation (PRODUCT §5.1): while it lasts only households of its target group are eligible for the apartment. Null when it is not reserved; a reservation past its <c>until</c> is over at once, whether or not its expiry is recorded yet. The housing company sees that the apartment is reserved and until when, not for which group; only coordinators see the note.</param>
/// <param name="Version">Row version for optimistic concurrency; not in the body, sent as the ETag header.</param>
public sealed record ApartmentResponse(
    Guid Id,
    Guid AgreementId,
    string MunicipalityCode,
    Guid HousingCompanyId,
    string ObjectNumber,
    string Address,
    string District,
    int Rooms,
    decimal FloorArea,
    int Floor,
    bool HasLift,
    bool IsAccessible,
    decimal MonthlyRent,
    DateOnly AvailableFrom,
    ApartmentStatus Status,
    DateTimeOffset ProvidedAt,
    bool AvailableToNetwork,
    DateTimeOffset? LeftStockAt,
    ReservationResponse? Reservation,
    [property: JsonIgnore] uint Version)
{
    /// <summary>The apartment's own columns; the reservation is added by <see cref="ReservationViews"/>.</summary>
    public static readonly Expression<Func<Apartment, ApartmentResponse>> Projection = a => new ApartmentResponse(
        a.Id, a.AgreementId, a.MunicipalityCode, a.HousingCompanyId, a.ObjectNumber, a.Address, a.District, a.Rooms, a.FloorArea,
        a.Floor, a.HasLift, a.IsAccessible, a.MonthlyRent, a.AvailableFrom, a.Status, a.ProvidedAt, a.AvailableToNetwork, a.LeftStockAt, null, a.Version);

    private static readonly Func<Apartment, ApartmentResponse> Compiled = Projection.Compile();

    public static ApartmentResponse From(Apartment apartment) => Compiled(apartment);
}

/// <summary>One change of an apartment's state; vacant days and reports are derived from these.</summary>
/// <param name="FromStatus">The state before the change; null for the first change, when the apartment was registered.</param>
/// <param name="ToStatus">The state after the change.</param>
/// <param name="ChangedAt">When the change took effect (UTC instant, ISO 8601); for an expired offer this is its deadline.</param>
/// <param name="Reason">What caused the change: <c>provided</c>, <c>offered</c>, <c>offer declined</c>, <c>offer withdrawn</c>, <c>offer expired</c>, <c>lease signed</c>, <c>taken over</c>, <c>returned</c> or <c>lease terminated: {reason}</c>.</param>
public sealed record ApartmentStatusChangeResponse(ApartmentStatus? FromStatus, ApartmentStatus ToStatus, DateTimeOffset ChangedAt, string Reason);

/// <summary>An apartment's state changes and reservations, oldest first, with its vacant days and vacancy cost so far.</summary>
/// <param name="VacantDays">Whole days the apartment has been available inside the stock, counted from <c>availableFrom</c> up to now: the days the municipality pays rent for an empty apartment.</param>
/// <param name="VacancyCost">Vacant days times the daily rent (monthly rent × 12 / 365 at the current rent, rounded to öre), in SEK.</param>
/// <param name="ReservedVacantDays">Of the vacant days, the whole days the apartment stood available while reserved for a target group (the time summed over its reservations, then rounded down): what reservations cost in empty days, apart from ordinary vacancy.</param>
/// <param name="ReservedVacancyCost">Reserved vacant days times the daily rent, in SEK; part of <c>vacancyCost</c>.</param>
/// <param name="Changes">Every state change, oldest first.</param>
/// <param name="Reservations">Every reservation of the apartment, oldest first, the active one included, with when and why each ended.</param>
public sealed record ApartmentHistoryResponse(int VacantDays, decimal VacancyCost, int ReservedVacantDays, decimal ReservedVacancyCost,
    IReadOnlyList<ApartmentStatusChangeResponse> Changes, IReadOnlyList<ReservationResponse> Reservations);
