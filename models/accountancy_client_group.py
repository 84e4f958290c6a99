from odoo import fields, models
from odoo.tools.translate import LazyTranslate

from .access_checks import check_caller
from .window_actions import records_of

_lt = LazyTranslate(__name__)


class AccountancyClientGroup(models.Model):
    """The family of entities the firm serves as one whole (klantgroep)."""

    _name = "accountancy.client.group"
    _description = "Client group"
    _inherit = ["mail.thread", "accountancy.import.template.mixin"]
    _order = "name"
    _rec_names_search = ["code", "name"]
    _check_company_auto = True
    _accountancy_import_templates = [
        (_lt("Import template for client groups"), "client_groups.xlsx")
    ]

    name = fields.Char(required=True, tracking=True)
    code = fields.Char(tracking=True, copy=False)
    active = fields.Boolean(default=True)
    employee_id = fields.Many2one(
        "hr.employee",
        string="Responsible employee",
        tracking=True,
        check_company=True,
    )
    company_id = fields.Many2one(
        "res.company", default=lambda self: self.env.company, index=True
    )
    member_ids = fields.One2many("res.partner", "client_group_id", string="Members")
    company_count = fields.Integer(
        compute="_compute_member_counts", string="Companies in group"
    )
    person_count = fields.Integer(
        compute="_compute_member_counts", string="Persons in group"
    )
    note = fields.Html()

    _sql_constraints = [
        ("code_uniq", "unique(code, company_id)", "The client group code is in use."),
    ]

    def _compute_member_counts(self):
        counts = {
            (group, is_company): count
            for group, is_company, count in self.env["res.partner"]._read_group(
                [("client_group_id", "in", self.ids)],
                ["client_group_id", "is_company"],
                ["__count"],
            )
        }
        for group in self:
            group.company_count = counts.get((group, True), 0)
            group.person_count = counts.get((group, False), 0)

    def _compute_display_name(self):
        for group in self:
            group.display_name = (
                f"[{group.code}] {group.name}" if group.code else group.name
            )

    def _accountancy_check_join(self):
        """A client group shows all its members to the team of any member: a
        relation may join a group only if the user sees every member already
        (or is a manager, or sees all clients)."""
        if self.env.su or not self:
            return
        members = (
            self.env["res.partner"]
            .sudo()
            .with_context(active_test=False)
            .search([("client_group_id", "in", self.ids)])
        )
        self.env["res.partner"].browse(members.ids)._accountancy_check_visible()

    def action_view_members(self):
        check_caller(self, "read")
        self.ensure_one()
        return records_of(
            self.env,
            "accountancy_crm.res_partner_action_relations",
            "client_group_id",
            self,
        )
