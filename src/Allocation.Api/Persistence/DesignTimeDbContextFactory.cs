using Allocation.Api.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Allocation.Api.Persistence;

/// <summary>
/// The DbContext for <c>dotnet ef</c>. <c>ConnectionStrings:Allocation</c> is read from the same sources as the
/// application's (appsettings, user secrets in Development, environment variables, arguments after <c>--</c>), so
/// <c>dotnet ef database update</c> migrates the database the API will use. Without one it falls back to
/// <see cref="Database.PlaceholderConnectionString"/>, which is enough for <c>dotnet ef migrations add</c> only.
/// </summary>
public sealed class DesignTimeDbContextFactory : IDesignTimeDbContextFactory<AllocationDbContext>
{
    public AllocationDbContext CreateDbContext(string[] args)
    {
        var assembly = typeof(DesignTimeDbContextFactory).Assembly;
        var configuration = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            // The tool's own process is the entry assembly: name the application so its user secrets are found, and
            // read the appsettings copied next to it by the build the tool has just run.
            ApplicationName = assembly.GetName().Name,
            ContentRootPath = Path.GetDirectoryName(assembly.Location),
        }).Configuration;

        var connectionString = configuration.GetConnectionString(Database.ConnectionStringName);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            // Standard error: 'dotnet ef migrations script' writes its SQL to standard output.
            Console.Error.WriteLine($"ConnectionStrings:{Database.ConnectionStringName} is not set; using '{Database.PlaceholderConnectionString}', " +
                "which is enough for 'dotnet ef migrations add' only.");
            connectionString = Database.PlaceholderConnectionString;
        }
        var options = new DbContextOptionsBuilder<AllocationDbContext>();
        AllocationDbContext.Configure(options, connectionString);
        return new AllocationDbContext(options.Options);
    }
}
