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

    /// <summary>An apartment registered by the member's housing company and marked by its coordinator as available to the network.</summary>
    public static async Task<Features.Apartments.ApartmentResponse> NetworkApartmentAsync(this Member member, int rooms = 2)
    {
        var apartment = await member.HousingCompany.RegisterApartmentAsync(member.AgreementId, Api.NewApartment(rooms: rooms, district: "Flemingsberg"));
        var marked = await member.Coordinator.PutAsJsonAsync($"/api/v1/apartments/{apartment.Id}/network", new NetworkAvailabilityRequest(true), Api.Json);
        await marked.AssertStatusAsync(HttpStatusCode.OK);
        return await marked.ReadAsync<Features.Apartments.ApartmentResponse>();
    }

    /// <summary>One of the member's households, queued locally and then posted to the network by its coordinator.</summary>
    public static async Task<(Features.AllocationRequests.AllocationRequestResponse Allocation, RelocationRequestResponse Relocation)> RelocationAsync(
        this Member member, string[]? excluded = null, string[]? wished = null)
    {
        var allocation = await member.Coordinator.CreateQueuedRequestAsync(Api.NewRequest(member.AgreementId));
        var posted = await member.Coordinator.PostAsJsonAsync("/api/v1/network/relocation-requests",
            new CreateRelocationRequestRequest(new DateOnly(2026, 8, 1), true, wished, excluded, allocation.Id), Api.Json);
        await posted.AssertStatusAsync(HttpStatusCode.Created);
        return (allocation, await posted.ReadAsync<RelocationRequestResponse>());
    }

    public static Task<HttpResponseMessage> OfferToAsync(this Member member, Guid relocationRequestId, Guid apartmentId) =>
        member.Coordinator.PostAsJsonAsync($"/api/v1/network/relocation-requests/{relocationRequestId}/offers", new CreateRelocationOfferRequest(apartmentId), Api.Json);

    public static async Task<RelocationOfferResponse> OfferAsync(this Member member, Guid relocationRequestId, Guid apartmentId)
    {
        var response = await member.OfferToAsync(relocationRequestId, apartmentId);
        await response.AssertStatusAsync(HttpStatusCode.Created);
        return await response.ReadAsync<RelocationOfferResponse>();
    }

    /// <summary>A fresh member code, so a test's ledger starts at zero whatever else the shared database holds.</summary>
    public static string FreshCode() => $"9{Random.Shared.Next(0, 1000):000}";
}
