using System.Net;
using System.Net.Http.Json;
using Allocation.Api.Features.Agreements;
using Allocation.Api.Features.HousingCompanies;
using Allocation.Api.Features.Network;
using Allocation.Api.Infrastructure.Auth;
using Allocation.Api.Persistence;

namespace Allocation.Api.Tests.Network;

/// <summary>One member municipality on the shared deployment, with its own tokens (PRODUCT §12: configuration and tokens, not a rewrite).</summary>
public sealed record Member(string Code, HttpClient Coordinator, HttpClient HousingCompany, HttpClient Partner, HttpClient Auditor, Guid AgreementId, Guid HousingCompanyId);

/// <summary>Sets up members of the Södertörn network for the tests: Botkyrka (0127), Huddinge (0126) and others.</summary>
public static class NetworkWorld
{
    public const string Botkyrka = SeedData.Botkyrka, Huddinge = "0126", Sodertalje = "0181", Nykvarn = "0140";

    public static DevelopmentTokens.Request Token(string role, string municipality, Guid? company = null, string? unit = "unit-network") =>
        new([role], municipality, unit, company, $"{role}-{municipality}", $"{role}-{municipality}-client");

    /// <summary>Registers <paramref name="code"/> as an active member and gives it a housing company, an agreement and tokens.</summary>
    public static async Task<Member> JoinAsync(AllocationApiFactory factory, string code, string name)
    {
        using var admin = factory.CreateClient(Token(Roles.Admin, code));
        await (await admin.PutAsJsonAsync($"/api/v1/network/members/{code}", new NetworkMemberRequest(name, true, $"{name.ToLowerInvariant()}-boende"), Api.Json))
            .AssertStatusAsync(HttpStatusCode.OK);
        Guid company;
        if (code == SeedData.Botkyrka) company = SeedData.Botkyrkabyggen;
        else
        {
            var created = await admin.PostAsJsonAsync("/api/v1/housing-companies", new CreateHousingCompanyRequest($"{name} bostäder {Guid.NewGuid():N}"[..40], code), Api.Json);
            await created.AssertStatusAsync(HttpStatusCode.Created);
            company = (await created.ReadAsync<HousingCompanyResponse>()).Id;
        }
        var agreement = await admin.PostAsJsonAsync("/api/v1/agreements", Api.NewAgreement(quota: 50) with { MunicipalityCode = code, HousingCompanyId = company }, Api.Json);
        await agreement.AssertStatusAsync(HttpStatusCode.Created);
        return new Member(code,
            factory.CreateClient(Token(Roles.Coordinator, code)),
            factory.CreateClient(Token(Roles.HousingCompany, code, company)),
            factory.CreateClient(Token(Roles.NetworkPartner, code)),
            factory.CreateClient(Token(Roles.Auditor, code)),
            (await agreement.ReadAsync<AgreementResponse>()).Id,
            company);
    }

    /// <summary>A fresh member code, so a test's ledger starts at zero whatever else the shared database holds.</summary>
    public static string FreshCode() => $"9{Random.Shared.Next(0, 1000):000}";
}
