import base64

from dateutil.relativedelta import relativedelta

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.mail.tests.common import mail_new_test_user

from .common import AcceptanceCommon


@tagged("post_install", "-at_install")
class TestClientAcceptance(AcceptanceCommon):
    # Workflow and four eyes

    def test_four_eyes_flow(self):
        acceptance = self._make(self.client)
        self.assertEqual(self.client.acceptance_state, "pending")
        acceptance.with_user(self.officer).action_submit()
        self.assertEqual(acceptance.state, "to_approve")
        self.assertEqual(acceptance.prepared_by_id, self.officer)
        acceptance.with_user(self.officer_2).action_approve()
        self.assertRecordValues(
            acceptance,
            [
                {
                    "state": "accepted",
                    "approved_by_id": self.officer_2.id,
                    "is_current": True,
                    "next_review_date": self.today + relativedelta(months=24),
                    "due_diligence_level": "normal",
                }
            ],
        )
        self.client.invalidate_recordset(["acceptance_state"])
        self.assertEqual(self.client.acceptance_state, "accepted")

    def test_reject_decision(self):
        acceptance = self._make(
            self.client, decision="reject", decision_reason="Unclear source of funds"
        )
        self._decide(acceptance)
        self.assertEqual(acceptance.state, "rejected")
        self.assertEqual(self.client.acceptance_state, "rejected")

    def test_approve_own_acceptance_refused(self):
        acceptance = self._make(self.client)
        acceptance.with_user(self.officer).action_submit()
        with self.assertRaises(UserError) as error:
            acceptance.with_user(self.officer).action_approve()
        self.assertIn("four-eyes", str(error.exception))
        self.assertIn(self.officer_2.name, str(error.exception))
        self.assertEqual(acceptance.state, "to_approve")
        self.assertFalse(acceptance.approved_by_id)

    def test_approve_needs_compliance(self):
        acceptance = self._make(self.client)
        acceptance.with_user(self.officer).action_submit()
        for user in (self.user_acc, self.user_manager):
            with self.subTest(user=user.login):
                with self.assertRaises(UserError) as error:
                    acceptance.with_user(user).action_approve()
                # says who can approve
                self.assertIn(self.officer.name, str(error.exception))
                self.assertIn(self.officer_2.name, str(error.exception))
                self.assertEqual(acceptance.state, "to_approve")
                self.assertFalse(acceptance.approved_by_id)

    def test_submit_incomplete_refused(self):
        acceptance = self._make(self.client, risk_class=False, decision=False)
        with self.assertRaises(UserError) as error:
            acceptance.with_user(self.officer).action_submit()
        self.assertIn("Risk Class", str(error.exception))
        self.assertEqual(acceptance.state, "draft")
        self.assertFalse(acceptance.prepared_by_id)

    def test_accept_with_sanctions_hit_refused(self):
        acceptance = self._make(self.client, sanctions_check_result="hit")
        with self.assertRaises(UserError):
            acceptance.with_user(self.officer).action_submit()
        self.assertEqual(acceptance.state, "draft")

    def test_reset_to_draft(self):
        acceptance = self._make(self.client)
        acceptance.with_user(self.officer).action_submit()
        acceptance.with_user(self.officer_2).action_reset_to_draft()
        self.assertEqual(acceptance.state, "draft")
        self.assertFalse(acceptance.prepared_by_id)

    def test_data_frozen_after_submit(self):
        acceptance = self._make(
            self.client,
            ubo_ids=[
                Command.create({"partner_id": self.owner.id, "interest_percentage": 50})
            ],
        )
        acceptance.with_user(self.officer).action_submit()
        with self.assertRaises(UserError):
            acceptance.with_user(self.officer).write({"risk_class": "low"})
        self.assertEqual(acceptance.risk_class, "normal")
        with self.assertRaises(UserError):
            self.Ubo.create(
                {"acceptance_id": acceptance.id, "partner_id": self.owner_2.id}
            )
        with self.assertRaises(UserError):
            acceptance.ubo_ids.write({"interest_percentage": 70})
        self.assertEqual(acceptance.ubo_ids.partner_id, self.owner)
        self.assertEqual(acceptance.ubo_ids.interest_percentage, 50)

    def test_unlink_only_draft(self):
        acceptance = self._decide(self._make(self.client))
        with self.assertRaises(UserError):
            acceptance.with_user(self.officer).unlink()
        self.assertTrue(acceptance.exists())
        draft = self._make(self.client)
        draft.with_user(self.officer).unlink()
        self.assertFalse(draft.exists())

    def test_new_review_copies_data(self):
        old = self._decide(
            self._make(
                self.client,
                date=self.today - relativedelta(years=2),
                ubo_ids=[
                    Command.create(
                        {"partner_id": self.owner.id, "interest_percentage": 100}
                    )
                ],
            )
        )
        action = old.with_user(self.officer).action_new_review()
        review = self.Acceptance.browse(action["res_id"])
        self.assertEqual(review.state, "draft")
        self.assertEqual(review.date, self.today)
        self.assertEqual(review.ubo_ids.partner_id, self.owner)
        self.assertNotEqual(review.ubo_ids, old.ubo_ids)
        self._decide(review)
        self.assertTrue(review.is_current)
        self.assertFalse(old.is_current)

    # Bad input

    def test_review_date_before_acceptance_date(self):
        acceptance = self._make(self.client)
        review = acceptance.next_review_date
        with self.assertRaises(ValidationError):
            acceptance.write({"next_review_date": self.today - relativedelta(days=1)})
        acceptance.invalidate_recordset()
        self.assertEqual(acceptance.next_review_date, review)
        count = self.Acceptance.search_count([("partner_id", "=", self.client.id)])
        with self.assertRaises(ValidationError):
            self._make(self.client, next_review_date=self.today - relativedelta(days=1))
        self.assertEqual(
            self.Acceptance.search_count([("partner_id", "=", self.client.id)]), count
        )

    def test_id_document_expired_before_verification(self):
        acceptance = self._make(self.client, id_document_number="X123")
        with self.assertRaises(ValidationError) as error:
            acceptance.write(
                {
                    "id_document_expiry": self.today - relativedelta(days=10),
                    "id_verified_on": self.today,
                }
            )
        self.assertIn("expired", str(error.exception))
        acceptance.invalidate_recordset()
        self.assertFalse(acceptance.id_document_expiry)
        self.assertFalse(acceptance.id_verified_on)
        # valid on the day of the verification is fine
        acceptance.write(
            {"id_document_expiry": self.today, "id_verified_on": self.today}
        )
        self.assertEqual(acceptance.id_document_expiry, self.today)

    def test_ubo_must_be_a_person(self):
        acceptance = self._make(self.client)
        holding = self._create_company("UBO Holding B.V.")
        with self.assertRaises(ValidationError) as error:
            self.Ubo.create({"acceptance_id": acceptance.id, "partner_id": holding.id})
        self.assertIn("natural person", str(error.exception))
        self.assertFalse(acceptance.ubo_ids)

    def test_ubo_percentage_range(self):
        acceptance = self._make(self.client)
        for value in (-1, 100.5):
            with self.subTest(value=value):
                with self.assertRaises(ValidationError):
                    self.Ubo.create(
                        {
                            "acceptance_id": acceptance.id,
                            "partner_id": self.owner.id,
                            "interest_percentage": value,
                        }
                    )
                self.assertFalse(acceptance.ubo_ids)
        ubo = self.Ubo.create(
            {
                "acceptance_id": acceptance.id,
                "partner_id": self.owner.id,
                "interest_percentage": 40,
            }
        )
        with self.assertRaises(ValidationError):
            ubo.write({"interest_percentage": 101})
        self.assertEqual(ubo.interest_percentage, 40)

    def test_ubo_total_above_hundred_warns(self):
        acceptance = self._make(
            self.client,
            ubo_ids=[
                Command.create(
                    {"partner_id": self.owner.id, "interest_percentage": 60}
                ),
                Command.create(
                    {"partner_id": self.owner_2.id, "interest_percentage": 50}
                ),
            ],
        )
        # saved (not blocking), but flagged
        self.assertEqual(len(acceptance.ubo_ids), 2)
        self.assertAlmostEqual(acceptance.ubo_interest_total, 110.0)
        self.assertTrue(acceptance.ubo_interest_exceeded)
        acceptance.ubo_ids[0].interest_percentage = 50
        self.assertFalse(acceptance.ubo_interest_exceeded)

    # Risk and due diligence

    def test_due_diligence_level(self):
        low = self._make(self.client, risk_class="low")
        self.assertEqual(low.due_diligence_level, "simplified")
        high = self._make(self.client, risk_class="high")
        self.assertEqual(high.due_diligence_level, "enhanced")
        pep = self._make(self.client, risk_class="low", pep_check_result="hit")
        self.assertTrue(pep.is_pep)
        self.assertEqual(pep.due_diligence_level, "enhanced")
        ubo_pep = self._make(
            self.client,
            risk_class="low",
            ubo_ids=[Command.create({"partner_id": self.owner.id, "is_pep": True})],
        )
        self.assertEqual(ubo_pep.due_diligence_level, "enhanced")

    def test_high_risk_country_forces_enhanced(self):
        acceptance = self._make(
            self.client,
            risk_class="low",
            ubo_ids=[
                Command.create({"partner_id": self.owner.id, "interest_percentage": 30})
            ],
        )
        self.assertEqual(acceptance.due_diligence_level, "simplified")
        self.owner.country_id = self.country_high
        self.assertEqual(acceptance.ubo_ids.country_id, self.country_high)
        self.assertTrue(acceptance.has_high_risk_country)
        self.assertEqual(acceptance.due_diligence_level, "enhanced")
        self.country_high.accountancy_high_risk = False
        self.assertEqual(acceptance.due_diligence_level, "simplified")

    def test_high_risk_countries_in_settings(self):
        be = self.country_be
        settings = self.env["res.config.settings"].create({})
        self.assertIn(self.country_high, settings.acceptance_high_risk_country_ids)
        settings.acceptance_high_risk_country_ids = [Command.set(be.ids)]
        settings.execute()
        self.assertTrue(be.accountancy_high_risk)
        self.assertFalse(self.country_high.accountancy_high_risk)

    def test_review_months_from_settings(self):
        settings = self.env["res.config.settings"].create({})
        self.assertEqual(settings.acceptance_review_months_high, 12)
        settings.acceptance_review_months_high = 6
        settings.execute()
        acceptance = self._make(self.client, risk_class="high")
        self.assertEqual(
            acceptance.next_review_date, self.today + relativedelta(months=6)
        )
        low = self._make(self.client, risk_class="low")
        self.assertEqual(low.next_review_date, self.today + relativedelta(months=36))

    def test_review_months_out_of_range(self):
        with self.assertRaises(ValidationError):
            self.env["res.config.settings"].create({"acceptance_review_months_low": 0})
        self.assertEqual(
            self.env["ir.config_parameter"].get_param(
                "accountancy_crm.acceptance_review_months_low"
            ),
            "36",
        )

    # History and status

    def test_history_latest_decides(self):
        self.assertEqual(self.client.acceptance_state, "none")
        old = self._decide(
            self._make(self.client, date=self.today - relativedelta(years=1))
        )
        self.client.invalidate_recordset(["acceptance_state"])
        self.assertEqual(self.client.acceptance_state, "accepted")
        # a review in progress keeps the decided status
        new = self._make(
            self.client, decision="reject", decision_reason="Sanctions hit"
        )
        self.client.invalidate_recordset(["acceptance_state"])
        self.assertEqual(self.client.acceptance_state, "accepted")
        self._decide(new)
        self.assertFalse(old.is_current)
        self.assertTrue(new.is_current)
        self.client.invalidate_recordset(["acceptance_state"])
        self.assertEqual(self.client.acceptance_state, "rejected")
        # contacts show the status of their company
        contact = self._create_person("Client Contact", parent_id=self.client.id)
        self.assertEqual(contact.acceptance_state, "rejected")

    def test_status_overdue_and_search(self):
        overdue_client = self._create_company("Overdue B.V.", relation_kind="client")
        self._decide(
            self._make(overdue_client, date=self.today - relativedelta(months=30))
        )
        self._decide(self._make(self.client))
        self.assertEqual(overdue_client.acceptance_state, "overdue")
        clients = overdue_client | self.client
        self.assertEqual(
            self.Partner.search(
                [("id", "in", clients.ids), ("acceptance_state", "=", "overdue")]
            ),
            overdue_client,
        )
        self.assertEqual(
            self.Partner.search(
                [("id", "in", clients.ids), ("acceptance_state", "=", "accepted")]
            ),
            self.client,
        )
        self.assertEqual(
            self.Partner.search(
                [("id", "in", clients.ids), ("acceptance_state", "!=", "accepted")]
            ),
            overdue_client,
        )
        none = self._create_company("Nothing Yet B.V.", relation_kind="prospect")
        self.assertEqual(
            self.Partner.search(
                [
                    ("id", "in", (clients | none).ids),
                    ("acceptance_state", "in", ["none"]),
                ]
            ),
            none,
        )

    # Retention

    def test_retention_after_relation_ends(self):
        acceptance = self._decide(self._make(self.client))
        document = self.Document.create(
            {
                "acceptance_id": acceptance.id,
                "name": "Passport copy",
                "file": base64.b64encode(b"scan"),
                "file_name": "passport.pdf",
            }
        )
        self.assertFalse(acceptance.retention_until)
        self.client.relation_kind = "former_client"
        self.assertEqual(self.client.relation_end_date, self.today)
        until = self.today + relativedelta(years=5)
        self.assertEqual(acceptance.retention_until, until)
        self.assertEqual(document.retention_until, until)
        with self.assertRaises(UserError):
            document.with_user(self.officer).unlink()
        self.assertTrue(document.exists())
        # back as a client: the relationship has not ended
        self.client.relation_kind = "client"
        self.assertFalse(acceptance.retention_until)


@tagged("post_install", "-at_install")
class TestClientAcceptanceBlocking(AcceptanceCommon):
    def _order(self, partner):
        return self.env["sale.order"].create({"partner_id": partner.id})

    def test_quote_blocked_for_unaccepted_client(self):
        order = self._order(self.client)
        with self.assertRaises(UserError) as error:
            order.action_confirm()
        message = str(error.exception)
        self.assertIn(self.client.name, message)
        self.assertIn(self.officer.name, message)  # who can resolve it
        self.assertIn("no acceptance", message)
        self.assertEqual(order.state, "draft")
        self._decide(self._make(self.client))
        order.action_confirm()
        self.assertEqual(order.state, "sale")

    def test_quote_blocked_for_contact_of_unaccepted_client(self):
        contact = self._create_person("Client Contact", parent_id=self.client.id)
        order = self._order(contact)
        with self.assertRaises(UserError):
            order.action_confirm()
        self.assertEqual(order.state, "draft")

    def test_quote_not_blocked_when_off_or_not_a_client(self):
        other = self._create_company("Some Customer B.V.")  # no relation kind
        order = self._order(other)
        order.action_confirm()
        self.assertEqual(order.state, "sale")
        self._set_mode("quote_confirm", "none")
        order = self._order(self.client)
        order.action_confirm()
        self.assertEqual(order.state, "sale")

    def test_overdue_blocks_only_in_overdue_mode(self):
        self._decide(
            self._make(self.client, date=self.today - relativedelta(months=30))
        )
        order = self._order(self.client)
        self._set_mode("quote_confirm", "overdue")
        with self.assertRaises(UserError) as error:
            order.action_confirm()
        self.assertIn("review overdue", str(error.exception))
        self.assertEqual(order.state, "draft")
        self._set_mode("quote_confirm", "unaccepted")
        order.action_confirm()
        self.assertEqual(order.state, "sale")

    def test_pending_and_rejected_block(self):
        self._make(self.client)  # draft only: pending
        with self.assertRaises(UserError) as error:
            self.client._accountancy_check_acceptance("quote_confirm")
        self.assertIn("pending", str(error.exception))
        rejected = self._create_company("Rejected B.V.", relation_kind="prospect")
        self._decide(self._make(rejected, decision="reject", decision_reason="PEP"))
        with self.assertRaises(UserError) as error:
            rejected._accountancy_check_acceptance("quote_confirm")
        self.assertIn("rejected", str(error.exception))

    def test_quote_blocked_for_sales_user_without_acceptance_access(self):
        """The check does not depend on the user's access to acceptances."""
        salesman = mail_new_test_user(
            self.env, login="acc_salesman", groups="sales_team.group_sale_salesman"
        )
        order = self.env["sale.order"].create(
            {"partner_id": self.client.id, "user_id": salesman.id}
        )
        order = order.with_user(salesman)
        with self.assertRaises(UserError):
            order.action_confirm()
        self.assertEqual(order.state, "draft")

    def test_project_creation(self):
        Project = self.env["project.project"]
        project = Project.create(
            {"name": "Default allowed", "partner_id": self.client.id}
        )
        self.assertTrue(project)
        self._set_mode("project_create", "unaccepted")
        count = Project.search_count([("partner_id", "=", self.client.id)])
        with self.assertRaises(UserError) as error:
            Project.create({"name": "Blocked", "partner_id": self.client.id})
        self.assertIn("create a project", str(error.exception))
        self.assertEqual(
            Project.search_count([("partner_id", "=", self.client.id)]), count
        )
        # internal projects (no client) are never blocked
        self.assertTrue(Project.create({"name": "Internal"}))
        self._decide(self._make(self.client))
        self.assertTrue(
            Project.create({"name": "Allowed", "partner_id": self.client.id})
        )

    def test_planning_tasks(self):
        self.assertTrue(self.client._accountancy_check_acceptance("planning_tasks"))
        self._set_mode("planning_tasks", "overdue")
        with self.assertRaises(UserError) as error:
            self.client._accountancy_check_acceptance("planning_tasks")
        self.assertIn("generate planning tasks", str(error.exception))
        self._decide(self._make(self.client))
        self.assertTrue(self.client._accountancy_check_acceptance("planning_tasks"))

    def test_acceptance_of_other_company_does_not_count(self):
        self._decide(self._make(self.client, company_id=self.company_2.id))
        with self.assertRaises(UserError):
            self.client._accountancy_check_acceptance("quote_confirm")
        self.assertTrue(
            self.client.with_company(self.company_2)._accountancy_check_acceptance(
                "quote_confirm"
            )
        )

    def test_check_constant_queries(self):
        """The blocking check costs the same for 10 and for 100 clients."""
        self._set_mode("planning_tasks", "overdue")
        counts = []
        for size in (10, 100):
            clients = self.Partner.create(
                [
                    {
                        "name": f"Q{size} Client {i}",
                        "is_company": True,
                        "relation_kind": "client",
                    }
                    for i in range(size)
                ]
            )
            self.Acceptance.create(
                [self._acceptance_vals(client) for client in clients]
            )
            acceptances = self.Acceptance.search([("partner_id", "in", clients.ids)])
            acceptances.with_user(self.officer).action_submit()
            acceptances.with_user(self.officer_2).action_approve()
            self.env.invalidate_all()
            with self.assertQueryCount(4):
                self.env["res.partner"].browse(
                    clients.ids
                )._accountancy_check_acceptance("planning_tasks")
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            self.env["res.partner"].browse(clients.ids).mapped("acceptance_state")
            counts.append(self.env.cr.sql_log_count - before)
        self.assertEqual(counts[0], counts[1])


@tagged("post_install", "-at_install")
class TestClientAcceptanceReviewCron(AcceptanceCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager_user = mail_new_test_user(
            cls.env,
            login="acc_rlm",
            groups="accountancy_crm.group_user",
            name="RLM User",
        )
        cls.employee.user_id = cls.manager_user
        # Acceptances of the demo data are not part of these tests.
        cls.Acceptance.search([]).write({"is_review_overdue": True})
        cls.activity_type = cls.env.ref(
            "accountancy_crm.mail_activity_type_acceptance_review"
        )

    def _due_acceptance(self, partner):
        return self._decide(
            self._make(partner, date=self.today - relativedelta(months=25))
        )

    def _activities(self, acceptances):
        return self.env["mail.activity"].search(
            [
                ("res_model", "=", "accountancy.client.acceptance"),
                ("res_id", "in", acceptances.ids),
                ("activity_type_id", "=", self.activity_type.id),
            ]
        )

    def test_review_activity_for_relationship_manager(self):
        other = self._create_company("No Manager B.V.", relation_kind="client")
        self.env["accountancy.assignment"].create(
            {
                "partner_id": self.client.id,
                "role_id": self.role_rlm.id,
                "employee_id": self.employee.id,
                "year": self.this_year,
            }
        )
        due = self._due_acceptance(self.client)
        due_other = self._due_acceptance(other)
        not_due = self._decide(
            self._make(self._create_company("Fresh B.V.", relation_kind="client"))
        )
        self.Acceptance._cron_acceptance_review()
        activity = self._activities(due)
        self.assertEqual(activity.user_id, self.manager_user)
        # without a relationship manager: the preparer
        self.assertEqual(self._activities(due_other).user_id, self.officer)
        self.assertFalse(self._activities(not_due))
        self.assertTrue(due.is_review_overdue)
        self.assertFalse(not_due.is_review_overdue)
        self.assertEqual(self.client.acceptance_state, "overdue")
        # twice: no second activity
        self.Acceptance._cron_acceptance_review()
        self.assertEqual(len(self._activities(due | due_other)), 2)

    def test_superseded_acceptance_not_reviewed(self):
        old = self._due_acceptance(self.client)
        new = self._decide(self._make(self.client))
        self.Acceptance._cron_acceptance_review()
        self.assertFalse(self._activities(old | new))
        self.assertFalse(old.is_review_overdue)

    def test_new_acceptance_closes_review_activity(self):
        old = self._due_acceptance(self.client)
        self.Acceptance._cron_acceptance_review()
        self.assertTrue(self._activities(old))
        self._decide(self._make(self.client))
        self.assertFalse(self._activities(old))

    def test_batches(self):
        clients = self.Partner.create(
            [
                {"name": f"Batch {i}", "is_company": True, "relation_kind": "client"}
                for i in range(5)
            ]
        )
        acceptances = self.Acceptance.create(
            [
                self._acceptance_vals(
                    client, date=self.today - relativedelta(months=25)
                )
                for client in clients
            ]
        )
        acceptances.with_user(self.officer).action_submit()
        acceptances.with_user(self.officer_2).action_approve()
        self.assertTrue(all(acceptances.mapped("is_current")))
        self.Acceptance._cron_acceptance_review(batch_size=2)
        self.assertEqual(len(acceptances.filtered("is_review_overdue")), 2)
        self.Acceptance._cron_acceptance_review(batch_size=2)
        self.Acceptance._cron_acceptance_review(batch_size=2)
        self.assertTrue(all(acceptances.mapped("is_review_overdue")))
        self.assertEqual(len(self._activities(acceptances)), 5)

    def test_cron_constant_queries(self):
        counts = []
        for size in (1, 10, 100):  # the first run warms the caches up
            clients = self.Partner.create(
                [
                    {
                        "name": f"Cron{size} {i}",
                        "is_company": True,
                        "relation_kind": "client",
                    }
                    for i in range(size)
                ]
            )
            self.env["accountancy.assignment"].create(
                [
                    {
                        "partner_id": client.id,
                        "role_id": self.role_rlm.id,
                        "employee_id": self.employee.id,
                        "year": self.this_year,
                    }
                    for client in clients
                ]
            )
            acceptances = self.Acceptance.create(
                [
                    self._acceptance_vals(
                        client, date=self.today - relativedelta(months=25)
                    )
                    for client in clients
                ]
            )
            acceptances.with_user(self.officer).action_submit()
            acceptances.with_user(self.officer_2).action_approve()
            self.env.flush_all()
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            self.Acceptance._cron_acceptance_review()
            self.env.flush_all()
            counts.append(self.env.cr.sql_log_count - before)
            self.assertEqual(len(self._activities(acceptances)), size)
        self.assertEqual(counts[1], counts[2], counts)


@tagged("post_install", "-at_install")
class TestClientAcceptanceSecurity(AcceptanceCommon):
    SENSITIVE = (
        "risk_class",
        "due_diligence_level",
        "ubo_ids",
        "id_document_number",
        "id_document_expiry",
        "pep_check_result",
        "is_pep",
        "sanctions_check_result",
        "decision_reason",
        "document_ids",
    )

    def test_access_rows(self):
        users = {
            "employee": self.user_employee,
            "user": self.user_acc,
            "manager": self.user_manager,
            "fiscal": self.user_fiscal,
            "compliance": self.officer,
        }
        expected = {
            "accountancy.client.acceptance": {
                "employee": "",
                "user": "rwc",
                "manager": "rwc",
                "fiscal": "rwc",
                "compliance": "rwcu",
            },
            "accountancy.client.acceptance.ubo": {
                "employee": "",
                "user": "",
                "manager": "",
                "fiscal": "",
                "compliance": "rwcu",
            },
            "accountancy.acceptance.document": {
                "employee": "",
                "user": "",
                "manager": "",
                "fiscal": "",
                "compliance": "rwcu",
            },
        }
        operations = {"r": "read", "w": "write", "c": "create", "u": "unlink"}
        for model, rights in expected.items():
            for group, allowed in rights.items():
                for letter, operation in operations.items():
                    with self.subTest(model=model, group=group, operation=operation):
                        self.assertEqual(
                            self.env[model]
                            .with_user(users[group])
                            .has_access(operation),
                            letter in allowed,
                        )

    @mute_logger("odoo.models", "odoo.fields")
    def test_sensitive_fields_hidden_from_users(self):
        acceptance = self._make(
            self.client,
            id_document_number="NX123",
            ubo_ids=[
                Command.create({"partner_id": self.owner.id, "interest_percentage": 80})
            ],
        )
        self.env.invalidate_all()
        as_user = acceptance.with_user(self.user_acc)
        # the status part is readable
        self.assertEqual(as_user.read(["partner_id", "state"])[0]["state"], "draft")
        for fname in self.SENSITIVE:
            with self.subTest(field=fname):
                self.env.invalidate_all()
                with self.assertRaises(AccessError):
                    as_user.read([fname])
                with self.assertRaises(AccessError):
                    as_user.mapped(fname)
        with self.assertRaises(AccessError):
            self.Acceptance.with_user(self.user_acc).search(
                [("risk_class", "=", "normal")]
            )
        # UBO lines cannot be reached directly either
        with self.assertRaises(AccessError):
            acceptance.ubo_ids.with_user(self.user_acc).read(["partner_id"])
        # a compliance officer reads them
        self.env.invalidate_all()
        as_officer = acceptance.with_user(self.officer)
        self.assertEqual(as_officer.risk_class, "normal")
        self.assertEqual(as_officer.id_document_number, "NX123")
        self.assertEqual(as_officer.ubo_ids.partner_id, self.owner)

    @mute_logger("odoo.models", "odoo.fields")
    def test_user_cannot_set_sensitive_or_workflow_fields(self):
        Acceptance = self.Acceptance.with_user(self.user_acc)
        count = self.Acceptance.search_count([])
        for vals in (
            {"risk_class": "low"},
            {"state": "accepted"},
            {"next_review_date": self.today + relativedelta(years=9)},
        ):
            # AccessError (field groups) or UserError (workflow fields)
            with self.subTest(vals=vals), self.assertRaises(UserError):
                Acceptance.create(dict({"partner_id": self.client.id}, **vals))
        self.assertEqual(self.Acceptance.search_count([]), count)
        # a draft request without the sensitive data is allowed
        draft = Acceptance.create(
            {"partner_id": self.client.id, "relationship_purpose": "Tax"}
        )
        self.assertEqual(draft.state, "draft")
        accepted = self._decide(
            self._make(self.client, date=self.today - relativedelta(months=30))
        )
        review = accepted.next_review_date
        for vals in (
            {"next_review_date": self.today + relativedelta(years=9)},
            {"is_review_overdue": False},
            {"state": "accepted"},
        ):
            with self.subTest(vals=vals), self.assertRaises(UserError):
                accepted.with_user(self.user_acc).write(vals)
        self.assertEqual(accepted.next_review_date, review)
        # even an officer cannot skip the four eyes by writing the state
        with self.assertRaises(UserError):
            draft.with_user(self.officer).write({"state": "accepted"})
        self.assertEqual(draft.state, "draft")
        # nor can a user submit
        with self.assertRaises(UserError):
            draft.with_user(self.user_acc).action_submit()
        self.assertEqual(draft.state, "draft")

    @mute_logger(
        "odoo.models",
        "odoo.addons.base.models.ir_model",
        "odoo.addons.base.models.ir_rule",
    )
    def test_documents_compliance_only(self):
        acceptance = self._make(self.client)
        document = self.Document.with_user(self.officer).create(
            {
                "acceptance_id": acceptance.id,
                "name": "ID card copy",
                "file": base64.b64encode(b"secret scan"),
                "file_name": "id.pdf",
            }
        )
        attachment = (
            self.env["ir.attachment"]
            .sudo()
            .search(
                [
                    ("res_model", "=", document._name),
                    ("res_id", "=", document.id),
                    ("res_field", "=", "file"),
                ]
            )
        )
        self.assertEqual(len(attachment), 1)
        self.env.invalidate_all()
        self.assertEqual(
            base64.b64decode(document.with_user(self.officer).file), b"secret scan"
        )
        self.assertEqual(acceptance.with_user(self.officer).document_count, 1)
        for user in (self.user_acc, self.user_manager, self.user_fiscal):
            with self.subTest(user=user.login):
                self.env.invalidate_all()
                with self.assertRaises(AccessError):
                    self.Document.with_user(user).search([])
                with self.assertRaises(AccessError):
                    document.with_user(user).read(["file"])
                with self.assertRaises(AccessError):
                    acceptance.with_user(user).read(["document_ids"])
                Attachment = self.env["ir.attachment"].with_user(user)
                self.assertFalse(
                    Attachment.search(
                        [
                            ("res_model", "=", document._name),
                            ("res_id", "=", document.id),
                            ("res_field", "=", "file"),
                        ]
                    )
                )
                with self.assertRaises(AccessError):
                    attachment.with_user(user).read(["datas"])
                with self.assertRaises(AccessError):
                    self.Document.with_user(user).create(
                        {
                            "acceptance_id": acceptance.id,
                            "name": "x",
                            "file": base64.b64encode(b"x"),
                        }
                    )
        self.assertEqual(
            self.Document.search_count([("acceptance_id", "=", acceptance.id)]), 1
        )

    @mute_logger("odoo.models", "odoo.addons.base.models.ir_rule")
    def test_multi_company(self):
        acceptance = self._make(self.client, company_id=self.company_2.id)
        self.assertFalse(
            self.Acceptance.with_user(self.user_acc).search(
                [("id", "=", acceptance.id)]
            )
        )
        with self.assertRaises(AccessError):
            acceptance.with_user(self.user_acc).read(["state"])
        self.assertEqual(
            self.Acceptance.with_user(self.user_company_2).search(
                [("id", "=", acceptance.id)]
            ),
            acceptance,
        )

    def test_relation_card_status_for_plain_employee(self):
        """The status is shown on the card even to users without access to the
        acceptances (it is not sensitive)."""
        self._decide(self._make(self.client))
        self.env.invalidate_all()
        self.assertEqual(
            self.client.with_user(self.user_acc).acceptance_state, "accepted"
        )
        self.assertEqual(
            self.client.with_user(self.user_employee).acceptance_state, "accepted"
        )

    def test_views_hide_sensitive_fields(self):
        """The form loads for every group; the sensitive fields are left out for
        users outside the Compliance group."""
        for user, visible in ((self.user_acc, False), (self.officer, True)):
            with self.subTest(user=user.login):
                views = self.Acceptance.with_user(user).get_views(
                    [(False, "form"), (False, "list"), (False, "search")]
                )
                form = views["views"]["form"]["arch"]
                self.assertIn('name="partner_id"', form)
                self.assertEqual('name="risk_class"' in form, visible)
                self.assertEqual('name="id_document_number"' in form, visible)
                self.assertEqual('name="ubo_ids"' in form, visible)
        partner_form = self.Partner.with_user(self.user_acc).get_views(
            [(False, "form")]
        )
        self.assertIn('name="acceptance_state"', partner_form["views"]["form"]["arch"])
