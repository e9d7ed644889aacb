using Allocation.Domain;
using Microsoft.EntityFrameworkCore;

namespace Allocation.Api.Persistence;

/// <summary>
/// Reference data, written by the migrations themselves (EF HasData): applying migrations any number of times,
/// from any number of instances, never duplicates it.
/// </summary>
public static class SeedData
{
    public static readonly Guid Botkyrkabyggen = new("0195f000-0000-7000-8000-000000000001");
    public static readonly Guid BotkyrkaAgreement = new("0195f000-0000-7000-8000-000000000101");
    public const string Botkyrka = "0127";

    /// <summary>Södertörn municipalities by SCB code (PRODUCT §3).</summary>
    public static readonly (string Code, string Name)[] Municipalities =
    [
        ("0127", "Botkyrka"), ("0126", "Huddinge"), ("0181", "Södertälje"), ("0140", "Nykvarn"),
        ("0128", "Salem"), ("0136", "Haninge"), ("0138", "Tyresö"), ("0192", "Nynäshamn"),
    ];

    /// <summary>The target groups such agreements usually name (PRODUCT §4), in priority order.</summary>
    public static readonly TargetGroup[] TargetGroups =
    [
        new(new("0195f000-0000-7000-8000-000000000201"), "violence-exposed-women", "Våldsutsatta kvinnor", "Violence-exposed women", 1, true, null),
        new(new("0195f000-0000-7000-8000-000000000202"), "families-acute-homelessness", "Barnfamiljer i akut hemlöshet", "Families with children in acute homelessness", 2, false, null),
        new(new("0195f000-0000-7000-8000-000000000203"), "young-adults-leaving-care", "Unga vuxna som lämnar samhällsvård", "Young adults leaving care", 3, true, null),
        new(new("0195f000-0000-7000-8000-000000000204"), "leaving-treatment-or-institution", "Personer som lämnar behandling eller institution", "People leaving treatment or institutional care", 4, true, null),
        new(new("0195f000-0000-7000-8000-000000000205"), "housing-first", "Bostad först", "Housing First participants", 5, true, null),
    ];

    public static void Apply(ModelBuilder model)
    {
        model.Entity<Municipality>().HasData(Municipalities.Select(m => new Municipality(m.Code, m.Name)));
        model.Entity<HousingCompany>().HasData(new HousingCompany(Botkyrkabyggen, "Botkyrkabyggen", Botkyrka));
        model.Entity<TargetGroup>().HasData(TargetGroups);
        model.Entity<Agreement>().HasData(new
        {
            Id = BotkyrkaAgreement,
            MunicipalityCode = Botkyrka,
            HousingCompanyId = Botkyrkabyggen,
            Reference = "Botkyrkabyggen – sociala kontrakt",
            ValidFrom = new DateOnly(2026, 1, 1),
            ApartmentQuota = 300,
            StockCount = 0,
            DefaultTrialMonths = 24,
            OfferResponseWorkingDays = 3,
            QueueStallDays = 90,
            OfferStallDays = 5,
            CreatedAt = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero),
        });
        model.Entity<AgreementTargetGroup>().HasData(TargetGroups.Select(t => new AgreementTargetGroup(BotkyrkaAgreement, t.Id)));
    }
}
