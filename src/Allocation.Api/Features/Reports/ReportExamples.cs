using System.Text.Json;
using Allocation.Api.Infrastructure;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;

namespace Allocation.Api.Features.Reports;

/// <summary>
/// The contract's JSON examples of the reports per target group: a sensitive group's small counts suppressed together with
/// their complements, serialized with the API's own JSON options so an example is what the API writes.
/// </summary>
internal static class ReportExamples
{
    private static readonly DateTimeOffset AsOf = new(2027, 1, 15, 9, 30, 0, TimeSpan.Zero);
    private static readonly DateOnly Start = new(2026, 10, 1), End = new(2026, 12, 31);
    private static readonly string Women = Persistence.SeedData.TargetGroups[0].Code, Families = Persistence.SeedData.TargetGroups[1].Code;

    public static readonly AllocationsRow[] Allocations =
    [
        new(Start, End, Women, 7, 6, 0, 8, null, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, null, null, 21, 38, null, 0.4m,
            ["housed", "medianDaysSubmittedToHoused", "p90DaysSubmittedToHoused", "housedShare"]),
        new(Start, End, Families, 12, 11, 2, 14, null, 2, 1, 3, 0, 1, 1, 1, 2, 3, 1, 74, 118, 12, 30, null, 0.25m,
            ["housed", "housedShare"]),
        new(Start, End, null, 19, 17, 2, 22, 11, 2, 1, 3, 0, 1, 1, 1, 2, 3, 1, 70, 121, 15, 36, null, null, []),
    ];

    public static readonly OutcomesRow[] Outcomes =
    [
        new(Start, End, Women, 5, 0, 0, 0, 0, 5, 1m, []),
        new(Start, End, Families, 9, 4, 2, 0, 1, 16, 0.8125m, []),
        new(Start, End, null, 14, 4, 2, 0, 1, 21, 0.8571m, []),
    ];

    public static readonly NationalSurveyRow[] NationalSurvey = [new(DateOnly.FromDateTime(AsOf.UtcDateTime), 112, 141, 83, 49, 9, 176, [])];

    /// <summary>Shows the report as JSON, its header and these rows, on the operation's 200 response.</summary>
    public static RouteHandlerBuilder WithReportExample<TRow>(this RouteHandlerBuilder builder, string report, IReadOnlyList<TRow> rows, bool periods = true) =>
        builder.AddOpenApiOperationTransformer((operation, context, _) =>
        {
            var json = context.ApplicationServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
            var given = new SortedDictionary<string, string?>(StringComparer.Ordinal)
            {
                ["agreementId"] = Persistence.SeedData.BotkyrkaAgreement.ToString(),
                ["asOf"] = AsOf.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
            };
            if (periods) given["groupBy"] = "Quarter";
            var document = new ReportDocument<TRow>(report, AsOf, given, Domain.Suppression.DefaultThreshold, rows);
            if (operation.Responses?.TryGetValue("200", out var response) == true && response.Content?.TryGetValue("application/json", out var media) == true
                && media is OpenApiMediaType { Example: null } json200)
                json200.Example = JsonSerializer.SerializeToNode(document, json);
            return Task.CompletedTask;
        });
}
