using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Allocation.Domain;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Allocation.Api.Tests;

/// <summary>PRODUCT §11: malformed requests get a clear 4xx problem+json with a stable code, never a 500 or an empty body.</summary>
public sealed class MalformedRequestTests : ApiTest
{
    [Test]
    public async Task A_body_with_an_unknown_charset_is_415_problem_on_every_command()
    {
        var (_, apartment, request, offer, lease) = await Client.LeasedAsync(Factory.Clock);
        var (_, _, queued) = await Client.QueuedPairAsync();
        string[] uris =
        [
            "/api/v1/allocation-requests", "/api/v1/offers", $"/api/v1/allocation-requests/{queued.Id}/reject", $"/api/v1/leases/{lease.Id}/terminate",
            $"/api/v1/offers/{offer.Id}/decline", $"/api/v1/agreements/{apartment.AgreementId}/apartments",
        ];
        foreach (var uri in uris)
        foreach (var charset in new[] { "bogus", "utf-16", "iso-8859-1", "\"\"", "\"utf-8\"", "utf8" })
        {
            var content = new StringContent("{}");
            content.Headers.Remove("Content-Type");
            content.Headers.TryAddWithoutValidation("Content-Type", $"application/json; charset={charset}");
            var problem = await (await Client.PostAsync(uri, content)).AssertProblemAsync(HttpStatusCode.UnsupportedMediaType, "unsupported-media-type");
            Assert.That((string?)problem["detail"], Does.Contain("UTF-8"), uri);
        }
        Assert.That((await Client.GetRequestAsync(request.Id)).Status, Is.EqualTo(RequestStatus.Housed), "nothing was changed");
    }

    [Test]
    public async Task A_body_declared_as_utf_8_in_any_spelling_is_read()
    {
        var (agreementId, _, _) = await Client.QueuedPairAsync();
        foreach (var charset in new[] { "utf-8", "UTF-8", "Utf-8" })
        {
            var content = new StringContent(System.Text.Json.JsonSerializer.Serialize(Api.NewApartment(), Api.Json));
            content.Headers.Remove("Content-Type");
            content.Headers.TryAddWithoutValidation("Content-Type", $"application/json; charset={charset}");
            await (await Client.PostAsync($"/api/v1/agreements/{agreementId}/apartments", content)).AssertStatusAsync(HttpStatusCode.Created);
        }
    }

    [Test]
    public async Task Binding_errors_name_the_parameter_or_field_never_a_dotnet_type()
    {
        var (agreementId, apartment, _) = await Client.QueuedPairAsync();
        var responses = new[]
        {
            await Client.GetAsync("/api/v1/agreements?limit=abc"),
            await Client.GetAsync("/api/v1/apartments?minRooms=1.5"),
            await Client.GetAsync("/api/v1/queue"),
            await Client.GetAsync("/api/v1/queue?agreementId=not-a-guid"),
            await Client.PostAsync("/api/v1/offers", Api.RawJson("""{"apartmentId":"x","requestId":"y"}""")),
            await Client.PostAsync("/api/v1/offers", Api.RawJson("""{"apartmentId":5}""")),
            await Client.PostAsync("/api/v1/offers", Api.RawJson("""{"nonsense":true}""")),
            await Client.PostAsync("/api/v1/offers", Api.RawJson("[]")),
            await Client.PostAsync($"/api/v1/agreements/{agreementId}/apartments", Api.RawJson("""{"objectNumber":"X","rooms":"many"}""")),
            await Client.PostAsync("/api/v1/allocation-requests", Api.RawJson($$"""{"agreementId":"{{agreementId}}","urgency":"Whenever"}""")),
            await Client.SendAsync(PatchRaw($"/api/v1/apartments/{apartment.Id}", """{"rooms":true}""")),
        };
        foreach (var response in responses)
        {
            var body = await response.Content.ReadAsStringAsync();
            Assert.That((int)response.StatusCode, Is.InRange(400, 499), body);
            await response.ProblemAsync();
            Assert.That(body, Does.Not.Match(@"Nullable<|System\.|Allocation\.|Int32|Guid |Microsoft\."), "no .NET type names in what clients read");
        }
    }

    private static HttpRequestMessage PatchRaw(string uri, string json)
    {
        var request = new HttpRequestMessage(HttpMethod.Patch, uri) { Content = Api.RawJson(json) };
        request.Headers.TryAddWithoutValidation("If-Match", "*");
        return request;
    }

    [Test]
    public async Task A_non_ascii_if_match_header_is_a_problem_not_an_empty_400()
    {
        // Kestrel itself reads the header bytes, so this goes over a real socket, byte for byte.
        await using var kestrel = new AllocationApiFactory(TestDatabase.ConnectionString);
        kestrel.UseKestrel(0);
        kestrel.StartServer();
        var address = new Uri(kestrel.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        var agreement = await kestrel.CreateClient().CreateAgreementAsync();
        var token = AllocationApiFactory.Token(AllocationApiFactory.Everyone);

        foreach (var ifMatch in new[] { "\"1\u00e9\"", "\u00e5\u00e4\u00f6", "W/\"\u00ff\"" })
        {
            var body = """{"reference":"x"}""";
            var request = $"PATCH /api/v1/agreements/{agreement.Id} HTTP/1.1\r\nHost: {address.Authority}\r\nAuthorization: Bearer {token}\r\n"
                          + $"Content-Type: application/json\r\nContent-Length: {body.Length}\r\nConnection: close\r\n";
            using var tcp = new TcpClient();
            await tcp.ConnectAsync(address.Host, address.Port);
            var stream = tcp.GetStream();
            await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
            await stream.WriteAsync(Encoding.UTF8.GetBytes($"If-Match: {ifMatch}\r\n\r\n"));
            await stream.WriteAsync(Encoding.ASCII.GetBytes(body));
            using var reader = new StreamReader(stream, Encoding.UTF8);
            var response = await reader.ReadToEndAsync();

            var status = int.Parse(Regex.Match(response, @"^HTTP/1\.1 (\d{3})").Groups[1].Value);
            Assert.That(status, Is.EqualTo(412), response);
            Assert.That(response, Does.Contain("Content-Type: application/problem+json").And.Contain("\"code\":\"precondition-failed\""), response);
        }
        Assert.That((await kestrel.CreateClient().GetAgreementAsync(agreement.Id)).Reference, Is.Not.EqualTo("x"), "nothing was changed");
    }
}
