using Allocation.Api.Infrastructure;
using Allocation.Api.Infrastructure.Auth;
using Mediator;

namespace Allocation.Api.Features.Reports;

public static class ReportEndpoints
{
    public static void MapReportEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/reports").WithTags("Reports");

        // Allocations, outcomes and the national survey (engineer B's block).
        group.MapGet("/allocations", async (IMediator mediator, HttpContext http, Guid? agreementId, DateOnly? from, DateOnly? to, DateTimeOffset? asOf,
                ReportGrouping? groupBy, string? format, CancellationToken ct) =>
            {
                var served = Exports.Negotiate(http.Request, format);
                var report = await mediator.Send(new GetAllocationsReportQuery(new ReportParameters(agreementId, from, to, asOf, groupBy, format), served), ct);
                await Exports.WriteAsync(http, served, report.Info, report.Rows, ct);
            })
            .WithName("GetAllocationsReport")
            .RequireRoles(Access.ReadReports)
            .WithSummary("Allocations per target group and period")
            .WithDescription(
                "Per period (`groupBy` month, quarter or year, within `from`..`to`, UTC days) a row per target group that has requests, then a row "
                + "with `targetGroupCode` null summing all groups. Counts, by the UTC day the event was recorded: `submitted` (requests submitted), "
                + "`approved` (requests approved into the queue; a return to the queue after an offer is not an approval), `rejected`, "
                + "`offered` (offers made), `housed` (households housed: the request reached Housed, i.e. the housing company confirmed the signed "
                + "lease), `declinedRent` … `declinedOther` (offers declined, one column per decline reason), `expired` (offers whose response "
                + "deadline passed unanswered, counted on the deadline's day), `withdrawn` (requests withdrawn). Durations in whole UTC calendar "
                + "days, nearest-rank median and 90th percentile: submitted→housed over the households housed in the period, approved→first offer "
                + "over the requests first offered in the period. `housedShare` is the group's share of the period's housings, to compare with "
                + "its soft `targetShare` of the quota. Only what was recorded at or before `asOf` counts, so a report of a past `asOf` never "
                + "changes. Small-cell suppression (PRODUCT §6): in a sensitive group's row, a count from 1 to `suppressionThreshold` − 1 is null "
                + "and named in `suppressed`, and so many more cells (the next-smallest non-zero count of the column, or the all-groups total) that "
                + "none can be derived by subtraction; a sensitive group's durations over fewer cases than the threshold are null too, and a share "
                + "of a suppressed count or total. Every download is audited. JSON, CSV or XLSX by `format` or `Accept`.")
            .ProducesReport<AllocationsRow>()
            .ProducesProblems(400, 404);

        group.MapGet("/outcomes", async (IMediator mediator, HttpContext http, Guid? agreementId, DateOnly? from, DateOnly? to, DateTimeOffset? asOf,
                ReportGrouping? groupBy, string? format, CancellationToken ct) =>
            {
                var served = Exports.Negotiate(http.Request, format);
                var report = await mediator.Send(new GetOutcomesReportQuery(new ReportParameters(agreementId, from, to, asOf, groupBy, format), served), ct);
                await Exports.WriteAsync(http, served, report.Info, report.Rows, ct);
            })
            .WithName("GetOutcomesReport")
            .RequireRoles(Access.ReadReports)
            .WithSummary("Outcomes of closed requests per target group and period")
            .WithDescription(
                "Per period (`groupBy` month, quarter or year, within `from`..`to`, UTC days) a row per target group that has requests, then a row "
                + "with `targetGroupCode` null summing all groups: the requests closed in the period (by the UTC day of closing) by their recorded "
                + "outcome, one column per outcome: `ownFirstHandLease` and `ownSecondHandLease` (the household found housing of its own), "
                + "`socialContractTakeover`, `relocatedThroughNetwork`, `otherOrUnknown`; `closed` is their sum, and `ownHousingShare` the share "
                + "of the closed requests whose household found housing of its own. Only closings recorded at or before `asOf` count. "
                + "Small-cell suppression (PRODUCT §6) as in the allocations report, over rows, columns and their totals: no suppressed count "
                + "can be derived from `closed` or the all-groups row; a share of a suppressed figure is suppressed too. Every download is "
                + "audited. JSON, CSV or XLSX by `format` or `Accept`.")
            .ProducesReport<OutcomesRow>()
            .ProducesProblems(400, 404);

        group.MapGet("/national-survey", async (IMediator mediator, HttpContext http, Guid? agreementId, DateTimeOffset? asOf, string? format,
                CancellationToken ct) =>
            {
                var served = Exports.Negotiate(http.Request, format);
                var report = await mediator.Send(new GetNationalSurveyReportQuery(new ReportParameters(agreementId, null, null, asOf, null, format), served), ct);
                await Exports.WriteAsync(http, served, report.Info, report.Rows, ct);
            })
            .WithName("GetNationalSurveyReport")
            .RequireRoles(Access.ReadReports)
            .WithSummary("People in social contracts on a day, for the national surveys")
            .WithDescription(
                "The figures Socialstyrelsen's homelessness mapping and Boverket's yearly housing-market survey ask for, on the UTC day of "
                + "`asOf` (default now), in one row: `households` in a social contract (leases started by that day and not ended on or before it, "
                + "as recorded at or before `asOf`), their `adults` split into `adultWomen`, `adultMen` and `adultsSexNotRecorded` (requests "
                + "that do not record the adults' sex), and `children`. Counts only, over all target groups. Suppression (PRODUCT §6): a figure "
                + "from 1 to `suppressionThreshold` − 1 is null and named in `suppressed` when a household of a sensitive target group is among "
                + "those counted, and then as many other adult figures as keep it from being derived from `adults`. Every download is audited. "
                + "JSON, CSV or XLSX by `format` or `Accept`.")
            .ProducesReport<NationalSurveyRow>()
            .ProducesProblems(400, 404);
    }
}
