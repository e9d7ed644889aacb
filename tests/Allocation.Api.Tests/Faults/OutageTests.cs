using System.Net;
using Allocation.Api.Features.Agreements;

namespace Allocation.Api.Tests.Faults;

/// <summary>
/// PRODUCT §11 "nothing lost": a database that crashes or stalls under load costs clients 503s with Retry-After for the
/// time it is away, never a hang, a 500 or a half-done change, and the same API process serves again once it is back.
/// </summary>
public sealed class OutageTests
{
    private const int Clients = 8;

    [Test]
    public async Task A_database_crash_mid_load_answers_503_with_Retry_After_and_after_restart_the_same_instance_serves_and_every_acknowledged_write_is_there_once()
    {
        await using var db = await FaultServer.StartAsync();
        await using var api = new AllocationApiFactory(db.ApiConnectionString, FaultServer.ApiSettings);
        var http = api.CreateClient();
        http.Timeout = TimeSpan.FromMinutes(1);
        var recorder = new Recorder();
        var caller = new Caller(recorder, () => ("in-process", http));
        var agreements = new List<Guid>();
        for (var i = 0; i < Clients; i++) agreements.Add(await caller.CreateAsync("create-agreement", "/api/v1/agreements", Api.NewAgreement(quota: 5000)));

        var ledger = new Ledger();
        var restartedAt = TimeSpan.MaxValue;
        var doneAfterRestart = new bool[Clients];
        var load = Enumerable.Range(0, Clients).Select(k => Task.Run(() => LifecycleLoad.RunClientAsync(caller, agreements[k], ledger,
            () => !Volatile.Read(ref doneAfterRestart[k]), started =>
            {
                if (started > restartedAt) Volatile.Write(ref doneAfterRestart[k], true);
            }))).ToList();

        await UntilAsync(() => recorder.Calls.Count(c => c.Status is 200 or 201) >= 150 || load.All(t => t.IsCompleted), "load under way");
        var crashing = recorder.Now;
        await db.CrashAsync();
        var down = recorder.Now;
        // Down until every client has been refused a few times (the 503s are what this part checks).
        await UntilAsync(() => recorder.Calls.Count(c => c.Started >= down && c.Status == 503) >= Clients * 3 || load.All(t => t.IsCompleted),
            "every client refused while the database is down");
        var restarting = recorder.Now;
        await db.StartAgainAsync();
        restartedAt = recorder.Now;
        await Task.WhenAll(load).WaitAsync(TimeSpan.FromMinutes(4));

        var calls = recorder.Calls.ToList();
        var whileDown = calls.Where(c => c.Started >= down && c.Ended <= restarting).ToList();
        var firstServed = calls.Where(c => c.Started >= restartedAt && c.Status is 200 or 201).Min(c => (TimeSpan?)c.Ended);
        Report(recorder, $"crash at {crashing.TotalSeconds:F1} s, down {down.TotalSeconds:F1}–{restarting.TotalSeconds:F1} s, back at {restartedAt.TotalSeconds:F1} s; "
            + $"answers while down: {whileDown.Count}; first 2xx after restart: {(firstServed - restartedAt)?.TotalMilliseconds:F0} ms after it");

        Assert.Multiple(async () =>
        {
            Assert.That(recorder.Unexpected, Is.Empty, "every retried write ends in its one right answer");
            Assert.That(whileDown, Is.Not.Empty);
            Assert.That(whileDown.Where(c => c.Status != 503 || c.Code != "database-unavailable"), Is.Empty, "while the database is down every answer is 503 database-unavailable");
            // 409 idempotency-request-in-flight is the contract's "still running, retry": allowed while it lasts, and a
            // claim left behind is caught above by the retries giving up on it.
            Assert.That(calls.Where(c => !c.IsInFlight).Select(c => c.Status).Distinct(), Is.SubsetOf(new[] { 200, 201, 503 }));
            recorder.AssertErrorsAreProblems();
            Assert.That(calls.Where(c => c.Elapsed > FaultServer.AnswerBound), Is.Empty, $"no answer takes longer than {FaultServer.AnswerBound}");
            Assert.That(firstServed, Is.Not.Null, "the same API process serves 2xx again after the restart");
            Assert.That(doneAfterRestart, Is.All.True, "every client completed a whole lifecycle after the restart");
            await Ledgers.AssertMatchesAsync(db.DirectConnectionString, ledger, agreements);
        });
        await Invariants.AssertHoldAsync(db.DirectConnectionString);
    }

    [Test]
    public async Task A_database_stalled_longer_than_the_command_timeout_gets_503_within_the_bound_and_the_pool_recovers_once_it_flows()
    {
        await using var db = await FaultServer.StartAsync();
        await using var api = new AllocationApiFactory(db.ApiConnectionString, FaultServer.ApiSettings);
        var http = api.CreateClient();
        http.Timeout = TimeSpan.FromMinutes(1);
        var recorder = new Recorder();
        var caller = new Caller(recorder, () => ("in-process", http));
        var agreement = await caller.CreateAsync("create-agreement", "/api/v1/agreements", Api.NewAgreement(quota: 100));
        // Warm the pool: the stall must catch connections that are open, as in production.
        await Task.WhenAll(Enumerable.Range(0, Clients).Select(_ => caller.ReadAsync("read", "/api/v1/agreements?limit=5")));

        db.Proxy.Stall();
        var registrations = Enumerable.Range(0, Clients / 2).Select(_ => (Key: Guid.NewGuid().ToString(), Body: Api.NewApartment())).ToList();
        var uri = $"/api/v1/agreements/{agreement}/apartments";
        var stalled = await Task.WhenAll(registrations.Select(r => caller.SendAsync("register", HttpMethod.Post, uri, Caller.Json(r.Body), r.Key))
            .Concat(Enumerable.Range(0, Clients / 2).Select(_ => caller.SendAsync("read", HttpMethod.Get, $"/api/v1/agreements/{agreement}"))));
        var resumed = recorder.Now;
        db.Proxy.Resume();

        var created = new List<Guid>();
        foreach (var (key, body) in registrations)
        {
            try
            {
                created.Add(Guid.Parse((string)System.Text.Json.Nodes.JsonNode.Parse(
                    await caller.UntilAnsweredAsync("register", HttpMethod.Post, uri, body, HttpStatusCode.Created, idempotencyKey: key))!["id"]!));
            }
            catch (LoadStopped)
            {
                // Recorded as unexpected; asserted below with the rest.
            }
        }
        var served = recorder.Calls.Where(c => c.Started >= resumed && c.Status is 200 or 201).Min(c => (TimeSpan?)c.Ended);
        Report(recorder, $"stalled answers: {string.Join(", ", stalled.Select(s => $"{s.Status} {s.Code}"))}; "
            + $"first 2xx {(served - resumed)?.TotalMilliseconds:F0} ms after traffic flowed again");

        Assert.Multiple(async () =>
        {
            Assert.That(stalled.Select(s => (s.Status, s.Code)), Has.All.Matches<(int Status, string? Code)>(s =>
                s is (503, "database-unavailable") or (504, _)), "a stall ends in 503 or 504, not a hang");
            recorder.AssertErrorsAreProblems();
            Assert.That(recorder.Calls.Where(c => c.Elapsed > FaultServer.AnswerBound), Is.Empty, $"no answer takes longer than {FaultServer.AnswerBound}");
            Assert.That(recorder.Unexpected, Is.Empty);
            var stock = await http.GetAsync<AgreementResponse>($"/api/v1/agreements/{agreement}");
            Assert.That(stock.StockCount, Is.EqualTo(registrations.Count), "each stalled registration, retried with its key, counted once");
            var apartments = await http.GetAsync<Infrastructure.Page<Features.Apartments.ApartmentResponse>>($"/api/v1/apartments?agreementId={agreement}&limit=50");
            Assert.That(apartments.Items.Select(a => a.Id), Is.EquivalentTo(created));
            Assert.That(apartments.Items.Select(a => a.ObjectNumber), Is.EquivalentTo(registrations.Select(r => r.Body.ObjectNumber)));
        });
        await Invariants.AssertHoldAsync(db.DirectConnectionString);
    }

    internal static async Task UntilAsync(Func<bool> condition, string what, int seconds = 120)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"Not reached within {seconds} s: {what}");
            await Task.Delay(TimeSpan.FromMilliseconds(100));
        }
    }

    internal static void Report(Recorder recorder, string summary)
    {
        var calls = recorder.Calls;
        TestContext.Progress.WriteLine($"{TestContext.CurrentContext.Test.Name}: {calls.Count} operations; {summary}");
        TestContext.Progress.WriteLine($"  statuses: {recorder.StatusCounts()}; 503: {calls.Count(c => c.Status == 503)}; "
            + $"slowest answer {calls.Max(c => c.Elapsed).TotalMilliseconds:F0} ms");
        TestContext.Progress.WriteLine(recorder.Histogram());
    }
}
