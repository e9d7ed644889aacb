namespace Allocation.Domain;

/// <summary>
/// Small-cell suppression for reports handed out (PRODUCT §6): a count of 1 up to the threshold in a sensitive target
/// group's row is hidden, and further cells and totals are hidden until no hidden count can be derived from a total.
/// </summary>
public static class Suppression
{
    /// <summary>Counts from 1 to 4 are hidden unless configured otherwise (PRODUCT §6: "&lt;5").</summary>
    public const int DefaultThreshold = 5;

    /// <summary>Hides the cells that would reveal people in a sensitive group, and the cells and totals they could be derived from.</summary>
    /// <param name="counts">The table: one row per target group, one column per measure; every row as long as the first.</param>
    /// <param name="sensitive">Per row: whether the group's membership is itself sensitive.</param>
    /// <param name="threshold">Counts from 1 up to (not including) this number are hidden in sensitive rows.</param>
    /// <param name="rowTotals">Whether each row's sum over the columns is published (the columns partition a whole, e.g. outcomes).</param>
    /// <param name="columnTotals">Whether each column's sum over the rows is published (the "all groups" row).</param>
    public static SuppressedTable Apply(IReadOnlyList<IReadOnlyList<int>> counts, IReadOnlyList<bool> sensitive, int threshold,
        bool rowTotals, bool columnTotals)
    {
        if (threshold < 1) throw new ArgumentOutOfRangeException(nameof(threshold));
        if (sensitive.Count != counts.Count) throw new ArgumentException("One sensitivity flag per row.", nameof(sensitive));
        var columns = counts.Count == 0 ? 0 : counts[0].Count;
        if (counts.Any(r => r.Count != columns)) throw new ArgumentException("Every row has the same columns.", nameof(counts));
        if (counts.Any(r => r.Any(c => c < 0))) throw new ArgumentException("Counts are never negative.", nameof(counts));

        var table = new SuppressedTable(counts, rowTotals, columnTotals);
        for (var r = 0; r < counts.Count; r++)
            for (var c = 0; c < columns; c++)
                if (sensitive[r] && counts[r][c] > 0 && counts[r][c] < threshold)
                    table.Hide(new TableCell(r, c));

        // Complementary suppression: a line (a row or a column, with its total) with exactly one hidden member gives it
        // away by subtraction, so another member is hidden: the smallest non-zero count, or else the total. Zeros are never
        // hidden, so hidden counts are known to be at least 1: when the total leaves exactly 1 for each, the total goes too.
        var lines = table.Lines().ToList();
        bool changed;
        do
        {
            changed = false;
            foreach (var (members, total) in lines)
            {
                var hidden = members.Append(total).Count(table.IsHidden);
                if (hidden > 1 && !table.IsHidden(total)
                    && table.Value(total) - members.Where(m => !table.IsHidden(m)).Sum(table.Value) == hidden)
                {
                    table.Hide(total);
                    changed = true;
                    continue;
                }
                if (hidden != 1) continue;
                var partner = members.Where(m => !table.IsHidden(m) && table.Value(m) > 0)
                    .OrderBy(table.Value).ThenBy(m => m.Row).ThenBy(m => m.Column)
                    .Select(m => (TableCell?)m).FirstOrDefault();
                if (partner is null && !table.IsHidden(total)) partner = total;
                if (partner is { } p)
                {
                    table.Hide(p);
                    changed = true;
                }
            }
        } while (changed);
        return table;
    }

    /// <summary>A median or percentile of fewer than the threshold cases in a sensitive group is hidden too (PRODUCT §6).</summary>
    public static bool HidesDuration(bool sensitive, int cases, int threshold) => sensitive && cases > 0 && cases < threshold;
}

/// <summary>
/// A cell of a suppressed table. Row totals are in column <see cref="SuppressedTable.TotalColumn"/>, column totals in row
/// <see cref="SuppressedTable.TotalRow"/>, and the grand total where both meet.
/// </summary>
public readonly record struct TableCell(int Row, int Column);

/// <summary>A table of counts with its totals and the cells that are hidden.</summary>
public sealed class SuppressedTable
{
    private readonly IReadOnlyList<IReadOnlyList<int>> _counts;
    private readonly HashSet<TableCell> _hidden = [];
    private readonly bool _rowTotals;
    private readonly bool _columnTotals;

    internal SuppressedTable(IReadOnlyList<IReadOnlyList<int>> counts, bool rowTotals, bool columnTotals)
    {
        _counts = counts;
        _rowTotals = rowTotals;
        _columnTotals = columnTotals;
        Rows = counts.Count;
        Columns = counts.Count == 0 ? 0 : counts[0].Count;
    }

    public int Rows { get; }
    public int Columns { get; }

    /// <summary>The row index of the column totals.</summary>
    public int TotalRow => Rows;

    /// <summary>The column index of the row totals.</summary>
    public int TotalColumn => Columns;

    public bool IsHidden(TableCell cell) => _hidden.Contains(cell);

    public bool IsHidden(int row, int column) => _hidden.Contains(new TableCell(row, column));

    /// <summary>The count, or a row, column or grand total, whether hidden or not.</summary>
    public int Value(TableCell cell) => (cell.Row == TotalRow, cell.Column == TotalColumn) switch
    {
        (false, false) => _counts[cell.Row][cell.Column],
        (false, true) => _counts[cell.Row].Sum(),
        (true, false) => _counts.Sum(r => r[cell.Column]),
        (true, true) => _counts.Sum(r => r.Sum()),
    };

    /// <summary>The value as published: null when hidden.</summary>
    public int? Shown(int row, int column) => IsHidden(row, column) ? null : Value(new TableCell(row, column));

    internal void Hide(TableCell cell) => _hidden.Add(cell);

    /// <summary>Every published sum with the members it adds up.</summary>
    internal IEnumerable<(IReadOnlyList<TableCell> Members, TableCell Total)> Lines()
    {
        var rows = Enumerable.Range(0, Rows).ToList();
        var columns = Enumerable.Range(0, Columns).ToList();
        // Without a published total the members of a line add up to nothing known, so they reveal nothing.
        if (_rowTotals)
            foreach (var r in rows)
                yield return (columns.Select(c => new TableCell(r, c)).ToList(), new TableCell(r, TotalColumn));
        if (_columnTotals)
            foreach (var c in columns)
                yield return (rows.Select(r => new TableCell(r, c)).ToList(), new TableCell(TotalRow, c));
        if (_rowTotals && _columnTotals)
        {
            yield return (rows.Select(r => new TableCell(r, TotalColumn)).ToList(), new TableCell(TotalRow, TotalColumn));
            yield return (columns.Select(c => new TableCell(TotalRow, c)).ToList(), new TableCell(TotalRow, TotalColumn));
        }
    }
}
