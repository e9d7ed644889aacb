using Allocation.Api.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Allocation.Api.Tests;

/// <summary>The README's migration command, run as the README writes it.</summary>
public sealed class MigrationCommandTests
{
    // It builds the API project first, on a machine that may be busy.
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(10);

    [Test]
    public async Task The_README_migration_command_migrates_the_database_named_by_ConnectionStrings__Allocation()
    {
        await using var database = await FreshDatabase.CreateAsync("ef_update");
        var environment = new Dictionary<string, string> { ["ConnectionStrings__Allocation"] = database.ConnectionString };

        var (restored, restoreOutput) = await ChildProcess.RunAsync(ChildProcess.RepositoryRoot, environment, CommandTimeout, "dotnet", "tool", "restore");
        Assert.That(restored, Is.EqualTo(0), restoreOutput);
        var (exitCode, output) = await ChildProcess.RunAsync(ChildProcess.RepositoryRoot, environment, CommandTimeout,
            "dotnet", "ef", "database", "update", "--project", "src/Allocation.Api");
        Assert.That(exitCode, Is.EqualTo(0), output);

        var options = new DbContextOptionsBuilder<AllocationDbContext>();
        AllocationDbContext.Configure(options, database.ConnectionString);
        await using var db = new AllocationDbContext(options.Options);
        var applied = await db.Database.GetAppliedMigrationsAsync();
        Assert.That(applied, Is.EqualTo(db.Database.GetMigrations()).And.Not.Empty, output);
    }
}
