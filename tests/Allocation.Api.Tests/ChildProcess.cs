using System.Diagnostics;

namespace Allocation.Api.Tests;

/// <summary>
/// A command run as its own process, the way a user or a container runs it: the built API, <c>dotnet ef</c>,
/// <c>dotnet publish</c>. Output goes to a file, not a pipe: build servers started by a command keep inherited pipes
/// open long after it has exited.
/// </summary>
public sealed class ChildProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _log;

    private ChildProcess(Process process, string log)
    {
        _process = process;
        _log = log;
    }

    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>The API as built for this test run (bin/&lt;Configuration&gt;/net10.0 mirrors the test project's).</summary>
    public static string ApiDirectory => Path.Combine(RepositoryRoot, "src", "Allocation.Api", "bin", BuildConfiguration, "net10.0");

    public static string BuildConfiguration => new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name;

    public bool HasExited => _process.HasExited;

    /// <summary>Polls the API this process runs until <c>/health/ready</c> answers 2xx; fails if the process stops or the time runs out.</summary>
    public async Task WaitUntilReadyAsync(HttpClient http, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (HasExited) Assert.Fail($"The API stopped while starting:\n{Output}");
            try
            {
                if ((await http.GetAsync("/health/ready")).IsSuccessStatusCode) return;
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }
            if (DateTime.UtcNow > deadline) Assert.Fail($"The API was not ready within {timeout}:\n{Output}");
            await Task.Delay(TimeSpan.FromMilliseconds(200));
        }
    }

    public string Output
    {
        get
        {
            using var stream = new FileStream(_log, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            return new StreamReader(stream).ReadToEnd();
        }
    }

    public static ChildProcess Start(string workingDirectory, IReadOnlyDictionary<string, string> environment, params string[] command)
    {
        var log = Path.Combine(Path.GetTempPath(), $"allocation-child-{Guid.NewGuid():N}.log");
        File.WriteAllText(log, "");
        var info = new ProcessStartInfo("/bin/sh") { WorkingDirectory = workingDirectory, UseShellExecute = false };
        foreach (var arg in (string[])["-c", "exec \"$@\" >\"$0\" 2>&1", log, .. command]) info.ArgumentList.Add(arg);

        // The test run's own settings (and the MSBuild state of 'dotnet test') must not leak into the command.
        foreach (var name in info.Environment.Keys.Where(Inherited).ToList()) info.Environment.Remove(name);
        info.Environment["MSBUILDDISABLENODEREUSE"] = "1"; // no build nodes left behind on a shared machine
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        foreach (var (name, value) in environment) info.Environment[name] = value;
        try
        {
            return new ChildProcess(Process.Start(info) ?? throw new InvalidOperationException($"Could not start {command[0]}."), log);
        }
        catch
        {
            File.Delete(log);
            throw;
        }
    }

    /// <summary>Runs the command to its end and returns its exit code and output; fails the test if it takes longer than <paramref name="timeout"/>.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(string workingDirectory, IReadOnlyDictionary<string, string> environment, TimeSpan timeout,
        params string[] command)
    {
        await using var child = Start(workingDirectory, environment, command);
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await child._process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"'{string.Join(' ', command)}' did not finish within {timeout}:\n{child.Output}");
        }
        return (child._process.ExitCode, child.Output);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        File.Delete(_log);
    }

    private static bool Inherited(string name) =>
        name.StartsWith("ConnectionStrings__", StringComparison.OrdinalIgnoreCase)
        || name.StartsWith("Authentication__", StringComparison.OrdinalIgnoreCase)
        || name.StartsWith("CaseReferences__", StringComparison.OrdinalIgnoreCase)
        || name.StartsWith("Database__", StringComparison.OrdinalIgnoreCase)
        || name.StartsWith("ASPNETCORE_", StringComparison.OrdinalIgnoreCase)
        || name.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase)
        || name is "DOTNET_ENVIRONMENT";

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
            if (File.Exists(Path.Combine(directory.FullName, "Allocation.sln"))) return directory.FullName;
        throw new InvalidOperationException($"No Allocation.sln above {AppContext.BaseDirectory}.");
    }
}
