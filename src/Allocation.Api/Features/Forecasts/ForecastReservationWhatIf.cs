using System.Globalization;
using Allocation.Api.Features.Agreements;
using Allocation.Api.Features.Reports;
using Allocation.Api.Infrastructure;
using Allocation.Api.Infrastructure.Audit;
using Allocation.Api.Persistence;
using Allocation.Domain;
using Allocation.Domain.Forecasting;
using FluentValidation;
using FluentValidation.Results;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Allocation.Api.Features.Forecasts;

/// <summary>The what-if question (PRODUCT §5.3): keep up to k apartments of an agreement reserved for one target group, each for at most some days, against no reservation.</summary>
/// <param name="AgreementId">The agreement whose history and stock the forecast is made from (404 when the caller's municipality has no such agreement).</param>
/// <param name="TargetGroupCode">The target group the apartments would be reserved for; one of the agreement's groups (409 target-group-not-in-agreement otherwise).</param>
/// <param name="Apartments">k: how many apartments may be reserved at once; at most the agreement's stock (400 otherwise).</param>
/// <param name="ReservationDays">How many days a reservation lasts at most; after them the apartment is offered to the queue.</param>
/// <param name="HorizonDays">How many days ahead, from now, to simulate (at most five years).</param>
/// <param name="Runs">How many runs to simulate; more runs give steadier figures. So that a forecast answers in seconds, runs × the stock's apartments is at most 3,000,000 and runs × the requests expected over the horizon at most 10,000,000 (400 otherwise).</param>
/// <param name="Seed">Any whole number: the same seed with the same history gives the same answer; another seed, other random runs.</param>
public sealed record ReservationWhatIfRequest(Guid AgreementId, string TargetGroupCode, int Apartments, int ReservationDays, int HorizonDays, int Runs, int Seed);

/// <summary>A forecast reads the agreement's history like a report and is audited like one (PRODUCT §6).</summary>
public sealed record ForecastReservationWhatIfQuery(ReservationWhatIfRequest Body) : IQuery<ReservationForecastResponse>, IAuditedReport
{
    public const string Name = "reservation-what-if";

    public Guid? AgreementId => Body.AgreementId;

    public string AuditDetail => string.Create(CultureInfo.InvariantCulture,
        $"{Name} targetGroupCode={Body.TargetGroupCode} apartments={Body.Apartments} reservationDays={Body.ReservationDays} horizonDays={Body.HorizonDays} runs={Body.Runs} seed={Body.Seed}");
}

public sealed class ForecastReservationWhatIfValidator : AbstractValidator<ForecastReservationWhatIfQuery>
{
    /// <summary>Simulated runs × apartments: about five seconds of work on two cores at the largest horizon (300 apartments, 10,000 runs).</summary>
    public const int MaxApartmentRuns = 3_000_000;

    /// <summary>Simulated runs × the requests expected over the horizon: the other half of a run's work.</summary>
    public const int MaxRequestRuns = 10_000_000;

    public ForecastReservationWhatIfValidator()
    {
        RuleFor(q => q.Body.AgreementId).NotEmpty();
        RuleFor(q => q.Body.TargetGroupCode).NotEmpty().MaximumLength(60).Matches("^[a-z0-9]+(-[a-z0-9]+)*$");
        RuleFor(q => q.Body.Apartments).InclusiveBetween(1, AgreementRules.MaxQuota);
        RuleFor(q => q.Body.ReservationDays).InclusiveBetween(1, ReservationWhatIf.MaxReservationDays);
        RuleFor(q => q.Body.HorizonDays).InclusiveBetween(1, ReservationWhatIf.MaxHorizonDays);
        RuleFor(q => q.Body.Runs).InclusiveBetween(1, ReservationWhatIf.MaxRuns);
    }
}

public sealed class ForecastReservationWhatIfHandler(AllocationDbContext db, TimeProvider clock, IConfiguration configuration)
    : IQueryHandler<ForecastReservationWhatIfQuery, ReservationForecastResponse>
{
    private const int Decimals = 6;

    internal static readonly string[] Assumptions =
    [
        "The inputs are the agreement's whole recorded history, from its creation to now; the simulation starts from the stock and queue as they are now.",
        "The stock keeps its size: an apartment taken over or returned is replaced at once.",
        "Requests arrive per target group at random (a Poisson stream); each 30-day month draws the group's daily rate afresh from a gamma distribution with the observed mean and month-to-month variance, or keeps the mean when the months vary no more than chance would.",
        "The queue is ordered by priority rank, then time of arrival. Urgency, household needs and apartment features are not modelled: every household may take every apartment, except that only the target group may take a reserved one.",
        "When a vacant apartment and a household that may take it meet, the offer follows after a lead time drawn from the observed ones; the apartment counts as vacant until the offer is made.",
        "The household answers at once. It accepts with the observed probability (an offer left to expire counts as not accepted; withdrawn offers are left out), and the apartment is then occupied for an exponentially distributed time with the observed mean (leased days of all leases, running ones so far, divided by the leases that ended). Or it declines: it returns to its place in the queue, is not offered that apartment again, and the apartment goes to the next household.",
        "Requests leave the queue only with an offer: withdrawals and households that find housing of their own are not modelled, so waits come out rather too long than too short.",
        "The reservation policy reserves each apartment that becomes vacant while fewer than k are reserved (at the start, the first k vacant ones). A reservation ends when the group is offered the apartment, or unused after the reservation's days, when the apartment is offered to the queue.",
        "Both policies are simulated over the same random arrivals, answers and lease lengths in each run, so the change shows the policy's effect rather than chance.",
        "Days to offer count the requests arriving in the horizon, from arrival to first offer; one still waiting at the horizon's end counts the days it has waited. Vacancy cost is vacant days times the stock's mean daily rent.",
    ];

    public async ValueTask<ReservationForecastResponse> Handle(ForecastReservationWhatIfQuery query, CancellationToken ct)
    {
        var body = query.Body;
        var now = clock.GetUtcNow();
        var history = await ReadAsync(body, now, ct);

        // PRODUCT §5.3: with too little history the forecast says so instead of inventing numbers.
        var approved = history.Approvals.Count;
        if (approved < ForecastEstimation.MinApprovedRequests)
            throw new DomainRuleException("insufficient-history",
                $"Only {approved} requests have been approved under this agreement; a forecast needs at least {ForecastEstimation.MinApprovedRequests}.");
        var window = (now - history.CreatedAt).TotalDays;
        if (window < ForecastEstimation.MonthDays)
            throw new DomainRuleException("insufficient-history",
                $"The agreement's history covers {Math.Floor(window):0} days; a forecast needs at least {ForecastEstimation.MonthDays:0} to take rates from.");
        var estimates = Estimate(history, now);
        if (estimates.Acceptance is { Answered: > 0, Accepted: 0 })
            throw new DomainRuleException("insufficient-history", "No offer under this agreement has been accepted yet; a forecast needs at least one.");
        if (estimates.Occupancy.MeanDays == 0)
            throw new DomainRuleException("insufficient-history", "The leases under this agreement have lasted no whole day yet; a forecast needs a lease that did.");

        // Bounded work: a run's work grows with the stock and with the requests arriving over the horizon.
        var stock = history.Apartments.Count;
        var arriving = estimates.Arrivals.Sum(a => a.PerDay) * body.HorizonDays;
        var failures = new List<ValidationFailure>();
        if (body.Apartments > stock)
            failures.Add(new ValidationFailure("Body.Apartments", $"apartments must be at most the agreement's stock, {stock}."));
        if ((long)body.Runs * stock > ForecastReservationWhatIfValidator.MaxApartmentRuns)
            failures.Add(new ValidationFailure("Body.Runs",
                $"runs must be at most {ForecastReservationWhatIfValidator.MaxApartmentRuns / stock} for a stock of {stock} apartments (runs × apartments ≤ {ForecastReservationWhatIfValidator.MaxApartmentRuns})."));
        else if (body.Runs * arriving > ForecastReservationWhatIfValidator.MaxRequestRuns)
            failures.Add(new ValidationFailure("Body.Runs",
                $"runs must be at most {Math.Floor(ForecastReservationWhatIfValidator.MaxRequestRuns / arriving):0} for the {arriving:0} requests expected over the horizon (runs × expected requests ≤ {ForecastReservationWhatIfValidator.MaxRequestRuns})."));
        if (failures.Count > 0) throw new ValidationException(failures);

        var inputs = new ForecastInputs(
            estimates.Vacant,
            stock - estimates.Vacant - estimates.Offered.Sum(),
            [.. history.Groups.Select((g, i) => new GroupDemand(g.Code, g.PriorityRank, estimates.Arrivals[i].PerDay, estimates.Arrivals[i].DailyRateVariance,
                estimates.Queued[i], estimates.Offered[i]))],
            estimates.LeadTimes,
            estimates.Acceptance.Probability ?? 1,
            estimates.Occupancy.MeanDays,
            estimates.DailyRent);
        var forecast = ReservationWhatIf.Simulate(inputs, new ReservationPolicy(body.TargetGroupCode, body.Apartments, body.ReservationDays),
            new SimulationSettings(body.HorizonDays, body.Runs, body.Seed), ct);

        var reasons = LowConfidence(history, estimates, body, now);
        return new ReservationForecastResponse(body.AgreementId, body.TargetGroupCode, body.Apartments, body.ReservationDays, body.HorizonDays, body.Runs,
            body.Seed, Inputs(history, estimates, inputs, now), reasons.Count > 0, reasons, Assumptions,
            Policy(forecast.Baseline), Policy(forecast.Reservation), Policy(forecast.Change),
            new ForecastReservationsResponse(Figure(forecast.ReservationsStarted), Figure(forecast.ReservationsExpired), Figure(forecast.ReservationsOffered)));
    }

    private sealed record Group(Guid Id, string Code, int PriorityRank, bool IsSensitive);

    private sealed record ApartmentRow(Guid Id, ApartmentStatus Status, DateOnly AvailableFrom, decimal MonthlyRent);

    private sealed record OfferRow(Guid ApartmentId, Guid RequestId, Guid TargetGroupId, DateTimeOffset CreatedAt, OfferStatus Status, DateTimeOffset RespondBy);

    private sealed record History(
        DateTimeOffset CreatedAt,
        IReadOnlyList<Group> Groups,
        IReadOnlyList<(Guid TargetGroupId, DateTimeOffset At)> Approvals,
        IReadOnlyDictionary<Guid, int> Queued,
        IReadOnlyList<ApartmentRow> Apartments,
        IReadOnlyDictionary<Guid, DateOnly> AvailableFrom,
        IReadOnlyList<OfferRow> Offers,
        ILookup<Guid, DateTimeOffset> ApartmentAvailable,
        ILookup<Guid, DateTimeOffset> RequestQueued,
        IReadOnlyList<(DateOnly Start, DateOnly? EndedOn)> Leases);

    private sealed record Estimates(
        IReadOnlyList<ArrivalEstimate> Arrivals,
        int[] Queued,
        int[] Offered,
        int Vacant,
        double[] LeadTimes,
        AcceptanceEstimate Acceptance,
        OccupancyEstimate Occupancy,
        decimal DailyRent);

    /// <summary>The agreement's recorded history up to now, read within the caller's municipality (another's agreement is not found).</summary>
    private async Task<History> ReadAsync(ReservationWhatIfRequest body, DateTimeOffset now, CancellationToken ct)
    {
        var id = body.AgreementId;
        var createdAt = await db.Agreements.AsNoTracking().Where(a => a.Id == id).Select(a => (DateTimeOffset?)a.CreatedAt).SingleOrDefaultAsync(ct)
                        ?? throw new NotFoundException("agreement", id);
        var groups = await db.Set<AgreementTargetGroup>().AsNoTracking().Where(t => t.AgreementId == id)
            .Join(db.TargetGroups, t => t.TargetGroupId, g => g.Id, (_, g) => new Group(g.Id, g.Code, g.PriorityRank, g.IsSensitive))
            .ToListAsync(ct);
        groups = [.. groups.OrderBy(g => g.PriorityRank).ThenBy(g => g.Code, StringComparer.Ordinal)];
        if (groups.All(g => g.Code != body.TargetGroupCode))
            throw new DomainRuleException("target-group-not-in-agreement", $"'{body.TargetGroupCode}' is not one of the agreement's target groups.");

        var requests = db.AllocationRequests.AsNoTracking().Where(r => r.AgreementId == id);
        // An approval is the move from Submitted; a return to the queue after an offer is not a new arrival.
        var approvals = await db.RequestStatusChanges.AsNoTracking()
            .Where(c => c.ToStatus == RequestStatus.Approved && c.FromStatus == RequestStatus.Submitted && c.ChangedAt >= createdAt && c.ChangedAt <= now)
            .Join(requests, c => c.RequestId, r => r.Id, (c, r) => new { r.TargetGroupId, c.ChangedAt })
            .ToListAsync(ct);
        var queued = await requests.Where(r => r.Status == RequestStatus.Approved).GroupBy(r => r.TargetGroupId)
            .Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Key, g => g.Count, ct);
        var requestQueued = await db.RequestStatusChanges.AsNoTracking().Where(c => c.ToStatus == RequestStatus.Approved && c.ChangedAt <= now)
            .Join(requests, c => c.RequestId, r => r.Id, (c, _) => new { c.RequestId, c.ChangedAt })
            .ToListAsync(ct);

        var apartments = db.Apartments.AsNoTracking().Where(a => a.AgreementId == id);
        var all = await apartments.Select(a => new ApartmentRow(a.Id, a.Status, a.AvailableFrom, a.MonthlyRent)).ToListAsync(ct);
        var available = await db.ApartmentStatusChanges.AsNoTracking().Where(c => c.ToStatus == ApartmentStatus.Available && c.ChangedAt <= now)
            .Join(apartments, c => c.ApartmentId, a => a.Id, (c, _) => new { c.ApartmentId, c.ChangedAt })
            .ToListAsync(ct);
        var offers = await db.Offers.AsNoTracking().Where(o => o.AgreementId == id && o.CreatedAt <= now)
            .Join(requests, o => o.RequestId, r => r.Id, (o, r) => new OfferRow(o.ApartmentId, o.RequestId, r.TargetGroupId, o.CreatedAt, o.Status, o.RespondBy))
            .ToListAsync(ct);
        var leases = await db.Leases.AsNoTracking().Where(l => l.AgreementId == id).Select(l => new { l.StartDate, l.EndedOn }).ToListAsync(ct);

        return new History(createdAt, groups,
            [.. approvals.Select(a => (a.TargetGroupId, a.ChangedAt))],
            queued,
            [.. all.Where(a => a.Status.IsInStock())],
            all.ToDictionary(a => a.Id, a => a.AvailableFrom),
            offers,
            available.ToLookup(c => c.ApartmentId, c => c.ChangedAt),
            requestQueued.ToLookup(c => c.RequestId, c => c.ChangedAt),
            [.. leases.Select(l => (l.StartDate, l.EndedOn))]);
    }

    private static Estimates Estimate(History history, DateTimeOffset now)
    {
        var arrivals = history.Groups
            .Select(g => ForecastEstimation.Arrivals(history.Approvals.Where(a => a.TargetGroupId == g.Id).Select(a => a.At), history.CreatedAt, now))
            .ToList();
        var open = history.Offers.Where(o => o.Status == OfferStatus.Open && o.RespondBy > now).ToList();

        // Each offer's lead time runs from when its apartment last became available and its household last entered the queue.
        var leadTimes = new List<double>();
        foreach (var offer in history.Offers)
        {
            var availableSince = history.ApartmentAvailable[offer.ApartmentId].Where(at => at <= offer.CreatedAt).DefaultIfEmpty().Max();
            var queuedSince = history.RequestQueued[offer.RequestId].Where(at => at <= offer.CreatedAt).DefaultIfEmpty().Max();
            if (availableSince == default || queuedSince == default) continue;
            leadTimes.Add(ForecastEstimation.LeadTimeDays(new LeadTimeObservation(offer.CreatedAt, availableSince, history.AvailableFrom[offer.ApartmentId], queuedSince)));
        }

        var accepted = history.Offers.Count(o => o.Status is OfferStatus.Accepted or OfferStatus.Leased);
        var declined = history.Offers.Count(o => o.Status == OfferStatus.Declined);
        var expired = history.Offers.Count(o => o.Status == OfferStatus.Expired || (o.Status == OfferStatus.Open && o.RespondBy <= now));
        var rents = history.Apartments.Select(a => Vacancy.DailyRent(a.MonthlyRent)).ToList();

        return new Estimates(
            arrivals,
            [.. history.Groups.Select(g => history.Queued.GetValueOrDefault(g.Id))],
            [.. history.Groups.Select(g => open.Count(o => o.TargetGroupId == g.Id))],
            history.Apartments.Count(a => a.Status == ApartmentStatus.Available),
            [.. leadTimes],
            ForecastEstimation.Acceptance(accepted, declined, expired),
            ForecastEstimation.Occupancy(history.Leases, DateOnly.FromDateTime(now.UtcDateTime)),
            rents.Count == 0 ? 0 : Math.Round(rents.Average(), 2, MidpointRounding.AwayFromZero));
    }

    private static List<string> LowConfidence(History history, Estimates estimates, ReservationWhatIfRequest body, DateTimeOffset now)
    {
        const int few = ForecastEstimation.MinObservations;
        var reasons = new List<string>();
        var target = history.Groups.ToList().FindIndex(g => g.Code == body.TargetGroupCode);
        // "Fewer than", never the count: a sensitive group's small count is not to be shown (PRODUCT §6).
        if (estimates.Arrivals[target].Approved < few)
            reasons.Add($"Fewer than {few} requests of {body.TargetGroupCode} have been approved: its arrival rate is uncertain.");
        var months = estimates.Arrivals[0].Months;
        if (months < 2)
            reasons.Add("The history is shorter than two whole months: the month-to-month variation of arrivals is unknown and taken to be none.");
        else if (months < ForecastEstimation.MinMonths)
            reasons.Add($"The history covers {months} whole months, fewer than {ForecastEstimation.MinMonths}: the month-to-month variation of arrivals is uncertain.");
        if (estimates.LeadTimes.Length == 0)
            reasons.Add("No offer has been made yet: offers are taken to follow at once, without lead time.");
        else if (estimates.LeadTimes.Length < few)
            reasons.Add($"Only {estimates.LeadTimes.Length} offers show the lead time to an offer, fewer than {few}.");
        if (estimates.Acceptance.Answered == 0)
            reasons.Add("No offer has been answered yet: every offer is taken to be accepted.");
        else if (estimates.Acceptance.Answered < few)
            reasons.Add($"Only {estimates.Acceptance.Answered} offers have been answered, fewer than {few}: the acceptance probability is uncertain.");
        if (estimates.Occupancy.Ended == 0)
            reasons.Add("No lease has ended yet: no turnover is simulated, so apartments become vacant only from the stock's vacant ones and declined offers.");
        else if (estimates.Occupancy.Ended < few)
            reasons.Add($"Only {estimates.Occupancy.Ended} leases have ended, fewer than {few}: the mean time an apartment stays occupied is uncertain.");
        var window = (now - history.CreatedAt).TotalDays;
        if (window < body.HorizonDays)
            reasons.Add($"The horizon of {body.HorizonDays} days reaches further ahead than the history goes back ({Math.Floor(window):0} days).");
        return reasons;
    }

    private ForecastInputsResponse Inputs(History history, Estimates estimates, ForecastInputs inputs, DateTimeOffset now)
    {
        var threshold = Reporting.SuppressionThreshold(configuration);
        var groups = history.Groups.Select((g, i) =>
        {
            var arrival = estimates.Arrivals[i];
            var queued = estimates.Queued[i];
            // PRODUCT §6: a sensitive group's small count is hidden, with what it could be worked out from (its rate and
            // monthly figures). The queue's total is not published, so no other figure gives a hidden one away.
            var hideArrivals = Suppression.HidesDuration(g.IsSensitive, arrival.Approved, threshold);
            var hideQueued = Suppression.HidesDuration(g.IsSensitive, queued, threshold);
            var suppressed = new List<string>();
            if (hideArrivals) suppressed.AddRange(["approvedRequests", "arrivalsPerDay", "monthlyMean", "monthlyVariance", "dailyRateVariance"]);
            if (hideQueued) suppressed.Add("queued");
            return new ForecastGroupInput(g.Code, g.PriorityRank,
                hideArrivals ? null : arrival.Approved,
                hideArrivals ? null : Round(arrival.PerDay),
                arrival.Months,
                hideArrivals ? null : Round(arrival.MonthlyMean),
                hideArrivals ? null : Round(arrival.MonthlyVariance),
                hideArrivals ? null : Round(arrival.DailyRateVariance),
                hideQueued ? null : queued,
                suppressed);
        }).ToList();
        var lead = estimates.LeadTimes;
        var offered = estimates.Offered.Sum();
        return new ForecastInputsResponse(history.CreatedAt, now, Round((now - history.CreatedAt).TotalDays),
            new ForecastStockInput(inputs.Stock, inputs.Vacant, offered, inputs.Occupied),
            groups,
            new ForecastLeadTimeInput(lead.Length, lead.Length == 0 ? null : Round(lead.Average()),
                lead.Length == 0 ? null : Round(ForecastEstimation.Percentile(lead, 50)), lead.Length == 0 ? null : Round(ForecastEstimation.Percentile(lead, 90))),
            new ForecastAcceptanceInput(estimates.Acceptance.Answered, estimates.Acceptance.Accepted, estimates.Acceptance.Declined, estimates.Acceptance.Expired,
                Round(estimates.Acceptance.Probability)),
            new ForecastOccupancyInput(estimates.Occupancy.Leases, estimates.Occupancy.Ended, estimates.Occupancy.LeasedDays, Round(estimates.Occupancy.MeanDays)),
            new ForecastRentInput(history.Apartments.Count, estimates.DailyRent));
    }

    private static ForecastPolicyResponse Policy(PolicyFigures figures) => new(
        Figure(figures.VacantDays), Figure(figures.ReservedVacantDays), Figure(figures.VacancyCost),
        figures.DaysToOfferTargetGroup is { } target ? Figure(target) : null,
        figures.DaysToOfferOtherGroups is { } others ? Figure(others) : null);

    private static ForecastFigure Figure(RunFigure figure) =>
        new(Math.Round(figure.Mean, 2), Math.Round(figure.P10, 2), Math.Round(figure.P50, 2), Math.Round(figure.P90, 2));

    private static double Round(double value) => Math.Round(value, Decimals);

    private static double? Round(double? value) => value is { } v ? Math.Round(v, Decimals) : null;
}
