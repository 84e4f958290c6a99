from odoo import api, fields, models

from .parameters import Param, one_of

# The service lines of a client's generated planning tasks; "all" is the single
# project per client, the others the projects per service line.
ACCOUNTANCY_SERVICE_LINES = [
    ("all", "All services"),
    ("bookkeeping", "Bookkeeping"),
    ("vat", "VAT returns"),
    ("annual_accounts", "Annual accounts"),
    ("tax_returns", "Tax returns"),
    ("payroll", "Payroll tax"),
]

# Where the task generation puts a client's tasks (a setting).
PROJECT_MODES = [
    ("client", "One project per client"),
    ("service_line", "One project per client and service line"),
]
TASK_PROJECT_MODE = Param(
    "accountancy_crm.task_project_mode", "client", one_of(PROJECT_MODES)
)


class ProjectProject(models.Model):
    _inherit = "project.project"

    accountancy_service_line = fields.Selection(
        ACCOUNTANCY_SERVICE_LINES,
        string="Accountancy service line",
        index=True,
        copy=False,
        help="Set on the projects created by the task generation of the service "
        "planning: the wizard puts the tasks of the client's service plans in the "
        "project of their service line (or in the one for all services) and "
        "reuses it every year.",
    )
    accountancy_lead_id = fields.Many2one(
        "crm.lead",
        string="Opportunity",
        copy=False,
        index="btree_not_null",
        ondelete="set null",
        groups="sales_team.group_sale_salesman",
        help="The opportunity this project was made from (Convert to project).",
    )

    # ------------------------------------------------------------
    # ORM
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        # Wwft: the settings may forbid creating a project for a client without
        # a valid client acceptance.
        partner_ids = {vals.get("partner_id") for vals in vals_list} - {False, None}
        if partner_ids:
            self.env["res.partner"].browse(partner_ids)._accountancy_check_acceptance(
                "project_create"
            )
        return super().create(vals_list)

    # ------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------

    @api.model
    def _accountancy_naming_values(self, client, name, manager):
        """Name and project manager of a client's project made from a sale,
        the same whether Convert to project on the opportunity or the
        confirmation of its quote makes it: "<client> - <opportunity or
        order>", managed by the salesperson."""
        return {
            "name": self.env._(
                "%(client)s - %(opportunity)s",
                client=client.commercial_partner_id.name,
                opportunity=name,
            ),
            "user_id": manager.id,
        }
