from odoo import fields, models
from odoo.tools.translate import LazyTranslate

_lt = LazyTranslate(__name__)


class AccountancySector(models.Model):
    _name = "accountancy.sector"
    _inherit = ["accountancy.import.template.mixin"]
    _description = "Sector (SBI)"
    _order = "code, name"
    _rec_names_search = ["code", "name"]
    _accountancy_import_templates = [
        (_lt("Import template for sectors"), "sectors.xlsx")
    ]

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
