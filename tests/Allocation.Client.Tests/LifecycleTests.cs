using Allocation.Client.Models;

namespace Allocation.Client.Tests;

/// <summary>PRODUCT §4 end to end, through the client generated from the committed contract.</summary>
public sealed class LifecycleTests : ClientTest
{
    [Test]
    public async Task A_household_goes_from_a_draft_request_to_a_followed_up_lease_through_the_generated_client()
    {
        var agreement = await CreateAgreementAsync(quota: 2);
        Assert.That(agreement?.Id, Is.Not.Null);
        var agreementId = agreement!.Id!.Value;
        Assert.That((agreement.ApartmentQuota, agreement.StockCount, agreement.OfferResponseWorkingDays), Is.EqualTo((2, 0, 3)));

        var apartment = await RegisterApartmentAsync(agreementId);
        var apartmentId = apartment!.Id!.Value;
        Assert.That((apartment.Status, apartment.AgreementId), Is.EqualTo(((ApartmentStatus?)ApartmentStatus.Available, (Guid?)agreementId)));

        // The case officer's request: draft, consent, submitted.
        var caseReference = NewCaseReference();
        var draft = await CaseOfficer.Api.V1.AllocationRequests.PostAsync(new CreateAllocationRequestRequest
        {
            AgreementId = agreementId,
            CaseReference = caseReference,
            TargetGroupCode = "violence-exposed-women",
            Adults = 1,
            Children = 1,
            MinRooms = 1,
            NeedsAccessibility = false,
            Urgency = Urgency.Normal,
            ProtectionLevel = ProtectionLevel.None,
            HousingPlanStartedOn = new(2026, 3, 1),
        });
        var requestId = draft!.Id!.Value;
        Assert.That((draft.Status, draft.CaseReference, draft.OwningUnit),
            Is.EqualTo(((RequestStatus?)RequestStatus.Draft, caseReference, AllocationApi.Unit)));
        var request = CaseOfficer.Api.V1.AllocationRequests[requestId];
        var consented = await request.Consent.PutAsync(new RecordConsentRequest { GivenOn = ToDate(Today), ExpiresOn = ToDate(Today.AddMonths(6)) });
        Assert.That((FromDate(consented!.ConsentGivenOn), FromDate(consented.ConsentExpiresOn)), Is.EqualTo((Today, Today.AddMonths(6))));
        var submitted = await request.Submit.PostAsync();
        Assert.That(submitted!.Status, Is.EqualTo(RequestStatus.Submitted));

        // The coordinator approves it, finds it queued and offers the apartment.
        var approved = await Coordinator.Api.V1.AllocationRequests[requestId].Approve.PostAsync();
        Assert.That((approved!.Status, approved.QueuedSince.HasValue), Is.EqualTo(((RequestStatus?)RequestStatus.Approved, true)));
        var queue = await Coordinator.Api.V1.Queue.GetAsync(q => q.QueryParameters.AgreementId = agreementId);
        Assert.That(queue!.Items!.Select(i => (i.RequestId, i.Position)), Is.EqualTo(new[] { ((Guid?)requestId, (int?)1) }));
        Assert.That(queue.NextCursor, Is.Null);
        var offer = await Coordinator.Api.V1.Offers.PostAsync(new CreateOfferRequest { ApartmentId = apartmentId, RequestId = requestId });
        var offerId = offer!.Id!.Value;
        Assert.That((offer.Status, offer.ApartmentId, offer.RequestId),
            Is.EqualTo(((OfferStatus?)OfferStatus.Open, (Guid?)apartmentId, (Guid?)requestId)));
        Assert.That(offer.RespondBy, Is.GreaterThan(DateTimeOffset.UtcNow.AddDays(2)), "three working days to answer");

        // The household accepts; the housing company confirms the signed lease, whose trial runs the agreement's 24 months.
        var accepted = await CaseOfficer.Api.V1.Offers[offerId].Accept.PostAsync();
        Assert.That(accepted!.Status, Is.EqualTo(OfferStatus.Accepted));
        var lease = await HousingCompany.Api.V1.Offers[offerId].Lease.PostAsync(new ConfirmLeaseRequest { StartDate = ToDate(Today), Form = LeaseForm.MunicipalitySublet });
        var leaseId = lease!.Id!.Value;
        Assert.That((lease.Status, lease.InTrial, lease.Form, lease.OfferId),
            Is.EqualTo(((LeaseStatus?)LeaseStatus.Active, (bool?)true, (LeaseForm?)LeaseForm.MunicipalitySublet, (Guid?)offerId)));
        Assert.That((FromDate(lease.StartDate), FromDate(lease.TrialEndsOn)), Is.EqualTo((Today, Today.AddMonths(24))));

        // A follow-up during the trial.
        var followedUp = await CaseOfficer.Api.V1.Leases[leaseId].FollowUps.PostAsync(new RecordFollowUpRequest
        {
            Date = ToDate(Today),
            Result = FollowUpResult.Concern,
            Note = "Hyresskuld, plan upprättad",
        });
        Assert.That(followedUp!.FollowUps!.Select(f => (f.Result, f.Note)),
            Is.EqualTo(new[] { ((FollowUpResult?)FollowUpResult.Concern, "Hyresskuld, plan upprättad") }));

        // Every party reads the same outcome.
        var read = await CaseOfficer.Api.V1.Leases[leaseId].GetAsync();
        var history = await CaseOfficer.Api.V1.AllocationRequests[requestId].History.GetAsync();
        var finalOffer = await Coordinator.Api.V1.Offers[offerId].GetAsync();
        var finalApartment = await HousingCompany.Api.V1.Apartments[apartmentId].GetAsync();
        var finalRequest = await CaseOfficer.Api.V1.AllocationRequests[requestId].GetAsync();
        var finalAgreement = await Admin.Api.V1.Agreements[agreementId].GetAsync();
        Assert.Multiple(() =>
        {
            Assert.That((read!.Id, read.Status, read.FollowUps!.Count), Is.EqualTo(((Guid?)leaseId, (LeaseStatus?)LeaseStatus.Active, 1)));
            Assert.That(history!.Items!.Select(h => h.ToStatus), Is.EqualTo(new RequestStatus?[]
            {
                RequestStatus.Draft, RequestStatus.Submitted, RequestStatus.Approved, RequestStatus.Offered, RequestStatus.Housed,
            }));
            Assert.That(finalOffer!.Status, Is.EqualTo(OfferStatus.Leased));
            Assert.That(finalApartment!.Status, Is.EqualTo(ApartmentStatus.Leased));
            Assert.That(finalRequest!.Status, Is.EqualTo(RequestStatus.Housed));
            Assert.That((finalAgreement!.StockCount, finalAgreement.FreePlaces), Is.EqualTo(((int?)1, (int?)1)));
        });
    }
}
