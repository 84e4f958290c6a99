from odoo import api, fields, models
from odoo.exceptions import ValidationError

# The standard services of a service plan, each with the unit its norm counts
# in. The key says which plan field and value switch the service on (see
# accountancy.planned.hour._plan_services).
SERVICES = [
    ("bookkeeping_month", "Bookkeeping, per month (monthly bookkeeping)"),
    ("bookkeeping_quarter", "Bookkeeping, per quarter (quarterly bookkeeping)"),
    ("bookkeeping_year", "Bookkeeping, per year (yearly bookkeeping)"),
    ("bookkeeping_watch", "Watching over the bookkeeping, per month"),
    ("vat_month", "VAT return, per monthly return"),
    ("vat_quarter", "VAT return, per quarterly return"),
    ("vat_year", "VAT return, per yearly return"),
    ("annual_compilation", "Annual accounts compilation, per year"),
    ("annual_review", "Annual accounts review, per year"),
    ("annual_audit", "Annual accounts audit, per year"),
    ("ib_return", "Income tax return (IB), per return"),
    ("vpb_return", "Corporate tax return (VPB), per return"),
    ("payroll_month", "Payroll tax return, per monthly return"),
    ("payroll_four_weeks", "Payroll tax return, per four-weekly return"),
    ("kvk_filing", "KvK filing of the annual accounts, per year"),
]
# The fiscal calendar's lines of a service plan: each has a role that does it
# (plan field), by default the role with the most hours in the line's service
# norm, else the role below. Payroll: the service of the plan's frequency.
FISCAL_LINES = {
    "ib": ("ib_role_id", "accountancy_crm.role_rlm"),
    "vpb": ("vpb_role_id", "accountancy_crm.role_rlm"),
    "payroll": ("payroll_role_id", "accountancy_crm.role_rlm_ass"),
    "kvk": ("kvk_role_id", "accountancy_crm.role_jrk"),
}


class AccountancyHourNorm(models.Model):
    """Estimated hours of one service for one role of the client team,
    optionally for one client type: the most specific norm wins."""

    _name = "accountancy.hour.norm"
    _description = "Hour norm"
    _order = "service, role_sequence, client_type_id, id"
    _check_company_auto = True

    service = fields.Selection(SERVICES, required=True, index=True)
    role_id = fields.Many2one(
        "accountancy.role", required=True, ondelete="cascade", index=True
    )
    role_sequence = fields.Integer(related="role_id.sequence", store=True)
    client_type_id = fields.Many2one(
        "accountancy.client.type",
        ondelete="cascade",
        help="Leave empty for the norm of every client type; a norm for the "
        "client's own type takes precedence.",
    )
    hours = fields.Float(
        required=True,
        digits=(16, 2),
        help="Hours the role spends per unit of the service (per month, quarter, "
        "return or year, as the service says).",
    )
    company_id = fields.Many2one(
        "res.company",
        index=True,
        help="Leave empty for a norm shared by all offices; a norm of the plan's "
        "own office takes precedence.",
    )
    active = fields.Boolean(default=True)

    @api.constrains("hours")
    def _check_hours(self):
        for norm in self:
            if norm.hours < 0:
                raise ValidationError(
                    self.env._(
                        "The hour norm of %(service)s for %(role)s is %(hours)s "
                        "hours: enter zero or more hours.",
                        service=norm._service_label(),
                        role=norm.role_id.display_name,
                        hours=norm.hours,
                    )
                )

    @api.constrains("service", "role_id", "client_type_id", "company_id", "active")
    def _check_unique(self):
        # A SQL unique constraint would let duplicates with empty client type
        # or company through (NULLs are distinct), hence one batched search.
        active = self.filtered("active")
        if not active:
            return
        groups = self._read_group(
            [
                ("service", "in", active.mapped("service")),
                ("role_id", "in", active.role_id.ids),
            ],
            ["service", "role_id", "client_type_id", "company_id"],
            ["__count"],
            having=[("__count", ">", 1)],
        )
        for service, role, client_type, _company, _count in groups:
            raise ValidationError(
                self.env._(
                    "There is already an hour norm of %(service)s for %(role)s "
                    "(client type: %(client_type)s): change that norm instead of "
                    "adding a second one.",
                    service=dict(
                        self._fields["service"]._description_selection(self.env)
                    )[service],
                    role=role.display_name,
                    client_type=client_type.display_name or self.env._("any"),
                )
            )

    @api.model_create_multi
    def create(self, vals_list):
        norms = super().create(vals_list)
        norms._sync_planned_hours()
        return norms

    def write(self, vals):
        before = self._affected_plan_domain()
        res = super().write(vals)
        if set(vals) & {"service", "role_id", "client_type_id", "hours", "active"}:
            self._sync_planned_hours(before)
        return res

    def unlink(self):
        domain = self._affected_plan_domain()
        res = super().unlink()
        self.env["accountancy.planned.hour"]._sync_plan_domain(domain)
        return res

    def _service_label(self):
        self.ensure_one()
        return dict(self._fields["service"]._description_selection(self.env)).get(
            self.service, self.service
        )

    def _affected_plan_domain(self):
        """Domain of the plans of this year and later that use the services of
        these norms (earlier years are history and keep their planned hours)."""
        Planned = self.env["accountancy.planned.hour"]
        return Planned._plan_domain_for_services(set(self.mapped("service")))

    def _sync_planned_hours(self, extra_domain=None):
        Planned = self.env["accountancy.planned.hour"]
        Planned._sync_plan_domain(self._affected_plan_domain(), extra_domain)
