from collections import defaultdict

from markupsafe import Markup, escape

from odoo import api, fields, models

from .accountancy_precalculation_line import EDITABLE_ORDER_STATES


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    precalculation_line_ids = fields.One2many(
        "accountancy.precalculation.line",
        "order_line_id",
        string="Pre-calculation",
        copy=True,
    )
    accountancy_precalculated_hours = fields.Float(
        string="Pre-calculated hours",
        compute="_compute_accountancy_precalculated_hours",
        store=True,
        digits=(16, 2),
        aggregator="sum",
    )

    # ------------------------------------------------------------
    # COMPUTES
    # ------------------------------------------------------------

    @api.depends_context("accountancy_line_label")
    def _compute_display_name(self):
        # The pre-calculation's column of service lines names each line by its
        # service only: Odoo's name adds the order and the client, the same on
        # every row of one quote.
        if not self.env.context.get("accountancy_line_label"):
            return super()._compute_display_name()
        for line in self:
            line.display_name = (line.name or "").split("\n", 1)[0] or (
                line.product_id.display_name
            )

    @api.depends("precalculation_line_ids.hours")
    def _compute_accountancy_precalculated_hours(self):
        for line in self:
            line.accountancy_precalculated_hours = sum(
                line.precalculation_line_ids.mapped("hours")
            )

    @api.depends("precalculation_line_ids.amount")
    def _compute_price_unit(self):
        """A line with a pre-calculation costs its hours times the rates, per
        unit; without one Odoo's pricelist price (or a manual price) stays."""
        precalculated = self.filtered("precalculation_line_ids")
        res = super(SaleOrderLine, self - precalculated)._compute_price_unit()
        for line in precalculated:
            # Confirmed, cancelled or invoiced lines keep their price, as Odoo
            # keeps a manual price.
            if (
                not line.order_id
                or line.order_id.state not in EDITABLE_ORDER_STATES
                or line.qty_invoiced > 0
            ):
                continue
            price = sum(line.precalculation_line_ids.mapped("amount")) / (
                line.product_uom_qty or 1.0
            )
            line.with_context(sale_write_from_compute=True).update(
                {"price_unit": price, "technical_price_unit": price}
            )
        return res

    # ------------------------------------------------------------
    # ORM
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        lines._accountancy_prefill_precalculation()
        return lines

    def write(self, vals):
        result = super().write(vals)
        if "product_id" in vals:
            self._accountancy_prefill_precalculation()
        return result

    # ------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------

    def _accountancy_prefill_precalculation(self):
        """Give the quote lines of an accountancy service without a
        pre-calculation one line per role from the hour norms (the norm of the
        client's type and office first, as the planning does), for the ordered
        quantity. A fixed number of queries, whatever the number of lines."""
        lines = self.filtered(
            lambda line: (
                not line.display_type
                and line.product_id.accountancy_service
                and line.order_id.state in EDITABLE_ORDER_STATES
                and not line.precalculation_line_ids
            )
        )
        if not lines:
            return self.env["accountancy.precalculation.line"]
        Planned = self.env["accountancy.planned.hour"]
        norms = Planned._norms_by_service()
        vals_list = []
        for line in lines:
            client = line.order_id.partner_id.commercial_partner_id
            quantity = line.product_uom_qty or 1.0
            picked = Planned._pick_norms(
                norms.get(line.product_id.accountancy_service, []),
                # sudo: the client type has groups=accountancy user, but a
                # salesperson without that group sells too; only its id is
                # used, to pick the hour norms.
                client.sudo().client_type_id.id,
                line.company_id.id,
            )
            vals_list.extend(
                {
                    "order_line_id": line.id,
                    "role_id": role_id,
                    "hours": hours * quantity,
                }
                for role_id, hours in picked
                if hours
            )
        return self.env["accountancy.precalculation.line"].create(vals_list)

    # ------------------------------------------------------------
    # PROJECT AND TASKS (SALE_PROJECT)
    # ------------------------------------------------------------

    def _convert_qty_company_hours(self, dest_company):
        """The task of a pre-calculated line plans its pre-calculated hours."""
        if self.precalculation_line_ids:
            return self.accountancy_precalculated_hours
        return super()._convert_qty_company_hours(dest_company)

    def _timesheet_create_project(self):
        """The project a confirmed quote creates is named and managed as the
        one Convert to project makes (project.project._accountancy_naming_values),
        after the opportunity when the quote has one."""
        project = super()._timesheet_create_project()
        order = self.order_id
        project.write(
            self.env["project.project"]._accountancy_naming_values(
                order.partner_id,
                order.opportunity_id.name or order.name,
                order.user_id,
            )
        )
        return project

    def _timesheet_create_task_prepare_values(self, project):
        values = super()._timesheet_create_task_prepare_values(project)
        # Odoo puts the order's name before the task's in a project that was
        # not made by this line. In the project Convert to project made for
        # the opportunity the tasks are named after their service, as in the
        # project a confirmed quote makes: the project names the client. Other
        # shared projects keep Odoo's naming.
        prefix = "%s - " % (self.order_id.name or "")
        if (
            not project.sale_line_id
            and project.accountancy_lead_id
            and values["name"].startswith(prefix)
        ):
            values["name"] = values["name"][len(prefix) :]
        if self.precalculation_line_ids:
            # Also for services sold at fixed quantities ("manual"), for which
            # Odoo plans no hours.
            values["allocated_hours"] = self.accountancy_precalculated_hours
            values["description"] = self._accountancy_task_description(
                values.get("description")
            )
        return values

    def _accountancy_task_description(self, description=None):
        """The task description with the planned hours per role."""
        self.ensure_one()
        hours_per_role = defaultdict(float)
        for precalculation in self.precalculation_line_ids:
            hours_per_role[precalculation.role_id] += precalculation.hours
        items = Markup("").join(
            Markup("<li>%s: %s</li>")
            % (
                role.display_name,
                self.env._("%(hours)s hours", hours=format(hours, "g")),
            )
            for role, hours in sorted(
                hours_per_role.items(), key=lambda item: (item[0].sequence, item[0].id)
            )
        )
        parts = [Markup(description)] if description else []
        parts.append(
            Markup("<p>%s</p><ul>%s</ul>")
            % (escape(self.env._("Pre-calculated hours per role:")), items)
        )
        return Markup("<br/>").join(parts)

    def _timesheet_service_generation(self):
        """On confirmation, the service lines of an opportunity that already has
        a project (see crm.lead.action_accountancy_convert_project) put their
        tasks in that project instead of creating a second one; the tasks made
        from the pre-calculation at the conversion are kept. An order whose
        confirmation creates the project links it to the opportunity."""
        new_project_lines = self._get_so_lines_new_project()
        by_project = defaultdict(lambda: self.browse())
        for line in new_project_lines:
            project = line.order_id.opportunity_id.accountancy_project_id
            if project and not line.project_id:
                by_project[project] |= line
        for project, lines in by_project.items():
            lines.write({"project_id": project.id})
            lines.order_id.filtered(lambda order: not order.project_id).write(
                {"project_id": project.id}
            )
        result = super()._timesheet_service_generation()
        # The tasks of the conversion were created without their quote line
        # (linking a task to a quotation line confirms the quotation): link
        # them now that the order is confirmed.
        for line in self.filtered(lambda line: line.task_id and line.is_service):
            if not line.task_id.sale_line_id:
                line.task_id.sale_line_id = line
        orders = self.order_id.filtered(
            lambda order: (
                order.project_id
                and order.opportunity_id
                and not order.opportunity_id.accountancy_project_id
            )
        )
        for order in orders:
            order.opportunity_id._accountancy_link_project(order.project_id)
        return result
