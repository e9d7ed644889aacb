namespace Allocation.Domain;

/// <summary>A housing company that provides apartments under agreements. Object numbers are unique per company.</summary>
public sealed class HousingCompany
{
    public HousingCompany(Guid id, string name, string municipalityCode)
    {
        Id = id;
        Name = name;
        MunicipalityCode = municipalityCode;
    }

    public Guid Id { get; private set; }
    public string Name { get; private set; }
    public string MunicipalityCode { get; private set; }
}
