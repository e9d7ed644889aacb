using System.Text.Json;
using Allocation.Api.Features.Events;

namespace Allocation.Api.Tests.Faults;

/// <summary>
/// PRODUCT §11 "a committed change survives an API crash": an instance killed mid-load (SIGKILL, as the OOM killer or a
/// pulled plug would end it) leaves nothing half-done; clients retry on the other instance with the same keys, each
/// write takes effect once, the audit chain verifies and the change feed a partner polled has no gap and no duplicate.
/// </summary>
public sealed class InstanceCrashTests
{
    private const int Clients = 8;

    [Test]
    public async Task An_instance_killed_mid_load_loses_nothing_acknowledged_and_retries_on_another_take_effect_once()
    {
        await using var database = await FreshDatabase.CreateAsync("faults_crash");
        var deployment = new ApiProcess.Deployment(database.ConnectionString, FaultServer.CommandTimeoutSeconds);
        await using var first = await ApiProcess.StartAsync("A", deployment, migrate: true);
        await using var second = await ApiProcess.StartAsync("B", deployment, migrate: false);
        ApiProcess? third = null;
        var slots = new[] { first, second };
        var recorder = new Recorder();
        (string, HttpClient) Target(int k)
        {
            var api = Volatile.Read(ref slots[k % 2]);
            if (api.Killed) api = Volatile.Read(ref slots[(k + 1) % 2]);
            return (api.Name, api.Client);
        }
        try
        {
            var setup = new Caller(recorder, () => Target(0));
            var agreements = new List<Guid>();
            for (var i = 0; i < Clients; i++) agreements.Add(await setup.CreateAsync("create-agreement", "/api/v1/agreements", Api.NewAgreement(quota: 5000)));
            var feedStart = await EndOfFeedAsync(new Caller(recorder, () => ("B", second.Client)));

            var ledger = new Ledger();
            var replacedAt = TimeSpan.MaxValue;
            var doneAfterReplacement = new bool[Clients];
            var load = Enumerable.Range(0, Clients).Select(k => Task.Run(() => LifecycleLoad.RunClientAsync(new Caller(recorder, () => Target(k)), agreements[k], ledger,
                () => !Volatile.Read(ref doneAfterReplacement[k]), started =>
                {
                    if (started > replacedAt) Volatile.Write(ref doneAfterReplacement[k], true);
                }))).ToList();
            // A partner following the feed throughout, through the instance that stays up.
            using var stopPolling = new CancellationTokenSource();
            var poller = PollAsync(new Caller(recorder, () => ("B", second.Client)), feedStart, stopPolling.Token);

            await OutageTests.UntilAsync(() => recorder.Calls.Count(c => c.Status is 200 or 201) >= 150 || load.All(t => t.IsCompleted), "load under way");
            var killedAt = recorder.Now;
            await first.KillAsync();
            third = await ApiProcess.StartAsync("C", deployment, migrate: false);
            Volatile.Write(ref slots[0], third);
            replacedAt = recorder.Now;
            await Task.WhenAll(load).WaitAsync(TimeSpan.FromMinutes(4));
            await stopPolling.CancelAsync();
            var polled = await poller;
            var everything = await AllEventsAsync(new Caller(recorder, () => ("C", third.Client)), feedStart);

            var calls = recorder.Calls.ToList();
            var lostAnswers = calls.Count(c => c.Status == 0);
            var served = calls.Where(c => c.Instance == "C" && c.Status is 200 or 201).Min(c => (TimeSpan?)c.Ended);
            OutageTests.Report(recorder, $"A killed at {killedAt.TotalSeconds:F1} s with {lostAnswers} answers lost, C ready at {replacedAt.TotalSeconds:F1} s "
                + $"(first 2xx {(served - replacedAt)?.TotalMilliseconds:F0} ms after); events polled {polled.Count}, in the feed {everything.Count}");

            var polledUpTo = polled.Count == 0 ? long.MinValue : polled[^1];
            Assert.Multiple(async () =>
            {
                Assert.That(recorder.Unexpected, Is.Empty, "every retried write ends in its one right answer");
                Assert.That(calls.Where(c => c.Status is not (200 or 201) && !c.IsInFlight && !(c.Status == 0 && c.Instance == "A")), Is.Empty,
                    "no error but the killed instance's lost answers (and 'still running' while a cut request's transaction ends)");
                recorder.AssertErrorsAreProblems();
                Assert.That(calls.Where(c => c.Elapsed > FaultServer.AnswerBound), Is.Empty, $"no answer takes longer than {FaultServer.AnswerBound}");
                Assert.That(served, Is.Not.Null, "the new instance serves");
                Assert.That(doneAfterReplacement, Is.All.True, "every client completed a whole lifecycle after the replacement");
                Assert.That(polled, Is.Unique.And.Ordered, "the poller saw no event twice");
                Assert.That(everything, Is.Unique.And.Ordered);
                Assert.That(everything.Where(id => id <= polledUpTo), Is.EqualTo(polled), "the poller missed no event before the last it saw");
                Assert.That(polled, Is.Not.Empty);
                await Ledgers.AssertMatchesAsync(database.ConnectionString, ledger, agreements);
            });
            await Invariants.AssertHoldAsync(database.ConnectionString);
        }
        finally
        {
            if (third is not null) await third.DisposeAsync();
        }
    }

    private static async Task<List<long>> PollAsync(Caller caller, string cursor, CancellationToken stop)
    {
        var seen = new List<long>();
        while (true)
        {
            var stopping = stop.IsCancellationRequested;
            var page = await PageAsync(caller, cursor);
            seen.AddRange(page.Items.Select(e => e.Id));
            cursor = page.NextCursor;
            // After the load: read on to the end, then stop.
            if (stopping && page.Items.Count == 0) return seen;
            if (page.Items.Count == 0) await Task.Delay(TimeSpan.FromMilliseconds(200), CancellationToken.None);
        }
    }

    private static async Task<List<long>> AllEventsAsync(Caller caller, string cursor)
    {
        var all = new List<long>();
        for (var page = await PageAsync(caller, cursor); page.Items.Count > 0; page = await PageAsync(caller, page.NextCursor)) all.AddRange(page.Items.Select(e => e.Id));
        return all;
    }

    private static async Task<string> EndOfFeedAsync(Caller caller)
    {
        var page = await PageAsync(caller, null);
        while (page.Items.Count > 0) page = await PageAsync(caller, page.NextCursor);
        return page.NextCursor;
    }

    private static async Task<EventPage> PageAsync(Caller caller, string? after) =>
        JsonSerializer.Deserialize<EventPage>(await caller.UntilAnsweredAsync("read-events", HttpMethod.Get,
            "/api/v1/events?limit=200" + (after is null ? "" : $"&after={Uri.EscapeDataString(after)}"), null, System.Net.HttpStatusCode.OK, keyed: false), Api.Json)!;
}
