using System.ComponentModel;

namespace Allocation.Domain;

[Description("An apartment's state in the agreement's stock: Available (can be offered), Offered (has an open or accepted offer), OfferedToNetwork (offered to another member's household through the Södertörn network), Leased (a social contract is signed), TakenOver (the household took over the lease) or Returned (given back to the housing company); the last two have left the stock.")]
public enum ApartmentStatus
{
    Available,
    Offered,
    Leased,
    TakenOver,
    Returned,
    OfferedToNetwork,
}

public static class ApartmentStatusExtensions
{
    /// <summary>An apartment is in the stock from the day it is provided until it is taken over or returned.</summary>
    public static bool IsInStock(this ApartmentStatus status) => status is not (ApartmentStatus.TakenOver or ApartmentStatus.Returned);

    /// <summary>An open or accepted offer holds the apartment, a local one or one to the network (PRODUCT §4: one at a time).</summary>
    public static bool IsOffered(this ApartmentStatus status) => status is ApartmentStatus.Offered or ApartmentStatus.OfferedToNetwork;
}
