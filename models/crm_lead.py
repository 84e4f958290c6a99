from collections import defaultdict

from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_compare

from .access_checks import check_caller
from .record_counts import count_by
from .window_actions import records_of


class CrmLead(models.Model):
    _inherit = "crm.lead"

    stage_color = fields.Integer(related="stage_id.color")

    # Set when the probability comes from the stage (forecast status), cleared
    # as soon as the probability is written by hand; the predictive lead
    # scoring must not overwrite a fixed probability.
    accountancy_fixed_probability = fields.Boolean(
        string="Probability Fixed by Stage", copy=False, readonly=True
    )

    # Decision-making unit (see accountancy.dmu.member).
    accountancy_dmu_member_ids = fields.One2many(
        "accountancy.dmu.member",
        "lead_id",
        string="Decision-making unit",
        copy=True,
        help="The client's contact persons who take part in the decision, with "
        "their role: decider, influencer, user, buyer or gatekeeper.",
    )

    # Contact moments (see accountancy.contact.moment).
    contact_moment_count = fields.Integer(
        compute="_compute_accountancy_contact_moment_count",
        groups="accountancy_crm.group_user",
    )

    # Project of the opportunity ("Convert to project", at any stage).
    accountancy_project_id = fields.Many2one(
        "project.project",
        string="Project",
        copy=False,
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
        help="The client's project made from this opportunity and the "
        "pre-calculation of its quote; confirming the quote puts its tasks in "
        "this project instead of creating another one.",
    )

    # ------------------------------------------------------------
    # COMPUTES
    # ------------------------------------------------------------

    def _compute_probabilities(self):
        res = super()._compute_probabilities()
        for lead in self:
            fixed = lead.stage_id._accountancy_fixed_probability()
            # The second condition covers the form: moving the stage there
            # shows the stage probability before saving.
            if (
                fixed
                and lead.active
                and (
                    lead.accountancy_fixed_probability
                    or lead.stage_id != lead._origin.stage_id
                )
            ):
                lead.probability = fixed
        return res

    def _compute_accountancy_contact_moment_count(self):
        counts = count_by(self, "accountancy.contact.moment", "lead_id")
        for lead in self:
            lead.contact_moment_count = counts.get(lead._origin, 0)

    # ------------------------------------------------------------
    # ORM
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        leads = super().create(vals_list)
        to_fix = defaultdict(lambda: self.browse())
        for lead, vals in zip(leads, vals_list, strict=True):
            if "probability" not in vals and lead.active and lead.stage_id:
                to_fix[lead.stage_id] |= lead
        for stage, stage_leads in to_fix.items():
            fixed = stage._accountancy_fixed_probability()
            if fixed:
                stage_leads.write(
                    {"probability": fixed, "accountancy_fixed_probability": True}
                )
        return leads

    def write(self, vals):
        if "accountancy_fixed_probability" in vals:
            return super().write(vals)
        if "stage_id" not in vals:
            if "probability" in vals:
                vals = dict(vals, accountancy_fixed_probability=False)
            return super().write(vals)
        stage = self.env["crm.stage"].browse(vals["stage_id"])
        fixed = stage and stage._accountancy_fixed_probability()
        if not fixed or (
            "probability" in vals
            and float_compare(vals["probability"], fixed, precision_digits=2)
        ):
            # Leaving the fixed probability: a lead moved to a stage without
            # one follows the predictive probability again, like Odoo does.
            resync = self.browse()
            if "probability" not in vals and not stage.is_won:
                resync = self.filtered("accountancy_fixed_probability")
            result = super().write(dict(vals, accountancy_fixed_probability=False))
            resync._accountancy_set_automated_probability()
            return result
        # Lost (archived) leads keep probability 0, Odoo's lost meaning.
        lost = (
            self.browse()
            if "active" in vals
            else self.filtered(lambda lead: not lead.active)
        )
        result = True
        if lost:
            result = super(CrmLead, lost).write(vals)
        if self - lost:
            fixed_vals = dict(
                vals, probability=fixed, accountancy_fixed_probability=True
            )
            result = super(CrmLead, self - lost).write(fixed_vals)
        return result

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_log_contact_moment(self):
        """Open a new contact moment for this opportunity and its relation."""
        check_caller(self, "read")
        self.ensure_one()
        return self.partner_id._accountancy_contact_moment_dialog(lead_id=self.id)

    def action_view_contact_moments(self):
        check_caller(self, "read")
        self.ensure_one()
        return records_of(
            self.env,
            "accountancy_crm.accountancy_contact_moment_action",
            "lead_id",
            self,
        )

    def action_accountancy_convert_project(self):
        """Create the client's project with one task per service line of the
        latest quote (planned hours from its pre-calculation), or open the
        project when the opportunity already has one."""
        self.ensure_one()
        self.check_access("write")
        if not self.partner_id:
            raise UserError(
                self.env._(
                    "The opportunity %(lead)s has no customer: set the customer "
                    "before converting it to a project.",
                    lead=self.name,
                )
            )
        if not self.accountancy_project_id:
            project = (
                self._accountancy_order_project() or self._accountancy_create_project()
            )
            self._accountancy_link_project(project)
        return self.action_view_accountancy_project()

    def action_view_accountancy_project(self):
        self.ensure_one()
        return self.accountancy_project_id.action_view_tasks()

    # ------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------

    def _accountancy_set_automated_probability(self):
        """Align probability on the automated one, one write per value."""
        by_value = defaultdict(lambda: self.browse())
        for lead in self.filtered("active"):
            by_value[lead.automated_probability] |= lead
        for value, leads in by_value.items():
            leads.write({"probability": value})

    def _update_automated_probabilities(self):
        res = super()._update_automated_probabilities()
        self._accountancy_restore_fixed_probabilities()
        return res

    def _accountancy_restore_fixed_probabilities(self):
        """The predictive scoring updates probabilities in SQL when they look
        automated; put back the stage probability of fixed leads (one query
        per stage with a fixed probability, whatever the number of leads)."""
        stages = self.env["crm.stage"].search(
            [("accountancy_probability", ">", 0), ("is_won", "=", False)]
        )
        for stage in stages:
            leads = self.search(
                [
                    ("accountancy_fixed_probability", "=", True),
                    ("stage_id", "=", stage.id),
                    ("probability", "!=", stage.accountancy_probability),
                ]
            )
            if leads:
                leads.write(
                    {
                        "probability": stage.accountancy_probability,
                        "accountancy_fixed_probability": True,
                    }
                )

    def _accountancy_precalculation_order(self):
        """The latest quote of the opportunity that is not cancelled."""
        self.ensure_one()
        return self.order_ids.filtered(lambda order: order.state != "cancel").sorted(
            "id", reverse=True
        )[:1]

    def _accountancy_order_project(self):
        """The project a confirmed quote of the opportunity already created."""
        self.ensure_one()
        orders = self.order_ids.filtered(lambda order: order.state == "sale")
        return orders.sorted("id").sudo().project_id[:1]

    def _accountancy_link_project(self, project):
        self.ensure_one()
        self.accountancy_project_id = project
        # The user converting may only read projects (sales people).
        if project.sudo().accountancy_lead_id != self:
            project.sudo().accountancy_lead_id = self

    def _accountancy_create_project(self):
        """The project of the opportunity and a task per service line of its
        latest quote, made as Odoo makes them when a quote is confirmed
        (sale_project): as superuser, so that sales people who may not create
        projects can convert their opportunity. The Wwft check of project
        creation (project.project.create) still applies. A quote line gets its
        task (so that confirming the quote does not add a second one); the task
        gets its quote line once the quote is confirmed."""
        self.ensure_one()
        order = self._accountancy_precalculation_order()
        company = order.company_id or self.company_id or self.env.company
        client = self.partner_id.commercial_partner_id
        project = (
            self.env["project.project"]
            .sudo()
            .with_company(company)
            .create(
                {
                    **self.env["project.project"]._accountancy_naming_values(
                        client, self.name, self.user_id
                    ),
                    "partner_id": client.id,
                    "company_id": company.id,
                    "allow_billable": True,
                    "accountancy_lead_id": self.id,
                    "type_ids": [
                        Command.create({"name": name, "sequence": seq, "fold": fold})
                        for name, seq, fold in (
                            (self.env._("To Do"), 5, False),
                            (self.env._("In Progress"), 10, False),
                            (self.env._("Done"), 15, False),
                            (self.env._("Cancelled"), 20, True),
                        )
                    ],
                }
            )
        )
        lines = order.order_line.filtered(
            lambda line: (
                not line.display_type
                and line.is_service
                and not line.task_id
                and (
                    line.precalculation_line_ids
                    or line.product_id.service_tracking == "task_in_project"
                )
            )
        )
        if lines:
            vals_list = []
            for line in lines:
                vals = line._timesheet_create_task_prepare_values(project)
                # Linking a task to a quotation line confirms the quotation.
                vals.pop("sale_line_id", None)
                vals.pop("sale_order_id", None)
                vals_list.append(vals)
            tasks = (
                self.env["project.task"]
                .sudo()
                .with_context(mail_create_nolog=True)
                .create(vals_list)
            )
            for line, task in zip(lines.sudo(), tasks, strict=True):
                line.task_id = task
        self.message_post(
            body=self.env._(
                "Project %(project)s created with %(count)s tasks.",
                project=project._get_html_link(),
                count=len(lines),
            )
        )
        return project
