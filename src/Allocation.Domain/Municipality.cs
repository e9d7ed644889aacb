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

    /// <summary>Four ASCII digits, e.g. 0127.</summary>
    public const string CodePattern = "^[0-9]{4}$";

    public static bool IsValidCode(string? code) => code is not null && System.Text.RegularExpressions.Regex.IsMatch(code, CodePattern);
}
