from odoo import api, fields, models

from .access_checks import check_caller


class AccountancySector(models.Model):
    _name = "accountancy.sector"
    _description = "Sector (SBI)"
    _order = "code, name"
    _rec_names_search = ["code", "name"]

    code = fields.Char(
        string="SBI code",
        required=True,
        index=True,
        help="Standard Business Classification code of CBS, as the KvK sends it "
        "(2 to 5 digits without dots, e.g. 6201).",
    )
    name = fields.Char(required=True, translate=True)
    active = fields.Boolean(default=True)
    partner_properties_definition = fields.PropertiesDefinition(
        string="Relation fields",
        help="Extra fields shown on the relation card of relations in this sector.",
    )
    partner_count = fields.Integer(compute="_compute_partner_count", string="Relations")

    _sql_constraints = [
        ("code_uniq", "unique(code)", "Each SBI code can be used for one sector only."),
    ]

    def _compute_display_name(self):
        for sector in self:
            sector.display_name = (
                f"{sector.code} {sector.name}" if sector.code else sector.name
            )

    def _compute_partner_count(self):
        counts = dict(
            self.env["res.partner"]._read_group(
                [("sector_id", "in", self.ids)], ["sector_id"], ["__count"]
            )
        )
        for sector in self:
            sector.partner_count = counts.get(sector, 0)

    @api.model
    def get_import_templates(self):
        # The templates are for those who may import (create) such records.
        check_caller(self, "create", group=None)
        return super().get_import_templates() + [
            {
                "label": self.env._("Import template for sectors"),
                "template": "/accountancy_crm/static/xls/sectors.xlsx",
            }
        ]
