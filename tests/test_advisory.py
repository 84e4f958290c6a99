from psycopg2 import IntegrityError

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged
from odoo.tools import mute_logger

from odoo.addons.mail.tests.common import mail_new_test_user

from .common import AccountancyCrmCommon


@tagged("post_install", "-at_install")
class TestAdvisory(AccountancyCrmCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Status = cls.env["accountancy.advisory.status"]
        cls.Service = cls.env["accountancy.advisory.service"]
        cls.Matrix = cls.env["accountancy.advisory.matrix"]
        cls.services = cls.Service.search([])
        cls.service = cls.env.ref("accountancy_crm.advisory_service_financial_planning")
        cls.clients = cls.Partner.create(
            [
                {
                    "name": f"Advisory client {i}",
                    "is_company": True,
                    "relation_kind": "client",
                    "client_group_id": cls.client_group.id,
                }
                for i in range(3)
            ]
        )
        cls.client = cls.clients[0]
        cls.user_sales = mail_new_test_user(
            cls.env,
            login="acc_sales",
            groups="accountancy_crm.group_user,sales_team.group_sale_salesman",
            name="Accountancy Salesman",
        )

    def _status(self, **vals):
        return self.Status.create(
            dict(
                {
                    "partner_id": self.client.id,
                    "year": self.this_year,
                    "service_id": self.service.id,
                },
                **vals,
            )
        )

    def test_catalogue_has_the_eleven_services(self):
        self.assertEqual(len(self.services), 11)
        self.assertEqual(self._status().status, "undetermined")

    def test_catalogue_edited_by_managers_only(self):
        with self.assertRaises(AccessError):
            self.service.with_user(self.user_acc).write({"name": "Changed"})
        self.assertNotEqual(self.service.name, "Changed")
        self.service.with_user(self.user_manager).write({"name": "Money planning"})
        self.assertEqual(self.service.name, "Money planning")

    def test_one_status_per_client_year_service(self):
        self._status()
        with (
            mute_logger("odoo.sql_db"),
            self.assertRaises(IntegrityError),
            self.env.cr.savepoint(),
        ):
            self._status(status="active")
        self.assertEqual(
            self.Status.search_count([("partner_id", "=", self.client.id)]), 1
        )

    def test_year_out_of_range_refused(self):
        with self.assertRaises(ValidationError) as error:
            self._status(year=self.this_year + 5)
        self.assertIn("cannot be planned", str(error.exception))
        self.assertFalse(
            self.Status.search_count([("partner_id", "=", self.client.id)])
        )

    def test_ensure_statuses_creates_missing_cells_in_batch(self):
        existing = self._status(status="active")
        statuses = self.Status._ensure_statuses(self.clients, self.this_year)
        self.assertEqual(len(statuses), 3 * 11)
        self.assertIn(existing, statuses)
        self.assertEqual(existing.status, "active", "existing cells are kept")
        again = self.Status._ensure_statuses(self.clients, self.this_year)
        self.assertEqual(again, statuses, "nothing is created twice")
        # Constant number of queries, whatever the number of clients (up to the
        # 100 rows per INSERT by which Odoo itself splits a batch create).
        more = self.Partner.create(
            [{"name": f"Extra {i}", "relation_kind": "client"} for i in range(11)]
        )
        self.Status._ensure_statuses(more[:1], self.this_year + 1)  # warm up
        self.env.flush_all()
        before = self.env.cr.sql_log_count
        self.Status._ensure_statuses(more[1:2], self.this_year + 1)
        self.env.flush_all()
        one = self.env.cr.sql_log_count - before
        before = self.env.cr.sql_log_count
        self.Status._ensure_statuses(more[2:], self.this_year + 1)
        self.env.flush_all()
        self.assertEqual(self.env.cr.sql_log_count - before, one)
        self.assertEqual(
            self.Status.search_count([("partner_id", "in", more.ids)]), 11 * 11
        )

    def test_matrix_loads_and_edits_statuses(self):
        matrix = self.Matrix.create(
            {"year": self.this_year, "client_group_id": self.client_group.id}
        )
        action = matrix.action_load()
        self.assertEqual(action["res_id"], matrix.id)
        self.assertEqual(len(matrix.status_ids), 3 * 11)
        self.assertEqual(matrix.client_count, 3)
        self.assertEqual(matrix.status_ids.partner_id, self.clients)
        cell = matrix.status_ids.filtered(
            lambda s: s.partner_id == self.client and s.service_id == self.service
        )
        # The widget saves the cells through the many2many: they are real records.
        matrix.write({"status_ids": [Command.update(cell.id, {"status": "discuss"})]})
        self.assertEqual(
            self.Status.search(
                [
                    ("partner_id", "=", self.client.id),
                    ("service_id", "=", self.service.id),
                    ("year", "=", self.this_year),
                ]
            ).status,
            "discuss",
        )

    def test_matrix_filters_on_team_member(self):
        self.env["accountancy.assignment"].create(
            {
                "partner_id": self.clients[1].id,
                "role_id": self.role_rlm.id,
                "employee_id": self.employee.id,
                "year": self.this_year,
            }
        )
        matrix = self.Matrix.create(
            {"year": self.this_year, "employee_id": self.employee.id}
        )
        matrix.action_load()
        self.assertEqual(matrix.status_ids.partner_id, self.clients[1])

    def test_matrix_year_out_of_range(self):
        matrix = self.Matrix.create({"year": self.this_year - 10})
        with self.assertRaises(UserError):
            matrix.action_load()
        self.assertFalse(matrix.status_ids)
        self.assertFalse(self.Status.search_count([("year", "=", self.this_year - 10)]))

    def test_matrix_form(self):
        with Form(self.Matrix) as form:
            form.client_group_id = self.client_group
        self.assertEqual(form.record.year, self.this_year)

    def test_create_opportunity_from_proposal(self):
        status = self._status(status="proposal").with_user(self.user_sales)
        action = status.action_create_opportunity()
        lead = status.lead_id
        self.assertTrue(lead)
        self.assertEqual(lead.type, "opportunity")
        self.assertEqual(lead.partner_id, self.client)
        self.assertEqual(lead.name, f"{self.service.name} - {self.client.name}")
        self.assertEqual(action["res_model"], "crm.lead")
        self.assertEqual(action["res_id"], lead.id)
        # Not twice.
        status.action_create_opportunity()
        self.assertEqual(status.lead_id, lead)
        self.assertEqual(
            self.env["crm.lead"].search_count([("partner_id", "=", self.client.id)]), 1
        )

    def test_create_opportunity_refused_when_not_proposal(self):
        status = self._status(status="discuss")
        leads_before = self.env["crm.lead"].search_count([])
        with self.assertRaises(UserError):
            status.action_create_opportunity()
        self.assertFalse(status.lead_id)
        self.assertEqual(self.env["crm.lead"].search_count([]), leads_before)

    def test_matrix_creates_opportunities_for_proposals(self):
        matrix = self.Matrix.create(
            {"year": self.this_year, "client_group_id": self.client_group.id}
        )
        matrix.action_load()
        with self.assertRaises(UserError):
            matrix.action_create_opportunities()
        proposals = matrix.status_ids[:2]
        proposals.write({"status": "proposal"})
        action = matrix.with_user(self.user_sales).action_create_opportunities()
        self.assertEqual(len(proposals.lead_id), 2)
        self.assertEqual(
            self.env["crm.lead"].search(action["domain"]), proposals.lead_id
        )
        self.assertFalse((matrix.status_ids - proposals).lead_id)

    def test_access(self):
        status = self._status()
        self.assertEqual(status.with_user(self.user_employee).status, "undetermined")
        with self.assertRaises(AccessError):
            status.with_user(self.user_employee).write({"status": "active"})
        self.assertEqual(status.status, "undetermined")
        status.with_user(self.user_acc).write({"status": "active"})
        self.assertEqual(status.status, "active")
        with self.assertRaises(AccessError):
            self.Matrix.with_user(self.user_employee).create({"year": self.this_year})
