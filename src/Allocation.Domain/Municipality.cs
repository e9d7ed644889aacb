namespace Allocation.Domain;

/// <summary>A municipality by its SCB code (PRODUCT §3). Every agreement and apartment belongs to one (PRODUCT §12).</summary>
public sealed class Municipality
{
    public Municipality(string code, string name)
    {
        Code = code;
        Name = name;
    }

    public string Code { get; private set; }
    public string Name { get; private set; }

    public static bool IsValidCode(string? code) => code is { Length: 4 } && code.All(char.IsAsciiDigit);
}
