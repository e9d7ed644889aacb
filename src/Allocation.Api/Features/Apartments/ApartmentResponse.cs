using System.Linq.Expressions;
using System.Text.Json.Serialization;
using Allocation.Domain;

namespace Allocation.Api.Features.Apartments;

/// <summary>An apartment in (or once in) an agreement's stock.</summary>
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
    DateTimeOffset? LeftStockAt,
    [property: JsonIgnore] uint Version)
{
    public static readonly Expression<Func<Apartment, ApartmentResponse>> Projection = a => new ApartmentResponse(
        a.Id, a.AgreementId, a.MunicipalityCode, a.HousingCompanyId, a.ObjectNumber, a.Address, a.District, a.Rooms, a.FloorArea,
        a.Floor, a.HasLift, a.IsAccessible, a.MonthlyRent, a.AvailableFrom, a.Status, a.ProvidedAt, a.LeftStockAt, a.Version);

    private static readonly Func<Apartment, ApartmentResponse> Compiled = Projection.Compile();

    public static ApartmentResponse From(Apartment apartment) => Compiled(apartment);
}

/// <summary>One change of an apartment's state.</summary>
public sealed record ApartmentStatusChangeResponse(ApartmentStatus? FromStatus, ApartmentStatus ToStatus, DateTimeOffset ChangedAt, string Reason);

/// <summary>An apartment's states, oldest first, and its vacant days so far (PRODUCT §4: days available inside the stock).</summary>
public sealed record ApartmentHistoryResponse(int VacantDays, decimal VacancyCost, IReadOnlyList<ApartmentStatusChangeResponse> Changes);
