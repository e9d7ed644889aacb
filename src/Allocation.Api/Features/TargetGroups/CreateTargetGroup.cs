using Allocation.Api.Persistence;
using Allocation.Domain;
using FluentValidation;
using Mediator;

namespace Allocation.Api.Features.TargetGroups;

/// <summary>A new priority target group, added by an administrator.</summary>
/// <param name="Code">Unique code, lower-case words joined by hyphens (at most 60 characters), e.g. <c>released-from-prison</c>; 409 duplicate-target-group-code when taken.</param>
/// <param name="NameSv">Swedish name (1 to 200 characters).</param>
/// <param name="NameEn">English name (1 to 200 characters).</param>
/// <param name="PriorityRank">Priority in the queue from 1 (highest) to 100.</param>
/// <param name="IsSensitive">Whether membership is itself sensitive, as for violence-exposed women: then never shown to the housing company and suppressed in small report counts.</param>
/// <param name="TargetShare">Superseded, kept for existing clients: a group-wide share of the quota (0 to 1, at most four decimals) that is stored and shown but read by nothing. Set target shares on an agreement instead (<c>targetShares</c>).</param>
public sealed record CreateTargetGroupRequest(string Code, string NameSv, string NameEn, int PriorityRank, bool IsSensitive, decimal? TargetShare = null);

public sealed record CreateTargetGroupCommand(CreateTargetGroupRequest Body) : ICommand<TargetGroupResponse>;

public sealed class CreateTargetGroupValidator : AbstractValidator<CreateTargetGroupCommand>
{
    public CreateTargetGroupValidator()
    {
        RuleFor(c => c.Body.Code).NotEmpty().MaximumLength(60).Matches("^[a-z0-9]+(-[a-z0-9]+)*$")
            .WithMessage("code is lower-case words joined by hyphens, e.g. violence-exposed-women.");
        RuleFor(c => c.Body.NameSv).NotEmpty().MaximumLength(200);
        RuleFor(c => c.Body.NameEn).NotEmpty().MaximumLength(200);
        RuleFor(c => c.Body.PriorityRank).InclusiveBetween(1, 100);
        RuleFor(c => c.Body.TargetShare).InclusiveBetween(0m, 1m).PrecisionScale(5, 4, true)
            .WithMessage("targetShare is a fraction of the quota between 0 and 1.");
    }
}

public sealed class CreateTargetGroupHandler(AllocationDbContext db, TimeProvider clock) : ICommandHandler<CreateTargetGroupCommand, TargetGroupResponse>
{
    public async ValueTask<TargetGroupResponse> Handle(CreateTargetGroupCommand command, CancellationToken ct)
    {
        var b = command.Body;
        var group = new TargetGroup(Guid.CreateVersion7(clock.GetUtcNow()), b.Code, b.NameSv.Trim(), b.NameEn.Trim(), b.PriorityRank, b.IsSensitive, b.TargetShare);
        db.TargetGroups.Add(group);
        await db.SaveChangesAsync(ct);
        return TargetGroupResponse.From(group);
    }
}
