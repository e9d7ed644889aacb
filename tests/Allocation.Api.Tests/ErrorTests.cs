using System.Net;
using System.Text;

namespace Allocation.Api.Tests;

/// <summary>ENGINEERING §4: every error is problem+json with a stable code; never a 500 for bad input.</summary>
public sealed class ErrorTests : ApiTest
{
    [Test]
    public async Task An_unknown_route_is_404_problem()
    {
        await (await Client.GetAsync("/api/v1/no-such-thing")).AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
        await (await Client.GetAsync("/api/v1/agreements/not-a-guid")).AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
    }

    [Test]
    public async Task A_wrong_method_is_405_problem()
    {
        await (await Client.DeleteAsync("/api/v1/agreements")).AssertProblemAsync(HttpStatusCode.MethodNotAllowed, "method-not-allowed");
    }

    [Test]
    public async Task A_body_that_is_not_json_is_415_problem()
    {
        var agreement = await Client.CreateAgreementAsync();
        var response = await Client.PostAsync($"/api/v1/agreements/{agreement.Id}/apartments", new StringContent("rooms=3", Encoding.UTF8, "text/plain"));
        await response.AssertProblemAsync(HttpStatusCode.UnsupportedMediaType, "unsupported-media-type");
    }

    [Test]
    public async Task A_missing_body_is_400_problem()
    {
        var agreement = await Client.CreateAgreementAsync();
        var response = await Client.PostAsync($"/api/v1/agreements/{agreement.Id}/apartments", Api.RawJson(""));
        await response.AssertProblemAsync(HttpStatusCode.BadRequest, "malformed-request");
    }

    [Test]
    public async Task A_number_sent_as_a_string_is_refused()
    {
        var agreement = await Client.CreateAgreementAsync();
        var json = """{"reference":"x","apartmentQuota":"12"}""";
        var request = Api.Patch($"/api/v1/agreements/{agreement.Id}", new { }, "*");
        request.Content = Api.RawJson(json);
        await (await Client.SendAsync(request)).AssertProblemAsync(HttpStatusCode.BadRequest, "malformed-request");
    }
}
