namespace Allocation.Api.Features.Forecasts;

/// <summary>A figure of the forecast over its runs: the expected value and the spread of the runs (PRODUCT §5: an honest uncertainty band).</summary>
/// <param name="Mean">The expected value: the mean over the runs; for days to offer, over all the runs' requests, each counting once. Two decimals.</param>
/// <param name="P10">The 10th percentile of the runs (nearest rank): one run in ten comes out at or below it. Two decimals.</param>
/// <param name="P50">The median run. Two decimals.</param>
/// <param name="P90">The 90th percentile of the runs: one run in ten comes out above it. Two decimals.</param>
public sealed record ForecastFigure(double Mean, double P10, double P50, double P90);

/// <summary>What one policy gives over the horizon; in <c>change</c>, the reservation's figures minus the baseline's, run by run.</summary>
/// <param name="VacantDays">Apartment-days the stock stands vacant over the horizon: available, with no offer made yet (all apartments together).</param>
/// <param name="ReservedVacantDays">Of the vacant days, those under a reservation; always 0 for the baseline.</param>
/// <param name="VacancyCost">vacantDays × the stock's mean daily rent, in SEK: the rent the municipality pays for empty apartments.</param>
/// <param name="DaysToOfferTargetGroup">Days from a request's arrival (approval) to its first offer, for the target group's requests arriving in the horizon; a request still waiting at the horizon's end counts the days it has waited. Null when no such request arrives in any run.</param>
/// <param name="DaysToOfferOtherGroups">The same for the requests of every other target group of the agreement; null when none arrive in any run.</param>
public sealed record ForecastPolicyResponse(
    ForecastFigure VacantDays,
    ForecastFigure ReservedVacantDays,
    ForecastFigure VacancyCost,
    ForecastFigure? DaysToOfferTargetGroup,
    ForecastFigure? DaysToOfferOtherGroups);

/// <summary>How the reservations of the policy went over the horizon, per run.</summary>
/// <param name="Started">Reservations made.</param>
/// <param name="Expired">Reservations that ended unused after reservationDays days, the apartment then offered to the queue.</param>
/// <param name="Offered">Reservations that ended with an offer to the target group.</param>
public sealed record ForecastReservationsResponse(ForecastFigure Started, ForecastFigure Expired, ForecastFigure Offered);

/// <summary>The agreement's stock now: the simulation's starting state, held at this size.</summary>
/// <param name="Apartments">Apartments in the stock (provided, neither taken over nor returned).</param>
/// <param name="Vacant">Available now.</param>
/// <param name="Offered">With an open offer now; the household's answer comes first in the simulation.</param>
/// <param name="Occupied">Leased, or with an accepted offer awaiting the lease.</param>
public sealed record ForecastStockInput(int Apartments, int Vacant, int Offered, int Occupied);

/// <summary>One target group's demand as estimated from the history, and its queue now.</summary>
/// <param name="TargetGroupCode">The target group.</param>
/// <param name="PriorityRank">Its priority rank in the queue (1 first).</param>
/// <param name="ApprovedRequests">Requests of the group approved into the queue in the observation window (a return to the queue after an offer is not an approval): the observations behind its rate. Null when suppressed.</param>
/// <param name="ArrivalsPerDay">approvedRequests ÷ the window's days: the mean arrival rate. Null when suppressed.</param>
/// <param name="Months">Whole 30-day months in the window, counted from its start: the observations behind the month-to-month variation.</param>
/// <param name="MonthlyMean">Mean approvals per whole month; null with fewer than two months or when suppressed.</param>
/// <param name="MonthlyVariance">Sample variance (n − 1) of the approvals per whole month; null with fewer than two months or when suppressed.</param>
/// <param name="DailyRateVariance">The month-to-month variance of the daily rate the simulation draws each month's rate with: (monthlyVariance − monthlyMean) ÷ 30², or 0 when the months vary no more than chance would (a Poisson stream) or there are fewer than two months. Null when suppressed.</param>
/// <param name="Queued">Requests of the group waiting in the queue now (approved, no open offer). Null when suppressed.</param>
/// <param name="Suppressed">The camelCase names of the suppressed fields (PRODUCT §6: a sensitive group's count from 1 to the suppression threshold − 1, and what it could be worked out from); empty when none. The simulation uses the real figures.</param>
public sealed record ForecastGroupInput(
    string TargetGroupCode,
    int PriorityRank,
    int? ApprovedRequests,
    double? ArrivalsPerDay,
    int Months,
    double? MonthlyMean,
    double? MonthlyVariance,
    double? DailyRateVariance,
    int? Queued,
    IReadOnlyList<string> Suppressed);

/// <summary>The lead time from an apartment and a household being able to meet to the offer; the simulation draws each offer's from these observations.</summary>
/// <param name="Observations">Offers made in the window (withdrawn ones included: the lead time was spent), each one observation.</param>
/// <param name="MeanDays">Their mean, in days; null without observations (offers are then taken to be made at once).</param>
/// <param name="MedianDays">Their median (nearest rank), in days; null without observations.</param>
/// <param name="P90Days">Their 90th percentile (nearest rank), in days; null without observations.</param>
public sealed record ForecastLeadTimeInput(int Observations, double? MeanDays, double? MedianDays, double? P90Days);

/// <summary>How households answer offers.</summary>
/// <param name="Observations">Offers answered in the window: accepted + declined + expired. Withdrawn offers and offers still open are left out.</param>
/// <param name="Accepted">Offers accepted, including those that became leases.</param>
/// <param name="Declined">Offers declined.</param>
/// <param name="Expired">Offers left unanswered past their deadline: counted as not accepted, since like a decline they return the apartment and the household.</param>
/// <param name="Probability">accepted ÷ observations: the chance the simulation accepts an offer with. Null without observations (every offer is then taken to be accepted).</param>
public sealed record ForecastAcceptanceInput(int Observations, int Accepted, int Declined, int Expired, double? Probability);

/// <summary>How long an accepted apartment stays occupied; the simulation draws exponential times with this mean.</summary>
/// <param name="Leases">Leases of the agreement.</param>
/// <param name="LeasesEnded">Of those, taken over or terminated: the observations behind the mean.</param>
/// <param name="LeasedDays">Days under lease of all of them, from the start day to the end day, or to today while running.</param>
/// <param name="MeanDays">leasedDays ÷ leasesEnded (the exponential's estimate with running leases counted so far); null when no lease has ended (no turnover is then simulated).</param>
public sealed record ForecastOccupancyInput(int Leases, int LeasesEnded, int LeasedDays, double? MeanDays);

/// <summary>What a vacant day costs.</summary>
/// <param name="Apartments">Apartments in the stock whose rent is averaged.</param>
/// <param name="MeanDailyRent">The mean of their daily rents (monthlyRent × 12 ÷ 365, each rounded to öre), rounded to öre, in SEK.</param>
public sealed record ForecastRentInput(int Apartments, decimal MeanDailyRent);

/// <summary>Every input of the simulation, estimated from the agreement's recorded history, with the observations behind it.</summary>
/// <param name="ObservedFrom">The observation window's start: when the agreement was created.</param>
/// <param name="ObservedTo">The window's end: now.</param>
/// <param name="ObservedDays">The window's length in days (with fractions).</param>
/// <param name="Stock">The stock now.</param>
/// <param name="Groups">The agreement's target groups, by priority rank.</param>
/// <param name="LeadTime">The lead time to an offer.</param>
/// <param name="Acceptance">The households' answers.</param>
/// <param name="Occupancy">How long apartments stay occupied.</param>
/// <param name="DailyRent">What a vacant day costs.</param>
public sealed record ForecastInputsResponse(
    DateTimeOffset ObservedFrom,
    DateTimeOffset ObservedTo,
    double ObservedDays,
    ForecastStockInput Stock,
    IReadOnlyList<ForecastGroupInput> Groups,
    ForecastLeadTimeInput LeadTime,
    ForecastAcceptanceInput Acceptance,
    ForecastOccupancyInput Occupancy,
    ForecastRentInput DailyRent);

/// <summary>
/// The answer to "what if we kept k apartments reserved for this group, each for at most reservationDays days?", against no
/// reservation: vacant days and their cost, and days to an offer, each as a mean with the 10th, 50th and 90th percentile of
/// the runs, from a Monte Carlo simulation whose inputs are the agreement's history (listed, with their observations).
/// </summary>
/// <param name="AgreementId">The agreement.</param>
/// <param name="TargetGroupCode">The group the apartments would be reserved for.</param>
/// <param name="Apartments">k: apartments reserved at most at once.</param>
/// <param name="ReservationDays">Days a reservation lasts at most without an offer to the group.</param>
/// <param name="HorizonDays">The days ahead, from now, that are simulated.</param>
/// <param name="Runs">Simulated runs.</param>
/// <param name="Seed">The seed the runs are derived from: the same request with the same history gives the same answer.</param>
/// <param name="Inputs">The estimated inputs and their observations.</param>
/// <param name="LowConfidence">True when an input rests on few observations or is assumed for want of any; the reasons say which.</param>
/// <param name="LowConfidenceReasons">Why the forecast is uncertain, one sentence each; empty when it is not.</param>
/// <param name="Assumptions">The model's assumptions, in words.</param>
/// <param name="Baseline">No reservation.</param>
/// <param name="Reservation">The reservation policy.</param>
/// <param name="Change">Reservation minus baseline, run by run over the same random history (so the band is the policy's, not chance's).</param>
/// <param name="Reservations">How the reservations went.</param>
public sealed record ReservationForecastResponse(
    Guid AgreementId,
    string TargetGroupCode,
    int Apartments,
    int ReservationDays,
    int HorizonDays,
    int Runs,
    int Seed,
    ForecastInputsResponse Inputs,
    bool LowConfidence,
    IReadOnlyList<string> LowConfidenceReasons,
    IReadOnlyList<string> Assumptions,
    ForecastPolicyResponse Baseline,
    ForecastPolicyResponse Reservation,
    ForecastPolicyResponse Change,
    ForecastReservationsResponse Reservations);
