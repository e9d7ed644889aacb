namespace Allocation.Domain;

/// <summary>A business rule refused the operation. <see cref="Code"/> is the stable error code partners see.</summary>
public sealed class DomainRuleException(string code, string message) : Exception(message)
{
    public string Code { get; } = code;
}
