using Allocation.Client.Models;

namespace Allocation.Client.Tests;

/// <summary>Refusals reach the generated client as the contract's problem types, with the stable code to branch on.</summary>
public sealed class RefusalTests : ClientTest
{
    [Test]
    public async Task Registering_beyond_the_quota_is_a_problem_with_status_409_and_code_quota_exhausted()
    {
        var agreement = await CreateAgreementAsync(quota: 1);
        await RegisterApartmentAsync(agreement!.Id!.Value);

        var problem = Assert.ThrowsAsync<ProblemDetails>(() => RegisterApartmentAsync(agreement.Id.Value))!;

        Assert.That((problem.ResponseStatusCode, problem.Status, problem.Code), Is.EqualTo((409, (int?)409, "quota-exhausted")));
        Assert.That(problem.TraceId, Is.Not.Empty);
        var after = await Admin.Api.V1.Agreements[agreement.Id.Value].GetAsync();
        Assert.That((after!.StockCount, after.FreePlaces), Is.EqualTo(((int?)1, (int?)0)));
    }

    [Test]
    public void An_invalid_field_is_a_validation_problem_naming_the_field()
    {
        var problem = Assert.ThrowsAsync<HttpValidationProblemDetails>(() => CreateAgreementAsync(quota: 0))!;

        Assert.That((problem.ResponseStatusCode, problem.Code), Is.EqualTo((400, "validation-failed")));
        Assert.That(problem.Errors?.AdditionalData.Keys, Does.Contain("apartmentQuota"));
    }

    [Test]
    public void A_resource_that_does_not_exist_is_a_problem_with_status_404_and_code_not_found()
    {
        var problem = Assert.ThrowsAsync<ProblemDetails>(() => Coordinator.Api.V1.Offers[Guid.NewGuid()].GetAsync())!;

        Assert.That((problem.ResponseStatusCode, problem.Code), Is.EqualTo((404, "not-found")));
    }

    [Test]
    public void A_role_that_may_not_call_an_operation_is_a_problem_with_status_403_and_code_forbidden()
    {
        var problem = Assert.ThrowsAsync<ProblemDetails>(() => CreateAgreementAsync(quota: 1, CaseOfficer))!;

        Assert.That((problem.ResponseStatusCode, problem.Code), Is.EqualTo((403, "forbidden")));
    }
}
