using System.Text.RegularExpressions;

namespace Allocation.Api.Tests;

/// <summary>
/// What the container gets. Docker cannot run in this test environment, so these check the published output and the
/// Compose files; <see cref="StartupTests"/> runs the API with the same Production settings as a process.
/// </summary>
public sealed partial class ContainerTests
{
    [Test]
    public async Task The_published_API_leaves_out_the_development_settings_and_their_public_keys()
    {
        var output = Path.Combine(Path.GetTempPath(), $"allocation-publish-{Guid.NewGuid():N}");
        try
        {
            // As the Dockerfile publishes, from this run's build.
            var (exitCode, log) = await ChildProcess.RunAsync(ChildProcess.RepositoryRoot, new Dictionary<string, string>(), TimeSpan.FromMinutes(5),
                "dotnet", "publish", "src/Allocation.Api", "-c", ChildProcess.BuildConfiguration, "--no-build", "-o", output, "-p:OpenApiGenerateDocuments=false");
            Assert.That(exitCode, Is.EqualTo(0), log);
            Assert.Multiple(() =>
            {
                Assert.That(File.Exists(Path.Combine(output, "Allocation.Api.dll")), Is.True, log);
                Assert.That(File.Exists(Path.Combine(output, "appsettings.json")), Is.True, log);
                Assert.That(File.Exists(Path.Combine(output, "appsettings.Development.json")), Is.False, log);
            });
        }
        finally
        {
            if (Directory.Exists(output)) Directory.Delete(output, recursive: true);
        }
    }

    [Test]
    public void Docker_compose_runs_the_API_as_Production_with_secrets_from_the_env_file_a_healthcheck_and_restarts()
    {
        var compose = Read("docker-compose.yml");
        var makeEnv = Read("scripts/make-env.sh");

        Assert.Multiple(() =>
        {
            Assert.That(compose, Does.Contain("ASPNETCORE_ENVIRONMENT: Production"));
            Assert.That(compose, Does.Not.Contain("ASPNETCORE_ENVIRONMENT: Development").And.Not.Contain("DevelopmentSigningKey"));
            Assert.That(compose, Does.Contain("""test: ["CMD", "dotnet", "Allocation.Api.dll", "healthcheck"]"""));
            Assert.That(Regex.Count(compose, "restart: unless-stopped"), Is.EqualTo(2));
            // Every secret Compose requires is one the README's script writes.
            var required = RequiredVariable().Matches(compose).Select(m => m.Groups[1].Value).Distinct().ToList();
            Assert.That(required, Is.Not.Empty);
            foreach (var name in required) Assert.That(makeEnv, Does.Contain($"echo \"{name}="), name);
            Assert.That(Read(".gitignore").Split('\n'), Does.Contain(".env"));
            Assert.That(Read(".dockerignore").Split('\n'), Does.Contain(".env"));
            Assert.That(Read("docker-compose.development.yml"), Does.Contain("ASPNETCORE_ENVIRONMENT: Development"));
        });
    }

    private static string Read(string path) => File.ReadAllText(Path.Combine(ChildProcess.RepositoryRoot, path));

    [GeneratedRegex(@"\$\{([A-Z_]+):\?")]
    private static partial Regex RequiredVariable();
}
