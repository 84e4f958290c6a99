from odoo import api, fields, models
from odoo.exceptions import UserError

from ..models.access_checks import check_caller
from ..models.window_actions import form_action

# The matrix is meant to be filled in per client group, team member or type; a
# cap keeps the browser responsive when no filter is set.
MATRIX_MAX_CLIENTS = 200


class AccountancyAdvisoryMatrix(models.TransientModel):
    """Edit the advisory statuses of many clients at once: one row per client,
    one column per advisory service. The cells are the stored statuses."""

    _name = "accountancy.advisory.matrix"
    _inherit = ["accountancy.year.mixin"]
    _description = "Advisory services matrix"

    year = fields.Integer(
        required=True, default=lambda self: fields.Date.context_today(self).year
    )
    client_group_id = fields.Many2one("accountancy.client.group")
    client_type_id = fields.Many2one("accountancy.client.type")
    employee_id = fields.Many2one(
        "hr.employee",
        string="Team member",
        help="Only the clients this employee serves in any role in the year.",
    )
    status_ids = fields.Many2many(
        "accountancy.advisory.status", string="Advisory services"
    )
    client_count = fields.Integer(compute="_compute_client_count")
    truncated = fields.Boolean(
        readonly=True,
        help="More clients match than the matrix shows: narrow the filters.",
    )

    @api.depends("status_ids")
    def _compute_client_count(self):
        for matrix in self:
            matrix.client_count = len(matrix.status_ids.partner_id)

    def _client_domain(self):
        self.ensure_one()
        domain = [("relation_kind", "=", "client"), ("parent_id", "=", False)]
        if self.client_group_id:
            domain.append(("client_group_id", "=", self.client_group_id.id))
        if self.client_type_id:
            domain.append(("client_type_id", "=", self.client_type_id.id))
        if self.employee_id:
            team = [("year", "=", self.year), ("employee_id", "=", self.employee_id.id)]
            domain.append(("assignment_ids", "any", team))
        return domain

    @api.model
    def _action_open_with_clients(self):
        """The menu's entry: a matrix with the default filters (this year, all
        clients), already showing those clients' cells."""
        return self.create({})._load()

    def action_load(self):
        """Fill the matrix with the statuses of the matching clients, creating
        the missing cells, and show it again."""
        check_caller(self, "write")
        return self._load()

    def _load(self):
        self.ensure_one()
        first, last = self.env["accountancy.service.plan"]._planning_year_range()
        if not first <= self.year <= last:
            raise UserError(
                self.env._(
                    "Advisory services can be planned for the years %(first)s to "
                    "%(last)s: choose a year in that range.",
                    first=first,
                    last=last,
                )
            )
        clients = self.env["res.partner"].search(
            self._client_domain(), limit=MATRIX_MAX_CLIENTS + 1
        )
        self.truncated = len(clients) > MATRIX_MAX_CLIENTS
        statuses = self.env["accountancy.advisory.status"]._ensure_statuses(
            clients[:MATRIX_MAX_CLIENTS], self.year
        )
        self.status_ids = [fields.Command.set(statuses.ids)]
        return self._action_reopen()

    def action_create_opportunities(self):
        """Opportunities for the cells in the proposal stage that have none."""
        check_caller(self, "write")
        self.ensure_one()
        proposals = self.status_ids.filtered(lambda s: s.status == "proposal")
        if not proposals:
            raise UserError(
                self.env._(
                    "No advisory service in the matrix is in the proposal stage: set "
                    "a cell to Proposal and save first."
                )
            )
        return proposals.action_create_opportunity()

    def _action_reopen(self):
        return form_action(self._name, self.id, name=self.env._("Advisory matrix"))
