from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools.translate import LazyTranslate

from .access_checks import check_caller

_lt = LazyTranslate(__name__)

ADVISORY_STATES = [
    ("undetermined", "Undetermined"),
    ("active", "Active"),
    ("discuss", "To discuss"),
    ("not_applicable", "Not applicable"),
    ("later", "Later"),
    ("proposal", "Proposal"),
]


class AccountancyAdvisoryStatus(models.Model):
    """Where an advisory service stands for a client in a year."""

    _name = "accountancy.advisory.status"
    _inherit = ["accountancy.client.year.mixin", "accountancy.import.template.mixin"]
    _description = "Advisory service status"
    _order = "year desc, partner_id, service_sequence, id"
    _check_company_auto = True
    _accountancy_import_templates = [
        (_lt("Import template for advisory statuses"), "advisory_statuses.xlsx")
    ]

    service_id = fields.Many2one(
        "accountancy.advisory.service", required=True, ondelete="restrict"
    )
    service_sequence = fields.Integer(related="service_id.sequence", store=True)
    status = fields.Selection(
        ADVISORY_STATES, required=True, default="undetermined", index=True
    )
    lead_id = fields.Many2one("crm.lead", string="Opportunity", ondelete="set null")
    client_group_id = fields.Many2one(related="partner_id.client_group_id")
    client_type_id = fields.Many2one(related="partner_id.client_type_id")

    _sql_constraints = [
        (
            "partner_year_service_uniq",
            "unique(partner_id, year, service_id)",
            "A client has one status per advisory service per year.",
        ),
    ]

    @api.constrains("year")
    def _check_year(self):
        Plan = self.env["accountancy.service.plan"]
        for status in self:
            Plan._check_planning_year(status.year, status.partner_id)

    @api.model
    def _ensure_statuses(self, partners, year, services=None):
        """The statuses of ``partners`` in ``year`` for every active service (or
        ``services``), creating the missing cells as undetermined in one batch."""
        services = services or self.env["accountancy.advisory.service"].search([])
        domain = [
            ("partner_id", "in", partners.ids),
            ("year", "=", year),
            ("service_id", "in", services.ids),
        ]
        existing = self.search_fetch(domain, ["partner_id", "service_id"])
        present = {(s.partner_id.id, s.service_id.id) for s in existing}
        company = self.env.company
        missing = [
            {
                "partner_id": partner.id,
                "year": year,
                "service_id": service.id,
                # A shared client is followed by the firm's company that plans it.
                "company_id": (partner.company_id or company).id,
            }
            for partner in partners
            for service in services
            if (partner.id, service.id) not in present
        ]
        return existing | self.create(missing)

    def action_create_opportunity(self):
        """Create an opportunity for each status in the proposal stage that has
        none yet, and open the opportunities of the statuses."""
        check_caller(self, "write")
        not_proposal = self.filtered(lambda s: s.status != "proposal")
        if not_proposal:
            raise UserError(
                self.env._(
                    "Only advisory services in the proposal stage get an "
                    "opportunity: set %(service)s of %(client)s to Proposal first.",
                    service=not_proposal[0].service_id.display_name,
                    client=not_proposal[0].partner_id.display_name,
                )
            )
        to_create = self.filtered(lambda s: not s.lead_id)
        leads = self.env["crm.lead"].create(
            [
                {
                    "type": "opportunity",
                    "name": f"{status.service_id.name} - {status.partner_id.name}",
                    "partner_id": status.partner_id.id,
                    "company_id": status.company_id.id,
                }
                for status in to_create
            ]
        )
        for status, lead in zip(to_create, leads, strict=True):
            status.lead_id = lead
        leads = self.mapped("lead_id")
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm.crm_lead_opportunities"
        )
        if len(leads) == 1:
            action.update(views=[(False, "form")], view_mode="form", res_id=leads.id)
        else:
            action["domain"] = [("id", "in", leads.ids)]
        return action
