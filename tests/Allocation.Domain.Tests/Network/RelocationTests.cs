using Allocation.Domain.Network;

namespace Allocation.Domain.Tests.Network;

/// <summary>PRODUCT §7: relocation requests, offers between members and the reciprocity rule.</summary>
public sealed class RelocationTests
{
    private const string Botkyrka = "0127", Huddinge = "0126", Sodertalje = "0181", Nykvarn = "0140";
    private static readonly DateTimeOffset Now = Build.Now;

    private static RelocationNeeds Needs(string[]? excluded = null, string[]? wished = null, bool decided = true, int rooms = 2, bool accessible = false) =>
        new(3, rooms, accessible, Urgency.Urgent, Build.Today.AddDays(30), excluded ?? [], wished ?? [], decided);

    /// <summary>An agreement of the destination, Södertälje.</summary>
    private static Agreement DestinationAgreement() =>
        new(Guid.CreateVersion7(), Sodertalje, Guid.CreateVersion7(), "Ref", new DateOnly(2026, 1, 1), null, 10, 12, 3, [], Now);

    private static Apartment NetworkApartment(int rooms = 2, bool accessible = false)
    {
        var apartment = Build.AvailableApartment(DestinationAgreement(), Build.Details(rooms: rooms, isAccessible: accessible));
        apartment.SetAvailableToNetwork(true);
        return apartment;
    }

    [Test]
    public void A_relocation_request_from_an_allocation_request_takes_the_household_size_rooms_and_accessibility_from_it()
    {
        var allocation = Build.ApprovedRequest(Build.NewAgreement(), Build.Needs(minRooms: 3, needsAccessibility: true));

        var request = RelocationRequest.FromAllocationRequest(allocation, Urgency.Acute, Build.Today, [Huddinge], [], true, Now);

        Assert.Multiple(() =>
        {
            Assert.That(request.MunicipalityCode, Is.EqualTo(allocation.MunicipalityCode));
            Assert.That(request.AllocationRequestId, Is.EqualTo(allocation.Id));
            Assert.That(request.HouseholdSize, Is.EqualTo(allocation.HouseholdSize));
            Assert.That(request.RoomsNeeded, Is.EqualTo(3));
            Assert.That(request.NeedsAccessibility, Is.True);
            Assert.That(request.Status, Is.EqualTo(RelocationRequestStatus.Open));
        });
    }

    [Test]
    public void Only_an_approved_allocation_request_can_be_relocated()
    {
        var draft = Build.DraftRequest(Build.NewAgreement());

        var refusal = Assert.Throws<DomainRuleException>(() => RelocationRequest.FromAllocationRequest(draft, Urgency.Normal, Build.Today, [], [], true, Now));

        Assert.That(refusal!.Code, Is.EqualTo("request-not-approved"));
    }

    [Test]
    public void The_persons_own_wish_of_destination_is_required_as_her_decision()
    {
        var refusal = Assert.Throws<DomainRuleException>(() => RelocationRequest.Post(Botkyrka, Needs(decided: false), Now));

        Assert.That(refusal!.Code, Is.EqualTo("destination-wish-missing"));
    }

    [Test]
    public void A_municipality_cannot_be_both_wished_and_excluded()
    {
        var refusal = Assert.Throws<DomainRuleException>(() => RelocationRequest.Post(Botkyrka, Needs(excluded: [Huddinge], wished: [Huddinge]), Now));

        Assert.That(refusal!.Code, Is.EqualTo("wish-excludes-itself"));
    }

    [Test]
    public void An_excluded_municipality_does_not_see_the_request_and_the_others_do()
    {
        var request = RelocationRequest.Post(Botkyrka, Needs(excluded: [Huddinge]), Now);

        Assert.Multiple(() =>
        {
            Assert.That(request.IsVisibleTo(Huddinge), Is.False);
            Assert.That(request.IsVisibleTo(Sodertalje), Is.True);
            Assert.That(request.IsVisibleTo(Botkyrka), Is.True, "the origin sees its own");
        });
    }

    [Test]
    public void Only_the_wished_municipalities_are_acceptable_when_the_person_named_some()
    {
        var request = RelocationRequest.Post(Botkyrka, Needs(excluded: [Huddinge], wished: [Sodertalje]), Now);

        Assert.Multiple(() =>
        {
            Assert.That(request.Accepts(Sodertalje), Is.True);
            Assert.That(request.Accepts(Nykvarn), Is.False);
            Assert.That(request.Accepts(Huddinge), Is.False);
            Assert.That(request.Accepts(Botkyrka), Is.False);
        });
    }

    [Test]
    public void A_member_outside_the_persons_wish_cannot_offer()
    {
        var request = RelocationRequest.Post(Huddinge, Needs(wished: [Nykvarn]), Now);

        var refusal = Assert.Throws<DomainRuleException>(() => RelocationOffer.FromStock(request, NetworkApartment(), Now));

        Assert.That(refusal!.Code, Is.EqualTo("municipality-not-wished"));
    }

    [Test]
    public void An_offer_from_stock_moves_the_apartment_to_offered_to_the_network()
    {
        var request = RelocationRequest.Post(Huddinge, Needs(), Now);
        var apartment = NetworkApartment();

        var offer = RelocationOffer.FromStock(request, apartment, Now);

        Assert.Multiple(() =>
        {
            Assert.That(apartment.Status, Is.EqualTo(ApartmentStatus.OfferedToNetwork));
            Assert.That(offer.Status, Is.EqualTo(RelocationOfferStatus.Open));
            Assert.That(offer.MunicipalityCode, Is.EqualTo(apartment.MunicipalityCode));
            Assert.That(offer.OriginMunicipalityCode, Is.EqualTo(Huddinge));
            Assert.That((offer.District, offer.Rooms, offer.MonthlyRent), Is.EqualTo((apartment.District, apartment.Rooms, apartment.MonthlyRent)));
        });
    }

    [Test]
    public void An_apartment_not_marked_for_the_network_cannot_be_offered_to_it()
    {
        var request = RelocationRequest.Post(Huddinge, Needs(), Now);
        var apartment = Build.AvailableApartment(DestinationAgreement());

        var refusal = Assert.Throws<DomainRuleException>(() => RelocationOffer.FromStock(request, apartment, Now));

        Assert.That(refusal!.Code, Is.EqualTo("apartment-not-for-network"));
        Assert.That(apartment.Status, Is.EqualTo(ApartmentStatus.Available));
    }

    [Test]
    public void An_apartment_with_an_open_local_offer_cannot_be_offered_to_the_network_and_vice_versa()
    {
        var agreement = DestinationAgreement();
        var apartment = Build.AvailableApartment(agreement);
        apartment.SetAvailableToNetwork(true);
        Build.OpenOffer(apartment, Build.ApprovedRequest(agreement));

        var toNetwork = Assert.Throws<DomainRuleException>(() => RelocationOffer.FromStock(RelocationRequest.Post(Huddinge, Needs(), Now), apartment, Now));

        var second = NetworkApartment();
        RelocationOffer.FromStock(RelocationRequest.Post(Huddinge, Needs(), Now), second, Now);
        var local = Assert.Throws<DomainRuleException>(() => Build.OpenOffer(second, Build.ApprovedRequest(DestinationAgreement())));

        Assert.That((toNetwork!.Code, local!.Code), Is.EqualTo(("apartment-not-available", "apartment-not-available")));
    }

    [Test]
    public void An_apartment_with_too_few_rooms_or_without_a_needed_accessibility_is_refused()
    {
        var request = RelocationRequest.Post(Huddinge, Needs(rooms: 3, accessible: true), Now);

        var rooms = Assert.Throws<DomainRuleException>(() => RelocationOffer.FromStock(request, NetworkApartment(rooms: 2, accessible: true), Now));
        var access = Assert.Throws<DomainRuleException>(() => RelocationOffer.FromStock(request, NetworkApartment(rooms: 3), Now));

        Assert.That((rooms!.Code, access!.Code), Is.EqualTo(("too-few-rooms", "accessibility-not-met")));
    }

    [Test]
    public void Accepting_one_offer_matches_the_request_and_releases_the_others_with_their_apartments()
    {
        var allocation = Build.ApprovedRequest(Build.NewAgreement());
        var request = RelocationRequest.FromAllocationRequest(allocation, Urgency.Urgent, Build.Today, [], [], true, Now);
        var (first, second) = (NetworkApartment(), NetworkApartment());
        var chosen = RelocationOffer.FromStock(request, first, Now);
        var other = RelocationOffer.FromStock(request, second, Now);

        chosen.Accept(request, first, [(chosen, first), (other, second)], allocation, Now);

        Assert.Multiple(() =>
        {
            Assert.That(request.Status, Is.EqualTo(RelocationRequestStatus.Matched));
            Assert.That(request.AcceptedOfferId, Is.EqualTo(chosen.Id));
            Assert.That(chosen.Status, Is.EqualTo(RelocationOfferStatus.Accepted));
            Assert.That(other.Status, Is.EqualTo(RelocationOfferStatus.Released));
            Assert.That(first.Status, Is.EqualTo(ApartmentStatus.OfferedToNetwork));
            Assert.That(second.Status, Is.EqualTo(ApartmentStatus.Available));
            Assert.That(allocation.Status, Is.EqualTo(RequestStatus.Offered), "no local offer while the move is pending");
        });
    }

    [Test]
    public void A_second_accept_on_a_matched_request_is_refused()
    {
        var request = RelocationRequest.Post(Huddinge, Needs(), Now);
        var (first, second) = (NetworkApartment(), NetworkApartment());
        var a = RelocationOffer.FromStock(request, first, Now);
        var b = RelocationOffer.FromStock(request, second, Now);
        a.Accept(request, first, [(a, first), (b, second)], null, Now);

        var refusal = Assert.Throws<DomainRuleException>(() => b.Accept(request, second, [(a, first), (b, second)], null, Now));

        Assert.That(refusal!.Code, Is.AnyOf("offer-not-open", "relocation-request-not-open"));
        Assert.That(request.AcceptedOfferId, Is.EqualTo(a.Id));
    }

    [Test]
    public void A_declined_offer_frees_its_apartment_and_keeps_the_request_open()
    {
        var request = RelocationRequest.Post(Huddinge, Needs(), Now);
        var apartment = NetworkApartment();
        var offer = RelocationOffer.FromStock(request, apartment, Now);

        offer.Decline(request, apartment, DeclineReason.District, "Too close to the origin.", Now);

        Assert.That((offer.Status, offer.DeclineReason, apartment.Status, request.Status),
            Is.EqualTo((RelocationOfferStatus.Declined, (DeclineReason?)DeclineReason.District, ApartmentStatus.Available, RelocationRequestStatus.Open)));
    }

    [Test]
    public void The_signed_lease_in_the_destination_completes_the_move_and_closes_the_origins_request_as_relocated()
    {
        var allocation = Build.ApprovedRequest(Build.NewAgreement());
        var request = RelocationRequest.FromAllocationRequest(allocation, Urgency.Urgent, Build.Today, [], [], true, Now);
        var destinationAgreement = DestinationAgreement();
        var apartment = Build.AvailableApartment(destinationAgreement);
        apartment.SetAvailableToNetwork(true);
        var offer = RelocationOffer.FromStock(request, apartment, Now);
        offer.Accept(request, apartment, [(offer, apartment)], allocation, Now);

        var lease = offer.ConfirmLease(request, apartment, destinationAgreement, allocation, Build.Today, LeaseForm.MunicipalitySublet, null, Now);

        Assert.Multiple(() =>
        {
            Assert.That(lease.MunicipalityCode, Is.EqualTo(apartment.MunicipalityCode));
            Assert.That(lease.RelocationOfferId, Is.EqualTo(offer.Id));
            Assert.That(lease.OfferId, Is.Null);
            Assert.That(lease.RequestId, Is.Null, "the destination's lease never links the origin's request");
            Assert.That(lease.TrialEndsOn, Is.EqualTo(Build.Today.AddMonths(destinationAgreement.DefaultTrialMonths)));
            Assert.That(apartment.Status, Is.EqualTo(ApartmentStatus.Leased));
            Assert.That(offer.Status, Is.EqualTo(RelocationOfferStatus.Leased));
            Assert.That(request.Status, Is.EqualTo(RelocationRequestStatus.Relocated));
            Assert.That((allocation.Status, allocation.Outcome), Is.EqualTo((RequestStatus.Closed, (RequestOutcome?)RequestOutcome.RelocatedThroughNetwork)));
        });
    }

    [Test]
    public void A_lease_needs_an_accepted_network_offer()
    {
        var request = RelocationRequest.Post(Huddinge, Needs(), Now);
        var agreement = DestinationAgreement();
        var apartment = Build.AvailableApartment(agreement);
        apartment.SetAvailableToNetwork(true);
        var offer = RelocationOffer.FromStock(request, apartment, Now);

        var refusal = Assert.Throws<DomainRuleException>(() =>
            offer.ConfirmLease(request, apartment, agreement, null, Build.Today, LeaseForm.MunicipalitySublet, null, Now));

        Assert.That(refusal!.Code, Is.EqualTo("offer-not-accepted"));
    }

    [TestCase(-2, -2, true)]
    [TestCase(-2, -3, false)]
    [TestCase(0, 0, true)]
    [TestCase(0, -1, false)]
    public void The_reciprocity_rule_refuses_a_member_below_its_threshold(int threshold, int balance, bool mayPost)
    {
        var rule = new ReciprocityRule(threshold);

        Assert.That(rule.MayPost(balance), Is.EqualTo(mayPost));
        if (mayPost) Assert.DoesNotThrow(() => rule.EnsureMayPost(Botkyrka, balance));
        else Assert.That(Assert.Throws<DomainRuleException>(() => rule.EnsureMayPost(Botkyrka, balance))!.Code, Is.EqualTo("reciprocity-threshold"));
    }

    [Test]
    public void Without_a_threshold_the_reciprocity_rule_is_off() =>
        Assert.That(new ReciprocityRule(null).MayPost(-100), Is.True);
}
