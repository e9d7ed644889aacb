using System.Collections.Concurrent;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;

namespace Allocation.Api.Infrastructure;

/// <summary>
/// The API's log: one JSON line per entry on standard output, exactly as <c>AddJsonConsole</c> writes it (the console
/// logger's own JSON formatter makes each line), but without the console logger's queue.
/// </summary>
/// <remarks>
/// Why (tests/Allocation.Benchmarks/RESULTS.md): under read load the console logger's writer thread spent 12 % of the
/// API's CPU spinning on its queue's lock between messages, woken once per request line. Here a logger formats its line
/// on its own thread (as before) and adds it to a lock-free queue; one writer takes everything queued, at most every
/// <see cref="FlushInterval"/>, in one write. Lines reach the output in the order they were queued, within that
/// interval; on shutdown everything queued is written, and a line logged after that (by a service that stops after the
/// logger) is written at once by its own logger. When the output stalls, at most <see cref="Capacity"/> lines wait
/// and then the loggers wait too, as with the console logger, so memory stays bounded.
/// </remarks>
[ProviderAlias("Console")]
public sealed class JsonLinesLoggerProvider : ILoggerProvider, ISupportExternalScope
{
    public static readonly TimeSpan FlushInterval = TimeSpan.FromMilliseconds(10);
    public const int Capacity = 10_000;

    [ThreadStatic] private static StringWriter? _line;

    private readonly ConsoleFormatter _formatter;
    private readonly TextWriter _output;
    private readonly ConcurrentQueue<string> _queue = new();
    private readonly SemaphoreSlim _pending = new(0);
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _writer;
    private int _count;
    private int _writerAsleep;
    private int _stopped; // 1 once the writer has written its last round: from then on each logger writes its own line
    private readonly Lock _afterStop = new();
    private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

    /// <summary>For the host: the JSON formatter <c>AddJsonConsole</c> registered, writing to standard output.</summary>
    public JsonLinesLoggerProvider(IEnumerable<ConsoleFormatter> formatters)
        : this(formatters.Single(f => f.Name == ConsoleFormatterNames.Json), new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(false), 1 << 16))
    {
    }

    /// <param name="formatter">Makes each line.</param>
    /// <param name="output">Where the lines go; written by one writer at a time, flushed after each batch; not closed by this provider.</param>
    public JsonLinesLoggerProvider(ConsoleFormatter formatter, TextWriter output)
    {
        _formatter = formatter;
        _output = output;
        _writer = Task.Run(WriteAsync);
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    private void Add(string line)
    {
        // Bounded: a stalled output makes the loggers wait, as the console logger's full queue does.
        for (var spin = new SpinWait(); Volatile.Read(ref _count) >= Capacity && !_stopping.IsCancellationRequested;) spin.SpinOnce(sleep1Threshold: 10);
        Interlocked.Increment(ref _count);
        _queue.Enqueue(line);
        if (Interlocked.Exchange(ref _writerAsleep, 0) == 1) _pending.Release();
        // The exchange above is a full fence, as is the writer's when it stops: either the writer's last round sees
        // this line, or this logger sees that the writer has stopped and writes it.
        if (Volatile.Read(ref _stopped) == 1) WriteLeft();
    }

    /// <summary>After the writer has stopped: writes whatever is queued, one caller at a time.</summary>
    private void WriteLeft()
    {
        lock (_afterStop)
        {
            while (_queue.TryDequeue(out var line))
            {
                Interlocked.Decrement(ref _count);
                _output.Write(line);
            }
            _output.Flush();
        }
    }

    private async Task WriteAsync()
    {
        while (true)
        {
            var stopping = _stopping.IsCancellationRequested;
            while (_queue.TryDequeue(out var line))
            {
                Interlocked.Decrement(ref _count);
                await _output.WriteAsync(line);
            }
            await _output.FlushAsync();
            if (stopping)
            {
                Interlocked.Exchange(ref _stopped, 1);
                WriteLeft(); // what was queued while this round ran
                return;
            }

            Volatile.Write(ref _writerAsleep, 1);
            // A line added before the flag was set did not wake the writer: take it now, unless its logger woke the writer after all.
            if (!_queue.IsEmpty && Interlocked.Exchange(ref _writerAsleep, 0) == 1) continue;
            try
            {
                await _pending.WaitAsync(_stopping.Token);
                await Task.Delay(FlushInterval, _stopping.Token); // gather what comes meanwhile into the same write
            }
            catch (OperationCanceledException)
            {
                // Stopping: one last round writes what is left.
            }
        }
    }

    /// <summary>
    /// Writes everything logged so far and stops the writer. The output stays open (its owner closes it; standard
    /// output closes with the process), so nothing logged later is lost.
    /// </summary>
    public void Dispose()
    {
        if (_stopping.IsCancellationRequested) return;
        _stopping.Cancel();
        _writer.Wait(TimeSpan.FromSeconds(5));
    }

    private sealed class Logger(JsonLinesLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => provider._scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel)) return;
            var line = _line ??= new StringWriter();
            provider._formatter.Write(new LogEntry<TState>(logLevel, category, eventId, state, exception, formatter), provider._scopes, line);
            var sb = line.GetStringBuilder();
            if (sb.Length == 0) return;
            var text = sb.ToString();
            sb.Clear();
            if (sb.Capacity > 16 * 1024) _line = null; // a huge entry (an exception) does not pin its buffer to the thread
            provider.Add(text);
        }
    }
}

public static class JsonLinesLogging
{
    /// <summary>The console logger's JSON lines (scopes included), written by <see cref="JsonLinesLoggerProvider"/> instead of the console logger.</summary>
    public static ILoggingBuilder AddJsonLines(this ILoggingBuilder logging)
    {
        logging.AddJsonConsole(o => o.IncludeScopes = true); // registers the JSON formatter and its options
        logging.Services.Remove(logging.Services.Single(d => d.ServiceType == typeof(ILoggerProvider) && d.ImplementationType == typeof(ConsoleLoggerProvider)));
        logging.Services.AddSingleton<ILoggerProvider, JsonLinesLoggerProvider>();
        return logging;
    }
}
