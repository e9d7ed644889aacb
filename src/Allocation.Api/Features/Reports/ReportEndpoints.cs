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

        MapReport(group, known, GetQuotaUtilisationReportQuery.Name, (p, f) => new GetQuotaUtilisationReportQuery(p, f))
            .WithName("GetQuotaUtilisationReport")
            .WithSummary("Quota utilisation per period and agreement")
            .WithDescription("One row per period and agreement, the state at the end of the period (or at `asOf` if earlier): the quota; the "
                             + "stock (apartments provided and neither taken over nor returned) split into available (no open or accepted offer, "
                             + "no lease), offered (an open or accepted offer, no lease yet) and "
                             + "leased (an active social contract); reserved: of the available, those under a time-boxed reservation for a target "
                             + "group (made by then, neither past its until nor ended); stockShare = stock ÷ quota and leasedShare = "
                             + "leased ÷ quota, fractions rounded to four decimals. The quota is the agreement's current one (quota changes have no "
                             + "history yet)." + Parameters)
            .ProducesReport<QuotaUtilisationRow>()
            .WithReportExample(GetQuotaUtilisationReportQuery.Name,
                [new QuotaUtilisationRow(ExampleStart, ExampleEnd, SeedData.BotkyrkaAgreement, "Botkyrkabyggen – sociala kontrakt", 300, 212, 9, 2, 4, 199, 0.7067m, 0.6633m)]);

        MapReport(group, known, GetLeasesReportQuery.Name, (p, f) => new GetLeasesReportQuery(p, f))
            .WithName("GetLeasesReport")
            .WithSummary("Leases in trial, taken over and terminated per period, with the takeover rate")
            .WithDescription("One row per period and agreement, from the leases' own days (start, trial end, end) as recorded at `asOf`: inTrial "
                             + "(started on or before the period's last day, trial ending after it, not ended by then); takenOver (takeover day in the "
                             + "period); terminated by reason (Moved, Breach, Eviction, Other; end day in the period); trialEnded (the trial end day, "
                             + "the first day after the trial, is in the period, and the lease had not ended before it); trialEndedTakenOver (of those, "
                             + "taken over by `asOf`); takeoverRate = trialEndedTakenOver ÷ trialEnded, rounded to four decimals, null when no trial "
                             + "ended. An end counts once it is recorded, whatever day it is dated." + Parameters)
            .ProducesReport<LeasesRow>()
            .WithReportExample(GetLeasesReportQuery.Name,
                [new LeasesRow(ExampleStart, ExampleEnd, SeedData.BotkyrkaAgreement, "Botkyrkabyggen – sociala kontrakt", 48, 3, 2, 1, 0, 1, 0, 4, 3, 0.75m)]);

        MapReport(group, known, GetVacancyReportQuery.Name, (p, f) => new GetVacancyReportQuery(p, f))
            .WithName("GetVacancyReport")
            .WithSummary("Vacant days, vacancy cost and void days per apartment and period")
            .WithDescription("One row per apartment and period in which the apartment was in the stock at some moment (ordered by agreement "
                             + "reference, object number, then period). A vacant day is a whole day (24 hours) the apartment stood Available in the "
                             + "stock, counted from its available-from date (PRODUCT §4); vacantDays of a period = vacant days counted up to the "
                             + "period's end (or `asOf`) minus those counted up to its start, so an apartment's periods add up. dailyRent = "
                             + "monthlyRent × 12 ÷ 365 rounded to öre; vacancyCost = vacantDays × dailyRent (SEK). reservedVacantDays: of the vacant "
                             + "days, those the apartment stood available while reserved for a target group (the cost of reservations, apart from "
                             + "ordinary vacancy = vacantDays − reservedVacantDays), counted the same way; reservedVacancyCost = reservedVacantDays × "
                             + "dailyRent. voidDays: of the vacant days, those "
                             + "between a tenancy ending (a lease terminated without returning the apartment) and the next offer or the apartment "
                             + "leaving the stock. District and rent are the apartment's current values. Clients sum rows for totals." + Parameters)
            .ProducesReport<VacancyRow>()
            .WithReportExample(GetVacancyReportQuery.Name,
                [new VacancyRow(ExampleStart, ExampleEnd, SeedData.BotkyrkaAgreement, new Guid("0195f000-0000-7000-8000-000000000301"), "BKB-1042", "Hallunda",
                    7450m, 244.93m, 12, 2939.16m, 7, 1714.51m, 5)]);

        group.MapGet("/{report}", IResult (string report) =>
                throw new BadRequestException("unknown-report", $"There is no report '{report}'. The reports are: {string.Join(", ", known)}."))
            .WithName("GetUnknownReport")
            .RequireRoles(Access.ReadReports)
            // Not an operation of the contract: it never succeeds, so as an operation it would be a client method that can only
            // fail. api-spec/README.md (Reports) documents the refusal and its code instead.
            .ExcludeFromDescription();

        // Reports per target group: suppressed for sensitive groups (PRODUCT §6).
        const string suppression =
            " Small-cell suppression (PRODUCT §6): in a sensitive target group's row a count from 1 to `suppressionThreshold` − 1 is null and "
            + "named in the row's `suppressed`, and so are as many further cells and totals as keep every suppressed count from being "
            + "derived by subtraction (the next-smallest non-zero count of the line, else its total; a total that would leave exactly 1 for "
            + "each suppressed count).";

        MapReport(group, known, GetAllocationsReportQuery.Name, (p, f) => new GetAllocationsReportQuery(p, f))
            .WithName("GetAllocationsReport")
            .WithSummary("Allocations per target group and period")
            .WithDescription(
                "Per period a row per target group that has requests, ordered by priority rank, then a row with `targetGroupCode` null summing "
                + "all groups. Counts, by the UTC day the event was recorded: submitted (requests submitted); approved (requests approved into "
                + "the queue; a return to the queue after an offer is not an approval); rejected; offered (offers made; a household offered "
                + "twice counts twice); housed (households housed: the request reached Housed, i.e. the housing company confirmed the signed "
                + "lease); declinedRent, declinedSize, declinedDistrict, declinedSafety, declinedHealth, declinedOther (offers declined, by "
                + "reason); expired (offers whose response deadline passed unanswered, on the deadline's day); withdrawn (requests withdrawn). "
                + "State at the end of the period (or at asOf if earlier): stalledRequests (queued longer than the agreement's queueStallDays "
                + "since approval, the queue's stalled flag then) and stalledOffers (open, unanswered, longer than its offerStallDays). "
                + "Durations in whole UTC calendar days, nearest-rank median and 90th percentile: medianDaysSubmittedToHoused and "
                + "p90DaysSubmittedToHoused over the households housed in the period; medianDaysApprovedToFirstOffer and "
                + "p90DaysApprovedToFirstOffer over the requests first offered in the period. housedShare = the group's housed ÷ all housed "
                + "in the period (four decimals), to compare with targetShare, the agreement's soft target share for the group as it stood at "
                + "asOf (only in a report for one agreement, agreementId; null otherwise)." + suppression
                + " A sensitive group's durations over fewer cases than the threshold are null too (on the all-groups row when a sensitive "
                + "group's cases are among them), and so is a share of a suppressed count or total." + Parameters)
            .ProducesReport<AllocationsRow>()
            .WithReportExample(GetAllocationsReportQuery.Name, ReportExamples.Allocations);

        MapReport(group, known, GetOutcomesReportQuery.Name, (p, f) => new GetOutcomesReportQuery(p, f))
            .WithName("GetOutcomesReport")
            .WithSummary("Outcomes of closed requests per target group and period")
            .WithDescription(
                "Per period a row per target group that has requests, then a row with `targetGroupCode` null summing all groups: the requests "
                + "closed in the period (by the UTC day of closing) by their outcome: ownFirstHandLease and ownSecondHandLease (the household "
                + "found housing of its own), socialContractTakeover, relocatedThroughNetwork, otherOrUnknown; closed = their sum; "
                + "ownHousingShare = (ownFirstHandLease + ownSecondHandLease) ÷ closed, four decimals, null when nothing closed." + suppression
                + " A share of a suppressed figure is null too." + Parameters)
            .ProducesReport<OutcomesRow>()
            .WithReportExample(GetOutcomesReportQuery.Name, ReportExamples.Outcomes);

        MapReport(group, known, GetNationalSurveyReportQuery.Name, (p, f) => new GetNationalSurveyReportQuery(p, f))
            .WithName("GetNationalSurveyReport")
            .WithSummary("People in social contracts on a day, for Socialstyrelsen's and Boverket's surveys")
            .WithDescription(
                "One row for the UTC day of `asOf` (default now; `from`, `to` and `groupBy` do not apply): households in a social contract "
                + "(leases started on or before the day and not ended on or before it, as recorded at `asOf`), their adults split into "
                + "adultWomen, adultMen and adultsSexNotRecorded (requests that do not record the adults' sex), and children. Counts over all "
                + "target groups, no personal data. Suppression (PRODUCT §6): a figure from 1 to `suppressionThreshold` − 1 is null and named "
                + "in `suppressed` when a household of a sensitive target group is among those counted, and then as many adult figures as keep "
                + "it from being derived from `adults`." + Parameters)
            .ProducesReport<NationalSurveyRow>()
            .WithReportExample(GetNationalSurveyReportQuery.Name, ReportExamples.NationalSurvey, periods: false);

        MapReport(group, known, GetNetworkReportQuery.Name, (p, f) => new GetNetworkReportQuery(p, f))
            .WithName("GetNetworkReport")
            .WithSummary("Placements given and received through the Södertörn network per member and period")
            .WithDescription(
                "Per period a row per network member: given (households of other members housed in its stock: moves whose lease in the "
                + "destination was signed in the period), received (its households housed by other members), balance = given − received, "
                + "and the people in those households. Across members given equals received in every period. The network's figures are "
                + "the same for every member (`agreementId` does not apply); counts of moves, no personal data, as in the ledger." + Parameters)
            .ProducesReport<NetworkRow>()
            .WithReportExample(GetNetworkReportQuery.Name,
                [new NetworkRow(ExampleStart, ExampleEnd, "0126", "Huddinge", 2, 1, 1, 5, 3), new NetworkRow(ExampleStart, ExampleEnd, SeedData.Botkyrka, "Botkyrka", 1, 2, -1, 3, 5)]);
    }

    private static RouteHandlerBuilder MapReport<TRow>(RouteGroupBuilder group, List<string> known, string name,
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
                return Task.CompletedTask;
            });
    }

    private static readonly DateOnly ExampleStart = new(2026, 6, 1), ExampleEnd = new(2026, 6, 30);

    // The issue's spelling is lower case (groupBy=month); numbers are not names.
    private static ReportGrouping? Grouping(string? groupBy) =>
        groupBy is null ? null
        : Enum.TryParse<ReportGrouping>(groupBy, ignoreCase: true, out var grouping) && !char.IsAsciiDigit(groupBy[0]) ? grouping
        : throw new BadRequestException("malformed-request", "groupBy is month, quarter or year.");
}
