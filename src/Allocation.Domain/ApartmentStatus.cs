namespace Allocation.Domain;

/// <summary>PRODUCT §4: available → offered → leased → (taken over | returned).</summary>
public enum ApartmentStatus
{
    Available,
    Offered,
    Leased,
    TakenOver,
    Returned,
}

public static class ApartmentStatusExtensions
{
    /// <summary>An apartment is in the stock from the day it is provided until it is taken over or returned.</summary>
    public static bool IsInStock(this ApartmentStatus status) => status is not (ApartmentStatus.TakenOver or ApartmentStatus.Returned);
}
