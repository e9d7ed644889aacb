using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Allocation.Api.Infrastructure.Auth;
using Allocation.Api.Persistence;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Allocation.Api.Tests;

/// <summary>PRODUCT §2, §6 and §9: who may call what, and which tokens are no tokens at all.</summary>
public sealed class AuthorizationTests : ApiTest
{
    private const string H = Roles.HousingCompany, C = Roles.CaseOfficer, K = Roles.Coordinator, A = Roles.Auditor, N = Roles.NetworkPartner, M = Roles.Admin;

    /// <summary>The expected matrix, written out here on purpose: a change of access in the code must be a change here too.</summary>
    private static readonly Dictionary<string, string[]> Allowed = new()
    {
        ["ListAgreements"] = [M, K, C, H, A],
        ["GetAgreement"] = [M, K, C, H, A],
        ["CreateAgreement"] = [M],
        ["UpdateAgreement"] = [M],
        ["ListTargetGroups"] = [M, K, C, H, A],
        ["CreateTargetGroup"] = [M],
        ["ListHousingCompanies"] = [M, K, C, H, A],
        ["CreateHousingCompany"] = [M],
        ["RegisterApartment"] = [H, M],
        ["ListApartments"] = [H, K, M, A],
        ["GetApartment"] = [H, K, M, A],
        ["GetApartmentHistory"] = [H, K, M, A],
        ["UpdateApartment"] = [H, M],
        ["ReturnApartment"] = [H, M],
        ["ReserveApartment"] = [K],
        ["CancelReservation"] = [K],
        ["GetEligibleRequests"] = [K],
        ["CreateAllocationRequest"] = [C, K],
        ["ListAllocationRequests"] = [C, K],
        ["GetAllocationRequest"] = [C, K],
        ["GetAllocationRequestHistory"] = [C, K],
        ["GetEligibleApartments"] = [K],
        ["UpdateAllocationRequest"] = [C, K],
        ["RecordAllocationRequestConsent"] = [C, K],
        ["SubmitAllocationRequest"] = [C, K],
        ["ApproveAllocationRequest"] = [K],
        ["RejectAllocationRequest"] = [K],
        ["WithdrawAllocationRequest"] = [C, K],
        ["CloseAllocationRequest"] = [C, K],
        ["GetQueue"] = [K],
        ["CreateOffer"] = [K],
        ["ListOffers"] = [K, C, H],
        ["GetOffer"] = [K, C, H],
        ["RecordOfferViewing"] = [H, K],
        ["AcceptOffer"] = [K, C],
        ["DeclineOffer"] = [K, C],
        ["WithdrawOffer"] = [K],
        ["ConfirmLease"] = [H],
        ["ListLeases"] = [K, C, H, A],
        ["GetLease"] = [K, C, H, A],
        ["RecordLeaseFollowUp"] = [C, K],
        ["TakeOverLease"] = [H, K],
        ["TerminateLease"] = [H, K],
        ["GetEvents"] = [H, K, C, M, N],
        ["CreateWebhookSubscription"] = [H, K, C, M, N],
        ["ListWebhookSubscriptions"] = [H, K, C, M, N],
        ["DeleteWebhookSubscription"] = [H, K, C, M, N],
        ["ListWebhookDeliveries"] = [H, K, C, M, N],
        ["GetAuditTrail"] = [A],
        ["VerifyAuditTrail"] = [A, M],
        ["GetQuotaUtilisationReport"] = [A, K],
        ["GetUnknownReport"] = [A, K],
        ["GetLeasesReport"] = [A, K],
        ["GetVacancyReport"] = [A, K],
        ["GetAllocationsReport"] = [A, K],
        ["GetOutcomesReport"] = [A, K],
        ["GetNationalSurveyReport"] = [A, K],
        ["ListNetworkMembers"] = [M, K, N, A],
        ["PutNetworkMember"] = [M],
        ["CreateRelocationRequest"] = [K, N],
        ["ListRelocationRequests"] = [K, N],
        ["GetRelocationRequest"] = [K, N],
        ["ListOpenRelocationRequests"] = [K, N],
        ["GetOpenRelocationRequest"] = [K, N],
        ["GetNetworkLedger"] = [K, N, A, M],
        ["MarkApartmentForNetwork"] = [K],
        ["CreateRelocationOffer"] = [K, N],
        ["ListRelocationOffers"] = [K, N, H],
        ["GetRelocationOffer"] = [K, N, H],
        ["AcceptRelocationOffer"] = [K, N],
        ["DeclineRelocationOffer"] = [K, N],
        ["CancelRelocationMove"] = [K, N],
        ["RecordRelocationMove"] = [N],
        ["WithdrawRelocationRequest"] = [K, N],
        ["ConfirmRelocationLease"] = [H],
        ["GetNetworkReport"] = [A, K],
        ["ForecastReservationWhatIf"] = [A, K],
    };

    [Test]
    public async Task Every_endpoint_answers_every_role_as_the_matrix_says()
    {
        var endpoints = Factory.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Select(e => (Endpoint: e, Name: e.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName))
            .Where(e => e.Name is not null)
            .ToList();
        Assert.That(endpoints.Select(e => e.Name).Where(n => !Allowed.ContainsKey(n!)), Is.Empty, "every endpoint has an entry in the matrix");
        Assert.That(Allowed.Keys.Except(endpoints.Select(e => e.Name!)), Is.Empty, "every entry is an endpoint");

        var clients = Roles.All.ToDictionary(r => r, r => Factory.CreateClient(Who(r)));
        Assert.Multiple(async () =>
        {
            foreach (var (endpoint, name) in endpoints)
            {
                var method = endpoint.Metadata.GetMetadata<HttpMethodMetadata>()!.HttpMethods.Single();
                var path = "/" + string.Join("/", endpoint.RoutePattern.PathSegments.Select(s => string.Concat(s.Parts.Select(p =>
                    p is Microsoft.AspNetCore.Routing.Patterns.RoutePatternLiteralPart l ? l.Content : Guid.NewGuid().ToString()))));
                foreach (var role in Roles.All)
                {
                    using var request = new HttpRequestMessage(new HttpMethod(method), path);
                    if (method is "POST" or "PUT" or "PATCH") request.Content = Api.RawJson("{}");
                    var status = (await clients[role].SendAsync(request)).StatusCode;
                    if (Allowed[name!].Contains(role))
                        Assert.That(status, Is.Not.AnyOf(HttpStatusCode.Unauthorized, HttpStatusCode.Forbidden), $"{role} may {name}");
                    else
                        Assert.That(status, Is.EqualTo(HttpStatusCode.Forbidden), $"{role} may not {name}");
                }
            }
        });
    }

    [Test]
    public async Task A_request_without_a_token_is_401_problem_and_health_and_contract_stay_open()
    {
        using var anonymous = Factory.CreateClient();
        anonymous.DefaultRequestHeaders.Authorization = null;

        var response = await anonymous.GetAsync("/api/v1/agreements");

        await response.AssertProblemAsync(HttpStatusCode.Unauthorized, "unauthenticated");
        Assert.That(response.Headers.WwwAuthenticate.ToString(), Does.Contain("Bearer"));
        await (await anonymous.GetAsync("/health/live")).AssertStatusAsync(HttpStatusCode.OK);
        await (await anonymous.GetAsync("/openapi/v1.json")).AssertStatusAsync(HttpStatusCode.OK);
        await (await anonymous.GetAsync("/swagger/index.html")).AssertStatusAsync(HttpStatusCode.OK);
    }

    [TestCase("expired")]
    [TestCase("wrong-issuer")]
    [TestCase("wrong-audience")]
    [TestCase("wrong-key")]
    [TestCase("unsigned")]
    [TestCase("garbage")]
    public async Task An_invalid_token_is_401(string kind)
    {
        var who = AllocationApiFactory.Everyone;
        var token = kind switch
        {
            "expired" => AllocationApiFactory.Token(who with { Lifetime = TimeSpan.FromMinutes(5) }, DateTimeOffset.UtcNow.AddHours(-2)),
            "wrong-issuer" => AllocationApiFactory.Token(who, issuer: "someone-else"),
            "wrong-audience" => AllocationApiFactory.Token(who, audience: "another-api"),
            "wrong-key" => AllocationApiFactory.Token(who, key: "a-different-key-that-is-long-enough-for-hs256"),
            "unsigned" => Unsigned(AllocationApiFactory.Token(who)),
            _ => "not-a-token",
        };
        using var client = Factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

        await (await client.GetAsync("/api/v1/agreements")).AssertProblemAsync(HttpStatusCode.Unauthorized, "unauthenticated");
    }

    internal static DevelopmentTokens.Request Who(string role, string municipality = SeedData.Botkyrka, string? unit = "unit-a", Guid? company = null) =>
        new([role], municipality, unit, company ?? SeedData.Botkyrkabyggen, $"{role}-user", $"{role}-client");

    /// <summary>The same claims with <c>alg: none</c> and no signature.</summary>
    private static string Unsigned(string token)
    {
        var parts = token.Split('.');
        var header = Convert.ToBase64String(Encoding.UTF8.GetBytes("""{"alg":"none","typ":"JWT"}""")).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        return $"{header}.{parts[1]}.";
    }
}
