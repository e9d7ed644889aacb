using System.Text.Json;
using System.Text.Json.Serialization;
using Allocation.Api.Features.Agreements;
using Allocation.Api.Features.AuditTrail;
using Allocation.Api.Features.Events;
using Allocation.Api.Features.Forecasts;
using Allocation.Api.Features.Webhooks;
using Allocation.Api.Features.AllocationRequests;
using Allocation.Api.Features.Leases;
using Allocation.Api.Features.Network;
using Allocation.Api.Features.Offers;
using Allocation.Api.Features.Queue;
using Allocation.Api.Features.Apartments;
using Allocation.Api.Features.HousingCompanies;
using Allocation.Api.Features.Reports;
using Allocation.Api.Features.Reservations;
using Allocation.Api.Features.Retention;
using Allocation.Api.Features.Settlement;
using Allocation.Api.Features.TargetGroups;
using Allocation.Api.Infrastructure;
using Allocation.Api.Infrastructure.Audit;
using Allocation.Api.Infrastructure.Auth;
using Allocation.Api.Persistence;
using FluentValidation;

if (args is ["healthcheck", ..]) return await HealthProbe.RunAsync(args);
var builder = WebApplication.CreateBuilder(args);
if (args is ["token", ..]) return DevelopmentTokens.Command(args, builder.Configuration, builder.Environment, Console.Out, Console.Error);

builder.Logging.ClearProviders().AddJsonLines();
if (!StartupChecks.ConfigurationIsComplete(builder)) return StartupChecks.ConfigurationExitCode;
builder.AddObservability();
builder.WebHost.ConfigureKestrel(o =>
{
    o.AddServerHeader = false; // naming the server software helps only an attacker
    // Latin-1 maps every byte: a non-ASCII header (say, in If-Match) reaches the API and gets a problem, not an empty 400.
    o.RequestHeaderEncodingSelector = _ => System.Text.Encoding.Latin1;
});
// Scoped handlers use the DbContext: a lifetime mistake must fail at start-up, in every environment.
builder.Host.UseDefaultServiceProvider(o => { o.ValidateScopes = true; o.ValidateOnBuild = true; });

var (connectionString, localPostgres) = await Database.ResolveAsync(builder);
builder.Services.AddHttpContextAccessor();
builder.Services.AddScoped<AuditContext>();
builder.Services.AddSingleton<AuditInterceptor>();
builder.Services.AddSingleton<PartnerEventInterceptor>();
// Pooled: a request rents a context instead of building one (and its internal services) anew; the scope's caller and
// audit context are set on each lease.
builder.Services.AddPooledDbContextFactory<AllocationDbContext>((services, o) =>
    AllocationDbContext.Configure(o, connectionString, builder.Configuration.GetValue<int?>("Database:CommandTimeoutSeconds"))
        .AddInterceptors(services.GetRequiredService<AuditInterceptor>(), services.GetRequiredService<PartnerEventInterceptor>()));
builder.Services.AddScoped(AllocationDbContext.Lease);
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddScoped<QueueRanking>();
builder.Services.AddScoped<QueuePages>();
builder.Services.AddScoped<DeadlineSettlement>();
builder.Services.AddSingleton<DeadlineWatch>();
builder.Services.AddHostedService<DeadlineSweep>();
builder.Services.AddSingleton<RetentionPeriods>();
builder.Services.AddScoped<RequestRetention>();
builder.Services.AddHostedService<RetentionSweep>();
// PRODUCT §7: the reciprocity rule; without Network:ReciprocityThreshold it is off.
builder.Services.AddSingleton(new Allocation.Domain.Network.ReciprocityRule(builder.Configuration.GetValue<int?>("Network:ReciprocityThreshold")));
builder.Services.AddScoped<WebhookDispatcher>();
builder.Services.AddHostedService<WebhookDeliveryService>();
builder.Services.AddWebhookHttpClient();

builder.Services.AddMediator(o =>
{
    o.ServiceLifetime = ServiceLifetime.Scoped;
    // Audit outermost, so refusals are audited too; due offers and reservations are settled before any handler reads or decides.
    o.PipelineBehaviors = [typeof(AuditBehavior<,>), typeof(ValidationBehavior<,>), typeof(SettlementBehavior<,>)];
});
builder.Services.AddValidatorsFromAssemblyContaining<Program>(ServiceLifetime.Singleton, includeInternalTypes: true);
ValidatorOptions.Global.DisplayNameResolver = (_, member, _) => member is null ? null : JsonNamingPolicy.CamelCase.ConvertName(member.Name);

builder.Services.ConfigureHttpJsonOptions(o =>
{
    var json = o.SerializerOptions;
    json.NumberHandling = JsonNumberHandling.Strict; // numbers are numbers, in the API and in its contract
    // Enum values are written as named in the domain (e.g. TakenOver): the same spelling in JSON, query strings and problems.
    json.Converters.Add(new JsonStringEnumConverter(namingPolicy: null, allowIntegerValues: false));
    json.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow; // a misspelt field is an error, not a silent default
    json.RespectNullableAnnotations = true;
    json.RespectRequiredConstructorParameters = true;
});
builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true); // binding errors become problem+json too
builder.Services.AddProblemDetails(o => o.CustomizeProblemDetails = Problems.AddStatusCode);
builder.Services.AddExceptionHandler<ProblemExceptionHandler>();

builder.AddAllocationAuthentication();
builder.Services.AddSingleton<CaseReferenceProtector>();
builder.AddAbuseLimits();
builder.Services.AddHealthChecks().AddDbContextCheck<AllocationDbContext>("database", tags: ["ready"]).AddCheck<PendingMigrationsHealthCheck>("migrations", tags: ["ready"]);
builder.Services.AddOpenApi("v1", o => { OpenApi.Configure(o); o.AddDocumentTransformer(WebhookContract.Describe); });

var app = builder.Build();
if (!Database.IsBuildTimeDocumentGeneration)
    app.Services.GetRequiredService<CaseReferenceProtector>(); // missing encryption keys stop the start, not the first request

app.UseRequestLog();
app.UseSecurityHeaders();
app.UseExceptionHandler();
app.UseStatusCodePages();
// Swagger UI is static pages, open to anyone like the contract itself; calls made from it carry the user's token.
app.UseSwaggerUI(o =>
{
    o.RoutePrefix = "swagger";
    o.SwaggerEndpoint("/openapi/v1.json", "Allocation API v1");
});
app.UseRequestBodyLimit(app.Configuration);
app.UseUtf8Bodies();
app.UseAuthentication();
app.UseRateLimiter(); // after authentication: the limit is per client
app.UseAuthorization();
app.UseContentNegotiation(); // 406 before anything runs, and before the idempotency middleware keeps a response
app.UseMiddleware<IdempotencyMiddleware>(); // after authentication: keys are scoped per client
app.UseExceptionHandler(); // again inside: refusals become responses the idempotency middleware can keep and replay

app.MapOpenApi("/openapi/{documentName}.json").AllowAnonymous();
app.MapHealthChecks("/health/live", new() { Predicate = _ => false }).AllowAnonymous();
app.MapHealthChecks("/health/ready", new() { Predicate = check => check.Tags.Contains("ready") }).AllowAnonymous();

app.MapAgreementEndpoints();
app.MapTargetGroupEndpoints();
app.MapHousingCompanyEndpoints();
app.MapApartmentEndpoints();
app.MapReservationEndpoints();
app.MapAllocationRequestEndpoints();
app.MapQueueEndpoints();
app.MapOfferEndpoints();
app.MapLeaseEndpoints();
app.MapAuditTrailEndpoints();
app.MapEventEndpoints();
app.MapWebhookEndpoints();
app.MapReportEndpoints();
app.MapNetworkEndpoints();
app.MapForecastEndpoints();
Allocation.Api.Dashboard.DashboardEndpoints.MapDashboard(app); // the page of issue 14, outside the contract

if (app.Configuration.GetValue<bool>("Database:MigrateOnStartup"))
    await Database.MigrateAsync(app.Services);

await app.RunAsync();
if (localPostgres is not null) await localPostgres.StopAsync();
return 0;

public partial class Program;
