using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Allocation.Api.Features.Leases;
using Allocation.Api.Features.Network;
using Allocation.Api.Infrastructure;
using Allocation.Api.Infrastructure.Auth;
using Allocation.Api.Persistence;
using Allocation.Api.Tests.Network;
using Allocation.Api.Tests.Reports;
using Allocation.Domain;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;

namespace Allocation.Api.Tests.Dashboard;

/// <summary>
/// Issue 14 acceptance: the dashboard in a real browser (Debian's Chromium driven by Playwright) against the built API
/// running as its own process on 127.0.0.1, over a seeded history. Each chart and its table must show what the report
/// endpoints return to the same token; nothing may leave 127.0.0.1, nothing may be logged as an error, axe-core may
/// find nothing serious; a housing company's token is refused.
/// </summary>
[NonParallelizable]
public sealed class DashboardBrowserTests
{
    private const string Chromium = "/usr/bin/chromium";
    private static readonly TimeSpan ProcessTimeout = TimeSpan.FromMinutes(2);

    private FreshDatabase _database = null!;
    private ChildProcess _api = null!;
    private string _origin = null!;
    private HttpClient _http = null!;
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;

    [OneTimeSetUp]
    public async Task StartApiAndBrowser()
    {
        if (!File.Exists(Chromium)) Assert.Fail($"{Chromium} is missing: install Debian's chromium package (.ci/run does).");
        _database = await FreshDatabase.CreateAsync("dashboard");

        // The history is made in process, where the test controls the clock; it ends months before the real now.
        await using (var factory = new AllocationApiFactory(_database.ConnectionString))
        {
            using var client = factory.CreateClient();
            await NetworkMoveAsync(factory);
            await SyntheticHistory.CreateAsync(client, factory.Clock, seed: 14, apartments: 10, requests: 30, days: 150);
        }

        // A browser needs a real server: the built API as its own process, on loopback, the way it is deployed.
        var port = LocalPostgres.FreePort();
        _origin = $"http://127.0.0.1:{port}";
        _api = ChildProcess.Start(ChildProcess.ApiDirectory, new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Testing",
            ["ASPNETCORE_URLS"] = _origin,
            ["ConnectionStrings__Allocation"] = _database.ConnectionString,
            ["Authentication__DevelopmentSigningKey"] = AllocationApiFactory.SigningKey,
            ["CaseReferences__CurrentKey"] = "test1",
            ["CaseReferences__Keys__test1"] = Convert.ToBase64String(Encoding.UTF8.GetBytes("test-case-reference-key-32-bytes")),
            ["CaseReferences__PseudonymKey"] = Convert.ToBase64String(Encoding.UTF8.GetBytes("test-pseudonym-key")),
            ["RateLimiting__PermitsPerWindow"] = "100000",
        }, "dotnet", "Allocation.Api.dll");
        _http = new HttpClient { BaseAddress = new Uri(_origin) };
        await _api.WaitUntilReadyAsync(_http, ProcessTimeout);

        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            // Playwright gives every launch a new, empty profile directory and adds --no-sandbox (it runs as root here).
            Args = ["--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        if (_browser is not null) await _browser.DisposeAsync();
        _playwright?.Dispose();
        _http?.Dispose();
        if (_api is not null) await _api.DisposeAsync();
        if (_database is not null) await _database.DisposeAsync();
    }

    [Test]
    public async Task A_coordinator_sees_every_chart_with_the_numbers_of_the_report_endpoints_and_can_download_each_report()
    {
        var token = AllocationApiFactory.Token(new DevelopmentTokens.Request([Roles.Coordinator], SeedData.Botkyrka, Subject: "dashboard-coordinator"));
        await using var session = await OpenAsync();
        await session.SignInAsync(token);

        var quota = await ReportAsync("quota-utilisation", token);
        var vacancy = await ReportAsync("vacancy", token);
        var allocations = await ReportAsync("allocations", token);
        var network = await ReportAsync("network", token);
        Assert.That(quota.Rows.Count, Is.GreaterThan(1), "the seeded history has months of quota use");

        // Quota use: per month, the sums over the agreements, in the chart and in its table.
        var quotaPeriods = quota.Rows.GroupBy(r => r.Str("periodStart")).ToList();
        var quotaSeries = new[] { "quota", "stock", "leased", "available", "reserved" };
        var quotaExpected = quotaSeries.Select(s => quotaPeriods.Select(p => (decimal?)p.Sum(r => r.Num(s))).ToList()).ToList();
        Assert.That(await session.ChartAsync("quota-chart"), Is.EqualTo(quotaExpected));
        var quotaTable = await session.TableAsync("quota");
        Assert.That(quotaTable.Select(r => r["quota"]), Is.EqualTo(quotaPeriods.Select(p => Text(p.Sum(r => r.Num("quota"))))));
        Assert.That(quotaTable.Select(r => r["offered"]), Is.EqualTo(quotaPeriods.Select(p => Text(p.Sum(r => r.Num("offered"))))));
        Assert.That(quotaTable.Select(r => r["reserved"]), Is.EqualTo(quotaPeriods.Select(p => Text(p.Sum(r => r.Num("reserved"))))));

        // Vacancy cost: per month, summed over the apartments to the öre.
        var vacancyPeriods = vacancy.Rows.GroupBy(r => r.Str("periodStart")).ToList();
        Assert.That(vacancyPeriods.Sum(p => p.Sum(r => r.Num("vacancyCost"))), Is.GreaterThan(0m), "the seeded history has vacancies");
        Assert.That(await session.ChartAsync("vacancy-chart"), Is.EqualTo(new[]
        {
            vacancyPeriods.Select(p => (decimal?)p.Sum(r => r.Num("vacancyCost"))).ToList(),
            vacancyPeriods.Select(p => (decimal?)p.Sum(r => r.Num("reservedVacancyCost"))).ToList(),
        }));
        Assert.That((await session.TableAsync("vacancy")).Select(r => r["vacantDays"]),
            Is.EqualTo(vacancyPeriods.Select(p => Text(p.Sum(r => r.Num("vacantDays"))))));

        // Allocations and waiting days per target group, for the period the page shows; suppressed cells read "<5".
        var period = await session.Page.InputValueAsync("#allocations-period");
        var inPeriod = allocations.Rows.Where(r => r.Str("periodStart") == period).ToList();
        var groups = inPeriod.Where(r => r.Str("targetGroupCode") is not null).ToList();
        Assert.That(groups, Is.Not.Empty, "the page shows a period with target groups");
        var counts = new[] { "submitted", "approved", "offered", "housed" };
        var days = new[] { "medianDaysSubmittedToHoused", "medianDaysApprovedToFirstOffer" };
        Assert.That(await session.ChartAsync("allocations-chart"), Is.EqualTo(counts.Select(c => groups.Select(r => r.NullableNum(c)).ToList())));
        Assert.That(await session.ChartAsync("waiting-chart"), Is.EqualTo(days.Select(c => groups.Select(r => r.NullableNum(c)).ToList())));
        var allocationTable = await session.TableAsync("allocations");
        Assert.That(allocationTable, Has.Count.EqualTo(inPeriod.Count));
        for (var i = 0; i < inPeriod.Count; i++)
            foreach (var name in counts.Concat(days))
                Assert.That(allocationTable[i][name], Is.EqualTo(Expected(inPeriod[i], name, allocations.Threshold)), $"{inPeriod[i].Str("targetGroupCode")} {name}");

        // Every period's table, chosen in the page's period list: each cell as the report has it, "<5" exactly where it suppresses.
        var suppressedShown = 0;
        foreach (var start in allocations.Rows.Select(r => r.Str("periodStart")!).Distinct())
        {
            await session.Page.SelectOptionAsync("#allocations-period", start);
            var rows = allocations.Rows.Where(r => r.Str("periodStart") == start).ToList();
            var shown = await session.TableAsync("allocations");
            Assert.That(shown.Select(r => string.Join(" ", r.Select(c => $"{c.Key}={c.Value}"))),
                Is.EqualTo(rows.Select(r => string.Join(" ", counts.Concat(days).Select(c => $"{c}={Expected(r, c, allocations.Threshold)}")))), start);
            suppressedShown += shown.Sum(r => r.Values.Count(v => v == $"<{allocations.Threshold}"));
        }
        Assert.That(suppressedShown, Is.GreaterThan(0), "the seeded history has a sensitive group with small counts, shown as <5");

        // Stalled requests and offers at each period's end, and offers that expired and requests withdrawn in it, from the all-groups rows.
        var totals = allocations.Rows.Where(r => r.Str("targetGroupCode") is null).ToList();
        string[] stalled = ["stalledRequests", "stalledOffers", "expired", "withdrawn"];
        Assert.That(await session.ChartAsync("stalled-chart"), Is.EqualTo(stalled.Select(c => totals.Select(r => r.NullableNum(c)).ToList()).ToArray()));
        var stalledTable = await session.TableAsync("stalled");
        foreach (var c in stalled) Assert.That(stalledTable.Select(r => r[c]), Is.EqualTo(totals.Select(r => Expected(r, c, allocations.Threshold))), c);
        Assert.That(totals.Sum(r => r.NullableNum("stalledRequests") ?? 0) + totals.Sum(r => r.NullableNum("stalledOffers") ?? 0), Is.GreaterThan(0),
            "the seeded history leaves requests or offers stalled at some month's end");

        // Network balance: given, received and balance per member over the whole period.
        var members = network.Rows.GroupBy(r => r.Str("municipalityCode")).ToList();
        Assert.That(members.Sum(m => m.Sum(r => r.Num("given"))), Is.GreaterThan(0m), "the seeded network has a completed move");
        Assert.That(await session.ChartAsync("network-chart"), Is.EqualTo(new[] { "given", "received", "balance" }
            .Select(c => members.Select(m => (decimal?)m.Sum(r => r.Num(c))).ToList())));

        // Downloads: the same reports as CSV (byte for byte) and XLSX, fetched by the page with the token.
        foreach (var (section, report) in new[] { ("quota", "quota-utilisation"), ("vacancy", "vacancy"), ("allocations", "allocations"), ("stalled", "allocations"), ("network", "network") })
        {
            var csv = await session.DownloadAsync(section, "csv");
            Assert.That(csv.Name, Does.StartWith(report + "-").And.EndWith(".csv"));
            Assert.That(csv.Content, Is.EqualTo(await RawReportAsync(report, token, "csv")), $"{section}: the CSV the API serves");
        }
        var xlsx = await session.DownloadAsync("quota", "xlsx");
        Assert.That(xlsx.Name, Does.StartWith("quota-utilisation-").And.EndWith(".xlsx"));
        Assert.That(xlsx.Content.Take(2), Is.EqualTo("PK"u8.ToArray()), "an XLSX workbook is a zip archive");

        // The Swedish labels switch to English and back, with the same numbers.
        await session.Page.ClickAsync("button[data-lang=en]");
        Assert.That(await session.Page.GetAttributeAsync("html", "lang"), Is.EqualTo("en"));
        Assert.That(await session.Page.TextContentAsync("#quota-heading"), Is.EqualTo("Quota use over time"));
        Assert.That(await session.ChartAsync("quota-chart"), Is.EqualTo(quotaExpected));

        // Accessibility: axe-core on the page with every table open, and a keyboard user starts at the skip link.
        await session.OpenTablesAsync();
        await session.AssertAccessibleAsync();
        await session.Page.ClickAsync("button[data-lang=sv]");
        await session.AssertAccessibleAsync();
        await session.Page.SelectOptionAsync("#allocations-period", period);
        var screenshot = Path.Combine(ChildProcess.RepositoryRoot, "TestResults", "dashboard-coordinator.png");
        Directory.CreateDirectory(Path.GetDirectoryName(screenshot)!);
        await session.Page.ScreenshotAsync(new PageScreenshotOptions { Path = screenshot, FullPage = true });
        TestContext.AddTestAttachment(screenshot, "The dashboard as a coordinator sees it");
        // A reload keeps the tab's session (the token is in sessionStorage); once loaded, the focus is on the content.
        await session.Page.ReloadAsync();
        await session.Page.WaitForSelectorAsync("body[data-loaded=true]", new PageWaitForSelectorOptions { State = WaitForSelectorState.Attached });
        Assert.That(await session.Page.EvaluateAsync<string>("document.activeElement.id"), Is.EqualTo("main"));
        // Tabbing on reaches the first download, and Enter starts it: the page works without a mouse.
        var tabs = 0;
        while (await session.Page.EvaluateAsync<string>("document.activeElement.dataset.format ?? ''") != "csv" && tabs++ < 40)
            await session.Page.Keyboard.PressAsync("Tab");
        Assert.That(await session.Page.EvaluateAsync<string>("document.activeElement.closest('section').id"), Is.EqualTo("quota"));
        var byKeyboard = await session.Page.RunAndWaitForDownloadAsync(() => session.Page.Keyboard.PressAsync("Enter"));
        Assert.That(byKeyboard.SuggestedFilename, Does.EndWith(".csv"));

        session.AssertClean();
    }

    [Test]
    public async Task An_auditor_sees_the_reports_and_after_signing_out_nothing_is_left_in_the_session()
    {
        var token = AllocationApiFactory.Token(new DevelopmentTokens.Request([Roles.Auditor], SeedData.Botkyrka, Subject: "dashboard-auditor"));
        await using var session = await OpenAsync();
        await session.SignInAsync(token);

        var quota = await ReportAsync("quota-utilisation", token);
        var periods = quota.Rows.GroupBy(r => r.Str("periodStart")).ToList();
        Assert.That((await session.TableAsync("quota")).Select(r => r["leased"]), Is.EqualTo(periods.Select(p => Text(p.Sum(r => r.Num("leased"))))));
        Assert.That(await session.Page.IsVisibleAsync("#network-chart"), Is.True);
        await session.AssertAccessibleAsync();

        // One agreement: the page asks the reports for it alone, as the API answers for it.
        var agreement = quota.Rows.GroupBy(r => r.Str("agreementId")!).OrderByDescending(g => g.Sum(r => r.Num("stock"))).First().Key;
        await session.Page.SelectOptionAsync("#agreement", agreement);
        await session.Page.ClickAsync("#filters button[type=submit]");
        await session.Page.WaitForSelectorAsync("body[data-loaded=true]", new PageWaitForSelectorOptions { State = WaitForSelectorState.Attached });
        var one = await ReportAsync("quota-utilisation", token, $"agreementId={agreement}");
        Assert.That(one.Rows.Select(r => r.Str("agreementId")).Distinct(), Is.EqualTo(new[] { agreement }));
        Assert.That((await session.TableAsync("quota")).Select(r => r["stock"]), Is.EqualTo(one.Rows.Select(r => Text(r.Num("stock")))));

        Assert.That(await session.Page.EvaluateAsync<int>("sessionStorage.length"), Is.GreaterThan(0));
        await session.Page.ClickAsync("#sign-out");
        Assert.That(await session.Page.EvaluateAsync<string?>("sessionStorage.getItem('dashboard.token')"), Is.Null);
        Assert.That(await session.Page.IsVisibleAsync("#dashboard"), Is.False);
        Assert.That(await session.Page.EvaluateAsync<int>("document.querySelectorAll('.report tbody tr').length"), Is.Zero, "no figures stay on the page");
        Assert.That(await session.Page.EvaluateAsync<int>("localStorage.length"), Is.Zero);
        session.AssertClean();
    }

    [Test]
    public async Task A_housing_company_token_is_refused_with_a_clear_message_and_no_figures()
    {
        var token = AllocationApiFactory.Token(new DevelopmentTokens.Request([Roles.HousingCompany], SeedData.Botkyrka, HousingCompany: SeedData.Botkyrkabyggen));
        await using var session = await OpenAsync();
        // By keyboard alone: the skip link first, then into the content, the token field and its button.
        var keyboard = session.Page.Keyboard;
        await keyboard.PressAsync("Tab");
        Assert.That(await session.Page.EvaluateAsync<string>("document.activeElement.className"), Is.EqualTo("skip"));
        await keyboard.PressAsync("Enter");
        Assert.That(await session.Page.EvaluateAsync<string>("document.activeElement.id"), Is.EqualTo("main"));
        await keyboard.PressAsync("Tab");
        Assert.That(await session.Page.EvaluateAsync<string>("document.activeElement.id"), Is.EqualTo("token"));
        await keyboard.InsertTextAsync(token);
        await keyboard.PressAsync("Tab");
        await keyboard.PressAsync("Enter");
        await session.Page.WaitForSelectorAsync("#error:not([hidden])");

        Assert.That(await session.Page.TextContentAsync("#error"), Does.Contain("samordnare och revisorer"));
        Assert.That(await session.Page.IsVisibleAsync("#dashboard"), Is.False);
        Assert.That(await session.Page.IsVisibleAsync("#token"), Is.True, "the user can sign in with another token");
        Assert.That(await session.Page.EvaluateAsync<string?>("sessionStorage.getItem('dashboard.token')"), Is.Null);
        Assert.That(session.ApiStatuses, Has.Some.EqualTo(403).And.None.EqualTo(200), "the API refused the reports");
        await session.AssertAccessibleAsync();
        session.AssertClean(allowForbidden: true);
    }

    [Test]
    public async Task The_page_and_its_files_come_with_a_self_only_policy_and_no_caching_and_stay_out_of_the_contract()
    {
        foreach (var path in new[] { "/dashboard", "/dashboard/dashboard.js", "/dashboard/dashboard.css", "/dashboard/vendor/chart.umd.min.js", "/dashboard/config.json" })
        {
            using var response = await _http.GetAsync(path);
            await response.AssertStatusAsync(HttpStatusCode.OK);
            Assert.That(response.Headers.GetValues("Content-Security-Policy").Single(),
                Is.EqualTo("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"), path);
            Assert.That(response.Headers.CacheControl?.NoStore, Is.True, path);
        }
        Assert.That(await _http.GetStringAsync("/dashboard/config.json"), Is.EqualTo("""{"openIdConnect":null}"""));
        await (await _http.GetAsync("/dashboard/missing.js")).AssertStatusAsync(HttpStatusCode.NotFound);
        var contract = await _http.GetStringAsync("/openapi/v1.json");
        Assert.That(contract, Does.Not.Contain("/dashboard"));
        // The report calls the page makes are not cached either.
        using var report = new HttpRequestMessage(HttpMethod.Get, "/api/v1/reports/network");
        report.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AllocationApiFactory.Token(new DevelopmentTokens.Request([Roles.Auditor], SeedData.Botkyrka)));
        using var reportResponse = await _http.SendAsync(report);
        Assert.That(reportResponse.Headers.CacheControl?.NoStore, Is.True);
    }

    // ---- the seeded world and the API's own answers ------------------------------------------------------------------

    /// <summary>One household of Botkyrka moved into an apartment of Huddinge's through the network (PRODUCT §7).</summary>
    private static async Task NetworkMoveAsync(AllocationApiFactory factory)
    {
        var botkyrka = await NetworkWorld.JoinAsync(factory, NetworkWorld.Botkyrka, "Botkyrka");
        var huddinge = await NetworkWorld.JoinAsync(factory, NetworkWorld.Huddinge, "Huddinge");
        var (_, relocation) = await botkyrka.RelocationAsync(wished: [NetworkWorld.Huddinge]);
        var apartment = await huddinge.NetworkApartmentAsync();
        var offer = await huddinge.OfferAsync(relocation.Id, apartment.Id);
        await botkyrka.Coordinator.PostOkAsync<RelocationOfferResponse>($"/api/v1/network/relocation-offers/{offer.Id}/accept");
        var leased = await huddinge.HousingCompany.PostAsJsonAsync($"/api/v1/network/relocation-offers/{offer.Id}/lease",
            new ConfirmLeaseRequest(new DateOnly(2026, 8, 15), LeaseForm.MunicipalitySublet), Api.Json);
        await leased.AssertStatusAsync(HttpStatusCode.Created);
    }

    private sealed record Report(int Threshold, IReadOnlyList<Row> Rows);

    private sealed record Row(JsonElement Json)
    {
        public string? Str(string name) => Json.GetProperty(name).ValueKind == JsonValueKind.Null ? null : Json.GetProperty(name).ToString();
        public decimal Num(string name) => Json.GetProperty(name).GetDecimal();
        public decimal? NullableNum(string name) => Json.GetProperty(name).ValueKind == JsonValueKind.Null ? null : Json.GetProperty(name).GetDecimal();

        public IReadOnlyList<string> Suppressed =>
            Json.TryGetProperty("suppressed", out var s) && s.ValueKind == JsonValueKind.Array ? [.. s.EnumerateArray().Select(e => e.GetString()!)] : [];
    }

    /// <summary>The report as the page asks for it (groupBy=month, the API's default period), fetched by the test itself.</summary>
    private async Task<Report> ReportAsync(string report, string token, string? query = null)
    {
        var json = JsonDocument.Parse(await RawReportAsync(report, token, "json", query)).RootElement;
        return new Report(json.GetProperty("suppressionThreshold").GetInt32(), [.. json.GetProperty("rows").EnumerateArray().Select(r => new Row(r.Clone()))]);
    }

    private async Task<byte[]> RawReportAsync(string report, string token, string format, string? query = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/reports/{report}?{(query is null ? "" : query + "&")}groupBy=month{(format == "json" ? "" : "&format=" + format)}");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await _http.SendAsync(request);
        await response.AssertStatusAsync(HttpStatusCode.OK);
        return await response.Content.ReadAsByteArrayAsync();
    }

    /// <summary>What a table cell holds: the API's value as written in JSON, "&lt;5" when suppressed, empty when null.</summary>
    private static string Expected(Row row, string name, int threshold) =>
        row.NullableNum(name) is { } value ? Text(value) : row.Suppressed.Contains(name) ? $"<{threshold}" : "";

    private static string Text(decimal value) => value.ToString(CultureInfo.InvariantCulture);

    // ---- the browser -------------------------------------------------------------------------------------------------

    private async Task<Session> OpenAsync()
    {
        var context = await _browser.NewContextAsync(new BrowserNewContextOptions { AcceptDownloads = true, ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
        var session = new Session(context, await context.NewPageAsync());
        // Every request the page makes passes here: one for anywhere but this API on 127.0.0.1 is recorded and stopped.
        await context.RouteAsync("**/*", async route =>
        {
            var url = new Uri(route.Request.Url);
            if (url.Scheme is "http" or "https" && url.Host == "127.0.0.1" && url.Port == new Uri(_origin).Port) await route.ContinueAsync();
            else if (url.Scheme is "blob" or "data") await route.ContinueAsync();
            else
            {
                session.Outside.Add(route.Request.Url);
                await route.AbortAsync();
            }
        });
        await session.Page.GotoAsync($"{_origin}/dashboard");
        await session.Page.WaitForSelectorAsync("body[data-ready=true]", new PageWaitForSelectorOptions { State = WaitForSelectorState.Attached });
        return session;
    }

    private sealed class Session : IAsyncDisposable
    {
        public Session(IBrowserContext context, IPage page)
        {
            Context = context;
            Page = page;
            page.Console += (_, message) =>
            {
                if (message.Type is "error" or "warning") Console.Add($"{message.Type}: {message.Text}");
            };
            page.PageError += (_, error) => Console.Add($"page error: {error}");
            page.Response += (_, response) =>
            {
                if (response.Url.Contains("/api/", StringComparison.Ordinal)) ApiStatuses.Add(response.Status);
            };
        }

        public IBrowserContext Context { get; }
        public IPage Page { get; }
        public List<string> Console { get; } = [];
        public List<string> Outside { get; } = [];
        public List<int> ApiStatuses { get; } = [];

        public async Task SignInAsync(string token)
        {
            await Page.FillAsync("#token", token);
            await Page.ClickAsync("#token-form button[type=submit]");
            await Page.WaitForSelectorAsync("body[data-loaded=true]", new PageWaitForSelectorOptions { State = WaitForSelectorState.Attached });
            Assert.That(await Page.IsVisibleAsync("#error"), Is.False, await Page.TextContentAsync("#error"));
        }

        /// <summary>The numbers each dataset of the chart on the canvas draws, as Chart.js holds them.</summary>
        public async Task<List<List<decimal?>>> ChartAsync(string canvas)
        {
            var json = JsonDocument.Parse(await Page.EvaluateAsync<string>(
                $"JSON.stringify((() => {{ const c = Chart.getChart('{canvas}'); return c && c.canvas.width > 0 ? c.data.datasets.map(d => d.data) : null; }})())")).RootElement;
            Assert.That(json.ValueKind, Is.EqualTo(JsonValueKind.Array), $"{canvas} is drawn");
            return [.. json.EnumerateArray().Select(d => d.EnumerateArray().Select(v => v.ValueKind == JsonValueKind.Null ? (decimal?)null : v.GetDecimal()).ToList())];
        }

        /// <summary>The table alternative of a section: per body row, each cell's column and its value (the text when suppressed).</summary>
        public async Task<List<Dictionary<string, string>>> TableAsync(string section)
        {
            // As a JSON string: Playwright's own object serialisation adds bookkeeping keys.
            var json = JsonDocument.Parse(await Page.EvaluateAsync<string>($$"""
                JSON.stringify([...document.querySelectorAll('#{{section}} tbody tr')].map(tr => Object.fromEntries(
                    [...tr.querySelectorAll('td')].map(td => [td.dataset.column, td.dataset.suppressed ? td.textContent : td.dataset.value]))))
                """)).RootElement;
            return [.. json.EnumerateArray().Select(r => r.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!))];
        }

        public async Task<(string Name, byte[] Content)> DownloadAsync(string section, string format)
        {
            var download = await Page.RunAndWaitForDownloadAsync(() => Page.ClickAsync($"#{section} .downloads button[data-format={format}]"));
            var path = await download.PathAsync();
            return (download.SuggestedFilename, await File.ReadAllBytesAsync(path));
        }

        public async Task OpenTablesAsync()
        {
            foreach (var summary in await Page.QuerySelectorAllAsync("details:not([open]) > summary")) await summary.ClickAsync();
        }

        public async Task AssertAccessibleAsync()
        {
            var result = await Page.RunAxe();
            var serious = result.Violations.Where(v => v.Impact is "serious" or "critical")
                .Select(v => $"{v.Impact} {v.Id}: {v.Help} ({string.Join(", ", v.Nodes.Select(n => string.Join(" ", n.Target)))})").ToList();
            Assert.That(serious, Is.Empty);
        }

        /// <summary>No console errors (a refused report call logs its 403 in the console, which <paramref name="allowForbidden"/> allows) and nothing sent elsewhere.</summary>
        public void AssertClean(bool allowForbidden = false)
        {
            Assert.That(Outside, Is.Empty, "requests that left 127.0.0.1");
            Assert.That(Console.Where(m => !(allowForbidden && m.Contains("403", StringComparison.Ordinal))), Is.Empty, "console errors and warnings");
        }

        public async ValueTask DisposeAsync() => await Context.DisposeAsync();
    }
}
