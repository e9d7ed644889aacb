using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Allocation.Api.Persistence;

/// <summary>Lets <c>dotnet ef migrations add</c> build the model without starting the application or a database.</summary>
public sealed class DesignTimeDbContextFactory : IDesignTimeDbContextFactory<AllocationDbContext>
{
    public AllocationDbContext CreateDbContext(string[] args)
    {
        var options = new DbContextOptionsBuilder<AllocationDbContext>();
        AllocationDbContext.Configure(options, "Host=localhost;Database=allocation");
        return new AllocationDbContext(options.Options);
    }
}
