using Allocation.Api.Infrastructure.Auth;
using Allocation.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Allocation.Api.Persistence;

public sealed class AllocationDbContext : DbContext
{
    private Caller? caller;

    /// <summary>The only constructor, as pooling requires: each lease is given its caller and audit context by <see cref="Lease"/>; a context made directly acts unscoped, as the system.</summary>
    public AllocationDbContext(DbContextOptions<AllocationDbContext> options) : base(options)
    {
    }

    /// <summary>Who this scope acts for, as the audit entries of its changes name them (<see cref="Infrastructure.Audit.AuditInterceptor"/>).</summary>
    public Infrastructure.Audit.AuditContext? Audit { get; private set; }

    /// <summary>
    /// A pooled context for one scope: its caller's filters and its audit context. The pool resets everything EF keeps
    /// (tracked entities, transaction, connection) when the scope ends; these two are set anew on every lease.
    /// </summary>
    public static AllocationDbContext Lease(IServiceProvider services)
    {
        var db = services.GetRequiredService<IDbContextFactory<AllocationDbContext>>().CreateDbContext();
        db.caller = services.GetRequiredService<Caller>();
        db.Audit = services.GetRequiredService<Infrastructure.Audit.AuditContext>();
        return db;
    }

    // What the caller may see (PRODUCT §6, §12), applied to every query as global filters below. EF reads these
    // per query from this context instance, so each request sees its own caller's scope.
    // Each limit is null when it does not apply, and a filter says "limit == null || column == limit", the null test
    // wrapped in EF.Parameter (else EF Core would evaluate it here and send its result as a boolean parameter). EF Core
    // makes its statement per combination of null parameters and leaves out what is decided by that alone: a municipality's read
    // sends a plain "municipality_code = $1", the system's no condition at all. A boolean parameter ("$1 OR …") would
    // stay in the SQL, cost planning time on every read, and make a cached generic plan blind to the municipality index.
    // A limit that applies but has no value (its claim is missing) is NoMatch: it matches no row.
    private bool Unscoped => caller is null || caller.IsSystem;
    private string? MunicipalityLimit => Unscoped ? null : caller!.Municipality ?? NoMatch;
    private Guid? HousingCompanyLimit => !Unscoped && caller!.IsHousingCompanyOnly ? caller.HousingCompanyId ?? Guid.Empty : null;
    private string? UnitLimit => !Unscoped && caller!.IsCaseOfficerOnly ? caller.Unit ?? NoMatch : null;
    private string? NetworkPartnerLimit => !Unscoped && caller!.IsNetworkPartnerOnly ? NoMatch : null;
    private string? CallerClient => caller?.Client;
    private const string NoMatch = "";

    public DbSet<Municipality> Municipalities => Set<Municipality>();
    public DbSet<HousingCompany> HousingCompanies => Set<HousingCompany>();
    public DbSet<TargetGroup> TargetGroups => Set<TargetGroup>();
    public DbSet<Agreement> Agreements => Set<Agreement>();
    public DbSet<TargetShareChange> TargetShareChanges => Set<TargetShareChange>();
    public DbSet<Apartment> Apartments => Set<Apartment>();
    public DbSet<ApartmentStatusChange> ApartmentStatusChanges => Set<ApartmentStatusChange>();
    public DbSet<AllocationRequest> AllocationRequests => Set<AllocationRequest>();
    public DbSet<RequestStatusChange> RequestStatusChanges => Set<RequestStatusChange>();
    public DbSet<Offer> Offers => Set<Offer>();
    public DbSet<Reservation> Reservations => Set<Reservation>();
    public DbSet<Lease> Leases => Set<Lease>();
    public DbSet<FollowUp> FollowUps => Set<FollowUp>();
    public DbSet<Domain.Network.NetworkMember> NetworkMembers => Set<Domain.Network.NetworkMember>();
    public DbSet<Domain.Network.RelocationRequest> RelocationRequests => Set<Domain.Network.RelocationRequest>();
    public DbSet<Domain.Network.RelocationOffer> RelocationOffers => Set<Domain.Network.RelocationOffer>();
    public DbSet<Infrastructure.Audit.AuditEntry> AuditEntries => Set<Infrastructure.Audit.AuditEntry>();
    public DbSet<Infrastructure.IdempotencyRecord> IdempotencyRecords => Set<Infrastructure.IdempotencyRecord>();
    public DbSet<Features.Events.PartnerEvent> PartnerEvents => Set<Features.Events.PartnerEvent>();
    public DbSet<Features.Webhooks.WebhookSubscription> WebhookSubscriptions => Set<Features.Webhooks.WebhookSubscription>();
    public DbSet<Features.Webhooks.WebhookDelivery> WebhookDeliveries => Set<Features.Webhooks.WebhookDelivery>();

    /// <summary>Loads an agreement with its row locked until the transaction ends, so quota decisions see the current stock.</summary>
    public Task<Agreement?> LockAgreementAsync(Guid id, CancellationToken ct, bool bypassScope = false) =>
        Scope(Agreements.FromSql($"SELECT *, xmin FROM agreements WHERE id = {id} FOR UPDATE"), bypassScope)
            .Include(a => a.TargetGroups)
            .SingleOrDefaultAsync(ct);

    // Row locks for state changes. Every command locks in the same order — offer or lease, apartment, request,
    // agreement, reservation — so concurrent commands queue instead of deadlocking, and each sees the state the previous one left.
    // The resource a command is about is locked within the caller's scope (not visible = not found); the rows it moves
    // along with it (an offer's apartment and request, a lease's agreement) are reached through it: bypassScope.
    public Task<Offer?> LockOfferAsync(Guid id, CancellationToken ct) =>
        Offers.FromSql($"SELECT *, xmin FROM offers WHERE id = {id} FOR UPDATE").SingleOrDefaultAsync(ct);

    public Task<Apartment?> LockApartmentAsync(Guid id, CancellationToken ct, bool bypassScope = false) =>
        Scope(Apartments.FromSql($"SELECT *, xmin FROM apartments WHERE id = {id} FOR UPDATE"), bypassScope).SingleOrDefaultAsync(ct);

    public Task<AllocationRequest?> LockRequestAsync(Guid id, CancellationToken ct, bool bypassScope = false) =>
        Scope(AllocationRequests.FromSql($"SELECT *, xmin FROM allocation_requests WHERE id = {id} FOR UPDATE"), bypassScope).SingleOrDefaultAsync(ct);

    /// <summary>The apartment's reservation that has not ended (at most one), locked; the caller holds the apartment's lock.</summary>
    public Task<Reservation?> LockUnendedReservationAsync(Guid apartmentId, CancellationToken ct) =>
        Reservations.FromSql($"SELECT *, xmin FROM reservations WHERE apartment_id = {apartmentId} AND ended_at IS NULL FOR UPDATE")
            .IgnoreQueryFilters().SingleOrDefaultAsync(ct);

    public Task<Lease?> LockLeaseAsync(Guid id, CancellationToken ct) =>
        Leases.FromSql($"SELECT *, xmin FROM leases WHERE id = {id} FOR UPDATE").SingleOrDefaultAsync(ct);

    // Network rows: a relocation request is locked before its offers, and an offer before its apartment (the order above).
    public Task<Domain.Network.RelocationRequest?> LockRelocationRequestAsync(Guid id, CancellationToken ct, bool bypassScope = false) =>
        Scope(RelocationRequests.FromSql($"SELECT *, xmin FROM relocation_requests WHERE id = {id} FOR UPDATE"), bypassScope).SingleOrDefaultAsync(ct);

    public Task<Domain.Network.RelocationOffer?> LockRelocationOfferAsync(Guid id, CancellationToken ct) =>
        RelocationOffers.FromSql($"SELECT *, xmin FROM relocation_offers WHERE id = {id} FOR UPDATE").SingleOrDefaultAsync(ct);

    /// <summary>A request's open offers, locked in id order: reached through the request, so across members (bypassScope).</summary>
    public Task<List<Domain.Network.RelocationOffer>> LockOpenRelocationOffersAsync(Guid relocationRequestId, CancellationToken ct) =>
        RelocationOffers.FromSql($"SELECT *, xmin FROM relocation_offers WHERE relocation_request_id = {relocationRequestId} AND status = 'Open' ORDER BY id FOR UPDATE")
            .IgnoreQueryFilters().ToListAsync(ct);

    /// <summary>
    /// The apartments' and requests' scope filters by name: a query that reaches them through a record in the caller's
    /// scope (an offer's apartment and request) ignores these two and keeps every other filter.
    /// </summary>
    public const string ApartmentScope = "ApartmentScope", RequestScope = "RequestScope";

    private static IQueryable<T> Scope<T>(IQueryable<T> query, bool bypassScope) where T : class => bypassScope ? query.IgnoreQueryFilters() : query;

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(AllocationDbContext).Assembly);
        // Ids are made by the domain (time-ordered UUIDs), never by the database: so a new row reached through a
        // navigation (e.g. an appended history row) is inserted, not mistaken for an existing one.
        foreach (var key in modelBuilder.Model.GetEntityTypes().Select(e => e.FindPrimaryKey()).OfType<Microsoft.EntityFrameworkCore.Metadata.IMutableKey>())
            if (key.Properties is [{ ClrType: var type } id] && type == typeof(Guid)) id.ValueGenerated = Microsoft.EntityFrameworkCore.Metadata.ValueGenerated.Never;
        SeedData.Apply(modelBuilder);

        modelBuilder.Entity<Agreement>().HasQueryFilter(a => EF.Parameter(MunicipalityLimit) == null
            || (a.MunicipalityCode == MunicipalityLimit && (EF.Parameter(HousingCompanyLimit) == null || a.HousingCompanyId == HousingCompanyLimit)));
        modelBuilder.Entity<Apartment>().HasQueryFilter(ApartmentScope, a => EF.Parameter(MunicipalityLimit) == null
            || (a.MunicipalityCode == MunicipalityLimit && (EF.Parameter(HousingCompanyLimit) == null || a.HousingCompanyId == HousingCompanyLimit)));
        modelBuilder.Entity<Reservation>().HasQueryFilter(r => EF.Parameter(MunicipalityLimit) == null
            || (r.MunicipalityCode == MunicipalityLimit && (EF.Parameter(HousingCompanyLimit) == null || r.HousingCompanyId == HousingCompanyLimit)));
        modelBuilder.Entity<AllocationRequest>().HasQueryFilter(RequestScope, r => EF.Parameter(MunicipalityLimit) == null
            || (r.MunicipalityCode == MunicipalityLimit && EF.Parameter(HousingCompanyLimit) == null && (EF.Parameter(UnitLimit) == null || r.OwningUnit == UnitLimit)));
        modelBuilder.Entity<Offer>().HasQueryFilter(o => EF.Parameter(MunicipalityLimit) == null
            || (o.MunicipalityCode == MunicipalityLimit && (EF.Parameter(HousingCompanyLimit) == null || o.HousingCompanyId == HousingCompanyLimit)
                && (EF.Parameter(UnitLimit) == null || o.OwningUnit == UnitLimit)));
        modelBuilder.Entity<Lease>().HasQueryFilter(l => EF.Parameter(MunicipalityLimit) == null
            || (l.MunicipalityCode == MunicipalityLimit && (EF.Parameter(HousingCompanyLimit) == null || l.HousingCompanyId == HousingCompanyLimit)
                && (EF.Parameter(UnitLimit) == null || l.OwningUnit == UnitLimit)));
        // PRODUCT §7, §12: a relocation request is the origin's record, like its allocation requests. Other members see
        // only a minimal view of it, through Features/Network/NetworkView, the one place that reads past this filter.
        modelBuilder.Entity<Domain.Network.RelocationRequest>().HasQueryFilter(r => EF.Parameter(MunicipalityLimit) == null
            || (r.MunicipalityCode == MunicipalityLimit && EF.Parameter(HousingCompanyLimit) == null && (EF.Parameter(UnitLimit) == null || r.OwningUnit == UnitLimit)));
        // A network offer is shared by its two parties only: the destination (whose apartment it is; its housing company
        // confirms the lease) and the origin (which answers it). No third member sees it.
        modelBuilder.Entity<Domain.Network.RelocationOffer>().HasQueryFilter(o => EF.Parameter(MunicipalityLimit) == null
            || (EF.Parameter(UnitLimit) == null
                && ((o.MunicipalityCode == MunicipalityLimit && (EF.Parameter(HousingCompanyLimit) == null || o.HousingCompanyId == HousingCompanyLimit))
                    || (o.OriginMunicipalityCode == MunicipalityLimit && EF.Parameter(HousingCompanyLimit) == null))));
        // PRODUCT §6: the case officer's follow-ups of a household are social services' notes, not the landlord's to read.
        modelBuilder.Entity<FollowUp>().HasQueryFilter(f => EF.Parameter(MunicipalityLimit) == null || EF.Parameter(HousingCompanyLimit) == null);
        modelBuilder.Entity<Infrastructure.Audit.AuditEntry>().HasQueryFilter(e => EF.Parameter(MunicipalityLimit) == null || e.Municipality == MunicipalityLimit);
        // A subscription is its creating client's own.
        modelBuilder.Entity<Features.Webhooks.WebhookSubscription>().HasQueryFilter(s => EF.Parameter(MunicipalityLimit) == null
            || (s.Municipality == MunicipalityLimit && s.Client == CallerClient));
        modelBuilder.Entity<Features.Events.PartnerEvent>().HasQueryFilter(e => EF.Parameter(MunicipalityLimit) == null
            || (e.Municipality == MunicipalityLimit && (EF.Parameter(HousingCompanyLimit) == null || e.HousingCompanyId == HousingCompanyLimit)
                && (EF.Parameter(UnitLimit) == null || e.OwningUnit == UnitLimit)
                && (EF.Parameter(NetworkPartnerLimit) == null || Features.Network.NetworkEvents.ResourceTypes.Contains(e.ResourceType))));
    }

    /// <summary>
    /// The connection string with Npgsql's automatic preparation on, unless it sets <c>Max Auto Prepare</c> itself: a
    /// statement a pooled connection has run five times is prepared there, and PostgreSQL then reuses its plan instead
    /// of planning it again, which was most of a short read's database time (issue 12, RESULTS.md). It is safe because
    /// the scope filters above are plain conditions: a cached generic plan still sees "municipality_code = $1".
    /// </summary>
    public static string WithPreparedStatements(string connectionString)
    {
        var given = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString };
        if (given.ContainsKey("Max Auto Prepare") || given.ContainsKey("MaxAutoPrepare")) return connectionString;
        return new Npgsql.NpgsqlConnectionStringBuilder(connectionString) { MaxAutoPrepare = MaxPreparedStatements }.ConnectionString;
    }

    /// <summary>How many statements each connection keeps prepared: every hot read and command, with room to spare.</summary>
    public const int MaxPreparedStatements = 100;

    /// <summary>Database:CommandTimeoutSeconds when not configured: how long one statement may run before the request fails with 503.</summary>
    public const int DefaultCommandTimeoutSeconds = 30;

    public static DbContextOptionsBuilder Configure(DbContextOptionsBuilder options, string connectionString, int? commandTimeoutSeconds = null) =>
        // PRODUCT §11: a stalled database must end a request (503) rather than hold it, and its connection, indefinitely.
        options.UseNpgsql(WithPreparedStatements(connectionString), npgsql => npgsql.MigrationsHistoryTable("__ef_migrations_history")
                .CommandTimeout(commandTimeoutSeconds ?? DefaultCommandTimeoutSeconds))
            .UseSnakeCaseNamingConvention()
            // EF logs every failed command at Error, though a constraint violation is an expected refusal (409) and a lost
            // connection a 503. The exception handler and the background loops log what is unexpected at Error and
            // outages at Warning, so EF's own entries would only cry wolf.
            .ConfigureWarnings(w => w.Log(
                (RelationalEventId.CommandError, LogLevel.Debug),
                (CoreEventId.SaveChangesFailed, LogLevel.Debug),
                (CoreEventId.QueryIterationFailed, LogLevel.Debug),
                (RelationalEventId.ConnectionError, LogLevel.Debug)));
}
