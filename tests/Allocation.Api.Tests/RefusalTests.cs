using System.Net;
using System.Net.Http.Json;
using Allocation.Api.Features.AllocationRequests;
using Allocation.Api.Features.Leases;
using Allocation.Api.Features.Offers;
using Allocation.Api.Infrastructure;
using Allocation.Domain;

namespace Allocation.Api.Tests;

/// <summary>
/// Every refusal of the allocation lifecycle (PRODUCT §4): the status, the stable code, and that the refused command
/// changed nothing.
/// </summary>
public sealed class RefusalTests : ApiTest
{
    // ---- the request's own states ----

    [Test]
    public async Task Changing_or_resubmitting_a_submitted_request_is_refused_with_409_request_not_draft()
    {
        var agreement = await Client.CreateAgreementAsync();
        var request = await Client.CreateRequestAsync(Api.NewRequest(agreement.Id));
        var uri = Lifecycle.RequestUri(request.Id);
        await (await Client.PostAsync($"{uri}/submit", null)).AssertStatusAsync(HttpStatusCode.OK);
        var etag = (await Client.GetAsync(uri)).Headers.ETag!.ToString();
        var before = await Client.StateAsync(Lifecycle.RequestState(request.Id));

        await (await Client.SendAsync(Api.Patch(uri, new UpdateAllocationRequestRequest(MinRooms: 4), etag)))
            .AssertProblemAsync(HttpStatusCode.Conflict, "request-not-draft");
        await (await Client.PostAsync($"{uri}/submit", null)).AssertProblemAsync(HttpStatusCode.Conflict, "request-not-draft");

        Assert.That(await Client.StateAsync(Lifecycle.RequestState(request.Id)), Is.EqualTo(before));
        var after = await Client.GetRequestAsync(request.Id);
        Assert.That((after.Status, after.MinRooms), Is.EqualTo((RequestStatus.Submitted, 1)));
    }

    [Test]
    public async Task Approving_or_rejecting_a_draft_is_refused_with_409_request_not_submitted()
    {
        var agreement = await Client.CreateAgreementAsync();
        var request = await Client.CreateRequestAsync(Api.NewRequest(agreement.Id));
        var uri = Lifecycle.RequestUri(request.Id);
        var before = await Client.StateAsync(Lifecycle.RequestState(request.Id));

        await (await Client.PostAsync($"{uri}/approve", null)).AssertProblemAsync(HttpStatusCode.Conflict, "request-not-submitted");
        await (await Client.PostJsonAsync($"{uri}/reject", new RejectRequestRequest("Not eligible")))
            .AssertProblemAsync(HttpStatusCode.Conflict, "request-not-submitted");

        Assert.That(await Client.StateAsync(Lifecycle.RequestState(request.Id)), Is.EqualTo(before));
        var after = await Client.GetRequestAsync(request.Id);
        Assert.That((after.Status, after.QueuedSince, after.RejectionReason), Is.EqualTo((RequestStatus.Draft, (DateTimeOffset?)null, (string?)null)));
    }

    [Test]
    public async Task Withdrawing_an_offered_request_is_refused_with_409_request_not_withdrawable()
    {
        var (_, apartment, request, offer) = await Client.OfferedAsync();
        var before = await Client.StateAsync(Lifecycle.RequestState(request.Id), Lifecycle.ApartmentState(apartment.Id));

        await (await Client.PostAsync($"{Lifecycle.RequestUri(request.Id)}/withdraw", null))
            .AssertProblemAsync(HttpStatusCode.Conflict, "request-not-withdrawable");

        Assert.That(await Client.StateAsync(Lifecycle.RequestState(request.Id), Lifecycle.ApartmentState(apartment.Id)), Is.EqualTo(before));
        Assert.That((await Client.GetRequestAsync(request.Id)).Status, Is.EqualTo(RequestStatus.Offered));
        Assert.That((await Client.GetOfferAsync(offer.Id)).Status, Is.EqualTo(OfferStatus.Open));
    }

    [Test]
    public async Task Closing_a_draft_or_an_offered_request_is_refused_with_409_request_not_closable()
    {
        var agreement = await Client.CreateAgreementAsync();
        var draft = await Client.CreateRequestAsync(Api.NewRequest(agreement.Id));
        var (_, apartment, offered, _) = await Client.OfferedAsync();
        var before = await Client.StateAsync(Lifecycle.RequestState(draft.Id), Lifecycle.RequestState(offered.Id), Lifecycle.ApartmentState(apartment.Id));

        var close = new CloseRequestRequest(RequestOutcome.OwnFirstHandLease);
        await (await Client.PostJsonAsync($"{Lifecycle.RequestUri(draft.Id)}/close", close)).AssertProblemAsync(HttpStatusCode.Conflict, "request-not-closable");
        await (await Client.PostJsonAsync($"{Lifecycle.RequestUri(offered.Id)}/close", close)).AssertProblemAsync(HttpStatusCode.Conflict, "request-not-closable");

        Assert.That(await Client.StateAsync(Lifecycle.RequestState(draft.Id), Lifecycle.RequestState(offered.Id), Lifecycle.ApartmentState(apartment.Id)),
            Is.EqualTo(before));
        var after = await Client.GetRequestAsync(draft.Id);
        Assert.That((after.Status, after.Outcome, after.ClosedAt), Is.EqualTo((RequestStatus.Draft, (RequestOutcome?)null, (DateTimeOffset?)null)));
    }

    // ---- making an offer ----

    [Test]
    public async Task An_offer_to_a_submitted_request_is_refused_with_409_request_not_approved()
    {
        var agreement = await Client.CreateAgreementAsync();
        var apartment = await Client.RegisterApartmentAsync(agreement.Id);
        var request = await Client.CreateRequestAsync(Api.NewRequest(agreement.Id));
        await (await Client.RecordConsentAsync(request.Id, new DateOnly(2026, 5, 1), new DateOnly(2027, 5, 1))).AssertStatusAsync(HttpStatusCode.OK);
        await (await Client.PostAsync($"{Lifecycle.RequestUri(request.Id)}/submit", null)).AssertStatusAsync(HttpStatusCode.OK);

        await AssertOfferRefusedAsync(apartment.Id, request.Id, "request-not-approved");
        Assert.That((await Client.GetRequestAsync(request.Id)).Status, Is.EqualTo(RequestStatus.Submitted));
    }

    [Test]
    public async Task An_offer_of_an_apartment_already_offered_to_another_household_is_refused_with_409_apartment_not_available()
    {
        var (agreementId, apartment, first, offer) = await Client.OfferedAsync();
        var second = await Client.CreateQueuedRequestAsync(Api.NewRequest(agreementId));

        await AssertOfferRefusedAsync(apartment.Id, second.Id, "apartment-not-available", Lifecycle.RequestState(first.Id));
        Assert.That((await Client.GetRequestAsync(second.Id)).Status, Is.EqualTo(RequestStatus.Approved));
        Assert.That((await Client.GetOfferAsync(offer.Id)).Status, Is.EqualTo(OfferStatus.Open));
    }

    [Test]
    public async Task An_offer_of_a_returned_apartment_is_refused_with_409_apartment_not_available()
    {
        var (_, apartment, request) = await Client.QueuedPairAsync();
        await (await Client.PostAsync($"/api/v1/apartments/{apartment.Id}/return", null)).AssertStatusAsync(HttpStatusCode.OK);

        await AssertOfferRefusedAsync(apartment.Id, request.Id, "apartment-not-available");
        Assert.That((await Client.GetApartmentAsync(apartment.Id)).Status, Is.EqualTo(ApartmentStatus.Returned));
        Assert.That((await Client.GetRequestAsync(request.Id)).Status, Is.EqualTo(RequestStatus.Approved));
    }

    [Test]
    public async Task An_offer_to_a_request_without_consent_is_refused_with_409_consent_missing()
    {
        var agreement = await Client.CreateAgreementAsync();
        var apartment = await Client.RegisterApartmentAsync(agreement.Id);
        var request = await Client.CreateQueuedRequestAsync(Api.NewRequest(agreement.Id), consent: false);

        await AssertOfferRefusedAsync(apartment.Id, request.Id, "consent-missing");
    }

    [Test]
    public async Task An_offer_to_a_request_whose_consent_expired_before_today_is_refused_with_409_consent_expired()
    {
        var agreement = await Client.CreateAgreementAsync();
        var apartment = await Client.RegisterApartmentAsync(agreement.Id);
        var request = await Client.CreateQueuedRequestAsync(Api.NewRequest(agreement.Id), consent: false);
        var today = Factory.Clock.Today();
        await (await Client.RecordConsentAsync(request.Id, today.AddDays(-60), today.AddDays(-1))).AssertStatusAsync(HttpStatusCode.OK);

        var problem = await AssertOfferRefusedAsync(apartment.Id, request.Id, "consent-expired");
        Assert.That((string?)problem["detail"], Does.Contain($"{today.AddDays(-1):yyyy-MM-dd}"));
    }

    [Test]
    public async Task An_offer_in_a_district_the_household_must_avoid_is_refused_with_409_excluded_district_without_naming_the_district()
    {
        var agreement = await Client.CreateAgreementAsync();
        var apartment = await Client.RegisterApartmentAsync(agreement.Id, Api.NewApartment(district: "Fittja"));
        // Matched whatever the case, as case officers type district names.
        var request = await Client.CreateQueuedRequestAsync(Api.NewRequest(agreement.Id, excludedDistricts: ["fittja"]));

        var problem = await AssertOfferRefusedAsync(apartment.Id, request.Id, "excluded-district");

        Assert.That((string?)problem["detail"], Is.Not.Null);
        Assert.That(problem.ToJsonString(), Does.Not.Contain("Fittja").IgnoreCase,
            "PRODUCT §6: the excluded district (e.g. where the perpetrator lives) is not disclosed");
    }

    [Test]
    public async Task An_offer_outside_the_required_districts_is_refused_with_409_district_not_required()
    {
        var agreement = await Client.CreateAgreementAsync();
        var apartment = await Client.RegisterApartmentAsync(agreement.Id, Api.NewApartment(district: "Alby"));
        var request = await Client.CreateQueuedRequestAsync(Api.NewRequest(agreement.Id) with { RequiredDistricts = ["Tumba", "Tullinge"] });

        await AssertOfferRefusedAsync(apartment.Id, request.Id, "district-not-required");
    }

    [Test]
    public async Task An_offer_with_fewer_rooms_than_needed_is_refused_with_409_too_few_rooms()
    {
        var agreement = await Client.CreateAgreementAsync();
        var apartment = await Client.RegisterApartmentAsync(agreement.Id, Api.NewApartment(rooms: 2));
        var request = await Client.CreateQueuedRequestAsync(Api.NewRequest(agreement.Id, minRooms: 3));

        await AssertOfferRefusedAsync(apartment.Id, request.Id, "too-few-rooms");
    }

    [Test]
    public async Task An_offer_above_the_households_maximum_rent_is_refused_with_409_rent_too_high()
    {
        var agreement = await Client.CreateAgreementAsync();
        var apartment = await Client.RegisterApartmentAsync(agreement.Id, Api.NewApartment(rent: 7450m));
        var request = await Client.CreateQueuedRequestAsync(Api.NewRequest(agreement.Id, maxRent: 7449.99m));

        await AssertOfferRefusedAsync(apartment.Id, request.Id, "rent-too-high");
    }

    [Test]
    public async Task An_offer_of_an_inaccessible_apartment_to_a_household_needing_accessibility_is_refused_with_409_accessibility_not_met()
    {
        var agreement = await Client.CreateAgreementAsync();
        var apartment = await Client.RegisterApartmentAsync(agreement.Id, Api.NewApartment() with { IsAccessible = false });
        var request = await Client.CreateQueuedRequestAsync(Api.NewRequest(agreement.Id) with { NeedsAccessibility = true });

        await AssertOfferRefusedAsync(apartment.Id, request.Id, "accessibility-not-met");
    }

    [Test]
    public async Task An_offer_of_an_apartment_of_another_agreement_is_refused_with_409_agreement_mismatch()
    {
        var (_, _, request) = await Client.QueuedPairAsync();
        var other = await Client.CreateAgreementAsync();
        var apartment = await Client.RegisterApartmentAsync(other.Id);

        await AssertOfferRefusedAsync(apartment.Id, request.Id, "agreement-mismatch");
    }

    [Test]
    public async Task An_offer_with_a_response_deadline_in_the_past_is_refused_with_409_invalid_deadline()
    {
        var (_, apartment, request) = await Client.QueuedPairAsync();

        await AssertOfferRefusedAsync(apartment.Id, request.Id, "invalid-deadline", respondBy: Factory.Clock.GetUtcNow().AddHours(-1));
        await AssertOfferRefusedAsync(apartment.Id, request.Id, "invalid-deadline", respondBy: Factory.Clock.GetUtcNow());
    }

    [Test]
    public async Task An_offer_of_an_unknown_apartment_or_to_an_unknown_request_is_404()
    {
        var (_, apartment, request) = await Client.QueuedPairAsync();

        await AssertOfferRefusedAsync(Guid.NewGuid(), request.Id, "not-found", status: HttpStatusCode.NotFound);
        await AssertOfferRefusedAsync(apartment.Id, Guid.NewGuid(), "not-found", status: HttpStatusCode.NotFound);
    }

    // ---- answering an offer ----

    [Test]
    public async Task Accepting_an_offer_after_its_deadline_is_refused_with_409_offer_expired()
    {
        var respondBy = Factory.Clock.GetUtcNow().AddHours(1);
        var (_, apartment, request, offer) = await Client.OfferedAsync(respondBy);
        Factory.Clock.Advance(TimeSpan.FromHours(2));

        await (await Client.PostAsync($"/api/v1/offers/{offer.Id}/accept", null)).AssertProblemAsync(HttpStatusCode.Conflict, "offer-expired");

        var expired = await Client.GetOfferAsync(offer.Id);
        Assert.That((expired.Status, expired.RespondedAt), Is.EqualTo((OfferStatus.Expired, (DateTimeOffset?)respondBy)));
        Assert.That((await Client.GetApartmentAsync(apartment.Id)).Status, Is.EqualTo(ApartmentStatus.Available));
        Assert.That((await Client.GetRequestAsync(request.Id)).Status, Is.EqualTo(RequestStatus.Approved));

        var before = await Client.StateAsync(Lifecycle.RequestState(request.Id), Lifecycle.ApartmentState(apartment.Id));
        await (await Client.PostAsync($"/api/v1/offers/{offer.Id}/accept", null)).AssertProblemAsync(HttpStatusCode.Conflict, "offer-expired");
        await (await Client.PostJsonAsync($"/api/v1/offers/{offer.Id}/decline", new DeclineOfferRequest(DeclineReason.Size)))
            .AssertProblemAsync(HttpStatusCode.Conflict, "offer-expired");
        Assert.That(await Client.StateAsync(Lifecycle.RequestState(request.Id), Lifecycle.ApartmentState(apartment.Id)), Is.EqualTo(before));
    }

    [Test]
    public async Task Declining_an_accepted_offer_is_refused_with_409_offer_not_open()
    {
        var (_, apartment, request, offer) = await Client.OfferedAsync();
        await Client.AcceptAsync(offer.Id);
        var before = await Client.StateAsync(Lifecycle.RequestState(request.Id), Lifecycle.ApartmentState(apartment.Id));

        await (await Client.PostJsonAsync($"/api/v1/offers/{offer.Id}/decline", new DeclineOfferRequest(DeclineReason.Rent)))
            .AssertProblemAsync(HttpStatusCode.Conflict, "offer-not-open");
        await (await Client.PostAsync($"/api/v1/offers/{offer.Id}/accept", null)).AssertProblemAsync(HttpStatusCode.Conflict, "offer-not-open");

        Assert.That(await Client.StateAsync(Lifecycle.RequestState(request.Id), Lifecycle.ApartmentState(apartment.Id)), Is.EqualTo(before));
        var after = await Client.GetOfferAsync(offer.Id);
        Assert.That((after.Status, after.DeclineReason), Is.EqualTo((OfferStatus.Accepted, (DeclineReason?)null)));
    }

    [Test]
    public async Task Declining_with_reason_Other_and_no_note_is_refused_with_400_validation_failed()
    {
        var (_, apartment, request, offer) = await Client.OfferedAsync();
        var before = await Client.StateAsync(Lifecycle.RequestState(request.Id), Lifecycle.ApartmentState(apartment.Id));

        var problem = await (await Client.PostJsonAsync($"/api/v1/offers/{offer.Id}/decline", new DeclineOfferRequest(DeclineReason.Other)))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "validation-failed");
        Assert.That(problem["errors"]!.AsObject().Select(e => e.Key), Is.EqualTo(new[] { "note" }));

        var blank = await (await Client.PostJsonAsync($"/api/v1/offers/{offer.Id}/decline", new DeclineOfferRequest(DeclineReason.Other, "   ")))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "validation-failed");
        Assert.That(blank["errors"]!.AsObject().Select(e => e.Key), Is.EqualTo(new[] { "note" }));

        Assert.That(await Client.StateAsync(Lifecycle.RequestState(request.Id), Lifecycle.ApartmentState(apartment.Id)), Is.EqualTo(before));
        Assert.That((await Client.GetOfferAsync(offer.Id)).Status, Is.EqualTo(OfferStatus.Open));
    }

    // ---- the lease ----

    [Test]
    public async Task A_lease_on_an_open_offer_is_refused_with_409_offer_not_accepted()
    {
        var (_, apartment, request, offer) = await Client.OfferedAsync();
        var before = await Client.StateAsync(Lifecycle.RequestState(request.Id), Lifecycle.ApartmentState(apartment.Id));

        await (await Client.LeaseAsync(offer.Id, Factory.Clock.Today())).AssertProblemAsync(HttpStatusCode.Conflict, "offer-not-accepted");

        Assert.That(await Client.StateAsync(Lifecycle.RequestState(request.Id), Lifecycle.ApartmentState(apartment.Id)), Is.EqualTo(before));
        Assert.That((await Client.GetAsync<Page<LeaseResponse>>($"/api/v1/leases?apartmentId={apartment.Id}")).Items, Is.Empty);
    }

    [Test]
    public async Task A_second_lease_on_the_same_offer_is_refused_with_409_lease_already_confirmed()
    {
        var (_, apartment, request, offer, lease) = await Client.LeasedAsync(Factory.Clock);
        var before = await Client.StateAsync(Lifecycle.RequestState(request.Id), Lifecycle.ApartmentState(apartment.Id));

        await (await Client.LeaseAsync(offer.Id, Factory.Clock.Today().AddDays(1))).AssertProblemAsync(HttpStatusCode.Conflict, "lease-already-confirmed");

        Assert.That(await Client.StateAsync(Lifecycle.RequestState(request.Id), Lifecycle.ApartmentState(apartment.Id)), Is.EqualTo(before));
        var leases = (await Client.GetAsync<Page<LeaseResponse>>($"/api/v1/leases?apartmentId={apartment.Id}")).Items;
        Assert.That(leases.Select(l => l.Id), Is.EqualTo(new[] { lease.Id }));
    }

    [Test]
    public async Task A_takeover_before_the_trial_period_ends_is_refused_with_409_trial_not_completed()
    {
        var (agreementId, apartment, request, _, lease) = await Client.LeasedAsync(Factory.Clock);
        var before = await Client.StateAsync(Lifecycle.RequestState(request.Id), Lifecycle.ApartmentState(apartment.Id), Lifecycle.AgreementState(agreementId));

        await (await Client.PostJsonAsync($"/api/v1/leases/{lease.Id}/takeover", new TakeOverLeaseRequest()))
            .AssertProblemAsync(HttpStatusCode.Conflict, "trial-not-completed");
        await (await Client.PostJsonAsync($"/api/v1/leases/{lease.Id}/takeover", new TakeOverLeaseRequest(Factory.Clock.Today())))
            .AssertProblemAsync(HttpStatusCode.Conflict, "trial-not-completed");

        Assert.That(await Client.StateAsync(Lifecycle.RequestState(request.Id), Lifecycle.ApartmentState(apartment.Id), Lifecycle.AgreementState(agreementId)),
            Is.EqualTo(before));
        Assert.That((await Client.GetLeaseAsync(lease.Id)).Status, Is.EqualTo(LeaseStatus.Active));
        Assert.That((await Client.GetApartmentAsync(apartment.Id)).Status, Is.EqualTo(ApartmentStatus.Leased));
    }

    [Test]
    public async Task A_follow_up_or_a_second_ending_after_termination_is_refused_with_409_lease_not_active()
    {
        var (agreementId, apartment, request, _, lease) = await Client.LeasedAsync(Factory.Clock);
        await Client.PostOkAsync<LeaseResponse>($"/api/v1/leases/{lease.Id}/terminate", new TerminateLeaseRequest(TerminationReason.Moved));
        var before = await Client.StateAsync(Lifecycle.RequestState(request.Id), Lifecycle.ApartmentState(apartment.Id), Lifecycle.AgreementState(agreementId));

        await (await Client.PostJsonAsync($"/api/v1/leases/{lease.Id}/follow-ups", new RecordFollowUpRequest(Factory.Clock.Today(), FollowUpResult.Ok)))
            .AssertProblemAsync(HttpStatusCode.Conflict, "lease-not-active");
        await (await Client.PostJsonAsync($"/api/v1/leases/{lease.Id}/terminate", new TerminateLeaseRequest(TerminationReason.Breach, ReturnApartment: true)))
            .AssertProblemAsync(HttpStatusCode.Conflict, "lease-not-active");
        await (await Client.PostJsonAsync($"/api/v1/leases/{lease.Id}/takeover", new TakeOverLeaseRequest()))
            .AssertProblemAsync(HttpStatusCode.Conflict, "lease-not-active");

        Assert.That(await Client.StateAsync(Lifecycle.RequestState(request.Id), Lifecycle.ApartmentState(apartment.Id), Lifecycle.AgreementState(agreementId)),
            Is.EqualTo(before));
        var after = await Client.GetLeaseAsync(lease.Id);
        Assert.That((after.Status, after.TerminationReason, after.FollowUps.Count), Is.EqualTo((LeaseStatus.Terminated, (TerminationReason?)TerminationReason.Moved, 0)));
    }

    [Test]
    public async Task A_takeover_or_termination_dated_tomorrow_is_refused_with_409_date_in_future()
    {
        var (agreementId, apartment, request, _, lease) = await Client.LeasedAsync(Factory.Clock);
        var tomorrow = Factory.Clock.Today().AddDays(1);
        var before = await Client.StateAsync(Lifecycle.RequestState(request.Id), Lifecycle.ApartmentState(apartment.Id), Lifecycle.AgreementState(agreementId));

        await (await Client.PostJsonAsync($"/api/v1/leases/{lease.Id}/takeover", new TakeOverLeaseRequest(tomorrow)))
            .AssertProblemAsync(HttpStatusCode.Conflict, "date-in-future");
        await (await Client.PostJsonAsync($"/api/v1/leases/{lease.Id}/terminate", new TerminateLeaseRequest(TerminationReason.Moved, EndedOn: tomorrow)))
            .AssertProblemAsync(HttpStatusCode.Conflict, "date-in-future");

        Assert.That(await Client.StateAsync(Lifecycle.RequestState(request.Id), Lifecycle.ApartmentState(apartment.Id), Lifecycle.AgreementState(agreementId)),
            Is.EqualTo(before));
        Assert.That((await Client.GetLeaseAsync(lease.Id)).Status, Is.EqualTo(LeaseStatus.Active));
    }

    // ---- creating a request ----

    [Test]
    public async Task A_request_for_no_adults_is_refused_with_400_validation_failed()
    {
        var agreement = await Client.CreateAgreementAsync();

        var problem = await (await Client.PostAsJsonAsync("/api/v1/allocation-requests", Api.NewRequest(agreement.Id) with { Adults = 0 }, Api.Json))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "validation-failed");

        Assert.That(problem["errors"]!.AsObject().Select(e => e.Key), Is.EqualTo(new[] { "adults" }));
        await AssertNoRequestsAsync(agreement.Id);
    }

    [TestCase("19850101-1234")]
    [TestCase("850101-1234")]
    [TestCase("198501011234")]
    [TestCase("CASE 19850101+1234")]
    public async Task A_case_reference_that_looks_like_a_personal_identity_number_is_refused_with_400_without_echoing_it(string caseReference)
    {
        var agreement = await Client.CreateAgreementAsync();

        var response = await Client.PostAsJsonAsync("/api/v1/allocation-requests", Api.NewRequest(agreement.Id) with { CaseReference = caseReference }, Api.Json);
        var body = await response.Content.ReadAsStringAsync();
        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest, "validation-failed");

        Assert.That(problem["errors"]!.AsObject().Select(e => e.Key), Is.EqualTo(new[] { "caseReference" }));
        Assert.That(body, Does.Not.Contain("850101"), "PRODUCT §6: a personal identity number is never echoed back");
        await AssertNoRequestsAsync(agreement.Id);
    }

    [Test]
    public async Task A_request_in_an_unknown_target_group_is_refused_with_400_unknown_target_group()
    {
        var agreement = await Client.CreateAgreementAsync();

        await (await Client.PostAsJsonAsync("/api/v1/allocation-requests", Api.NewRequest(agreement.Id, targetGroup: "no-such-group"), Api.Json))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "unknown-target-group");

        await AssertNoRequestsAsync(agreement.Id);
    }

    [Test]
    public async Task A_request_under_an_unknown_agreement_is_refused_with_400_unknown_agreement()
    {
        var agreementId = Guid.NewGuid();

        await (await Client.PostAsJsonAsync("/api/v1/allocation-requests", Api.NewRequest(agreementId), Api.Json))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "unknown-agreement");

        await AssertNoRequestsAsync(agreementId);
    }

    // ---- unknown ids ----

    [Test]
    public async Task An_unknown_request_is_404_for_every_read_and_command()
    {
        var uri = Lifecycle.RequestUri(Guid.NewGuid());

        await (await Client.GetAsync(uri)).AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
        await (await Client.GetAsync($"{uri}/history")).AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
        await (await Client.GetAsync($"{uri}/eligible-apartments")).AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
        await (await Client.SendAsync(Api.Patch(uri, new UpdateAllocationRequestRequest(MinRooms: 2), "\"1\""))).AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
        foreach (var action in new[] { "submit", "approve", "withdraw" })
            await (await Client.PostAsync($"{uri}/{action}", null)).AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
        await (await Client.PostJsonAsync($"{uri}/reject", new RejectRequestRequest("No"))).AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
        await (await Client.PostJsonAsync($"{uri}/close", new CloseRequestRequest(RequestOutcome.OtherOrUnknown))).AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
        await (await Client.PutAsJsonAsync($"{uri}/consent", new RecordConsentRequest(new DateOnly(2026, 5, 1), new DateOnly(2027, 5, 1)), Api.Json))
            .AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
    }

    [Test]
    public async Task An_unknown_offer_is_404_for_every_read_and_command()
    {
        var uri = $"/api/v1/offers/{Guid.NewGuid()}";

        await (await Client.GetAsync(uri)).AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
        foreach (var action in new[] { "accept", "withdraw" })
            await (await Client.PostAsync($"{uri}/{action}", null)).AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
        await (await Client.PostJsonAsync($"{uri}/decline", new DeclineOfferRequest(DeclineReason.Size))).AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
        await (await Client.PostJsonAsync($"{uri}/viewing", new RecordViewingRequest(Factory.Clock.GetUtcNow()))).AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
        await (await Client.PostJsonAsync($"{uri}/lease", new ConfirmLeaseRequest(Factory.Clock.Today(), LeaseForm.MunicipalitySublet)))
            .AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
    }

    [Test]
    public async Task An_unknown_lease_is_404_for_every_read_and_command()
    {
        var uri = $"/api/v1/leases/{Guid.NewGuid()}";

        await (await Client.GetAsync(uri)).AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
        await (await Client.PostJsonAsync($"{uri}/follow-ups", new RecordFollowUpRequest(Factory.Clock.Today(), FollowUpResult.Ok)))
            .AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
        await (await Client.PostJsonAsync($"{uri}/takeover", new TakeOverLeaseRequest())).AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
        await (await Client.PostJsonAsync($"{uri}/terminate", new TerminateLeaseRequest(TerminationReason.Moved))).AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
    }

    /// <summary>Offers the apartment to the request, expects the refusal, and checks that neither of them (nor <paramref name="alsoUnchanged"/>) changed.</summary>
    private async Task<System.Text.Json.Nodes.JsonObject> AssertOfferRefusedAsync(Guid apartmentId, Guid requestId, string code, IEnumerable<string>? alsoUnchanged = null,
        DateTimeOffset? respondBy = null, HttpStatusCode status = HttpStatusCode.Conflict)
    {
        var state = new List<IEnumerable<string>> { alsoUnchanged ?? [] };
        if (status != HttpStatusCode.NotFound || await Exists($"/api/v1/apartments/{apartmentId}")) state.Add(Lifecycle.ApartmentState(apartmentId));
        if (status != HttpStatusCode.NotFound || await Exists(Lifecycle.RequestUri(requestId))) state.Add(Lifecycle.RequestState(requestId));
        var before = await Client.StateAsync([.. state]);

        var problem = await (await Client.OfferAsync(apartmentId, requestId, respondBy)).AssertProblemAsync(status, code);

        Assert.That(await Client.StateAsync([.. state]), Is.EqualTo(before), $"a refused offer ({code}) changed nothing");
        return problem;
    }

    private async Task<bool> Exists(string uri) => (await Client.GetAsync(uri)).StatusCode == HttpStatusCode.OK;

    private async Task AssertNoRequestsAsync(Guid agreementId) =>
        Assert.That((await Client.GetAsync<Page<AllocationRequestResponse>>($"/api/v1/allocation-requests?agreementId={agreementId}")).Items, Is.Empty);
}
