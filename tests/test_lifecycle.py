from datetime import timedelta

from freezegun import freeze_time

from odoo import Command, fields
from odoo.tests import tagged

from .common import AccountancyCrmCommon


@tagged("post_install", "-at_install")
class TestLifecycleStage(AccountancyCrmCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.today = fields.Date.today()
        company = cls.env.company
        if not cls.env["account.journal"].search(
            [("type", "=", "sale"), ("company_id", "=", company.id)], limit=1
        ):
            cls.env["account.chart.template"].try_loading(
                "generic_coa", company=company, install_demo=False
            )
        cls.client = cls._create_company("Cycle Client B.V.", relation_kind="client")
        cls.contact = cls._create_person("Cora Contact", parent_id=cls.client.id)
        cls.prospect = cls._create_company("Cycle Prospect", relation_kind="prospect")

    @classmethod
    def _invoice(cls, partner, invoice_date, move_type="out_invoice", post=True):
        move = cls.env["account.move"].create(
            {
                "move_type": move_type,
                "partner_id": partner.id,
                "invoice_date": invoice_date,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "name": "Annual accounts",
                            "quantity": 1,
                            "price_unit": 1500,
                            "tax_ids": [Command.clear()],
                        }
                    )
                ],
            }
        )
        if post:
            move.action_post()
        return move

    def _stage(self, partner):
        return partner.accountancy_lifecycle_stage

    def test_stages_without_invoices(self):
        former = self._create_company("Cycle Former", relation_kind="former_client")
        supplier = self._create_company("Cycle Supplier", relation_kind="supplier")
        person = self._create_person("No Kind Person")
        self.assertEqual(self._stage(self.prospect), "prospect")
        # A client without a posted invoice is still a prospect.
        self.assertEqual(self._stage(self.client), "prospect")
        self.assertEqual(self._stage(self.contact), "prospect")
        self.assertEqual(self._stage(former), "former_client")
        self.assertFalse(self._stage(supplier))
        self.assertFalse(self._stage(person))
        self.assertFalse(self.client.accountancy_first_invoice_date)

    def test_first_posted_invoice_makes_a_new_client(self):
        draft = self._invoice(self.client, self.today, post=False)
        self._invoice(self.client, self.today - timedelta(days=30), "out_refund")
        self.assertEqual(self._stage(self.client), "prospect")
        # Invoiced on the contact person: it counts for the relation.
        invoice = self._invoice(self.contact, self.today - timedelta(days=20))
        self.assertEqual(invoice.commercial_partner_id, self.client)
        for partner in (self.client, self.contact):
            with self.subTest(partner=partner.name):
                self.assertEqual(
                    partner.accountancy_first_invoice_date,
                    self.today - timedelta(days=20),
                )
                self.assertEqual(self._stage(partner), "new_client")
        draft.action_post()
        self.assertEqual(
            self.client.accountancy_first_invoice_date, self.today - timedelta(days=20)
        )
        # Stored: the relations list filters and groups on it.
        self.env.flush_all()
        self.assertEqual(
            self.Partner.search(
                [
                    ("accountancy_lifecycle_stage", "=", "new_client"),
                    ("id", "in", (self.client | self.contact | self.prospect).ids),
                ]
            ),
            self.client | self.contact,
        )
        # A prospect that got an invoice stays a prospect until it is a client.
        self._invoice(self.prospect, self.today)
        self.assertEqual(self._stage(self.prospect), "prospect")
        self.prospect.relation_kind = "client"
        self.assertEqual(self._stage(self.prospect), "new_client")

    def test_first_invoice_over_a_year_ago_makes_a_loyal_client(self):
        self._invoice(self.client, self.today - timedelta(days=10))
        self._invoice(self.client, self.today - timedelta(days=800))
        self.assertEqual(
            self.client.accountancy_first_invoice_date, self.today - timedelta(days=800)
        )
        self.assertEqual(self._stage(self.client), "loyal_client")
        self.assertEqual(self._stage(self.contact), "loyal_client")

    def test_reset_to_draft_and_cancel(self):
        invoice = self._invoice(self.client, self.today)
        self.assertEqual(self._stage(self.client), "new_client")
        invoice.button_draft()
        self.assertEqual(self._stage(self.client), "prospect")
        self.assertFalse(self.client.accountancy_first_invoice_date)
        invoice.action_post()
        self.assertEqual(self._stage(self.client), "new_client")
        invoice.button_cancel()
        self.assertEqual(invoice.state, "cancel")
        self.assertEqual(self._stage(self.client), "prospect")

    def test_former_and_archived_clients(self):
        self._invoice(self.client, self.today - timedelta(days=500))
        self.assertEqual(self._stage(self.client), "loyal_client")
        self.client.action_archive()
        self.assertEqual(self._stage(self.client), "former_client")
        self.assertEqual(self._stage(self.contact), "former_client")
        self.client.action_unarchive()
        self.assertEqual(self._stage(self.client), "loyal_client")
        self.client.relation_kind = "former_client"
        self.assertEqual(self._stage(self.client), "former_client")
        self.assertEqual(self._stage(self.contact), "former_client")

    def test_nps_responses_follow_the_stage(self):
        response = self.env["accountancy.nps.response"].create(
            {"partner_id": self.contact.id, "score": 9}
        )
        self.assertEqual(response.lifecycle_stage, "prospect")
        self._invoice(self.client, self.today)
        self.env.flush_all()
        self.assertEqual(
            self.env["accountancy.nps.response"].search(
                [("id", "=", response.id), ("lifecycle_stage", "=", "new_client")]
            ),
            response,
        )

    def test_daily_cron_makes_new_clients_loyal(self):
        other = self._create_company("Cycle Recent", relation_kind="client")
        start = self.today - timedelta(days=400)
        with freeze_time(start):
            self._invoice(self.client, start)
            self.assertEqual(self._stage(self.client), "new_client")
        self._invoice(other, self.today - timedelta(days=100))
        response = self.env["accountancy.nps.response"].create(
            {"partner_id": self.client.id, "score": 9}
        )
        self.env.flush_all()
        self.env.invalidate_all()
        # Computed 400 days ago and not touched since: still "new".
        self.assertEqual(self._stage(self.client), "new_client")
        self.assertEqual(response.lifecycle_stage, "new_client")
        cron = self.env.ref("accountancy_crm.ir_cron_lifecycle_stage")
        self.assertEqual((cron.interval_number, cron.interval_type), (1, "days"))
        cron.method_direct_trigger()
        self.env.invalidate_all()
        self.assertEqual(self._stage(self.client), "loyal_client")
        self.assertEqual(self._stage(self.contact), "loyal_client")
        self.assertEqual(response.lifecycle_stage, "loyal_client")
        self.assertEqual(self._stage(other), "new_client")

    def test_refresh_query_count(self):
        """Refreshing the first invoice date costs the same queries for 3 and
        for 30 relations (posting many invoices at once stays light)."""
        counts = []
        for size in (3, 30):
            relations = self.Partner.create(
                [
                    {"name": f"Cycle batch {size}-{i}", "relation_kind": "client"}
                    for i in range(size)
                ]
            )
            self._invoice(relations[0], self.today)
            rounds = []
            for _round in range(2):
                self.env.flush_all()
                self.env.invalidate_all()
                start = self.env.cr.sql_log_count
                self.Partner._accountancy_refresh_first_invoice(relations)
                self.env.flush_all()
                rounds.append(self.env.cr.sql_log_count - start)
            counts.append(min(rounds))
            self.assertEqual(
                relations.mapped("accountancy_lifecycle_stage"),
                ["new_client"] + ["prospect"] * (size - 1),
            )
        self.assertEqual(counts[0], counts[1], counts)
