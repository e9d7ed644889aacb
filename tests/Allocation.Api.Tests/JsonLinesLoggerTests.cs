using System.Text.Json;
using Allocation.Api.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;

namespace Allocation.Api.Tests;

/// <summary>The API's log writer: the console logger's JSON lines, byte for byte, none lost or torn under concurrency.</summary>
public sealed class JsonLinesLoggerTests
{
    private static ConsoleFormatter JsonFormatter() => new ServiceCollection()
        .AddLogging(l => l.AddJsonConsole(o => o.IncludeScopes = true)).BuildServiceProvider()
        .GetServices<ConsoleFormatter>().Single(f => f.Name == ConsoleFormatterNames.Json);

    [Test]
    public void Each_entry_is_the_line_the_console_loggers_JSON_formatter_writes_scopes_included()
    {
        var formatter = JsonFormatter();
        var scopes = new LoggerExternalScopeProvider();
        var output = new StringWriter();
        var provider = new JsonLinesLoggerProvider(formatter, output);
        provider.SetScopeProvider(scopes);
        var expected = new StringWriter();
        ILogger[] loggers = [provider.CreateLogger("Allocation.Api.Requests"), new FormatterOnly(formatter, scopes, expected, "Allocation.Api.Requests")];
        var failure = new InvalidOperationException("boom");

        using (scopes.Push(new Dictionary<string, object> { ["CorrelationId"] = "abc123" }))
            foreach (var logger in loggers)
            {
                logger.LogInformation(new EventId(1), "HTTP {Method} responded {StatusCode} (path {Path})", "GET", 200, "/api/v1/apartments/\"ö\"");
                logger.LogError(failure, "Unhandled exception");
            }
        provider.Dispose();

        Assert.That(output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries), Has.Length.EqualTo(2));
        Assert.That(output.ToString(), Is.EqualTo(expected.ToString()));
        Assert.That(output.ToString(), Does.Contain("abc123").And.Contains("boom"));
    }

    [Test]
    public async Task Lines_logged_from_many_threads_are_all_written_whole_and_in_each_threads_order()
    {
        var output = new StringWriter();
        var provider = new JsonLinesLoggerProvider(JsonFormatter(), output);
        provider.SetScopeProvider(new LoggerExternalScopeProvider());
        const int threads = 8, lines = 3_000; // more than the queue holds: the loggers wait for the writer at times
        await Task.WhenAll(Enumerable.Range(0, threads).Select(t => Task.Run(() =>
        {
            var logger = provider.CreateLogger("test");
            for (var i = 0; i < lines; i++) logger.LogInformation("thread {Thread} line {Line}", t, i);
        })));
        provider.Dispose();

        var written = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => JsonDocument.Parse(line).RootElement.GetProperty("State"))
            .Select(state => (Thread: state.GetProperty("Thread").GetInt32(), Line: state.GetProperty("Line").GetInt32()))
            .ToList();
        Assert.That(written, Has.Count.EqualTo(threads * lines));
        foreach (var group in written.GroupBy(w => w.Thread))
            Assert.That(group.Select(w => w.Line), Is.EqualTo(Enumerable.Range(0, lines)), $"thread {group.Key}");
    }

    [Test]
    public void A_line_logged_after_the_provider_is_disposed_is_still_written()
    {
        var output = new StringWriter();
        var provider = new JsonLinesLoggerProvider(JsonFormatter(), output);
        var logger = provider.CreateLogger("Allocation.Api.Outbox");
        logger.LogInformation("before {Line}", 1);
        provider.Dispose();

        logger.LogInformation("after {Line}", 2); // a service stopping after the logger provider

        Assert.That(output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("Message").GetString()),
            Is.EqualTo(new[] { "before 1", "after 2" }));
    }

    [Test]
    public async Task Lines_logged_while_the_provider_is_disposed_are_all_written()
    {
        for (var attempt = 0; attempt < 20; attempt++) // the race is in the moment of stopping: meet it many times
        {
            var output = new StringWriter();
            var provider = new JsonLinesLoggerProvider(JsonFormatter(), output);
            const int threads = 4, lines = 500;
            var started = new CountdownEvent(threads);
            var logging = Enumerable.Range(0, threads).Select(t => Task.Run(() =>
            {
                var logger = provider.CreateLogger("test");
                started.Signal();
                for (var i = 0; i < lines; i++) logger.LogInformation("thread {Thread} line {Line}", t, i);
            })).ToArray();
            started.Wait();
            provider.Dispose();
            await Task.WhenAll(logging);

            Assert.That(output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries), Has.Length.EqualTo(threads * lines), $"attempt {attempt}");
        }
    }

    /// <summary>What the console logger would write for the same call: its JSON formatter, directly.</summary>
    private sealed class FormatterOnly(ConsoleFormatter formatter, IExternalScopeProvider scopes, TextWriter output, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> format) =>
            formatter.Write(new LogEntry<TState>(logLevel, category, eventId, state, exception, format), scopes, output);
    }
}
