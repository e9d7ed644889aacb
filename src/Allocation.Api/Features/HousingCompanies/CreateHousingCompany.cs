using Allocation.Api.Infrastructure;
using Allocation.Api.Infrastructure.Auth;
using Allocation.Api.Persistence;
using Allocation.Domain;
using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Allocation.Api.Features.HousingCompanies;

/// <summary>A housing company to register in the caller's own municipality, by an administrator.</summary>
/// <param name="Name">The company's name (1 to 200 characters); 409 duplicate-housing-company when taken.</param>
/// <param name="MunicipalityCode">SCB code of the caller's own municipality (four digits, e.g. 0127).</param>
public sealed record CreateHousingCompanyRequest(string Name, string MunicipalityCode);

public sealed record CreateHousingCompanyCommand(CreateHousingCompanyRequest Body) : ICommand<HousingCompanyResponse>;

public sealed class CreateHousingCompanyValidator : AbstractValidator<CreateHousingCompanyCommand>
{
    public CreateHousingCompanyValidator()
    {
        RuleFor(c => c.Body.Name).NotEmpty().MaximumLength(200);
        RuleFor(c => c.Body.MunicipalityCode).NotEmpty().Matches(Municipality.CodePattern).WithMessage("A municipality code is four digits (SCB), e.g. 0127.");
    }
}

public sealed class CreateHousingCompanyHandler(AllocationDbContext db, Caller caller, TimeProvider clock) : ICommandHandler<CreateHousingCompanyCommand, HousingCompanyResponse>
{
    public async ValueTask<HousingCompanyResponse> Handle(CreateHousingCompanyCommand command, CancellationToken ct)
    {
        var body = command.Body;
        if (body.MunicipalityCode != caller.Municipality)
            throw new ForbiddenException("other-municipality", "A housing company can only be registered for the caller's own municipality.");
        if (!await db.Municipalities.AnyAsync(m => m.Code == body.MunicipalityCode, ct))
            throw new BadRequestException("unknown-municipality", $"No municipality with code '{body.MunicipalityCode}' is registered.");
        var company = new HousingCompany(Guid.CreateVersion7(clock.GetUtcNow()), body.Name.Trim(), body.MunicipalityCode);
        db.HousingCompanies.Add(company);
        await db.SaveChangesAsync(ct);
        return new HousingCompanyResponse(company.Id, company.Name, company.MunicipalityCode);
    }
}
