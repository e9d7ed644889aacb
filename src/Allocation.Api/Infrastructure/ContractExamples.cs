using System.Text.Json;
using Allocation.Api.Features.Agreements;
using Allocation.Api.Features.AllocationRequests;
using Allocation.Api.Features.Apartments;
using Allocation.Api.Features.AuditTrail;
using Allocation.Api.Features.Events;
using Allocation.Api.Features.Forecasts;
using Allocation.Api.Features.HousingCompanies;
using Allocation.Api.Features.Leases;
using Allocation.Api.Features.Network;
using Allocation.Api.Features.Offers;
using Allocation.Api.Features.Queue;
using Allocation.Api.Features.Reservations;
using Allocation.Api.Features.TargetGroups;
using Allocation.Api.Features.Webhooks;
using Allocation.Api.Persistence;
using Allocation.Domain;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;

namespace Allocation.Api.Infrastructure;

/// <summary>
/// The contract's response examples: one per response type, written once here and shown on every operation that
/// answers with that type, and one problem per status. They follow one Botkyrka case through its lifecycle, carry no
/// personal data, and are serialized with the API's own JSON options, so an example is exactly what the API writes.
/// </summary>
internal static class ContractExamples
{
    // The ids CreateOffer's request example uses, so requests and responses tell one story.
    private static readonly Guid ApartmentId = new("0195f7a2-3c41-7b10-9d2e-5a6b7c8d9e01");
    private static readonly Guid RequestId = new("0195f6e0-1a22-7c33-8e44-0f1a2b3c4d5e");
    private static readonly Guid OfferId = new("019e7331-bce0-7160-911e-20b8dac35526");
    private static readonly Guid LeaseId = new("019eb0c2-8a80-76ca-890c-192cf4eb252b");
    private static readonly Guid SubscriptionId = new("019da9d9-8c60-7658-8389-8d193e7af6b3");
    private const string Unit = "botkyrka-vuxenenheten";
    private const string TraceId = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00";

    private static DateTimeOffset Utc(int month, int day, int hour, int minute) => new(2026, month, day, hour, minute, 0, TimeSpan.Zero);

    private static readonly DateTimeOffset Queued = Utc(4, 22, 13, 40);
    private static readonly DateTimeOffset Offered = Utc(5, 29, 10, 5);

    private static readonly CheckResponse[] Checks =
    [
        new("agreement", true, "Same agreement.", "agreement-mismatch"),
        new("reservation", true, "Reserved for target group violence-exposed-women, this household's, until 2026-06-30 12:00 UTC.", "apartment-reserved"),
        new("rooms", true, "3 rooms, at least 3 needed.", "too-few-rooms"),
        new("rent", true, "Rent 8950 SEK, at most 9500 SEK.", "rent-too-high"),
        new("accessibility", true, "No accessibility need.", "accessibility-not-met"),
        new("excluded-districts", true, "Hallunda is not excluded.", "excluded-district"),
        new("required-districts", true, "Any district.", "district-not-required"),
        new("consent", true, "Consent valid until 2027-05-03.", "consent-expired"),
    ];

    private static readonly string RankExplanation = QueueOrder.Explain(new QueueEntry(RequestId, "violence-exposed-women", 1, Urgency.Acute, Queued), 2);

    // 92 households housed so far: the 3 of a sensitive group are suppressed, and with them the next-smallest count (8).
    private static readonly AgreementResponse Agreement = new(SeedData.BotkyrkaAgreement, SeedData.Botkyrka, SeedData.Botkyrkabyggen,
        "Botkyrkabyggen – sociala kontrakt", new DateOnly(2026, 1, 1), null, 300, 112, 188, 24, 3, 90, 5,
        [.. SeedData.TargetGroups.Select(t => t.Code)],
        [
            new(SeedData.TargetGroups[0].Code, 0.4m, 38, 0.4130m, []),
            new(SeedData.TargetGroups[1].Code, 0.25m, 29, 0.3152m, []),
            new(SeedData.TargetGroups[2].Code, null, 14, 0.1522m, []),
            new(SeedData.TargetGroups[3].Code, null, null, null, ["housed", "housedShare"]),
            new(SeedData.TargetGroups[4].Code, 0.1m, null, null, ["housed", "housedShare"]),
        ],
        92, [], new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), 0);

    private static readonly ApartmentResponse Apartment = new(ApartmentId, SeedData.BotkyrkaAgreement, SeedData.Botkyrka, SeedData.Botkyrkabyggen,
        "BB-10452", "Hallunda torg 4", "Hallunda", 3, 74.5m, 2, true, false, 8950m, new DateOnly(2026, 5, 15), ApartmentStatus.Available,
        Utc(5, 12, 8, 15), false, null, null, 0);

    // Reserved for the household's target group a week after it was provided; the offer to the household ended it.
    private static readonly ReservationResponse Reservation = new(new Guid("0195f9b8-4e20-7a31-8c52-6d7e8f9a0b1c"), "violence-exposed-women",
        Utc(5, 20, 9, 0), Utc(6, 30, 12, 0), "Held for a household leaving protected housing in June.", null, null);

    private static readonly AllocationRequestResponse Request = new(RequestId, SeedData.Botkyrka, SeedData.BotkyrkaAgreement, Unit, "SOC-2026-004711",
        "violence-exposed-women", 1, 2, 1, 0, 3, 9500m, false, [], ["Fittja"], Urgency.Acute, new DateOnly(2026, 8, 31), ProtectionLevel.ProtectedRegistration,
        new DateOnly(2026, 4, 15), new DateOnly(2026, 5, 4), new DateOnly(2027, 5, 3), RequestStatus.Offered, Utc(4, 20, 9, 12), Utc(4, 20, 10, 3),
        Queued, null, null, null, null, 0);

    private static readonly OfferResponse Offer = new(OfferId, SeedData.Botkyrka, SeedData.BotkyrkaAgreement, ApartmentId, RequestId, 3, false,
        OfferStatus.Open, Offered, Utc(6, 3, 15, 0), false, Utc(6, 1, 14, 0), "The household attended with the housing coordinator.", null, null, null,
        new DecisionSnapshot(Offered, 1, 2, RankExplanation, Checks,
        [
            new CompetitorSnapshot("H-3f9a1c2b7d4e", 1, 1, Urgency.Acute, Queued, true, false),
            new CompetitorSnapshot("H-8b20e5f61a93", 2, 2, Urgency.Urgent, Utc(3, 30, 8, 50), false, false),
        ]), 0);

    private static readonly LeaseResponse Lease = new(LeaseId, SeedData.Botkyrka, SeedData.BotkyrkaAgreement, OfferId, null, ApartmentId, RequestId,
        new DateOnly(2026, 7, 1), LeaseForm.MunicipalitySublet, new DateOnly(2028, 7, 1), true, LeaseStatus.Active, Utc(6, 10, 9, 0), null, null,
        [new FollowUpResponse(new Guid("01a0a579-8640-7a17-af29-d0daa54fd23c"), new DateOnly(2026, 9, 15), FollowUpResult.Ok, null, Utc(9, 15, 14, 30))], 0);

    private static readonly WebhookSubscriptionResponse Subscription = new(SubscriptionId, "https://integration.botkyrkabyggen.example/allocation-events",
        ["offer.created", "offer.accepted"], true, Utc(4, 20, 7, 45), 90412, 0, Utc(5, 29, 10, 5), null);

    private static readonly AuditEntryResponse AuditEntry = new(48213, Offered, "c6f1d2e4-8a3b-4f7e-9c10-2b5d7e9a1f03", "coordinator", "botkyrka-matchning",
        "CreateOffer", "Offer", OfferId, "created", "4bf92f3577b34da6a3ce929d0e0e4736", "9c1e5b7a3f0d2e8c4b6a1f9e7d3c5b2a0f8e6d4c2b0a9f7e5d3c1b9a7f5e3d1c");

    private static readonly TargetGroupResponse TargetGroup = TargetGroupResponse.From(SeedData.TargetGroups[0]);

    private static readonly HousingCompanyResponse HousingCompany = new(SeedData.Botkyrkabyggen, "Botkyrkabyggen", SeedData.Botkyrka);

    private static readonly WebhookDeliveryResponse Delivery = new(5120, 90412, 1, Utc(5, 29, 10, 5), 204, null, true);

    // The network (PRODUCT §7): Botkyrka relocates the household above; Huddinge answers.
    private static readonly Guid RelocationRequestId = new("019e8a10-5b20-7d41-9a3c-6e7f8091a2b3");

    private static readonly RelocationOfferResponse RelocationOffer = new(new Guid("019e8b44-0c10-7e52-8b4d-7f8091a2b3c4"), RelocationRequestId, "0126",
        SeedData.Botkyrka, null, "Flemingsberg", 3, 9200m, new DateOnly(2026, 8, 15), false, 3, Domain.Network.RelocationOfferStatus.Open, Utc(6, 4, 13, 10),
        null, null, null, 0);

    private static readonly NetworkMemberResponse Member = new("0126", "Huddinge", true, "huddinge-boendesamordning", true, 0);

    private static readonly RelocationRequestResponse RelocationRequest = new(RelocationRequestId, SeedData.Botkyrka, RequestId, 3, 3, false, Urgency.Acute,
        new DateOnly(2026, 8, 1), ["0138"], ["0126", "0181"], Domain.Network.RelocationRequestStatus.Open, Utc(6, 2, 9, 30), null, null, 0);

    private static readonly OpenRelocationRequestResponse OpenRelocationRequest = new(RelocationRequestId, 3, 3, false, Urgency.Acute, new DateOnly(2026, 8, 1), true);

    private static readonly NetworkLedgerResponse Ledger = new(-3, "A member whose balance (given − received) is below -3 may not post new relocation requests.",
    [
        new LedgerMemberResponse("0126", "Huddinge", true, 4, 2, 2, 11, 5, 6, 1, 7, true),
        new LedgerMemberResponse(SeedData.Botkyrka, "Botkyrka", true, 2, 4, -2, 5, 11, -6, 2, 3, true),
    ]);

    /// <summary>The examples by the type an operation declares it answers with.</summary>
    private static readonly Dictionary<Type, object> ByType = new object[]
    {
        Agreement,
        Apartment,
        Request,
        Offer,
        Lease,
        Subscription,
        TargetGroup,
        HousingCompany,
        new ApartmentHistoryResponse(14, 14 * Vacancy.DailyRent(Apartment.MonthlyRent), 9, 9 * Vacancy.DailyRent(Apartment.MonthlyRent),
        [
            new ApartmentStatusChangeResponse(null, ApartmentStatus.Available, Apartment.ProvidedAt, "provided"),
            new ApartmentStatusChangeResponse(ApartmentStatus.Available, ApartmentStatus.Offered, Offered, "offered"),
        ], [Reservation with { EndedAt = Offered, EndReason = ReservationEndReason.Offered }]),
        OffsetPage(new RequestStatusChangeResponse(null, RequestStatus.Draft, Request.CreatedAt, "created")),
        OffsetPage(new EligibleApartmentResponse(ApartmentId, Apartment.ObjectNumber, Apartment.District, Apartment.Rooms, Apartment.MonthlyRent,
            Apartment.IsAccessible, Apartment.AvailableFrom, true, 1, 2, RankExplanation, Checks)),
        OffsetPage(new EligibleRequestResponse(RequestId, 2, 1, true, Request.TargetGroupCode, 1, Urgency.Acute, Queued, 3, RankExplanation, Checks)),
        new AuditVerificationResponse(true, 48213, AuditEntry.Id, AuditEntry.Hash, null, null),
        new EventPage([Event()], Paging.EncodePosition(90412)),
        KeysetPage(Agreement, a => a.Id),
        KeysetPage(Apartment, a => a.Id),
        KeysetPage(Request, r => r.Id),
        KeysetPage(Offer, o => o.Id),
        KeysetPage(Lease, l => l.Id),
        KeysetPage(TargetGroup, t => t.Id),
        KeysetPage(HousingCompany, h => h.Id),
        OffsetPage(new QueueItemResponse(2, RequestId, Request.TargetGroupCode, 1, Urgency.Acute, Queued, 37, false, null, RankExplanation, 1), skipped: 1),
        KeysetPage(Subscription, w => w.Id),
        new Page<AuditEntryResponse>([AuditEntry], Paging.EncodePosition(AuditEntry.Id)),
        new Page<WebhookDeliveryResponse>([Delivery], Paging.EncodePosition(Delivery.Id)),
        Member,
        RelocationRequest,
        OpenRelocationRequest,
        Ledger,
        OffsetPage(Member),
        KeysetPage(RelocationRequest, r => r.Id),
        KeysetPage(OpenRelocationRequest, r => r.Id),
        RelocationOffer,
        KeysetPage(RelocationOffer, o => o.Id),
        ForecastExamples.Response,
    }.ToDictionary(e => e.GetType());

    /// <summary>Where one operation answers a type differently from all others.</summary>
    private static readonly Dictionary<string, object> ByOperation = new()
    {
        // The secret is shown in the response that creates the subscription, and never again.
        ["CreateWebhookSubscription"] = Subscription with { Secret = "whsec_5uYVu6rViHsIkL3oR+FVTATeNXGIl1wdPtaB9kg1nro=" },
        // A reservation is made on an available apartment and shown with it.
        ["ReserveApartment"] = Apartment with { Reservation = Reservation },
    };

    private static EventResponse Event() => new(90412, Offered, "offer.created", "offer", OfferId,
        new EventData(OfferId, "Open") { ApartmentId = ApartmentId, RespondBy = Offer.RespondBy });

    /// <summary>A page with a next page, cursor and all, as <see cref="Paging"/> builds it.</summary>
    private static Page<T> KeysetPage<T>(T item, Func<T, Guid> key) => Paging.ToPage([item, item], 1, key);

    /// <summary>A page of one item of a ranking or history, with a next page, as <see cref="Paging"/> builds it.</summary>
    private static Page<T> OffsetPage<T>(T item, int skipped = 0) => Paging.ToOffsetPage([item, item], 1, skipped);

    private static ProblemDetails Problem(int status, string code, string detail, IDictionary<string, string[]>? errors = null)
    {
        var problem = errors is null ? new ProblemDetails() : new HttpValidationProblemDetails(errors);
        problem.Status = status;
        problem.Title ??= Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status);
        problem.Detail = detail;
        problem.Extensions["code"] = code;
        problem.Extensions["traceId"] = TraceId;
        return problem;
    }

    /// <summary>One problem per status and problem schema, with a code the API really answers with there.</summary>
    private static readonly ProblemDetails[] Problems =
    [
        Problem(400, "validation-failed", "One or more fields are invalid.",
            new Dictionary<string, string[]> { ["limit"] = [$"limit must be between 1 and {Paging.MaxLimit}."] }),
        Problem(400, "invalid-idempotency-key", "An Idempotency-Key is 1 to 255 characters."),
        Problem(401, "unauthenticated", "No valid bearer token for this API was sent."),
        Problem(403, "forbidden", "The caller's role may not call this operation."),
        Problem(404, "not-found", $"No apartment with id '{ApartmentId}' was found."),
        Problem(406, "not-acceptable", "The Accept header allows none of the media types this operation responds with: application/json, application/problem+json."),
        Problem(412, "precondition-failed", new PreconditionFailedException().Message),
        Problem(413, "payload-too-large", "The request body is larger than 262144 bytes."),
        Problem(415, "unsupported-media-type", "The request body must be application/json."),
        Problem(422, "idempotency-key-reused", "This Idempotency-Key was used for a different request."),
        Problem(428, "precondition-required", new PreconditionRequiredException().Message),
        Problem(429, "rate-limited", "Too many requests from this client. Retry after the number of seconds in Retry-After."),
        Problem(503, "database-unavailable", "The database is unavailable. Retry later."),
    ];

    public static void Add(OpenApiOptions options) =>
        options.AddOperationTransformer((operation, context, _) =>
        {
            var json = context.ApplicationServices.GetRequiredService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
            foreach (var declared in context.Description.SupportedResponseTypes.Where(r => r.StatusCode is >= 200 and < 300 && r.Type is not null))
            {
                var status = declared.StatusCode.ToString(System.Globalization.CultureInfo.InvariantCulture);
                var example = ByOperation.GetValueOrDefault(operation.OperationId ?? "") ?? For(declared.Type!);
                if (example is not null && Media(operation, status, "application/json") is { Example: null } media)
                    media.Example = JsonSerializer.SerializeToNode(example, declared.Type!, json);
            }
            foreach (var status in operation.Responses?.Keys.ToList() ?? [])
            {
                if (Media(operation, status, "application/problem+json") is not { Example: null } media) continue;
                // The problem of this status whose type is the declared schema: a validation problem only where errors are declared.
                var schema = (media.Schema as OpenApiSchemaReference)?.Reference.Id;
                var refusal = status == "409" ? Refused(operation, context) : null;
                if ((refusal ?? Problems.FirstOrDefault(p => $"{p.Status}" == status && p.GetType().Name == schema)) is { } problem)
                    media.Example = JsonSerializer.SerializeToNode(problem, problem.GetType(), json);
            }
            return Task.CompletedTask;
        });

    /// <summary>
    /// What a refusal says in the contract's story, by code (or "operationId code" where an operation words it its own way):
    /// the operation's first refusal is its 409 example. Each is the message the API writes, with this story's values.
    /// </summary>
    private static readonly Dictionary<string, string> RefusalDetails = new()
    {
        ["quota-exhausted"] = "The agreement's quota of 300 apartments is used up.",
        ["invalid-validity-period"] = "The agreement cannot end before it starts.",
        ["duplicate-agreement-reference"] = "The municipality already has an agreement with this reference.",
        ["quota-below-stock"] = "The quota cannot be lowered to 100: 112 apartments are in the agreement's stock.",
        ["target-group-not-in-agreement"] = "A target share can only be set for a target group the agreement prioritises.",
        ["duplicate-target-group-code"] = "A target group with this code already exists.",
        ["duplicate-housing-company"] = "A housing company with this name already exists.",
        ["apartment-not-in-stock"] = "The apartment has left the agreement's stock and can no longer be changed.",
        ["apartment-not-available"] = "Only an available apartment can be returned; this one is Offered.",
        ["reservation-exists"] = "The apartment is already reserved until 2026-06-30T12:00:00.0000000+00:00; end that reservation before making another.",
        ["no-active-reservation"] = "The apartment has no active reservation.",
        ["invalid-household"] = "The household has fewer adults than the women and men counted in it.",
        ["request-not-draft"] = "Only a draft can be changed. This request is Submitted.",
        ["SubmitAllocationRequest request-not-draft"] = "Only a draft can be submitted. This request is Submitted.",
        ["request-not-approved"] = "Only a queued (approved) request is matched to apartments; this one is Submitted.",
        ["request-not-submitted"] = "Only a submitted request can be approved. This request is Approved.",
        ["RejectAllocationRequest request-not-submitted"] = "Only a submitted request can be rejected. This request is Approved.",
        ["request-not-withdrawable"] = "A request that is Offered cannot be withdrawn.",
        ["request-not-closable"] = "A request that is Draft cannot be closed.",
        ["request-not-open"] = "The request is Closed; consent can no longer be recorded.",
        ["offer-already-open"] = "The apartment already has an open offer.",
        ["offer-expired"] = $"The offer expired at {Offer.RespondBy:O}.",
        ["offer-not-open"] = "The offer is Accepted.",
        ["offer-not-accepted"] = "Only an accepted offer can become a lease; this one is Open.",
        ["lease-already-confirmed"] = "The lease for this offer is already confirmed.",
        ["lease-not-active"] = "The lease is TakenOver.",
        ["trial-not-completed"] = "The trial period runs until 2028-06-15; a takeover comes after it.",
        ["reciprocity-threshold"] = "Municipality 0127 has a network balance of -3, below the threshold of -2: it must offer placements before it posts new relocation requests.",
        ["move-not-cancellable"] = "Only an accepted move whose lease is not signed can be called off; this offer is Leased.",
        ["WithdrawRelocationRequest relocation-request-not-open"] = "The relocation request is Withdrawn.",
        ["RecordRelocationMove offer-not-accepted"] = "Only an accepted offer can become a move; this one is Open.",
        ["not-a-network-member"] = "Municipality 0127 is not an active member of the Södertörn network.",
        ["insufficient-history"] = "Only 12 requests have been approved under this agreement; a forecast needs at least 20.",
        [Infrastructure.Refusals.InFlight.Code] = "A request with this Idempotency-Key is still being processed.",
    };

    /// <summary>The example of an operation's 409: its first refusal, as the API writes it.</summary>
    private static ProblemDetails Refused(OpenApiOperation operation, OpenApiOperationTransformerContext context)
    {
        var code = Infrastructure.Refusals.Of(context)[0].Code;
        return RefusalDetails.TryGetValue($"{operation.OperationId} {code}", out var detail) || RefusalDetails.TryGetValue(code, out detail)
            ? Problem(409, code, detail)
            : throw new InvalidOperationException($"{operation.OperationId} refuses first with {code}: give it a detail in {nameof(RefusalDetails)}.");
    }

    /// <summary>The example of a type, or of a list of it: a list shows one item.</summary>
    private static object? For(Type type)
    {
        if (ByType.TryGetValue(type, out var example)) return example;
        var item = type.IsArray ? type.GetElementType()
            : type.IsGenericType && type.GetGenericArguments() is [var argument] && typeof(IEnumerable<>).MakeGenericType(argument).IsAssignableFrom(type) ? argument
            : null;
        if (item is null || !ByType.TryGetValue(item, out var one)) return null;
        var list = Array.CreateInstance(item, 1);
        list.SetValue(one, 0);
        return list;
    }

    private static OpenApiMediaType? Media(OpenApiOperation operation, string status, string mediaType) =>
        operation.Responses?.TryGetValue(status, out var response) == true && response.Content?.TryGetValue(mediaType, out var media) == true
            ? media as OpenApiMediaType
            : null;
}
