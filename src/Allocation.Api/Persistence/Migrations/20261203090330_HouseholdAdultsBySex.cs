using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Allocation.Api.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class HouseholdAdultsBySex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "adult_men",
                table: "allocation_requests",
                type: "integer",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "adult_women",
                table: "allocation_requests",
                type: "integer",
                nullable: true);

            migrationBuilder.AddCheckConstraint(
                name: "ck_allocation_requests_adults_by_sex",
                table: "allocation_requests",
                sql: "COALESCE(adult_women, 0) >= 0 AND COALESCE(adult_men, 0) >= 0 AND COALESCE(adult_women, 0) + COALESCE(adult_men, 0) <= adults");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropCheckConstraint(
                name: "ck_allocation_requests_adults_by_sex",
                table: "allocation_requests");

            migrationBuilder.DropColumn(
                name: "adult_men",
                table: "allocation_requests");

            migrationBuilder.DropColumn(
                name: "adult_women",
                table: "allocation_requests");
        }
    }
}
