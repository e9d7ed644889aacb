using System.Net;
using System.Net.Http.Json;
using Allocation.Api.Features.Agreements;
using Allocation.Api.Features.AllocationRequests;
using Allocation.Api.Features.Apartments;
using Allocation.Api.Features.Leases;
using Allocation.Api.Features.Offers;
using Allocation.Api.Features.Queue;
using Allocation.Api.Infrastructure;
using Allocation.Domain;

namespace Allocation.Api.Tests;

/// <summary>PRODUCT §4 end to end: one household from a draft request to taking over its lease.</summary>
public sealed class LifecycleTests : ApiTest
{
    [Test]
    public async Task A_household_goes_from_draft_to_takeover_and_the_quota_place_is_freed()
    {
        var today = DateOnly.FromDateTime(Factory.Clock.GetUtcNow().UtcDateTime);
        var agreement = await Client.CreateAgreementAsync(quota: 3);
        var apartment = await Client.RegisterApartmentAsync(agreement.Id, Api.NewApartment(rooms: 3, district: "Hallunda") with { AvailableFrom = today });
        Assert.That((await Client.GetAgreementAsync(agreement.Id)).StockCount, Is.EqualTo(1));

        // Draft, changed while a draft, consent, submitted, approved.
        var created = await Client.CreateRequestAsync(Api.NewRequest(agreement.Id, minRooms: 2, excludedDistricts: ["Fittja"]));
        Assert.That(created.Status, Is.EqualTo(RequestStatus.Draft));
        var etag = (await Client.GetAsync($"/api/v1/allocation-requests/{created.Id}")).Headers.ETag!.ToString();
        var changed = await Client.SendAsync(Api.Patch($"/api/v1/allocation-requests/{created.Id}", new UpdateAllocationRequestRequest(MinRooms: 3), etag));
        await changed.AssertStatusAsync(HttpStatusCode.OK);
        Assert.That((await changed.ReadAsync<AllocationRequestResponse>()).MinRooms, Is.EqualTo(3));
        await (await Client.PutAsJsonAsync($"/api/v1/allocation-requests/{created.Id}/consent",
            new RecordConsentRequest(today, today.AddMonths(6)), Api.Json)).AssertStatusAsync(HttpStatusCode.OK);
        var submitted = await Client.PostOkAsync<AllocationRequestResponse>($"/api/v1/allocation-requests/{created.Id}/submit");
        Assert.That(submitted.Status, Is.EqualTo(RequestStatus.Submitted));
        Factory.Clock.Advance(TimeSpan.FromDays(2));
        var approved = await Client.PostOkAsync<AllocationRequestResponse>($"/api/v1/allocation-requests/{created.Id}/approve");
        Assert.That((approved.Status, approved.QueuedSince), Is.EqualTo((RequestStatus.Approved, (DateTimeOffset?)Factory.Clock.GetUtcNow())));

        // Queued and matched, with explanations.
        var queue = await Client.GetAsync<Page<QueueItemResponse>>($"/api/v1/queue?agreementId={agreement.Id}");
        Assert.That(queue.Items.Select(q => (q.RequestId, q.Position)), Is.EqualTo(new[] { (created.Id, 1) }));
        var eligibleApartments = (await Client.GetAsync<Page<EligibleApartmentResponse>>($"/api/v1/allocation-requests/{created.Id}/eligible-apartments")).Items;
        Assert.That(eligibleApartments.Select(a => (a.ApartmentId, a.Eligible, a.PositionAmongEligible)), Is.EqualTo(new[] { (apartment.Id, true, (int?)1) }));
        var eligibleRequests = (await Client.GetAsync<Page<EligibleRequestResponse>>($"/api/v1/apartments/{apartment.Id}/eligible-requests")).Items;
        Assert.That(eligibleRequests.Single().Checks.Select(c => c.Name), Is.SupersetOf(new[] { "rooms", "rent", "accessibility", "excluded-districts", "consent" }));

        // Offered, viewed, accepted.
        Factory.Clock.Advance(TimeSpan.FromDays(1));
        var offer = await Client.CreateOfferAsync(apartment.Id, created.Id);
        Assert.That(offer.Status, Is.EqualTo(OfferStatus.Open));
        Assert.That(offer.RespondBy, Is.EqualTo(WorkingDays.Add(Factory.Clock.GetUtcNow(), agreement.OfferResponseWorkingDays)));
        Assert.That((await Client.GetAsync<ApartmentResponse>($"/api/v1/apartments/{apartment.Id}")).Status, Is.EqualTo(ApartmentStatus.Offered));
        Assert.That((await Client.GetAsync<AllocationRequestResponse>($"/api/v1/allocation-requests/{created.Id}")).Status, Is.EqualTo(RequestStatus.Offered));
        var viewed = await Client.PostOkAsync<OfferResponse>($"/api/v1/offers/{offer.Id}/viewing", new RecordViewingRequest(Factory.Clock.GetUtcNow(), "Visning genomförd"));
        Assert.That(viewed.ViewedAt, Is.EqualTo(Factory.Clock.GetUtcNow()));
        var accepted = await Client.PostOkAsync<OfferResponse>($"/api/v1/offers/{offer.Id}/accept");
        Assert.That(accepted.Status, Is.EqualTo(OfferStatus.Accepted));

        // The housing company confirms the signed lease; the trial runs the agreement's default 24 months.
        var start = today.AddDays(10);
        var leaseResponse = await Client.PostAsJsonAsync($"/api/v1/offers/{offer.Id}/lease", new ConfirmLeaseRequest(start, LeaseForm.MunicipalitySublet), Api.Json);
        await leaseResponse.AssertStatusAsync(HttpStatusCode.Created);
        var lease = await leaseResponse.ReadAsync<LeaseResponse>();
        Assert.Multiple(async () =>
        {
            Assert.That((lease.Status, lease.TrialEndsOn, lease.InTrial), Is.EqualTo((LeaseStatus.Active, start.AddMonths(24), true)));
            Assert.That((await Client.GetAsync<OfferResponse>($"/api/v1/offers/{offer.Id}")).Status, Is.EqualTo(OfferStatus.Leased));
            Assert.That((await Client.GetAsync<ApartmentResponse>($"/api/v1/apartments/{apartment.Id}")).Status, Is.EqualTo(ApartmentStatus.Leased));
            Assert.That((await Client.GetAsync<AllocationRequestResponse>($"/api/v1/allocation-requests/{created.Id}")).Status, Is.EqualTo(RequestStatus.Housed));
        });

        // Follow-ups during the trial.
        Factory.Clock.Advance(TimeSpan.FromDays(60));
        var followedUp = await Client.PostOkAsync<LeaseResponse>($"/api/v1/leases/{lease.Id}/follow-ups",
            new RecordFollowUpRequest(start.AddDays(45), FollowUpResult.Concern, "Hyresskuld, plan upprättad"));
        followedUp = await Client.PostOkAsync<LeaseResponse>($"/api/v1/leases/{lease.Id}/follow-ups", new RecordFollowUpRequest(start.AddDays(50), FollowUpResult.Ok));
        Assert.That(followedUp.FollowUps.Select(f => f.Result), Is.EqualTo(new[] { FollowUpResult.Concern, FollowUpResult.Ok }));

        // After the trial the household takes over the lease: the apartment leaves the stock and frees its place.
        Factory.Clock.Advance(TimeSpan.FromDays(800));
        var takenOver = await Client.PostOkAsync<LeaseResponse>($"/api/v1/leases/{lease.Id}/takeover", new TakeOverLeaseRequest());
        Assert.That((takenOver.Status, takenOver.InTrial), Is.EqualTo((LeaseStatus.TakenOver, false)));
        var after = await Client.GetAgreementAsync(agreement.Id);
        Assert.That((after.StockCount, after.FreePlaces), Is.EqualTo((0, 3)));
        var closed = await Client.PostOkAsync<AllocationRequestResponse>($"/api/v1/allocation-requests/{created.Id}/close",
            new CloseRequestRequest(RequestOutcome.SocialContractTakeover));
        Assert.That((closed.Status, closed.Outcome), Is.EqualTo((RequestStatus.Closed, (RequestOutcome?)RequestOutcome.SocialContractTakeover)));

        // The histories tell the whole story.
        var requestHistory = (await Client.GetAsync<Page<RequestStatusChangeResponse>>($"/api/v1/allocation-requests/{created.Id}/history")).Items;
        Assert.That(requestHistory.Select(h => h.ToStatus), Is.EqualTo(new[]
        {
            RequestStatus.Draft, RequestStatus.Submitted, RequestStatus.Approved, RequestStatus.Offered, RequestStatus.Housed, RequestStatus.Closed,
        }));
        var apartmentHistory = await Client.GetAsync<ApartmentHistoryResponse>($"/api/v1/apartments/{apartment.Id}/history");
        Assert.That(apartmentHistory.Changes.Select(h => h.ToStatus), Is.EqualTo(new[]
        {
            ApartmentStatus.Available, ApartmentStatus.Offered, ApartmentStatus.Leased, ApartmentStatus.TakenOver,
        }));
        // Available from registration until the offer three days later (PRODUCT §4 vacant days).
        Assert.That(apartmentHistory.VacantDays, Is.EqualTo(3));
        Assert.That(apartmentHistory.VacancyCost, Is.EqualTo(3 * Vacancy.DailyRent(apartment.MonthlyRent)));

        // The freed place takes a new apartment.
        await Client.RegisterApartmentAsync(agreement.Id);
    }

    [Test]
    public async Task A_declined_offer_returns_the_household_to_the_queue_with_its_original_queue_time()
    {
        var agreement = await Client.CreateAgreementAsync();
        var first = await Client.RegisterApartmentAsync(agreement.Id);
        var second = await Client.RegisterApartmentAsync(agreement.Id);
        var request = await Client.CreateQueuedRequestAsync(Api.NewRequest(agreement.Id));
        var offer = await Client.CreateOfferAsync(first.Id, request.Id);
        Factory.Clock.Advance(TimeSpan.FromHours(5));

        var declined = await Client.PostOkAsync<OfferResponse>($"/api/v1/offers/{offer.Id}/decline", new DeclineOfferRequest(DeclineReason.Safety, "Nära förövaren"));

        Assert.That((declined.Status, declined.DeclineReason), Is.EqualTo((OfferStatus.Declined, (DeclineReason?)DeclineReason.Safety)));
        var back = await Client.GetAsync<AllocationRequestResponse>($"/api/v1/allocation-requests/{request.Id}");
        Assert.That((back.Status, back.QueuedSince), Is.EqualTo((RequestStatus.Approved, request.QueuedSince)));
        Assert.That((await Client.GetAsync<ApartmentResponse>($"/api/v1/apartments/{first.Id}")).Status, Is.EqualTo(ApartmentStatus.Available));
        await Client.CreateOfferAsync(second.Id, request.Id);
    }

    [Test]
    public async Task A_terminated_lease_makes_the_apartment_available_again_or_returns_it()
    {
        var agreement = await Client.CreateAgreementAsync(quota: 2);
        var kept = await HousedAsync(agreement);
        var returned = await HousedAsync(agreement);

        var terminated = await Client.PostOkAsync<LeaseResponse>($"/api/v1/leases/{kept.LeaseId}/terminate", new TerminateLeaseRequest(TerminationReason.Moved));
        await Client.PostOkAsync<LeaseResponse>($"/api/v1/leases/{returned.LeaseId}/terminate", new TerminateLeaseRequest(TerminationReason.Eviction, ReturnApartment: true));

        Assert.That((terminated.Status, terminated.TerminationReason), Is.EqualTo((LeaseStatus.Terminated, (TerminationReason?)TerminationReason.Moved)));
        Assert.That((await Client.GetAsync<ApartmentResponse>($"/api/v1/apartments/{kept.ApartmentId}")).Status, Is.EqualTo(ApartmentStatus.Available));
        Assert.That((await Client.GetAsync<ApartmentResponse>($"/api/v1/apartments/{returned.ApartmentId}")).Status, Is.EqualTo(ApartmentStatus.Returned));
        Assert.That((await Client.GetAgreementAsync(agreement.Id)).StockCount, Is.EqualTo(1));
    }

    private async Task<(Guid ApartmentId, Guid LeaseId)> HousedAsync(AgreementResponse agreement)
    {
        var apartment = await Client.RegisterApartmentAsync(agreement.Id);
        var request = await Client.CreateQueuedRequestAsync(Api.NewRequest(agreement.Id));
        var offer = await Client.CreateOfferAsync(apartment.Id, request.Id);
        await Client.PostOkAsync<OfferResponse>($"/api/v1/offers/{offer.Id}/accept");
        var lease = await Client.PostAsJsonAsync($"/api/v1/offers/{offer.Id}/lease",
            new ConfirmLeaseRequest(DateOnly.FromDateTime(Factory.Clock.GetUtcNow().UtcDateTime), LeaseForm.FirstHandWithGuarantee), Api.Json);
        await lease.AssertStatusAsync(HttpStatusCode.Created);
        return (apartment.Id, (await lease.ReadAsync<LeaseResponse>()).Id);
    }
}
