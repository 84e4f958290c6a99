from collections import defaultdict

from odoo import api, fields, models
from odoo.tools.translate import LazyTranslate

_lt = LazyTranslate(__name__)


class AccountancyAssignment(models.Model):
    """Who of the firm serves a client in which role in a given year."""

    _name = "accountancy.assignment"
    _inherit = ["accountancy.client.year.mixin", "accountancy.import.template.mixin"]
    _description = "Client team assignment"
    _order = "year desc, role_sequence, id"
    _check_company_auto = True
    _accountancy_year_range = (2000, 2100)
    _accountancy_import_templates = [
        (_lt("Import template for teams per year"), "teams.xlsx")
    ]

    role_id = fields.Many2one("accountancy.role", required=True, ondelete="restrict")
    role_sequence = fields.Integer(related="role_id.sequence", store=True)
    employee_id = fields.Many2one(
        "hr.employee",
        required=True,
        index=True,
        ondelete="restrict",
        check_company=True,
    )
    # The firm's company is the employee's; clients are usually shared partners.
    company_id = fields.Many2one(
        related="employee_id.company_id", store=True, required=False, default=None
    )
    # Searchable so that the record rules on clients can select the team of the
    # current and next year: the year is taken when the search runs, not when
    # the (cached) rule domain was evaluated.
    is_current_team = fields.Boolean(
        compute="_compute_is_current_team",
        search="_search_is_current_team",
        help="Assignment of the current or the next year.",
    )

    _sql_constraints = [
        (
            "partner_role_year_uniq",
            "unique(partner_id, role_id, year)",
            (
                "A client has one employee per role per year: change the existing "
                "assignment instead of adding a second one."
            ),
        ),
    ]

    def _compute_is_current_team(self):
        years = self._current_team_years()
        for assignment in self:
            assignment.is_current_team = assignment.year in years

    def _search_is_current_team(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise NotImplementedError(operator)
        positive = (operator == "=") == value
        return [("year", "in" if positive else "not in", self._current_team_years())]

    @api.model
    def _current_team_years(self):
        year = fields.Date.context_today(self).year
        return [year, year + 1]

    def _compute_display_name(self):
        for assignment in self:
            assignment.display_name = (
                f"{assignment.partner_id.name} / {assignment.role_id.code} "
                f"{assignment.year}: {assignment.employee_id.name}"
            )

    # A change of a client team moves the planned hours of its service plans.
    # A team assignment shows the client (and its client group) to the
    # employee's user: the record rules check the client after the change,
    # when it is visible already, so check it before.
    @api.model_create_multi
    def create(self, vals_list):
        self.env["res.partner"].browse(
            {vals["partner_id"] for vals in vals_list if vals.get("partner_id")}
        )._accountancy_check_visible()
        assignments = super().create(vals_list)
        assignments._sync_planned_hours()
        return assignments

    def write(self, vals):
        partners = self.partner_id
        if vals.get("partner_id"):
            partners |= partners.browse(vals["partner_id"])
        partners._accountancy_check_visible()
        before = self._planned_hour_keys()
        res = super().write(vals)
        if {"partner_id", "role_id", "employee_id", "year"}.intersection(vals):
            self._sync_planned_hours(before)
        return res

    def unlink(self):
        before = self._planned_hour_keys()
        res = super().unlink()
        self.env["accountancy.planned.hour"]._sync_partner_years(before)
        return res

    def _planned_hour_keys(self):
        return {(a.partner_id.id, a.year) for a in self}

    def _sync_planned_hours(self, extra_keys=()):
        self.env["accountancy.planned.hour"]._sync_partner_years(
            self._planned_hour_keys() | set(extra_keys)
        )

    @api.model
    def _team_planning_cells(self, partner_ids, role_ids, years):
        """{(partner id, role id, year): employee} of the given clients, roles and
        years, in one query: the team planning matrix reads all its rows at once."""
        assignments = self.search_fetch(
            [
                ("partner_id", "in", list(partner_ids)),
                ("role_id", "in", list(role_ids)),
                ("year", "in", list(years)),
            ],
            ["partner_id", "role_id", "year", "employee_id"],
        )
        return {
            (a.partner_id.id, a.role_id.id, a.year): a.employee_id for a in assignments
        }

    @api.model
    def _team_planning_apply(self, year, wanted):
        """Make the assignments of ``year`` match ``wanted``, a dict
        {(partner id, role id): employee record or empty}: create the missing
        ones, change the employee of the others and delete the emptied cells,
        with one create, one write per employee and one unlink."""
        partner_ids = {partner_id for partner_id, _role_id in wanted}
        role_ids = {role_id for _partner_id, role_id in wanted}
        existing = {
            (a.partner_id.id, a.role_id.id): a
            for a in self.search_fetch(
                [
                    ("partner_id", "in", list(partner_ids)),
                    ("role_id", "in", list(role_ids)),
                    ("year", "=", year),
                ],
                ["partner_id", "role_id", "employee_id"],
            )
        }
        to_create, to_unlink = [], self.browse()
        to_write = defaultdict(lambda: self.browse())
        for (partner_id, role_id), employee in wanted.items():
            assignment = existing.get((partner_id, role_id))
            if not employee:
                to_unlink |= assignment or self.browse()
            elif not assignment:
                to_create.append(
                    {
                        "partner_id": partner_id,
                        "role_id": role_id,
                        "employee_id": employee.id,
                        "year": year,
                    }
                )
            elif assignment.employee_id != employee:
                to_write[employee] |= assignment
        to_unlink.unlink()
        for employee, assignments in to_write.items():
            assignments.write({"employee_id": employee.id})
        return self.create(to_create)
