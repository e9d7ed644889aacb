using Allocation.Domain;

namespace Allocation.Domain.Tests;

/// <summary>PRODUCT §6: small counts of sensitive groups are suppressed so a report can be handed out without revealing a person.</summary>
public sealed class SuppressionTests
{
    private static SuppressedTable Apply(int[][] counts, bool[] sensitive, bool rowTotals = true, bool columnTotals = true, int threshold = 5) =>
        Suppression.Apply(counts, sensitive, threshold, rowTotals, columnTotals);

    private static IEnumerable<TableCell> Hidden(SuppressedTable t) =>
        from r in Enumerable.Range(0, t.Rows + 1)
        from c in Enumerable.Range(0, t.Columns + 1)
        where t.IsHidden(r, c)
        select new TableCell(r, c);

    [Test]
    public void Counts_from_one_to_four_of_a_sensitive_group_are_hidden_and_zero_and_five_are_shown()
    {
        var t = Apply([[0, 1, 4, 5]], [true], rowTotals: false, columnTotals: false);

        Assert.That(new[] { t.Shown(0, 0), t.Shown(0, 1), t.Shown(0, 2), t.Shown(0, 3) }, Is.EqualTo(new int?[] { 0, null, null, 5 }));
    }

    [Test]
    public void A_non_sensitive_groups_small_counts_are_shown()
    {
        var t = Apply([[1, 2], [3, 4]], [false, false]);

        Assert.That(Hidden(t), Is.Empty);
    }

    [Test]
    public void The_threshold_is_configurable()
    {
        var t = Apply([[2, 3]], [true], rowTotals: false, columnTotals: false, threshold: 3);

        Assert.That(Hidden(t), Is.EqualTo(new[] { new TableCell(0, 0) }));
    }

    [Test]
    public void A_single_hidden_cell_in_a_column_hides_the_next_smallest_non_zero_cell_of_that_column()
    {
        // Column 0: 3 (sensitive, hidden), 0, 9, 7: the complement is 7, the smallest non-zero visible count.
        var t = Apply([[3], [0], [9], [7]], [true, false, false, false], rowTotals: false);

        Assert.That(Hidden(t), Is.EquivalentTo(new[] { new TableCell(0, 0), new TableCell(3, 0) }));
        Assert.That(t.Shown(t.TotalRow, 0), Is.EqualTo(19), "the total stays: two unknowns cannot be told apart");
    }

    [Test]
    public void Three_housed_households_of_a_sensitive_group_alone_hide_the_cell_and_the_total()
    {
        // The acceptance case: nobody else was housed, so the total alone would say 3.
        var t = Apply([[3], [0], [0]], [true, false, false], rowTotals: false);

        Assert.That(t.Shown(0, 0), Is.Null);
        Assert.That(t.Shown(t.TotalRow, 0), Is.Null);
    }

    [Test]
    public void Complementary_suppression_in_a_two_way_table_leaves_no_line_with_a_single_hidden_cell()
    {
        int[][] counts = [[2, 8, 6], [7, 9, 12], [11, 10, 5]];
        var t = Apply(counts, [true, false, false]);

        Assert.That(t.IsHidden(0, 0), Is.True);
        AssertNothingDerivable(t);
    }

    [Test]
    public void Complementary_suppression_iterates_until_stable_across_rows_columns_and_totals()
    {
        // Two sensitive rows, each with one small cell, placed so that the first complements open new single-hidden lines.
        int[][] counts = [[1, 0, 20], [0, 6, 3], [8, 0, 0], [0, 0, 4]];
        var t = Apply(counts, [true, true, false, false]);

        Assert.That(t.IsHidden(0, 0) && t.IsHidden(1, 2), Is.True);
        AssertNothingDerivable(t);
    }

    [Test]
    public void A_hidden_cell_whose_row_has_no_other_count_hides_the_row_total()
    {
        int[][] counts = [[4, 0], [6, 7]];
        var t = Apply(counts, [true, false]);

        Assert.That(t.IsHidden(0, t.TotalColumn), Is.True);
        AssertNothingDerivable(t);
    }

    [Test]
    public void Hidden_counts_that_their_total_leaves_exactly_one_each_hide_the_total()
    {
        // Two hidden ones in a row of total 2: hidden counts are never zero, so each must be 1 unless the total goes too.
        int[][] counts = [[1, 0, 1], [4, 2, 9]];
        var t = Apply(counts, [true, false]);

        Assert.That(t.IsHidden(0, t.TotalColumn), Is.True);
        AssertNothingDerivable(t);
    }

    [Test]
    public void Durations_of_fewer_than_the_threshold_cases_of_a_sensitive_group_are_hidden()
    {
        Assert.That(Suppression.HidesDuration(true, 4, 5), Is.True);
        Assert.That(Suppression.HidesDuration(true, 5, 5), Is.False);
        Assert.That(Suppression.HidesDuration(false, 1, 5), Is.False);
        Assert.That(Suppression.HidesDuration(true, 0, 5), Is.False, "no cases: there is no duration to hide");
    }

    [Test]
    public void Random_tables_never_leave_a_hidden_cell_derivable_by_subtraction()
    {
        var random = new Random(9);
        for (var i = 0; i < 500; i++)
        {
            var rows = random.Next(1, 6);
            var columns = random.Next(1, 6);
            var counts = Enumerable.Range(0, rows).Select(_ => Enumerable.Range(0, columns).Select(_ => random.Next(0, 3) == 0 ? 0 : random.Next(1, 12)).ToArray()).ToArray();
            var sensitive = Enumerable.Range(0, rows).Select(_ => random.Next(2) == 0).ToArray();
            var rowTotals = random.Next(2) == 0;
            var t = Apply(counts, sensitive, rowTotals: rowTotals);
            for (var r = 0; r < rows; r++)
                for (var c = 0; c < columns; c++)
                    if (sensitive[r] && counts[r][c] is > 0 and < 5)
                        Assert.That(t.IsHidden(r, c), $"table {i}: sensitive small cell ({r},{c})");
            AssertNothingDerivable(t, rowTotals);
            AssertNoTotalLeavesOneEach(t, rowTotals);
        }
    }

    /// <summary>No visible total, less its visible members, leaves exactly 1 for each of two or more hidden members.</summary>
    private static void AssertNoTotalLeavesOneEach(SuppressedTable t, bool rowTotals)
    {
        var rows = Enumerable.Range(0, t.Rows).ToList();
        var columns = Enumerable.Range(0, t.Columns).ToList();
        var lines = new List<(List<TableCell> Members, TableCell Total)>();
        if (rowTotals) lines.AddRange(rows.Select(r => (columns.Select(c => new TableCell(r, c)).ToList(), new TableCell(r, t.TotalColumn))));
        lines.AddRange(columns.Select(c => (rows.Select(r => new TableCell(r, c)).ToList(), new TableCell(t.TotalRow, c))));
        foreach (var (members, total) in lines)
        {
            var hidden = members.Count(t.IsHidden);
            if (hidden < 2 || t.IsHidden(total)) continue;
            Assert.That(t.Value(total) - members.Where(m => !t.IsHidden(m)).Sum(t.Value), Is.Not.EqualTo(hidden), $"line of {total}");
        }
    }

    /// <summary>No published sum has exactly one hidden member: each hidden count has a partner it cannot be told apart from.</summary>
    private static void AssertNothingDerivable(SuppressedTable t, bool rowTotals = true)
    {
        var rows = Enumerable.Range(0, t.Rows).ToList();
        var columns = Enumerable.Range(0, t.Columns).ToList();
        if (rowTotals)
            foreach (var r in rows.Append(t.TotalRow))
                Assert.That(columns.Append(t.TotalColumn).Count(c => t.IsHidden(r, c)), Is.Not.EqualTo(1), $"row {r}");
        foreach (var c in rowTotals ? columns.Append(t.TotalColumn) : columns)
            Assert.That(rows.Append(t.TotalRow).Count(r => t.IsHidden(r, c)), Is.Not.EqualTo(1), $"column {c}");
    }
}
