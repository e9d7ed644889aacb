using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Allocation.Api.Features.AllocationRequests;
using Allocation.Api.Features.Offers;
using Allocation.Domain;

namespace Allocation.Api.Tests.Faults;

/// <summary>One HTTP exchange as a client saw it. Status 0: no answer (the connection failed or the instance died).</summary>
public sealed record Call(string Operation, int Status, string? Code, bool IsProblem, bool HasRetryAfter, bool LeaksInternals, TimeSpan Started, TimeSpan Ended, string Instance)
{
    public TimeSpan Elapsed => Ended - Started;

    public bool IsInFlight => Status == 409 && Code == "idempotency-request-in-flight";
}

/// <summary>Every exchange of a run, with the figures the tests print and assert on.</summary>
public sealed class Recorder
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly ConcurrentQueue<Call> _calls = new();
    private readonly ConcurrentQueue<string> _unexpected = new();

    public TimeSpan Now => _clock.Elapsed;
    public IReadOnlyCollection<Call> Calls => _calls;

    /// <summary>Final answers that were not the one the scenario makes certain (e.g. a 409 for a retried create: a second effect).</summary>
    public IReadOnlyCollection<string> Unexpected => _unexpected;

    public void Add(Call call) => _calls.Enqueue(call);
    public void AddUnexpected(string what) => _unexpected.Enqueue(what);

    public string Histogram() => string.Join("\n", Calls
        .GroupBy(c => (c.Operation, c.Status, c.Code))
        .OrderBy(g => g.Key.Operation, StringComparer.Ordinal).ThenBy(g => g.Key.Status)
        .Select(g => $"  {g.Key.Operation,-16} {(g.Key.Status == 0 ? "no answer" : g.Key.Status.ToString(System.Globalization.CultureInfo.InvariantCulture)),-9} {g.Key.Code,-30} {g.Count(),6}"));

    public string StatusCounts() => string.Join(", ", Calls.GroupBy(c => c.Status).OrderBy(g => g.Key)
        .Select(g => $"{(g.Key == 0 ? "no answer" : g.Key.ToString(System.Globalization.CultureInfo.InvariantCulture))}: {g.Count()}"));

    /// <summary>Every answer that is an error is problem+json with a stable code and nothing internal.</summary>
    public void AssertErrorsAreProblems()
    {
        var bad = Calls.Where(c => c.Status >= 400 && (!c.IsProblem || c.Code is null || c.LeaksInternals)).Take(20).ToList();
        Assert.That(bad, Is.Empty, "error answers that are not clean problem+json:\n" + string.Join("\n", bad));
        var noRetryAfter = Calls.Where(c => c.Status == 503 && !c.HasRetryAfter).Take(20).ToList();
        Assert.That(noRetryAfter, Is.Empty, "503 answers without Retry-After:\n" + string.Join("\n", noRetryAfter));
    }
}

/// <summary>The client a load runs through: one API instance, or whichever instance is alive.</summary>
public sealed class Caller(Recorder recorder, Func<(string Name, HttpClient Client)> target)
{
    /// <summary>How long one logical operation may keep being retried before the run counts it as lost.</summary>
    private static readonly TimeSpan GiveUpAfter = TimeSpan.FromSeconds(90);

    /// <summary>
    /// A key whose first request was cut short must not stay claimed: after this long of 409 "in flight" for a request
    /// sent by this client alone, the claim was left behind by a request that no longer runs.
    /// </summary>
    private static readonly TimeSpan InFlightLimit = TimeSpan.FromSeconds(20);

    public Recorder Recorder => recorder;

    /// <summary>One exchange, recorded; the body is returned as text.</summary>
    public async Task<(int Status, string? Code, string Body)> SendAsync(string operation, HttpMethod method, string uri, string? json = null, string? idempotencyKey = null)
    {
        var (name, client) = target();
        using var request = new HttpRequestMessage(method, uri);
        if (json is not null) request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        if (idempotencyKey is not null) request.Headers.Add("Idempotency-Key", idempotencyKey);
        var started = recorder.Now;
        try
        {
            using var response = await client.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();
            var status = (int)response.StatusCode;
            var isProblem = response.Content.Headers.ContentType?.MediaType == "application/problem+json";
            string? code = null;
            if (isProblem)
            {
                try
                {
                    code = (string?)JsonNode.Parse(body)?["code"];
                }
                catch (JsonException)
                {
                    isProblem = false;
                }
            }
            var leaks = body.Contains("   at ", StringComparison.Ordinal) || body.Contains("Npgsql", StringComparison.Ordinal);
            recorder.Add(new Call(operation, status, code, isProblem, response.Headers.RetryAfter is not null, leaks, started, recorder.Now, name));
            return (status, code, body);
        }
        catch (HttpRequestException)
        {
            recorder.Add(new Call(operation, 0, null, false, false, false, started, recorder.Now, name));
            return (0, null, "");
        }
    }

    /// <summary>
    /// What a partner does (README "Failure behaviour"): the same request with the same Idempotency-Key until it gets an
    /// answer that is not "unavailable". The pause is short instead of Retry-After's, to keep the run short.
    /// A final answer other than <paramref name="expected"/> is recorded as unexpected and ends this client's run.
    /// </summary>
    public async Task<string> UntilAnsweredAsync(string operation, HttpMethod method, string uri, object? body, HttpStatusCode expected, bool keyed = true,
        string? idempotencyKey = null)
    {
        var json = Json(body);
        var key = idempotencyKey ?? (keyed ? Guid.NewGuid().ToString() : null);
        var first = recorder.Now;
        TimeSpan? inFlightSince = null;
        while (true)
        {
            var (status, code, text) = await SendAsync(operation, method, uri, json, key);
            var inFlight = status == 409 && code == "idempotency-request-in-flight";
            if (!inFlight) inFlightSince = null;
            else inFlightSince ??= recorder.Now;
            var retry = status is 0 or 503 or 504 || (inFlight && recorder.Now - inFlightSince < InFlightLimit);
            if (!retry)
            {
                if (status == (int)expected) return text;
                var what = $"{operation} {method} {uri}: {status} {text}";
                recorder.AddUnexpected(inFlight ? $"a claim was left behind, {what}" : what);
                throw new LoadStopped(what);
            }
            if (recorder.Now - first > GiveUpAfter)
            {
                recorder.AddUnexpected($"{operation} {method} {uri}: no final answer within {GiveUpAfter}");
                throw new LoadStopped(operation);
            }
            await Task.Delay(TimeSpan.FromMilliseconds(inFlight ? 1000 : 100));
        }
    }

    public static string? Json(object? body) => body is null ? null : JsonSerializer.Serialize(body, body.GetType(), Api.Json);

    public async Task<Guid> CreateAsync(string operation, string uri, object body) =>
        Guid.Parse((string)JsonNode.Parse(await UntilAnsweredAsync(operation, HttpMethod.Post, uri, body, HttpStatusCode.Created))!["id"]!);

    public Task ReadAsync(string operation, string uri) => UntilAnsweredAsync(operation, HttpMethod.Get, uri, null, HttpStatusCode.OK, keyed: false);
}

/// <summary>A client's run ended on an answer the scenario rules out; the recorder holds it.</summary>
public sealed class LoadStopped(string what) : Exception(what);

/// <summary>What the clients were told was done: after the run, exactly this must be in the database.</summary>
public sealed class Ledger
{
    public ConcurrentDictionary<Guid, string> Apartments { get; } = new();
    public ConcurrentDictionary<Guid, string> Requests { get; } = new();
    public ConcurrentDictionary<Guid, string> Offers { get; } = new();
}

/// <summary>
/// The mixed load of the fault tests: each client, on an agreement of its own, takes household after household through
/// registration, request, consent, submission, approval, offer and an answer, with reads in between. Without conflicts
/// between clients every operation has one right final answer, so any other (a 409 from a second effect of a retry,
/// a claim left behind) is a failure.
/// </summary>
public static class LifecycleLoad
{
    public static async Task RunClientAsync(Caller caller, Guid agreementId, Ledger ledger, Func<bool> keepGoing, Action<TimeSpan> iterationDone)
    {
        try
        {
            for (var i = 0; keepGoing(); i++)
            {
                var started = caller.Recorder.Now;
                var apartment = await caller.CreateAsync("register", $"/api/v1/agreements/{agreementId}/apartments", Api.NewApartment());
                ledger.Apartments[apartment] = "Available";
                var request = await caller.CreateAsync("create-request", "/api/v1/allocation-requests", Api.NewRequest(agreementId));
                ledger.Requests[request] = "Draft";
                await caller.UntilAnsweredAsync("consent", HttpMethod.Put, $"/api/v1/allocation-requests/{request}/consent",
                    new RecordConsentRequest(new DateOnly(2026, 5, 1), new DateOnly(2030, 12, 31)), HttpStatusCode.OK);
                await caller.UntilAnsweredAsync("submit", HttpMethod.Post, $"/api/v1/allocation-requests/{request}/submit", null, HttpStatusCode.OK);
                ledger.Requests[request] = "Submitted";
                await caller.UntilAnsweredAsync("approve", HttpMethod.Post, $"/api/v1/allocation-requests/{request}/approve", null, HttpStatusCode.OK);
                ledger.Requests[request] = "Approved";
                await caller.ReadAsync("read-queue", $"/api/v1/allocation-requests?agreementId={agreementId}&limit=5");
                var offer = await caller.CreateAsync("offer", "/api/v1/offers", new CreateOfferRequest(apartment, request));
                (ledger.Offers[offer], ledger.Apartments[apartment], ledger.Requests[request]) = ("Open", "Offered", "Offered");
                if (i % 2 == 0)
                {
                    await caller.UntilAnsweredAsync("accept", HttpMethod.Post, $"/api/v1/offers/{offer}/accept", null, HttpStatusCode.OK);
                    (ledger.Offers[offer], ledger.Apartments[apartment], ledger.Requests[request]) = ("Accepted", "Offered", "Offered");
                }
                else
                {
                    await caller.UntilAnsweredAsync("decline", HttpMethod.Post, $"/api/v1/offers/{offer}/decline", new DeclineOfferRequest(DeclineReason.Size), HttpStatusCode.OK);
                    (ledger.Offers[offer], ledger.Apartments[apartment], ledger.Requests[request]) = ("Declined", "Available", "Approved");
                }
                await caller.ReadAsync("read-apartment", $"/api/v1/apartments/{apartment}");
                await caller.ReadAsync("read-request", $"/api/v1/allocation-requests/{request}");
                await caller.ReadAsync("read-offers", $"/api/v1/offers?requestId={request}");
                iterationDone(started);
            }
        }
        catch (LoadStopped)
        {
            // Recorded; the test fails on it after the run.
        }
    }
}
