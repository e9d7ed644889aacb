namespace Allocation.Domain.Forecasting;

/// <summary>The figures of one policy in one run.</summary>
internal readonly record struct RunResult(
    double VacantDays,
    double ReservedVacantDays,
    double DaysToOfferTargetGroup,
    double DaysToOfferOtherGroups,
    int TargetGroupRequests,
    int OtherGroupsRequests,
    int ReservationsStarted,
    int ReservationsExpired,
    int ReservationsOffered);

/// <summary>
/// The arrivals of one run, made once and shared by both policies: each request's arrival time and group, in time order.
/// Each group's rate is drawn afresh every month (gamma around its mean, with its month-to-month variance), and within the
/// month arrivals are a Poisson stream of that rate.
/// </summary>
internal sealed class Arrivals
{
    public const double MonthDays = ForecastEstimation.MonthDays;

    private double[] _times = new double[256];
    private int[] _groups = new int[256];

    public int Count { get; private set; }
    public double Time(int i) => _times[i];
    public int Group(int i) => _groups[i];

    public void Generate(ulong runKey, IReadOnlyList<GroupDemand> groups, double until)
    {
        Count = 0;
        for (var g = 0; g < groups.Count; g++)
        {
            var (mean, variance) = (groups[g].ArrivalsPerDay, groups[g].DailyRateVariance);
            if (mean <= 0) continue;
            var stream = new DrawStream(Draws.Key(runKey, (ulong)g, Purpose.Arrivals));
            var monthEnd = 0.0;
            var rate = 0.0;
            var t = 0.0;
            while (true)
            {
                if (t >= monthEnd || rate <= 0)
                {
                    t = monthEnd; // memoryless: the next arrival after a month's end is drawn afresh from it
                    monthEnd += MonthDays;
                    rate = variance > 0 ? stream.Gamma(mean * mean / variance, variance / mean) : mean;
                    if (t >= until) break;
                    if (rate <= 0) continue;
                }
                var next = t + stream.Exponential(1 / rate);
                if (next >= monthEnd)
                {
                    t = monthEnd;
                    continue;
                }
                t = next;
                if (t >= until) break;
                Add(t, g);
            }
        }
        Array.Sort(_times, _groups, 0, Count);
    }

    private void Add(double time, int group)
    {
        if (Count == _times.Length)
        {
            Array.Resize(ref _times, Count * 2);
            Array.Resize(ref _groups, Count * 2);
        }
        _times[Count] = time;
        _groups[Count++] = group;
    }
}

/// <summary>What each keyed draw is for.</summary>
internal static class Purpose
{
    public const ulong Arrivals = 1, LeadTime = 2, Answer = 3, Occupancy = 4, InitialOccupancy = 5;
}

/// <summary>
/// One run of one policy: a discrete-event simulation of an agreement's stock and queue (ForecastEstimation and the
/// contract describe the model). Its buffers are reused from run to run; one instance per thread.
/// </summary>
internal sealed class Simulation
{
    private const byte Vacant = 0, Pending = 1, Occupied = 2;
    private const int OfferMade = 0, LeaseEnded = 1, ReservationEnded = 2;

    private readonly ForecastInputs _inputs;
    private readonly int _stock, _target;
    private readonly int[] _rank;
    private readonly double[] _leadTimes;
    private readonly double _acceptance;
    private readonly double? _occupancy;
    private readonly double _countFrom, _countUntil;

    private readonly byte[] _state;
    private readonly bool[] _reserved;
    private readonly double[] _vacantSince, _reservedSince;
    private readonly int[] _pendingRequest, _epoch;
    private readonly VacantSet _ordinaryVacant, _reservedVacant;
    private readonly RequestQueue[] _queues;
    private readonly EventHeap _events = new();

    private double[] _arrival = new double[256], _firstOffer = new double[256];
    private int[] _group = new int[256], _offers = new int[256], _declined = new int[256];
    private int _requests;

    private ulong _run;
    private int _reserveApartments, _reserveDays, _reservedCount;
    private double _vacantDays, _reservedVacantDays;
    private double _waitTarget, _waitOthers;
    private int _waitedTarget, _waitedOthers, _started, _expired, _offered;

    public Simulation(ForecastInputs inputs, int targetGroup, SimulationSettings settings)
    {
        _inputs = inputs;
        _stock = inputs.Stock;
        _target = targetGroup;
        _rank = inputs.Groups.Select(g => g.PriorityRank).ToArray();
        _leadTimes = inputs.LeadTimeDays.ToArray();
        _acceptance = inputs.AcceptanceProbability;
        _occupancy = inputs.MeanOccupancyDays;
        _countFrom = settings.WarmUpDays;
        _countUntil = settings.WarmUpDays + settings.HorizonDays;
        _state = new byte[_stock];
        _reserved = new bool[_stock];
        _vacantSince = new double[_stock];
        _reservedSince = new double[_stock];
        _pendingRequest = new int[_stock];
        _epoch = new int[_stock];
        _ordinaryVacant = new VacantSet(_stock);
        _reservedVacant = new VacantSet(_stock);
        _queues = inputs.Groups.Select(_ => new RequestQueue()).ToArray();
    }

    public double Until => _countUntil;

    public RunResult Run(ulong runKey, Arrivals arrivals, int reserveApartments, int reserveDays)
    {
        Reset(runKey, reserveApartments, reserveDays);

        // Now: the queue as it stands (ahead of every newcomer), the open offers about to be answered, the leases running
        // for an exponential time from now (memoryless), and the vacant apartments — the first k of them reserved.
        for (var g = 0; g < _inputs.Groups.Count; g++)
            for (var i = 0; i < _inputs.Groups[g].Queued; i++)
                _queues[g].Insert(NewRequest(g, double.NegativeInfinity));
        var apartment = _inputs.Vacant;
        for (var g = 0; g < _inputs.Groups.Count; g++)
            for (var i = 0; i < _inputs.Groups[g].Offered; i++, apartment++)
            {
                var request = NewRequest(g, double.NegativeInfinity);
                _firstOffer[request] = double.NegativeInfinity; // its first offer lies in the past
                _state[apartment] = Pending;
                _vacantSince[apartment] = 0;
                _pendingRequest[apartment] = request;
                _events.Push(0, OfferMade, apartment, _epoch[apartment]);
            }
        for (; apartment < _stock; apartment++)
        {
            _state[apartment] = Occupied;
            if (_occupancy is { } mean)
                _events.Push(Draws.Exponential(Draws.Key(_run, (ulong)apartment, Purpose.InitialOccupancy), mean), LeaseEnded, apartment, _epoch[apartment]);
        }
        for (var a = 0; a < _inputs.Vacant; a++) Free(a, 0);

        var next = 0;
        while (true)
        {
            var arrivalAt = next < arrivals.Count ? arrivals.Time(next) : double.PositiveInfinity;
            var eventAt = _events.Count > 0 ? _events.PeekTime : double.PositiveInfinity;
            var now = Math.Min(arrivalAt, eventAt);
            if (now > _countUntil) break;
            if (arrivalAt <= eventAt)
            {
                Queue(NewRequest(arrivals.Group(next), arrivalAt), arrivalAt);
                next++;
                continue;
            }
            var (kind, a, epoch) = _events.Pop();
            if (epoch != _epoch[a]) continue; // superseded
            switch (kind)
            {
                case OfferMade: MakeOffer(a, now); break;
                case LeaseEnded: Free(a, now); break;
                case ReservationEnded: EndReservation(a, now); break;
            }
        }
        return Finish();
    }

    private void Reset(ulong runKey, int reserveApartments, int reserveDays)
    {
        _run = runKey;
        _reserveApartments = reserveApartments;
        _reserveDays = reserveDays;
        _reservedCount = 0;
        _requests = 0;
        _vacantDays = _reservedVacantDays = _waitTarget = _waitOthers = 0;
        _waitedTarget = _waitedOthers = _started = _expired = _offered = 0;
        Array.Clear(_reserved);
        Array.Clear(_epoch);
        _ordinaryVacant.Clear();
        _reservedVacant.Clear();
        foreach (var queue in _queues) queue.Clear();
        _events.Clear();
    }

    private int NewRequest(int group, double arrival)
    {
        if (_requests == _arrival.Length)
        {
            var size = _requests * 2;
            Array.Resize(ref _arrival, size);
            Array.Resize(ref _firstOffer, size);
            Array.Resize(ref _group, size);
            Array.Resize(ref _offers, size);
            Array.Resize(ref _declined, size);
        }
        _arrival[_requests] = arrival;
        _firstOffer[_requests] = double.NaN;
        _group[_requests] = group;
        _offers[_requests] = 0;
        _declined[_requests] = -1;
        return _requests++;
    }

    /// <summary>An apartment becomes vacant: reserved while fewer than k are, then offered to the first household that may take it.</summary>
    private void Free(int a, double now)
    {
        _state[a] = Vacant;
        _vacantSince[a] = now;
        if (_reservedCount < _reserveApartments)
        {
            _reserved[a] = true;
            _reservedSince[a] = now;
            _reservedCount++;
            if (now >= _countFrom) _started++;
            _reservedVacant.Add(a);
            _events.Push(now + _reserveDays, ReservationEnded, a, _epoch[a]);
        }
        else _ordinaryVacant.Add(a);
        MatchApartment(a, now);
    }

    private void MatchApartment(int a, double now)
    {
        var request = -1;
        if (_reserved[a]) request = _queues[_target].First(a, _declined);
        else
            for (var g = 0; g < _queues.Length; g++)
            {
                var candidate = _queues[g].First(a, _declined);
                // The queue's order: priority rank, then time of arrival (PRODUCT §4).
                if (candidate >= 0 && (request < 0 || _rank[g] < _rank[_group[request]] || (_rank[g] == _rank[_group[request]] && candidate < request)))
                    request = candidate;
            }
        if (request < 0) return;
        _queues[_group[request]].Remove(request);
        Match(a, request, now);
    }

    /// <summary>A household joins the queue (on arrival, or at its old place after declining) unless a vacant apartment is free for it.</summary>
    private void Queue(int request, double now)
    {
        var declined = _declined[request];
        var a = _group[request] == _target ? _reservedVacant.FirstExcept(declined) : -1;
        if (a < 0) a = _ordinaryVacant.FirstExcept(declined);
        if (a >= 0) Match(a, request, now);
        else _queues[_group[request]].Insert(request);
    }

    /// <summary>The apartment is promised to the household; the offer is made after a lead time, and until then it stands vacant.</summary>
    private void Match(int a, int request, double now)
    {
        (_reserved[a] ? _reservedVacant : _ordinaryVacant).Remove(a);
        _state[a] = Pending;
        _pendingRequest[a] = request;
        _epoch[a]++; // a reservation promised to its group no longer expires
        var lead = _leadTimes.Length == 0
            ? 0
            : _leadTimes[(int)Math.Min(_leadTimes.Length - 1, Draws.Uniform(Draws.Key(_run, (ulong)request, (ulong)_offers[request], Purpose.LeadTime)) * _leadTimes.Length)];
        _events.Push(now + lead, OfferMade, a, _epoch[a]);
    }

    private void MakeOffer(int a, double now)
    {
        var request = _pendingRequest[a];
        CountVacancy(a, now);
        if (_reserved[a])
        {
            _reserved[a] = false;
            _reservedCount--;
            if (now >= _countFrom) _offered++;
        }
        if (double.IsNaN(_firstOffer[request]))
        {
            _firstOffer[request] = now;
            CountWait(request, now - _arrival[request]);
        }
        var answer = Draws.Uniform(Draws.Key(_run, (ulong)request, (ulong)_offers[request]++, Purpose.Answer));
        if (answer <= _acceptance)
        {
            _state[a] = Occupied;
            if (_occupancy is { } mean)
                _events.Push(now + Draws.Exponential(Draws.Key(_run, (ulong)request, 0, Purpose.Occupancy), mean), LeaseEnded, a, _epoch[a]);
            return;
        }
        // Declined: the apartment goes to the next household first, and the household returns to its place in the queue,
        // not to be offered the apartment it just declined.
        _declined[request] = a;
        Free(a, now);
        Queue(request, now);
    }

    private void EndReservation(int a, double now)
    {
        CountReserved(a, now);
        _reserved[a] = false;
        _reservedCount--;
        if (now >= _countFrom) _expired++;
        _reservedVacant.Remove(a);
        _ordinaryVacant.Add(a);
        MatchApartment(a, now);
    }

    private void CountVacancy(int a, double now)
    {
        _vacantDays += Counted(_vacantSince[a], now);
        if (_reserved[a]) CountReserved(a, now);
    }

    private void CountReserved(int a, double now) => _reservedVacantDays += Counted(_reservedSince[a], now);

    private double Counted(double from, double until) => Math.Max(0, Math.Min(until, _countUntil) - Math.Max(from, _countFrom));

    private void CountWait(int request, double days)
    {
        if (_arrival[request] < _countFrom) return;
        if (_group[request] == _target)
        {
            _waitTarget += days;
            _waitedTarget++;
        }
        else
        {
            _waitOthers += days;
            _waitedOthers++;
        }
    }

    private RunResult Finish()
    {
        for (var a = 0; a < _stock; a++)
            if (_state[a] != Occupied) CountVacancy(a, _countUntil);
        for (var r = 0; r < _requests; r++)
            if (double.IsNaN(_firstOffer[r])) CountWait(r, _countUntil - _arrival[r]); // still waiting: the days so far
        return new RunResult(_vacantDays, _reservedVacantDays,
            _waitedTarget > 0 ? _waitTarget / _waitedTarget : double.NaN,
            _waitedOthers > 0 ? _waitOthers / _waitedOthers : double.NaN,
            _waitedTarget, _waitedOthers, _started, _expired, _offered);
    }
}

/// <summary>The vacant apartments of one kind; adding, removing and picking one are constant time.</summary>
internal sealed class VacantSet(int capacity)
{
    private readonly int[] _items = new int[capacity];
    private readonly int[] _position = Enumerable.Repeat(-1, capacity).ToArray();
    private int _count;

    public void Clear()
    {
        for (var i = 0; i < _count; i++) _position[_items[i]] = -1;
        _count = 0;
    }

    public void Add(int a)
    {
        _position[a] = _count;
        _items[_count++] = a;
    }

    public void Remove(int a)
    {
        var at = _position[a];
        var last = _items[--_count];
        _items[at] = last;
        _position[last] = at;
        _position[a] = -1;
    }

    public int FirstExcept(int excluded) =>
        _count == 0 ? -1 : _items[0] != excluded ? _items[0] : _count > 1 ? _items[1] : -1;
}

/// <summary>One group's queue: request numbers (their order of arrival) ascending, so a returning household regains its place.</summary>
internal sealed class RequestQueue
{
    private int[] _items = new int[64];
    private int _head, _tail;

    public void Clear() => _head = _tail = 0;

    /// <summary>The first request that has not just declined apartment <paramref name="a"/>, or -1.</summary>
    public int First(int a, int[] declined)
    {
        for (var i = _head; i < _tail; i++)
            if (declined[_items[i]] != a) return _items[i];
        return -1;
    }

    public void Remove(int request)
    {
        var at = _head;
        while (_items[at] != request) at++;
        Array.Copy(_items, _head, _items, _head + 1, at - _head);
        _head++;
    }

    public void Insert(int request)
    {
        if (_tail == _items.Length)
        {
            if (_head > _items.Length / 2)
            {
                Array.Copy(_items, _head, _items, 0, _tail - _head);
                _tail -= _head;
                _head = 0;
            }
            else Array.Resize(ref _items, _items.Length * 2);
        }
        var at = _tail;
        while (at > _head && _items[at - 1] > request) at--;
        Array.Copy(_items, at, _items, at + 1, _tail - at);
        _items[at] = request;
        _tail++;
    }
}

/// <summary>The pending events, earliest first; events at the same moment in the order they were scheduled.</summary>
internal sealed class EventHeap
{
    private struct Event
    {
        public double Time;
        public long Order;
        public int Kind, Apartment, Epoch;
    }

    private Event[] _heap = new Event[256];
    private long _order;

    public int Count { get; private set; }

    public double PeekTime => _heap[0].Time;

    public void Clear()
    {
        Count = 0;
        _order = 0;
    }

    public void Push(double time, int kind, int apartment, int epoch)
    {
        if (Count == _heap.Length) Array.Resize(ref _heap, Count * 2);
        var item = new Event { Time = time, Order = _order++, Kind = kind, Apartment = apartment, Epoch = epoch };
        var i = Count++;
        while (i > 0)
        {
            var parent = (i - 1) >> 1;
            if (!Before(in item, in _heap[parent])) break;
            _heap[i] = _heap[parent];
            i = parent;
        }
        _heap[i] = item;
    }

    public (int Kind, int Apartment, int Epoch) Pop()
    {
        var top = _heap[0];
        var last = _heap[--Count];
        var i = 0;
        while (true)
        {
            var child = 2 * i + 1;
            if (child >= Count) break;
            if (child + 1 < Count && Before(in _heap[child + 1], in _heap[child])) child++;
            if (!Before(in _heap[child], in last)) break;
            _heap[i] = _heap[child];
            i = child;
        }
        if (Count > 0) _heap[i] = last;
        return (top.Kind, top.Apartment, top.Epoch);
    }

    private static bool Before(in Event a, in Event b) => a.Time < b.Time || (a.Time == b.Time && a.Order < b.Order);
}
