from odoo import api, models

from ..models.accountancy_capacity_report import CAPACITY_FIGURES

# Columns of the capacity layout (one block per employee and year).
COL_ROLE, COL_CODE, COL_NAME, COL_YEAR, COL_TOTAL = range(5)


class CapacityOverviewXlsx(models.AbstractModel):
    """The capacity overview as a spreadsheet: per employee and year
    a block header (role, employee code and name, year), then the rows contract
    hours (with the part-time %), indirect and absent, available for production,
    already planned, control hours and free capacity, with the total of the year
    and the twelve months.

    Prints from the employee budgets or from rows of the capacity overview."""

    _name = "report.accountancy_crm.capacity_overview_xlsx"
    _inherit = "report.report_xlsx.abstract"
    _description = "Capacity overview (XLSX)"

    def _row_labels(self):
        return {
            "contract_hours": self.env._("Contract hours (pt%)"),
            "indirect_hours": self.env._("Indirect/absent"),
            "available_hours": self.env._("Available for production"),
            "planned_hours": self.env._("Already planned"),
            "control_hours": self.env._("Control hours (manual)"),
            "free_hours": self.env._("Free capacity"),
        }

    def _headers(self):
        months = [
            label
            for _value, label in self.env["accountancy.capacity.report"]
            ._fields["month"]
            ._description_selection(self.env)
        ]
        return [
            self.env._("Role"),
            self.env._("Employee"),
            self.env._("Employee name"),
            self.env._("Year"),
            self.env._("Total"),
        ] + [month[:3] for month in months]

    def _employee_years(self, records):
        """(employee, year) pairs the report covers: those of the budgets or of
        the capacity rows it is printed from."""
        records.fetch(["employee_id", "year"])
        return {(record.employee_id, record.year) for record in records}

    def _blocks(self, records):
        """[(employee, year, budget, figures)] sorted by role, employee and year,
        read in a fixed number of queries."""
        pairs = self._employee_years(records)
        employees = records.employee_id
        years = {year for _employee, year in pairs}
        overview = self.env["accountancy.capacity.report"]._overview(
            [("employee_id", "in", employees.ids), ("year", "in", list(years))]
        )
        budgets = self.env["accountancy.employee.budget"].search_fetch(
            [("employee_id", "in", employees.ids), ("year", "in", list(years))],
            ["employee_id", "year", "role_id", "part_time_percentage"],
        )
        budgets.role_id.fetch(["code"])
        budget_of = {(b.employee_id, b.year): b for b in budgets}
        employees.fetch(["name", "barcode"])
        blocks = [
            (employee, year, budget_of.get((employee, year), budgets.browse()), data)
            for (employee, year), data in overview.items()
            if (employee, year) in pairs
        ]
        blocks.sort(
            key=lambda b: (b[2].role_id.code or "", b[0].name or "", b[0].id, b[1])
        )
        return blocks

    # report_xlsx calls it from Python only (create_xlsx_report).
    @api.private
    def generate_xlsx_report(self, workbook, data, records):
        sheet = workbook.add_worksheet(self.env._("Capacity"))
        bold = workbook.add_format({"bold": True})
        number = workbook.add_format({"num_format": "#,##0.0"})
        negative = workbook.add_format({"num_format": "#,##0.0", "font_color": "red"})
        free = workbook.add_format({"num_format": "#,##0.0", "bold": True})
        headers = self._headers()
        for col, header in enumerate(headers):
            sheet.write(0, col, header, bold)
        labels = self._row_labels()
        row = 1
        for employee, year, budget, figures in self._blocks(records):
            sheet.write(row, COL_ROLE, budget.role_id.code or "", bold)
            sheet.write(row, COL_CODE, employee.barcode or "", bold)
            sheet.write(row, COL_NAME, employee.name or "", bold)
            sheet.write(row, COL_YEAR, year, bold)
            row += 1
            for figure in CAPACITY_FIGURES:
                sheet.write(row, COL_NAME, labels[figure])
                if figure == "contract_hours" and budget:
                    sheet.write(row, COL_YEAR, budget.part_time_percentage)
                for index, value in enumerate(figures[figure]):
                    value = round(value, 2)
                    style = number
                    if figure == "free_hours":
                        style = negative if value < 0 else free
                    sheet.write_number(row, COL_TOTAL + index, value, style)
                row += 1
        sheet.freeze_panes(1, COL_TOTAL)
        sheet.set_column(COL_ROLE, COL_CODE, 10)
        sheet.set_column(COL_NAME, COL_NAME, 32)
        sheet.set_column(COL_YEAR, COL_YEAR, 8)
        sheet.set_column(COL_TOTAL, len(headers) - 1, 10)
