using Allocation.Api.Infrastructure;
using Allocation.Api.Infrastructure.Auth;
using System.Text.Json;
using System.Text.Json.Nodes;
using Allocation.Api.Persistence;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using Mediator;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Allocation.Api.Features.Reports;

public static class ReportEndpoints
{
    private const string Parameters =
        " Only history recorded at or before `asOf` counts, so a report of a past instant reads the same after later activity. Periods are UTC "
        + "calendar months, quarters or years clipped to `from`–`to`.";

    private static readonly Dictionary<string, string> ParameterDescriptions = new()
    {
        ["agreementId"] = "Only this agreement; omit for every agreement of the caller's municipality.",
        ["from"] = "First day of the report (UTC date, inclusive); default: twelve months before `to`.",
        ["to"] = "Last day of the report (UTC date, inclusive); default: the date of `asOf`.",
        ["asOf"] = "The instant whose recorded history the report reproduces (ISO 8601); default now; never in the future (400 as-of-in-future).",
        ["groupBy"] = "The periods: month (default), quarter or year.",
        ["format"] = "json (default), csv or xlsx; overrides the Accept header (400 unsupported-format for anything else).",
    };

    public static void MapReportEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/reports").WithTags("Reports");
        var known = new List<string>();

        MapReport(group, known, GetQuotaUtilisationReportQuery.Name,
                new QuotaUtilisationRow(ExampleStart, ExampleEnd, SeedData.BotkyrkaAgreement, "Botkyrkabyggen – sociala kontrakt", 300, 212, 9, 4, 199, 0.7067m, 0.6633m), (p, f) => new GetQuotaUtilisationReportQuery(p, f))
            .WithName("GetQuotaUtilisationReport")
            .WithSummary("Quota utilisation per period and agreement")
            .WithDescription("One row per period and agreement, the state at the end of the period (or at `asOf` if earlier): the quota; the "
                             + "stock (apartments provided and neither taken over nor returned) split into available (no open or accepted offer, "
                             + "no lease), offered (an open or accepted offer, no lease yet) and "
                             + "leased (an active social contract); stockShare = stock ÷ quota and leasedShare = "
                             + "leased ÷ quota, fractions rounded to four decimals. The quota is the agreement's current one (quota changes have no "
                             + "history yet). Reservations do not exist yet, so there is no reserved column." + Parameters)
            .ProducesReport<QuotaUtilisationRow>();

        MapReport(group, known, GetLeasesReportQuery.Name,
                new LeasesRow(ExampleStart, ExampleEnd, SeedData.BotkyrkaAgreement, "Botkyrkabyggen – sociala kontrakt", 48, 3, 2, 1, 0, 1, 0, 4, 3, 0.75m), (p, f) => new GetLeasesReportQuery(p, f))
            .WithName("GetLeasesReport")
            .WithSummary("Leases in trial, taken over and terminated per period, with the takeover rate")
            .WithDescription("One row per period and agreement, from the leases' own days (start, trial end, end) as recorded at `asOf`: inTrial "
                             + "(started on or before the period's last day, trial ending after it, not ended by then); takenOver (takeover day in the "
                             + "period); terminated by reason (Moved, Breach, Eviction, Other; end day in the period); trialEnded (the trial end day, "
                             + "the first day after the trial, is in the period, and the lease had not ended before it); trialEndedTakenOver (of those, "
                             + "taken over by `asOf`); takeoverRate = trialEndedTakenOver ÷ trialEnded, rounded to four decimals, null when no trial "
                             + "ended. An end counts once it is recorded, whatever day it is dated." + Parameters)
            .ProducesReport<LeasesRow>();

        MapReport(group, known, GetVacancyReportQuery.Name,
                new VacancyRow(ExampleStart, ExampleEnd, SeedData.BotkyrkaAgreement, new Guid("0195f000-0000-7000-8000-000000000301"), "BKB-1042", "Hallunda",
                    7450m, 244.93m, 12, 2939.16m, 5), (p, f) => new GetVacancyReportQuery(p, f))
            .WithName("GetVacancyReport")
            .WithSummary("Vacant days, vacancy cost and void days per apartment and period")
            .WithDescription("One row per apartment and period in which the apartment was in the stock at some moment (ordered by agreement "
                             + "reference, object number, then period). A vacant day is a whole day (24 hours) the apartment stood Available in the "
                             + "stock, counted from its available-from date (PRODUCT §4); vacantDays of a period = vacant days counted up to the "
                             + "period's end (or `asOf`) minus those counted up to its start, so an apartment's periods add up. dailyRent = "
                             + "monthlyRent × 12 ÷ 365 rounded to öre; vacancyCost = vacantDays × dailyRent (SEK). voidDays: of the vacant days, those "
                             + "between a tenancy ending (a lease terminated without returning the apartment) and the next offer or the apartment "
                             + "leaving the stock. District and rent are the apartment's current values. Clients sum rows for totals." + Parameters)
            .ProducesReport<VacancyRow>();

        group.MapGet("/{report}", IResult (string report) =>
                throw new BadRequestException("unknown-report", $"There is no report '{report}'. The reports are: {string.Join(", ", known)}."))
            .WithName("GetUnknownReport")
            .RequireRoles(Access.ReadReports)
            // Not an operation of the contract: it never succeeds, so as an operation it would be a client method that can only
            // fail. api-spec/README.md (Reports) documents the refusal and its code instead.
            .ExcludeFromDescription();
    }

    private static RouteHandlerBuilder MapReport<TRow>(RouteGroupBuilder group, List<string> known, string name, TRow example,
        Func<ReportParameters, ExportFormat, IQuery<ReportRows<TRow>>> query)
    {
        known.Add(name);
        return group.MapGet($"/{name}", async (Guid? agreementId, DateOnly? from, DateOnly? to, DateTimeOffset? asOf, string? groupBy, string? format,
                IMediator mediator, HttpContext http, CancellationToken ct) =>
            {
                var exportFormat = Exports.Negotiate(http.Request, format);
                var parameters = new ReportParameters(agreementId, from, to, asOf, Grouping(groupBy), format);
                var result = await mediator.Send(query(parameters, exportFormat), ct);
                await Exports.WriteAsync(http, exportFormat, result.Info, result.Rows, ct);
            })
            .RequireRoles(Access.ReadReports)
            .ProducesProblems(400)
            .AddOpenApiOperationTransformer((operation, context, _) =>
            {
                foreach (var parameter in operation.Parameters?.OfType<OpenApiParameter>() ?? [])
                {
                    if (ParameterDescriptions.TryGetValue(parameter.Name ?? "", out var description)) parameter.Description = description;
                    if (parameter is { Name: "groupBy", Schema: OpenApiSchema groupBySchema })
                        groupBySchema.Enum = [.. Enum.GetNames<ReportGrouping>().Select(n => JsonValue.Create(n.ToLowerInvariant()))];
                    if (parameter is { Name: "format", Schema: OpenApiSchema formatSchema })
                        formatSchema.Enum = [.. Enum.GetNames<ExportFormat>().Select(n => JsonValue.Create(n.ToLowerInvariant()))];
                }
                if (operation.Responses?.GetValueOrDefault("200") is not OpenApiResponse { Content: { } content }) return Task.CompletedTask;
                var json = context.ApplicationServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
                var document = new ReportDocument<TRow>(name, ExampleAsOf, new Dictionary<string, string?> { ["groupBy"] = "month", ["from"] = "2026-06-01", ["to"] = "2026-06-30" },
                    5, [example]);
                if (content.TryGetValue("application/json", out var media)) media.Example = JsonNode.Parse(JsonSerializer.Serialize(document, json));
                return Task.CompletedTask;
            });
    }

    private static readonly DateTimeOffset ExampleAsOf = new(2026, 7, 1, 6, 0, 0, TimeSpan.Zero);
    private static readonly DateOnly ExampleStart = new(2026, 6, 1), ExampleEnd = new(2026, 6, 30);

    // The issue's spelling is lower case (groupBy=month); numbers are not names.
    private static ReportGrouping? Grouping(string? groupBy) =>
        groupBy is null ? null
        : Enum.TryParse<ReportGrouping>(groupBy, ignoreCase: true, out var grouping) && !char.IsAsciiDigit(groupBy[0]) ? grouping
        : throw new BadRequestException("malformed-request", "groupBy is month, quarter or year.");
}
