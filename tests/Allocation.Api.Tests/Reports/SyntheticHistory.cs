using System.Net;
using System.Net.Http.Json;
using Allocation.Api.Features.AllocationRequests;
using Allocation.Api.Features.Apartments;
using Allocation.Api.Features.Leases;
using Allocation.Api.Features.Offers;
using Allocation.Api.Persistence;
using Allocation.Domain;
using Microsoft.Extensions.Time.Testing;

namespace Allocation.Api.Tests.Reports;

/// <summary>What <see cref="SyntheticHistory.CreateAsync"/> made, in the order it made it.</summary>
/// <param name="AgreementId">The agreement of its own that holds all of it.</param>
/// <param name="StartedAt">The clock when the history began: the first Monday 08:00 UTC not before the clock's time.</param>
/// <param name="EndedAt">The clock when it ended.</param>
public sealed record SyntheticHistoryData(
    Guid AgreementId,
    DateTimeOffset StartedAt,
    DateTimeOffset EndedAt,
    IReadOnlyList<Guid> ApartmentIds,
    IReadOnlyList<Guid> RequestIds,
    IReadOnlyList<Guid> OfferIds,
    IReadOnlyList<Guid> LeaseIds);

/// <summary>
/// A deterministic history (the same seed gives the same events at the same instants; only ids differ), made through the
/// API day by day with the test clock advancing, on a new agreement of its own: apartments provided and returned,
/// requests submitted, approved, rejected, withdrawn and closed with outcomes, offers accepted, declined with reasons and
/// left to expire, leases with follow-ups, takeovers and terminations by reason.
/// </summary>
public static class SyntheticHistory
{
    private static readonly string[] TargetGroups = ["violence-exposed-women", "families-acute-homelessness", "young-adults-leaving-care", "housing-first"];
    private static readonly string[] Districts = ["Alby", "Fittja", "Hallunda", "Norsborg", "Tumba", "Tullinge"];

    public static async Task<SyntheticHistoryData> CreateAsync(HttpClient client, FakeTimeProvider clock, int seed, int apartments = 30, int requests = 60,
        int days = 365)
    {
        var rng = new Random(seed);
        // Offer deadlines count working days, so the same history needs the same weekday: it starts on a Monday at 08:00 UTC.
        var now = clock.GetUtcNow();
        var startedAt = new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero).AddHours(8).AddDays(((int)DayOfWeek.Monday - (int)now.DayOfWeek + 7) % 7);
        if (startedAt < now) startedAt = startedAt.AddDays(7);
        if (startedAt > now) clock.Advance(startedAt - now);
        var agreement = await client.PostAsJsonAsync("/api/v1/agreements", Api.NewAgreement(apartments + 5) with { TargetGroupCodes = TargetGroups }, Api.Json);
        await agreement.AssertStatusAsync(HttpStatusCode.Created);
        var agreementId = (await agreement.ReadAsync<Features.Agreements.AgreementResponse>()).Id;
        var s = new State(client, clock, rng);

        for (var day = 0; day < days; day++)
        {
            var morning = startedAt.AddDays(day);
            if (clock.GetUtcNow() < morning) clock.Advance(morning - clock.GetUtcNow());

            if (s.Apartments.Count < apartments && rng.NextDouble() < apartments / (days * 0.6))
                await s.RegisterAsync(agreementId, $"SYN-{agreementId.ToString("N")[^8..]}-{s.Apartments.Count:D3}", Districts[rng.Next(Districts.Length)]);
            if (s.Requests.Count < requests && rng.NextDouble() < requests / (days * 0.8))
                await s.SubmitRequestAsync(agreementId, TargetGroups[rng.Next(TargetGroups.Length)]);

            foreach (var request in s.Requests.Where(r => r.Status == RequestStatus.Submitted && r.Since <= s.Today.AddDays(-2)).ToList())
                await s.DecideAsync(request);
            foreach (var request in s.Requests.Where(r => r.Status == RequestStatus.Approved).ToList())
            {
                var chance = rng.NextDouble();
                if (chance < 0.004) await s.TransitionAsync(request, "withdraw", null, RequestStatus.Withdrawn);
                else if (chance < 0.010) await s.TransitionAsync(request, "close", new CloseRequestRequest(RequestOutcome.OwnFirstHandLease), RequestStatus.Closed);
            }

            foreach (var offer in s.Offers.Where(o => o.Status == OfferStatus.Open).ToList())
                await s.AnswerAsync(offer);
            foreach (var offer in s.Offers.Where(o => o.Status == OfferStatus.Accepted && o.AnsweredOn < s.Today).ToList())
                await s.ConfirmLeaseAsync(offer);
            foreach (var lease in s.Leases.Where(l => l.Status == LeaseStatus.Active).ToList())
                await s.LiveAsync(lease);

            var queue = new Queue<RequestState>(s.Requests.Where(r => r.Status == RequestStatus.Approved).OrderBy(r => r.QueuedAt));
            foreach (var apartment in s.Apartments.Where(a => a.Status == ApartmentStatus.Available && a.AvailableFrom <= s.Today).ToList())
            {
                if (rng.NextDouble() < 0.003) await s.ReturnAsync(apartment);
                else if (queue.Count > 0 && rng.NextDouble() < 0.4) await s.OfferAsync(apartment, queue.Dequeue());
            }
        }

        return new SyntheticHistoryData(agreementId, startedAt, clock.GetUtcNow(), s.Apartments.Select(a => a.Id).ToList(), s.Requests.Select(r => r.Id).ToList(),
            s.Offers.Select(o => o.Id).ToList(), s.Leases.Select(l => l.Id).ToList());
    }

    private sealed class ApartmentState(Guid id, DateOnly availableFrom)
    {
        public Guid Id { get; } = id;
        public DateOnly AvailableFrom { get; } = availableFrom;
        public ApartmentStatus Status { get; set; } = ApartmentStatus.Available;
    }

    private sealed class RequestState(Guid id, DateOnly since)
    {
        public Guid Id { get; } = id;
        public DateOnly Since { get; } = since;
        public RequestStatus Status { get; set; } = RequestStatus.Submitted;
        public DateTimeOffset QueuedAt { get; set; }
    }

    private sealed class OfferState(Guid id, ApartmentState apartment, RequestState request, DateTimeOffset respondBy)
    {
        public Guid Id { get; } = id;
        public ApartmentState Apartment { get; } = apartment;
        public RequestState Request { get; } = request;
        public DateTimeOffset RespondBy { get; } = respondBy;
        public OfferStatus Status { get; set; } = OfferStatus.Open;
        public DateOnly AnsweredOn { get; set; }
    }

    private sealed class LeaseState(Guid id, OfferState offer, DateOnly startDate, DateOnly trialEndsOn)
    {
        public Guid Id { get; } = id;
        public DateOnly StartDate { get; } = startDate;
        public OfferState Offer { get; } = offer;
        public DateOnly TrialEndsOn { get; } = trialEndsOn;
        public LeaseStatus Status { get; set; } = LeaseStatus.Active;
    }

    private sealed class State(HttpClient client, FakeTimeProvider clock, Random rng)
    {
        public List<ApartmentState> Apartments { get; } = [];
        public List<RequestState> Requests { get; } = [];
        public List<OfferState> Offers { get; } = [];
        public List<LeaseState> Leases { get; } = [];
        public DateOnly Today => clock.Today();

        // Every event a few minutes after the previous one, so no two history rows share an instant.
        private void Tick() => clock.Advance(TimeSpan.FromMinutes(rng.Next(1, 15)));

        private async Task<T> SendAsync<T>(string uri, object? body, HttpStatusCode expected = HttpStatusCode.OK) =>
            (await SendBeforeAsync<T>(uri, body, DateTimeOffset.MaxValue, expected))!;

        /// <summary>Sends after the tick, unless the tick has reached <paramref name="deadline"/>: then nothing is sent (null).</summary>
        private async Task<T?> SendBeforeAsync<T>(string uri, object? body, DateTimeOffset deadline, HttpStatusCode expected = HttpStatusCode.OK)
        {
            Tick();
            if (clock.GetUtcNow() >= deadline) return default;
            var response = body is null ? await client.PostAsync(uri, null) : await client.PostJsonAsync(uri, body);
            await response.AssertStatusAsync(expected);
            return await response.ReadAsync<T>();
        }

        public async Task RegisterAsync(Guid agreementId, string objectNumber, string district)
        {
            var availableFrom = Today.AddDays(rng.Next(0, 15));
            var rent = 5000m + rng.Next(0, 60) * 100m;
            var apartment = await SendAsync<ApartmentResponse>($"/api/v1/agreements/{agreementId}/apartments",
                Api.NewApartment(objectNumber, rooms: rng.Next(1, 5), rent: rent, district: district) with { AvailableFrom = availableFrom }, HttpStatusCode.Created);
            Apartments.Add(new ApartmentState(apartment.Id, availableFrom));
        }

        public async Task SubmitRequestAsync(Guid agreementId, string targetGroup)
        {
            var body = Api.NewRequest(agreementId, targetGroup) with { Adults = rng.Next(1, 3), Children = rng.Next(0, 4) };
            var created = await SendAsync<AllocationRequestResponse>("/api/v1/allocation-requests", body, HttpStatusCode.Created);
            Tick();
            await (await client.RecordConsentAsync(created.Id, new DateOnly(2026, 5, 1), new DateOnly(2030, 12, 31))).AssertStatusAsync(HttpStatusCode.OK);
            await SendAsync<AllocationRequestResponse>($"{Lifecycle.RequestUri(created.Id)}/submit", null);
            Requests.Add(new RequestState(created.Id, Today));
        }

        public async Task DecideAsync(RequestState request)
        {
            var chance = rng.NextDouble();
            if (chance < 0.8)
            {
                await TransitionAsync(request, "approve", null, RequestStatus.Approved);
                request.QueuedAt = clock.GetUtcNow();
            }
            else if (chance < 0.9) await TransitionAsync(request, "reject", new RejectRequestRequest("Not within the agreement's target groups"), RequestStatus.Rejected);
            else await TransitionAsync(request, "withdraw", null, RequestStatus.Withdrawn);
        }

        public async Task TransitionAsync(RequestState request, string action, object? body, RequestStatus to)
        {
            await SendAsync<AllocationRequestResponse>($"{Lifecycle.RequestUri(request.Id)}/{action}", body);
            request.Status = to;
        }

        public async Task OfferAsync(ApartmentState apartment, RequestState request)
        {
            var offer = await SendAsync<OfferResponse>("/api/v1/offers", new CreateOfferRequest(apartment.Id, request.Id), HttpStatusCode.Created);
            Offers.Add(new OfferState(offer.Id, apartment, request, offer.RespondBy));
            apartment.Status = ApartmentStatus.Offered;
            request.Status = RequestStatus.Offered;
        }

        public async Task AnswerAsync(OfferState offer)
        {
            if (clock.GetUtcNow() >= offer.RespondBy)
            {
                LeftToExpire(offer);
                return;
            }
            var chance = rng.NextDouble();
            if (chance < 0.45)
            {
                // The answer comes a few minutes after the previous event: one that would come at or after the deadline never does.
                if (await SendBeforeAsync<OfferResponse>($"/api/v1/offers/{offer.Id}/accept", null, offer.RespondBy) is null)
                {
                    LeftToExpire(offer);
                    return;
                }
                offer.Status = OfferStatus.Accepted;
                offer.AnsweredOn = Today;
            }
            else if (chance < 0.65)
            {
                var reason = (DeclineReason)rng.Next(Enum.GetValues<DeclineReason>().Length);
                if (await SendBeforeAsync<OfferResponse>($"/api/v1/offers/{offer.Id}/decline", new DeclineOfferRequest(reason, "synthetic"), offer.RespondBy) is null)
                {
                    LeftToExpire(offer);
                    return;
                }
                offer.Status = OfferStatus.Declined;
                offer.Apartment.Status = ApartmentStatus.Available;
                offer.Request.Status = RequestStatus.Approved;
            }
        }

        // Left unanswered: PRODUCT §4, the household is back in the queue keeping its queue time.
        private static void LeftToExpire(OfferState offer)
        {
            offer.Status = OfferStatus.Expired;
            offer.Apartment.Status = ApartmentStatus.Available;
            offer.Request.Status = RequestStatus.Approved;
        }

        public async Task ConfirmLeaseAsync(OfferState offer)
        {
            var trialEndsOn = Today.AddDays(rng.Next(60, 150));
            var lease = await SendAsync<LeaseResponse>($"/api/v1/offers/{offer.Id}/lease",
                new ConfirmLeaseRequest(Today, LeaseForm.MunicipalitySublet, trialEndsOn), HttpStatusCode.Created);
            Leases.Add(new LeaseState(lease.Id, offer, Today, trialEndsOn));
            offer.Status = OfferStatus.Leased;
            offer.Apartment.Status = ApartmentStatus.Leased;
            offer.Request.Status = RequestStatus.Housed;
        }

        public async Task LiveAsync(LeaseState lease)
        {
            var chance = rng.NextDouble();
            if (Today < lease.TrialEndsOn)
            {
                if (chance < 0.03)
                    await SendAsync<LeaseResponse>($"/api/v1/leases/{lease.Id}/follow-ups",
                        new RecordFollowUpRequest(Today, rng.NextDouble() < 0.8 ? FollowUpResult.Ok : FollowUpResult.Concern, "synthetic"), HttpStatusCode.OK);
                else if (chance < 0.035) await TerminateAsync(lease);
            }
            else if (chance < 0.12) await TakeOverAsync(lease);
            else if (chance < 0.16) await TerminateAsync(lease);
        }

        private async Task TakeOverAsync(LeaseState lease)
        {
            await SendAsync<LeaseResponse>($"/api/v1/leases/{lease.Id}/takeover", new TakeOverLeaseRequest(Today));
            lease.Status = LeaseStatus.TakenOver;
            lease.Offer.Apartment.Status = ApartmentStatus.TakenOver;
            await TransitionAsync(lease.Offer.Request, "close", new CloseRequestRequest(RequestOutcome.SocialContractTakeover), RequestStatus.Closed);
        }

        private async Task TerminateAsync(LeaseState lease)
        {
            var reason = (TerminationReason)rng.Next(Enum.GetValues<TerminationReason>().Length);
            var returnApartment = rng.NextDouble() < 0.25;
            // Sometimes recorded a few days after the household left (never before the lease started).
            var endedOn = Today.AddDays(-rng.Next(0, 4));
            await SendAsync<LeaseResponse>($"/api/v1/leases/{lease.Id}/terminate",
                new TerminateLeaseRequest(reason, returnApartment, endedOn < lease.StartDate ? lease.StartDate : endedOn));
            lease.Status = LeaseStatus.Terminated;
            lease.Offer.Apartment.Status = returnApartment ? ApartmentStatus.Returned : ApartmentStatus.Available;
            var outcome = rng.NextDouble() < 0.5 ? RequestOutcome.OwnSecondHandLease : RequestOutcome.OtherOrUnknown;
            await TransitionAsync(lease.Offer.Request, "close", new CloseRequestRequest(outcome), RequestStatus.Closed);
        }

        public async Task ReturnAsync(ApartmentState apartment)
        {
            await SendAsync<ApartmentResponse>($"/api/v1/apartments/{apartment.Id}/return", null);
            apartment.Status = ApartmentStatus.Returned;
        }
    }
}
