using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Allocation.Api.Features.Agreements;
using Allocation.Api.Features.AllocationRequests;
using Allocation.Api.Features.Apartments;
using Allocation.Api.Features.Offers;
using Allocation.Domain;
using Allocation.Api.Persistence;

namespace Allocation.Api.Tests;

/// <summary>What the tests do over HTTP, said once.</summary>
public static class Api
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
    };

    public static async Task<T> ReadAsync<T>(this HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<T>(Json))!;

    public static async Task<JsonObject> ProblemAsync(this HttpResponseMessage response)
    {
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"),
            await response.Content.ReadAsStringAsync());
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
    }

    /// <summary>Asserts the status and the problem's stable code, and returns the problem.</summary>
    public static async Task<JsonObject> AssertProblemAsync(this HttpResponseMessage response, HttpStatusCode status, string code)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(status), body);
        var problem = await response.ProblemAsync();
        Assert.That((string?)problem["code"], Is.EqualTo(code), body);
        Assert.That(body, Does.Not.Contain("   at "), "no stack trace in a response");
        return problem;
    }

    public static async Task<HttpResponseMessage> AssertStatusAsync(this HttpResponseMessage response, HttpStatusCode status)
    {
        Assert.That(response.StatusCode, Is.EqualTo(status), await response.Content.ReadAsStringAsync());
        return response;
    }

    public static CreateAgreementRequest NewAgreement(int quota = 10, DateOnly? validTo = null) => new(
        SeedData.Botkyrka,
        SeedData.Botkyrkabyggen,
        $"Test agreement {Guid.NewGuid():N}",
        new DateOnly(2026, 1, 1),
        quota,
        24,
        3,
        ["violence-exposed-women", "housing-first"],
        validTo);

    public static async Task<AgreementResponse> CreateAgreementAsync(this HttpClient client, int quota = 10)
    {
        var response = await client.PostAsJsonAsync("/api/v1/agreements", NewAgreement(quota), Json);
        await response.AssertStatusAsync(HttpStatusCode.Created);
        return await response.ReadAsync<AgreementResponse>();
    }

    public static RegisterApartmentRequest NewApartment(string? objectNumber = null, int rooms = 2, decimal rent = 7450m, string district = "Alby") => new(
        objectNumber ?? $"OBJ-{Guid.NewGuid():N}"[..20],
        "Testvägen 1",
        district,
        rooms,
        58.5m,
        2,
        true,
        false,
        rent,
        new DateOnly(2026, 7, 1));

    public static Task<HttpResponseMessage> RegisterAsync(this HttpClient client, Guid agreementId, RegisterApartmentRequest? apartment = null) =>
        client.PostAsJsonAsync($"/api/v1/agreements/{agreementId}/apartments", apartment ?? NewApartment(), Json);

    public static async Task<ApartmentResponse> RegisterApartmentAsync(this HttpClient client, Guid agreementId, RegisterApartmentRequest? apartment = null)
    {
        var response = await client.RegisterAsync(agreementId, apartment);
        await response.AssertStatusAsync(HttpStatusCode.Created);
        return await response.ReadAsync<ApartmentResponse>();
    }

    public static async Task<AgreementResponse> GetAgreementAsync(this HttpClient client, Guid agreementId)
    {
        var response = await client.GetAsync($"/api/v1/agreements/{agreementId}");
        await response.AssertStatusAsync(HttpStatusCode.OK);
        return await response.ReadAsync<AgreementResponse>();
    }

    public static CreateAllocationRequestRequest NewRequest(Guid agreementId, string targetGroup = "violence-exposed-women", Urgency urgency = Urgency.Normal,
        int minRooms = 1, decimal? maxRent = null, IReadOnlyList<string>? excludedDistricts = null) => new(
        agreementId,
        "CASE-" + string.Concat(Guid.NewGuid().ToString("N")[..12].Select(c => (char)('A' + Convert.ToInt32(c.ToString(), 16)))), // letters only: never mistaken for an identity number
        targetGroup,
        1,
        1,
        minRooms,
        false,
        urgency,
        ProtectionLevel.None,
        new DateOnly(2026, 3, 1),
        maxRent,
        null,
        excludedDistricts,
        urgency == Urgency.Acute ? new DateOnly(2026, 8, 1) : null);

    public static async Task<AllocationRequestResponse> CreateRequestAsync(this HttpClient client, CreateAllocationRequestRequest request)
    {
        var response = await client.PostAsJsonAsync("/api/v1/allocation-requests", request, Json);
        await response.AssertStatusAsync(HttpStatusCode.Created);
        return await response.ReadAsync<AllocationRequestResponse>();
    }

    /// <summary>A request taken through draft → submitted → approved, with consent valid from before the test clock's start to the end of 2030.</summary>
    public static async Task<AllocationRequestResponse> CreateQueuedRequestAsync(this HttpClient client, CreateAllocationRequestRequest request, bool consent = true)
    {
        var created = await client.CreateRequestAsync(request);
        if (consent)
            await (await client.PutAsJsonAsync($"/api/v1/allocation-requests/{created.Id}/consent",
                new RecordConsentRequest(new DateOnly(2026, 5, 1), new DateOnly(2030, 12, 31)), Json)).AssertStatusAsync(HttpStatusCode.OK);
        await (await client.PostAsync($"/api/v1/allocation-requests/{created.Id}/submit", null)).AssertStatusAsync(HttpStatusCode.OK);
        var approved = await client.PostAsync($"/api/v1/allocation-requests/{created.Id}/approve", null);
        await approved.AssertStatusAsync(HttpStatusCode.OK);
        return await approved.ReadAsync<AllocationRequestResponse>();
    }

    public static Task<HttpResponseMessage> OfferAsync(this HttpClient client, Guid apartmentId, Guid requestId, DateTimeOffset? respondBy = null) =>
        client.PostAsJsonAsync("/api/v1/offers", new CreateOfferRequest(apartmentId, requestId, respondBy), Json);

    public static async Task<OfferResponse> CreateOfferAsync(this HttpClient client, Guid apartmentId, Guid requestId, DateTimeOffset? respondBy = null)
    {
        var response = await client.OfferAsync(apartmentId, requestId, respondBy);
        await response.AssertStatusAsync(HttpStatusCode.Created);
        return await response.ReadAsync<OfferResponse>();
    }

    public static async Task<T> GetAsync<T>(this HttpClient client, string uri)
    {
        var response = await client.GetAsync(uri);
        await response.AssertStatusAsync(HttpStatusCode.OK);
        return await response.ReadAsync<T>();
    }

    public static async Task<T> PostOkAsync<T>(this HttpClient client, string uri, object? body = null)
    {
        var response = body is null ? await client.PostAsync(uri, null) : await client.PostAsync(uri, JsonContent.Create(body, body.GetType(), options: Json));
        await response.AssertStatusAsync(HttpStatusCode.OK);
        return await response.ReadAsync<T>();
    }

    public static HttpRequestMessage Patch(string uri, object body, string? ifMatch)
    {
        var request = new HttpRequestMessage(HttpMethod.Patch, uri) { Content = JsonContent.Create(body, options: Json) };
        if (ifMatch is not null) request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        return request;
    }

    public static StringContent RawJson(string json) => new(json, new MediaTypeHeaderValue("application/json"));
}
