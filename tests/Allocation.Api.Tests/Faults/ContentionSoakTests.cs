using System.Text.Json.Nodes;
using Allocation.Api.Features.AllocationRequests;
using Allocation.Api.Features.Leases;
using Allocation.Api.Features.Offers;
using Allocation.Domain;
using Npgsql;

namespace Allocation.Api.Tests.Faults;

/// <summary>
/// PRODUCT §11 "correct under concurrency … with many clients and several API instances on one database": two API
/// processes, 32 clients and over 5,000 operations aimed at the same few apartments, requests and offers.
/// About a minute or two on a 2-core machine; it runs with every other test.
/// </summary>
public sealed class ContentionSoakTests
{
    private const int Clients = 32;
    private const int Operations = 5000;
    private const int Agreements = 4;
    private const int Quota = 12;
    private const int RegistrationsFirst = 3;

    [Test]
    public async Task Two_instances_and_32_clients_with_5000_conflicting_operations_leave_zero_invariant_violations()
    {
        await using var database = await FreshDatabase.CreateAsync("faults_soak");
        var deployment = new ApiProcess.Deployment(database.ConnectionString, commandTimeoutSeconds: 30);
        await using var first = await ApiProcess.StartAsync("A", deployment, migrate: true);
        await using var second = await ApiProcess.StartAsync("B", deployment, migrate: false);
        var instances = new[] { first, second };
        var recorder = new Recorder();
        var setup = new Caller(recorder, () => (first.Name, first.Client));
        var agreements = new Guid[Agreements];
        for (var i = 0; i < Agreements; i++) agreements[i] = await setup.CreateAsync("create-agreement", "/api/v1/agreements", Api.NewAgreement(quota: Quota));

        var state = Enumerable.Range(0, Agreements).Select(_ => new Shared()).ToArray();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, Clients).Select(k => Task.Run(() =>
        {
            var api = instances[k % 2];
            return RunClientAsync(new Caller(recorder, () => (api.Name, api.Client)), k, agreements, state, () => recorder.Calls.Count < Operations);
        }))).WaitAsync(TimeSpan.FromMinutes(5));
        var elapsed = clock.Elapsed;

        var calls = recorder.Calls.ToList();
        var registered = calls.Count(c => c.Operation == "register" && c.Status == 201);
        TestContext.Progress.WriteLine($"{TestContext.CurrentContext.Test.Name}: {calls.Count} operations from {Clients} clients on 2 instances in {elapsed.TotalSeconds:F0} s "
            + $"({calls.Count / elapsed.TotalSeconds:F0}/s); statuses: {recorder.StatusCounts()}");
        TestContext.Progress.WriteLine(recorder.Histogram());
        var violations = await Invariants.ViolationsAsync(database.ConnectionString);
        TestContext.Progress.WriteLine($"  invariant violations: {violations.Count}");

        Assert.Multiple(async () =>
        {
            Assert.That(calls, Has.Count.GreaterThanOrEqualTo(Operations));
            Assert.That(calls.Where(c => c.Status is 0 or >= 500).Take(20), Is.Empty, "no 5xx and no lost answer under contention");
            recorder.AssertErrorsAreProblems();
            // Each agreement got more registrations than its quota (8 clients × 3 before anything else): exactly the quota won.
            Assert.That(registered, Is.EqualTo(Agreements * Quota));
            Assert.That(calls.Count(c => c.Code == "quota-exhausted"), Is.GreaterThan(0));
            Assert.That(calls.Count(c => c.Status == 409 && c.Operation is "offer" or "accept" or "decline" or "withdraw"), Is.GreaterThan(0),
                "the load did conflict");
            Assert.That(await StockCountsAsync(database.ConnectionString, agreements), Is.All.EqualTo(Quota));
            Assert.That(violations, Is.Empty, "Invariants violated:\n" + string.Join("\n", violations.Take(50)));
        });
    }

    /// <summary>What the clients share of one agreement: its apartments, approved requests and offers.</summary>
    private sealed class Shared
    {
        private readonly Lock _lock = new();
        private readonly List<Guid> _apartments = [];
        private readonly List<Guid> _requests = [];
        private readonly List<Guid> _offers = [];

        public void AddApartment(Guid id) { lock (_lock) _apartments.Add(id); }
        public void AddRequest(Guid id) { lock (_lock) _requests.Add(id); }
        public void AddOffer(Guid id) { lock (_lock) _offers.Add(id); }

        public Guid? Apartment(Random rng) { lock (_lock) return Pick(_apartments, rng, _apartments.Count); }
        public Guid? Request(Random rng) { lock (_lock) return Pick(_requests, rng, _requests.Count); }

        /// <summary>One of the latest offers, so that answers collide: parallel accepts, declines and withdrawals of one offer.</summary>
        public Guid? Offer(Random rng) { lock (_lock) return Pick(_offers, rng, 6); }

        private static Guid? Pick(List<Guid> items, Random rng, int latest) =>
            items.Count == 0 ? null : items[items.Count - 1 - rng.Next(Math.Min(latest, items.Count))];
    }

    private static async Task RunClientAsync(Caller caller, int k, Guid[] agreements, Shared[] state, Func<bool> keepGoing)
    {
        var rng = new Random(k);
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var mine = k % Agreements;
        for (var i = 0; i < RegistrationsFirst; i++) await RegisterAsync(mine);
        await QueuedRequestAsync(mine);

        while (keepGoing())
        {
            var a = rng.Next(Agreements);
            var roll = rng.Next(100);
            if (roll < 8) await RegisterAsync(a);
            else if (roll < 22) await QueuedRequestAsync(a);
            else if (roll < 48)
            {
                if (state[a].Apartment(rng) is { } apartment && state[a].Request(rng) is { } request)
                {
                    var (status, _, body) = await Post("offer", "/api/v1/offers", new CreateOfferRequest(apartment, request));
                    if (status == 201) state[a].AddOffer(Id(body));
                }
            }
            else if (roll < 70)
            {
                if (state[a].Offer(rng) is { } offer)
                {
                    var answer = (roll % 3) switch { 0 => "accept", 1 => "decline", _ => "withdraw" };
                    await Post(answer, $"/api/v1/offers/{offer}/{answer}", answer == "decline" ? new DeclineOfferRequest(DeclineReason.Rent) : null);
                }
            }
            else if (roll < 78)
            {
                if (state[a].Offer(rng) is { } offer)
                    await Post("lease", $"/api/v1/offers/{offer}/lease", new ConfirmLeaseRequest(today, LeaseForm.MunicipalitySublet));
            }
            else
            {
                var (operation, uri) = (roll % 4, state[a].Apartment(rng)) switch
                {
                    (0, { } apartment) => ("read-apartment", $"/api/v1/apartments/{apartment}"),
                    (1, { } apartment) => ("read-offers", $"/api/v1/offers?apartmentId={apartment}"),
                    (2, _) => ("read-queue", $"/api/v1/allocation-requests?agreementId={agreements[a]}&limit=10"),
                    _ => ("read-agreement", $"/api/v1/agreements/{agreements[a]}"),
                };
                await caller.SendAsync(operation, HttpMethod.Get, uri);
            }
        }

        async Task RegisterAsync(int a)
        {
            var (status, _, body) = await Post("register", $"/api/v1/agreements/{agreements[a]}/apartments", Api.NewApartment());
            if (status == 201) state[a].AddApartment(Id(body));
        }

        async Task QueuedRequestAsync(int a)
        {
            var (status, _, body) = await Post("create-request", "/api/v1/allocation-requests", Api.NewRequest(agreements[a]));
            if (status != 201) return;
            var request = Id(body);
            await caller.SendAsync("consent", HttpMethod.Put, $"/api/v1/allocation-requests/{request}/consent",
                Caller.Json(new RecordConsentRequest(new DateOnly(2026, 5, 1), new DateOnly(2030, 12, 31))));
            await Post("submit", $"/api/v1/allocation-requests/{request}/submit", null);
            if ((await Post("approve", $"/api/v1/allocation-requests/{request}/approve", null)).Status == 200) state[a].AddRequest(request);
        }

        Task<(int Status, string? Code, string Body)> Post(string operation, string uri, object? body) =>
            caller.SendAsync(operation, HttpMethod.Post, uri, Caller.Json(body), Guid.NewGuid().ToString());
    }

    private static Guid Id(string body) => Guid.Parse((string)JsonNode.Parse(body)!["id"]!);

    private static async Task<List<int>> StockCountsAsync(string connectionString, Guid[] agreements)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT stock_count FROM agreements WHERE id = ANY(@a)", connection);
        command.Parameters.AddWithValue("a", agreements);
        var counts = new List<int>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) counts.Add(reader.GetInt32(0));
        return counts;
    }
}
