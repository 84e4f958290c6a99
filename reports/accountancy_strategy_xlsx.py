from odoo import api, models

# Band columns of the overview: (xml id of the criterion, column header).
BAND_COLUMNS = [
    ("accountancy_crm.criterion_fee_volume", "Fee volume"),
    ("accountancy_crm.criterion_write_off", "Write-offs"),
    ("accountancy_crm.criterion_payment", "Payment behaviour"),
    ("accountancy_crm.criterion_ambassador", "Ambassador"),
    ("accountancy_crm.criterion_age", "Age entrepreneur"),
]


class StrategyOverviewXlsx(models.AbstractModel):
    """The strategy overview as a spreadsheet: one row per client
    strategy with the band of each criterion, the points and the client type."""

    _name = "report.accountancy_crm.strategy_overview_xlsx"
    _inherit = "report.report_xlsx.abstract"
    _description = "Strategy overview (XLSX)"

    def _overview_headers(self):
        return [
            self.env._("Relation"),
            self.env._("Year"),
            self.env._("Client group"),
            self.env._("Sector"),
            self.env._("Small business"),
            self.env._("Fee volume"),
            self.env._("Write-offs"),
            self.env._("Payment behaviour"),
            self.env._("Ambassador"),
            self.env._("Age entrepreneur"),
            self.env._("Points"),
            self.env._("Client type"),
        ]

    def _field_text(self, record, fname):
        """The value of an optional field (e.g. the small-business indicator) as
        text, or "" when the field does not exist."""
        field = record._fields.get(fname)
        if not field:
            return ""
        value = record[fname]
        if field.type == "boolean":
            return self.env._("Yes") if value else self.env._("No")
        if field.type == "selection":
            return dict(field._description_selection(self.env)).get(value, "")
        if field.type in ("many2one",):
            return value.display_name or ""
        return value if value not in (False, None) else ""

    def _overview_rows(self, strategies):
        """The rows of the overview, read in batch: a fixed number of queries
        whatever the number of strategies."""
        criteria = {}
        for xmlid, _header in BAND_COLUMNS:
            criteria[xmlid] = self.env.ref(xmlid, raise_if_not_found=False)
        strategies.fetch(["partner_id", "year", "points", "client_type_id"])
        partners = strategies.partner_id
        partners.fetch(["client_group_id", "sector_id"])
        partners.client_group_id.fetch(["code", "name"])
        lines = strategies.line_ids
        lines.fetch(["strategy_id", "criterion_id", "band_id"])
        lines.band_id.fetch(["code", "label"])
        band_of = {
            (line.strategy_id.id, line.criterion_id.id): line.band_id for line in lines
        }
        rows = []
        for strategy in strategies:
            partner = strategy.partner_id
            group = partner.client_group_id
            row = [
                partner.display_name or "",
                strategy.year,
                (group.code or group.name) if group else "",
                partner.sector_id.display_name or "",
                self._field_text(strategy, "small_business"),
            ]
            for xmlid, _header in BAND_COLUMNS:
                criterion = criteria[xmlid]
                band = criterion and band_of.get((strategy.id, criterion.id))
                if not band:
                    row.append("")
                elif xmlid == "accountancy_crm.criterion_ambassador":
                    row.append(band.label or band.code)
                else:
                    row.append(band.code)
            row += [strategy.points, strategy.client_type_id.code or ""]
            rows.append(row)
        return rows

    # report_xlsx calls it from Python only (create_xlsx_report).
    @api.private
    def generate_xlsx_report(self, workbook, data, strategies):
        sheet = workbook.add_worksheet(self.env._("Strategy overview"))
        bold = workbook.add_format({"bold": True})
        headers = self._overview_headers()
        for col, header in enumerate(headers):
            sheet.write(0, col, header, bold)
        for row_no, row in enumerate(self._overview_rows(strategies), start=1):
            for col, value in enumerate(row):
                sheet.write(row_no, col, value)
        sheet.freeze_panes(1, 1)
        sheet.set_column(0, 0, 40)
        sheet.set_column(1, len(headers) - 1, 14)
        sheet.autofilter(0, 0, max(len(strategies), 1), len(headers) - 1)
