from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.mail.tests.common import mail_new_test_user

from .common import ACCEPTANCE_BLOCK_PARAM, PrecalculationCommon


@tagged("post_install", "-at_install")
class LeadProjectCommon(PrecalculationCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Project = cls.env["project.project"].with_context(active_test=False)
        cls.Task = cls.env["project.task"].with_context(active_test=False)
        params = cls.env["ir.config_parameter"]
        params.set_param(ACCEPTANCE_BLOCK_PARAM + "quote_confirm", "none")
        params.set_param(ACCEPTANCE_BLOCK_PARAM + "project_create", "none")
        cls.product_vat.service_tracking = "task_in_project"
        cls.lead = cls.env["crm.lead"].create(
            {
                "name": "Accountancy services 2027",
                "type": "opportunity",
                "partner_id": cls.client.id,
                "user_id": cls.salesman.id,
            }
        )

    @classmethod
    def _quote(cls, lead, lines):
        return cls._order(lines, opportunity_id=lead.id, user_id=lead.user_id.id)

    def _client_projects(self, partner=None):
        return self.Project.search(
            [("partner_id", "=", (partner or self.client).id)], order="id"
        )


@tagged("post_install", "-at_install")
class TestLeadProject(LeadProjectCommon):
    def test_convert_creates_project_and_tasks_from_precalculation(self):
        order = self._quote(
            self.lead, [(self.product_bookkeeping, 4), (self.product_ib, 1)]
        )
        action = self.lead.with_user(self.salesman).action_accountancy_convert_project()
        project = self.lead.accountancy_project_id
        self.assertTrue(project)
        self.assertEqual(project.accountancy_lead_id, self.lead)
        self.assertEqual(project.partner_id, self.client)
        self.assertEqual(project.company_id, order.company_id)
        self.assertEqual(action["res_model"], "project.task")
        self.assertIn(str(project.id), str(action["context"]))
        self.assertEqual(len(project.type_ids), 4)
        tasks = self.Task.search([("project_id", "=", project.id)])
        self.assertEqual(len(tasks), 2)
        bookkeeping = order.order_line.filtered(
            lambda l: l.product_id == self.product_bookkeeping
        )
        task = bookkeeping.task_id
        self.assertIn(task, tasks)
        self.assertEqual(task.allocated_hours, 60)
        self.assertIn("RLM.ass", task.description)
        self.assertIn("56 hours", str(task.description))
        # The quote stays a quote: its tasks get their line on confirmation.
        self.assertEqual(order.state, "draft")
        self.assertFalse(task.sale_line_id)
        self.assertEqual(order.order_line.task_id, tasks)

    def test_convert_without_partner_refused(self):
        lead = self.env["crm.lead"].create(
            {"name": "No customer yet", "type": "opportunity"}
        )
        count = self.Project.search_count([])
        with self.assertRaises(UserError) as cm:
            lead.action_accountancy_convert_project()
        self.assertIn("has no customer", str(cm.exception))
        self.assertEqual(self.Project.search_count([]), count)
        self.assertFalse(lead.accountancy_project_id)

    def test_convert_twice_opens_the_same_project(self):
        self._quote(self.lead, [(self.product_bookkeeping, 4)])
        self.lead.action_accountancy_convert_project()
        project = self.lead.accountancy_project_id
        tasks = self.Task.search([("project_id", "=", project.id)])
        action = self.lead.action_accountancy_convert_project()
        self.assertEqual(self.lead.accountancy_project_id, project)
        self.assertEqual(self._client_projects(), project)
        self.assertEqual(self.Task.search([("project_id", "=", project.id)]), tasks)
        self.assertIn(str(project.id), str(action["context"]))

    def test_confirm_after_convert_uses_the_project(self):
        order = self._quote(
            self.lead, [(self.product_bookkeeping, 4), (self.product_vat, 4)]
        )
        self.lead.action_accountancy_convert_project()
        project = self.lead.accountancy_project_id
        tasks = self.Task.search([("project_id", "=", project.id)])
        self.assertEqual(len(tasks), 2)
        # A line added after the conversion gets its task on confirmation.
        order.order_line = [
            Command.create({"product_id": self.product_ib.id, "product_uom_qty": 1})
        ]
        order.action_confirm()
        self.assertEqual(order.state, "sale")
        self.assertEqual(self._client_projects(), project)
        self.assertEqual(order.project_id, project)
        self.assertEqual(set(order.order_line.mapped("project_id")), {project})
        all_tasks = self.Task.search([("project_id", "=", project.id)])
        self.assertEqual(len(all_tasks), 3)
        self.assertEqual(all_tasks & tasks, tasks)
        for line in order.order_line:
            self.assertEqual(line.task_id.sale_line_id, line)
        self.assertEqual(order.tasks_count, 3)

    def test_confirm_without_convert_links_the_project(self):
        order = self._quote(self.lead, [(self.product_bookkeeping, 4)])
        order.action_confirm()
        project = order.project_id
        self.assertTrue(project)
        self.assertEqual(self.lead.accountancy_project_id, project)
        self.assertEqual(project.accountancy_lead_id, self.lead)
        # The task plans the pre-calculated hours, not the quantity.
        self.assertEqual(order.order_line.task_id.allocated_hours, 60)
        self.lead.action_accountancy_convert_project()
        self.assertEqual(self._client_projects(), project)

    def test_both_paths_name_the_project_and_tasks_alike(self):
        """Convert to project and the confirmation of a quote without it make
        the same project: "<client> - <opportunity>", managed by the
        salesperson, its tasks named after their services."""
        expected_name = "%s - %s" % (self.client.name, self.lead.name)
        order = self._quote(
            self.lead, [(self.product_bookkeeping, 4), (self.product_vat, 4)]
        )
        self.lead.action_accountancy_convert_project()
        converted = self.lead.accountancy_project_id
        converted_tasks = self.Task.search([("project_id", "=", converted.id)])
        # The same opportunity again, without the conversion.
        lead = self.lead.copy({"name": self.lead.name})
        confirmed_order = self._quote(
            lead, [(self.product_bookkeeping, 4), (self.product_vat, 4)]
        )
        confirmed_order.action_confirm()
        confirmed = confirmed_order.project_id
        self.assertTrue(confirmed)
        self.assertNotEqual(confirmed, converted)
        for project in (converted, confirmed):
            with self.subTest(project=project.name):
                self.assertEqual(project.name, expected_name)
                self.assertEqual(project.user_id, self.salesman)
        titles = sorted(line.name.split("\n")[0] for line in order.order_line)
        self.assertEqual(sorted(converted_tasks.mapped("name")), titles)
        self.assertEqual(
            sorted(confirmed_order.order_line.task_id.mapped("name")), titles
        )
        # A quote without opportunity: named after the order.
        alone = self._order([(self.product_vat, 4)], user_id=self.salesman.id)
        alone.action_confirm()
        self.assertEqual(
            alone.project_id.name, "%s - %s" % (self.client.name, alone.name)
        )
        self.assertEqual(alone.project_id.user_id, self.salesman)

    def test_convert_without_quote_gives_an_empty_project(self):
        self.lead.action_accountancy_convert_project()
        project = self.lead.accountancy_project_id
        self.assertTrue(project)
        self.assertFalse(self.Task.search([("project_id", "=", project.id)]))
        # The quote made afterwards puts its tasks in that project.
        order = self._quote(self.lead, [(self.product_bookkeeping, 4)])
        order.action_confirm()
        self.assertEqual(self._client_projects(), project)
        self.assertEqual(order.order_line.task_id.project_id, project)

    def test_latest_quote_not_cancelled_is_used(self):
        first = self._quote(self.lead, [(self.product_ib, 1)])
        latest = self._quote(self.lead, [(self.product_bookkeeping, 4)])
        latest._action_cancel()
        self.lead.action_accountancy_convert_project()
        tasks = self.Task.search(
            [("project_id", "=", self.lead.accountancy_project_id.id)]
        )
        self.assertEqual(tasks, first.order_line.task_id)
        self.assertFalse(latest.order_line.task_id)

    def test_wwft_acceptance_blocks_convert(self):
        client = self._create_company("Unaccepted Client", relation_kind="client")
        self.lead.partner_id = client
        self._quote(self.lead, [(self.product_bookkeeping, 4)])
        self.env["ir.config_parameter"].set_param(
            ACCEPTANCE_BLOCK_PARAM + "project_create", "unaccepted"
        )
        with self.assertRaises(UserError) as cm:
            self.lead.with_user(self.salesman).action_accountancy_convert_project()
        self.assertIn("create a project", str(cm.exception))
        self.assertFalse(self.lead.accountancy_project_id)
        self.assertFalse(self._client_projects(client))

    def test_other_salesman_cannot_convert(self):
        other = mail_new_test_user(
            self.env,
            login="precalc_other_lead_user",
            groups="sales_team.group_sale_salesman",
        )
        self.lead.user_id = other
        with self.assertRaises(UserError):
            # crm's own rule: a salesman may only change their own leads; the
            # AccessError is a UserError.
            self.lead.with_user(self.salesman).action_accountancy_convert_project()
        self.assertFalse(self._client_projects())


@tagged("post_install", "-at_install", "is_query_count")
class TestLeadProjectQueries(LeadProjectCommon):
    """Converting costs what Odoo's own project and task creation costs, plus a
    fixed number of queries, whatever the number of services."""

    def _lead_with_quote(self, size, index):
        lead = self.env["crm.lead"].create(
            {
                "name": f"Query lead {size} {index}",
                "type": "opportunity",
                "partner_id": self.client.id,
                "user_id": self.salesman.id,
            }
        )
        self._quote(lead, [(self.product_bookkeeping, 4)] * size)
        return lead

    def _count(self, func):
        self.env.flush_all()
        self.env.invalidate_all()
        before = self.env.cr.sql_log_count
        func()
        self.env.flush_all()
        return self.env.cr.sql_log_count - before

    def _plain(self, lead):
        """The same project and tasks made with Odoo's create only."""
        order = lead.order_ids
        project = (
            self.env["project.project"]
            .sudo()
            .create(
                {
                    "name": "Plain",
                    "partner_id": self.client.id,
                    "allow_billable": True,
                    "type_ids": [
                        Command.create({"name": name, "sequence": seq})
                        for name, seq in (("A", 1), ("B", 2), ("C", 3), ("D", 4))
                    ],
                }
            )
        )
        self.env["project.task"].sudo().with_context(mail_create_nolog=True).create(
            [
                {
                    "name": line.name,
                    "project_id": project.id,
                    "partner_id": self.client.id,
                    "allocated_hours": 60,
                    "description": "<p>Hours per role</p>",
                    "user_ids": False,
                }
                for line in order.order_line
            ]
        )

    def test_convert_query_count(self):
        self._count(self._lead_with_quote(1, 0).action_accountancy_convert_project)
        counts = {}
        for size in (2, 20):
            rounds = []
            for index in range(2):
                lead = self._lead_with_quote(size, index + 1)
                full = self._count(lead.action_accountancy_convert_project)
                plain = self._count(lambda lead=lead: self._plain(lead))
                self.assertEqual(
                    len(lead.accountancy_project_id.task_ids), size, "tasks made"
                )
                rounds.append((full - plain, full, plain))
            counts[size] = min(rounds)
        self.assertLessEqual(
            counts[20][0], counts[2][0] + 1, f"(extra, convert, plain): {counts}"
        )
