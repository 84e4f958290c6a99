import base64
import hashlib
import json
import re

from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged
from odoo.tools import mute_logger

from odoo.addons.mail.tests.common import mail_new_test_user

from .common import (
    BRANCH_VALID,
    BSN_VALID,
    KVK_VALID,
    RSIN_VALID,
    VAT_VALID,
    AccountancyCrmCommon,
    dutch_env,
)


@tagged("post_install", "-at_install")
class TestSnapshot(AccountancyCrmCommon):
    """Freeze client file: the frozen JSON, its hash and PDF, immutability,
    comparison and access."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Snapshot = cls.env["accountancy.snapshot"]
        cls.Wizard = cls.env["accountancy.snapshot.freeze.wizard"]
        cls.user_compliance = mail_new_test_user(
            cls.env,
            login="acc_compliance_snap",
            groups="accountancy_crm.group_compliance",
            name="Compliance Officer",
        )
        cls.role_rlm_ass = cls.env.ref("accountancy_crm.role_rlm_ass")
        # A demo-like client: a bv in a client group, owned by a holding and a
        # person, with an adviser, a team, a strategy and a service plan.
        cls.client = cls._create_company(
            "Snapshot Bouw B.V.",
            relation_kind="client",
            legal_form="bv",
            company_registry=KVK_VALID,
            kvk_branch_number=BRANCH_VALID,
            rsin=RSIN_VALID,
            vat=VAT_VALID,
            street="Industrieweg 23",
            zip="2411 NH",
            city="Bodegraven",
            debtor_number="SNAP1",
            client_group_id=cls.client_group.id,
            sector_id=cls.sector_transport.id,
        )
        cls.member = cls._create_company(
            "Snapshot Vastgoed B.V.", client_group_id=cls.client_group.id
        )
        cls.holding = cls._create_company("Snapshot Beheer B.V.")
        cls.owner = cls._create_person("Jan Snapshot", bsn=BSN_VALID)
        cls.owner_partner = cls._create_person(
            "Els Snapshot", fiscal_partner_id=cls.owner.id
        )
        cls.bank = cls._create_company("Snapshot Bank N.V.")
        cls._share(cls.holding, cls.client, 60)
        cls._share(cls.owner, cls.client, 40)
        cls.Relation.create(
            {
                "left_partner_id": cls.bank.id,
                "right_partner_id": cls.client.id,
                "type_id": cls.type_adviser.id,
            }
        )
        cls.env["accountancy.assignment"].create(
            [
                {
                    "partner_id": cls.client.id,
                    "role_id": cls.role_rlm.id,
                    "employee_id": cls.employee.id,
                    "year": cls.this_year,
                },
                {
                    "partner_id": cls.client.id,
                    "role_id": cls.role_acc.id,
                    "employee_id": cls.employee_2.id,
                    "year": cls.this_year,
                },
                {
                    "partner_id": cls.client.id,
                    "role_id": cls.role_rlm.id,
                    "employee_id": cls.employee_2.id,
                    "year": cls.this_year + 1,
                },
                {
                    # two years ago: not part of the frozen team
                    "partner_id": cls.client.id,
                    "role_id": cls.role_jrk.id,
                    "employee_id": cls.employee.id,
                    "year": cls.this_year - 2,
                },
            ]
        )
        cls.strategy = cls.env["accountancy.strategy"].create(
            {"partner_id": cls.client.id, "year": cls.this_year}
        )
        cls.crit_ambassador = cls.env.ref("accountancy_crm.criterion_ambassador")
        cls.strategy.line_ids.filtered(
            lambda line: line.criterion_id == cls.crit_ambassador
        ).write({"value": 1, "manual": True})
        cls.plan = cls.env["accountancy.service.plan"].create(
            {
                "partner_id": cls.client.id,
                "year": cls.this_year,
                "bookkeeping_frequency": "month",
                "vat_frequency": "quarter",
                "annual_accounts_engagement": "compilation",
            }
        )

    def _freeze(self, partner=None, reason="Yearly client acceptance", user=None):
        wizard = self.Wizard.with_user(user or self.env.user).create(
            {"partner_id": (partner or self.client).id, "reason": reason}
        )
        action = wizard.action_freeze()
        return self.Snapshot.browse(action["res_id"])

    # ------------------------------------------------------------------
    # Content
    # ------------------------------------------------------------------

    def test_freeze_json_sections(self):
        snapshot = self._freeze(user=self.user_acc)
        self.assertEqual(snapshot.partner_id, self.client)
        self.assertEqual(snapshot.user_id, self.user_acc)
        self.assertEqual(snapshot.reason, "Yearly client acceptance")
        self.assertEqual(snapshot.company_id, self.company_main)
        self.assertTrue(snapshot.date)
        data = json.loads(snapshot.data_json)

        meta = data["snapshot"]
        self.assertEqual(meta["client_id"], self.client.id)
        self.assertEqual(meta["frozen_by"], "Accountancy User")
        self.assertEqual(meta["reason"], "Yearly client acceptance")
        self.assertEqual(meta["year"], self.this_year)

        relation = data["relation"]
        self.assertEqual(relation["name"], "Snapshot Bouw B.V.")
        self.assertEqual(relation["company_registry"], KVK_VALID)
        self.assertEqual(relation["kvk_branch_number"], BRANCH_VALID)
        self.assertEqual(relation["rsin"], RSIN_VALID)
        self.assertEqual(relation["vat"], VAT_VALID)
        self.assertEqual(relation["legal_form"], "Private limited company (bv)")
        self.assertEqual(relation["relation_kind"], "Client")
        self.assertEqual(relation["city"], "Bodegraven")
        self.assertEqual(relation["client_group_id"], self.client_group.display_name)
        self.assertEqual(relation["sector_id"], self.sector_transport.display_name)
        self.assertEqual(relation["country_id"], "Netherlands")
        self.assertIsNone(relation["fiscal_partner_id"])
        self.assertNotIn("bsn", relation)

        group = data["client_group"]
        self.assertEqual(group["group"], self.client_group.display_name)
        self.assertIn("Snapshot Vastgoed B.V.", group["members"])
        self.assertIn("Snapshot Bouw B.V.", group["members"])
        self.assertTrue(group["members"]["Snapshot Vastgoed B.V."]["is_company"])

        relations = {r["partner"]: r for r in data["relations"].values()}
        self.assertEqual(len(relations), 3)
        holding = next(
            r for r in relations.values() if r["partner"] == "Snapshot Beheer B.V."
        )
        self.assertEqual(holding["share_percentage"], 60.0)
        self.assertEqual(holding["relation"], self.type_shareholder.name_inverse)
        owner = relations["Jan Snapshot"]
        self.assertEqual(owner["share_percentage"], 40.0)
        bank = next(
            r for r in relations.values() if r["partner"] == "Snapshot Bank N.V."
        )
        self.assertIsNone(bank["share_percentage"])

        team = data["team"]
        self.assertEqual(
            sorted(team),
            sorted(
                [
                    f"{self.this_year} {self.role_rlm.code}",
                    f"{self.this_year} {self.role_acc.code}",
                    f"{self.this_year + 1} {self.role_rlm.code}",
                ]
            ),
        )
        rlm = team[f"{self.this_year} {self.role_rlm.code}"]
        self.assertEqual(rlm["employee"], "Test Accountant")
        self.assertEqual(rlm["role_code"], self.role_rlm.code)
        next_rlm = team[f"{self.this_year + 1} {self.role_rlm.code}"]
        self.assertEqual(next_rlm["employee"], "Test Assistant")

        strategy = data["strategy"]
        self.assertEqual(strategy["year"], self.this_year)
        self.assertEqual(strategy["points"], self.strategy.points)
        self.assertEqual(
            strategy["client_type_id"],
            self.strategy.client_type_id.display_name or None,
        )
        self.assertEqual(len(strategy["lines"]), len(self.strategy.line_ids))
        ambassador = strategy["lines"][self.crit_ambassador.display_name]
        self.assertEqual(ambassador["value"], 1.0)
        self.assertTrue(ambassador["manual"])
        # risk flags restricted to managers and compliance are not frozen
        self.assertNotIn("is_pep", strategy)
        self.assertNotIn("is_oob", strategy)

        plan = data["service_plan"]
        self.assertEqual(plan["year"], self.this_year)
        self.assertEqual(plan["bookkeeping_frequency"], "Monthly")
        self.assertEqual(plan["vat_frequency"], "Quarterly")
        self.assertEqual(plan["annual_accounts_engagement"], "Compilation")

        # no client acceptance recorded for this client (yet)
        self.assertIn("acceptance", data)
        self.assertIsNone(data["acceptance"])

        # the form shows the sections readably
        self.assertIn("Snapshot Beheer B.V.", snapshot.data_html)
        self.assertIn("Team", snapshot.data_html)

    def test_freeze_from_relation_card(self):
        client = self.client.with_user(self.user_acc)
        self.assertEqual(client.snapshot_count, 0)
        action = client.action_freeze_client_file()
        self.assertEqual(action["res_model"], "accountancy.snapshot.freeze.wizard")
        form = Form(
            self.Wizard.with_user(self.user_acc).with_context(**action["context"])
        )
        self.assertEqual(form.partner_id, self.client)
        form.reason = "New engagement: audit"
        result = form.save().action_freeze()
        snapshot = self.Snapshot.browse(result["res_id"])
        self.assertEqual(snapshot.partner_id, self.client)
        self.assertEqual(snapshot.reason, "New engagement: audit")
        client.invalidate_recordset(["snapshot_count"])
        self.assertEqual(client.snapshot_count, 1)
        listed = client.action_view_snapshots()
        self.assertEqual(self.Snapshot.search(listed["domain"]), snapshot)

    def test_acceptance_section_generic(self):
        """The latest client acceptance is frozen field by field, without the
        fields restricted to compliance."""
        if "accountancy.client.acceptance" not in self.env:
            self.skipTest("client acceptance model not installed")
        Acceptance = self.env["accountancy.client.acceptance"]
        acceptance = Acceptance.create({"partner_id": self.client.id})
        snapshot = self._freeze(user=self.user_acc)
        data = json.loads(snapshot.data_json)["acceptance"]
        self.assertIsInstance(data, dict)
        self.assertEqual(data["date"], str(acceptance.date))
        self.assertNotIn("partner_id", data)
        restricted = [
            fname for fname, field in Acceptance._fields.items() if field.groups
        ]
        self.assertTrue(restricted)
        for fname in restricted:
            self.assertNotIn(fname, data)

    def test_bsn_is_not_frozen(self):
        snapshot = self._freeze(self.owner, user=self.user_fiscal)
        data = json.loads(snapshot.data_json)
        self.assertNotIn("bsn", data["relation"])
        self.assertNotIn(BSN_VALID, snapshot.data_json)
        self.assertEqual(data["relation"]["name"], "Jan Snapshot")
        # readable by a user without Fiscal data, and still without the BSN
        as_user = snapshot.with_user(self.user_acc)
        self.assertNotIn(BSN_VALID, as_user.data_json)
        self.assertNotIn(BSN_VALID, as_user.data_html)

    def test_hash_and_integrity(self):
        snapshot = self._freeze()
        expected = hashlib.sha256(snapshot.data_json.encode()).hexdigest()
        self.assertEqual(snapshot.data_hash, expected)
        self.assertTrue(snapshot.integrity_ok)
        # the JSON is canonical: loading and dumping it again gives the same text
        data = json.loads(snapshot.data_json)
        self.assertEqual(
            json.dumps(data, sort_keys=True, ensure_ascii=False, indent=1),
            snapshot.data_json,
        )
        # tampering in the database (the only way past write()) is detected
        self.env.cr.execute(
            "UPDATE accountancy_snapshot SET data_json = %s WHERE id = %s",
            [snapshot.data_json.replace("Bodegraven", "Gouda"), snapshot.id],
        )
        snapshot.invalidate_recordset()
        self.assertFalse(snapshot.integrity_ok)

    def test_pdf_stored_and_printed_again(self):
        snapshot = self._freeze()
        pdf = base64.b64decode(snapshot.pdf_file)
        self.assertTrue(pdf.startswith(b"%PDF"))
        self.assertTrue(snapshot.pdf_filename.endswith(".pdf"))
        Attachment = self.env["ir.attachment"].sudo()
        count = Attachment.search_count([])
        action = snapshot.action_download_pdf()
        self.assertEqual(action["type"], "ir.actions.act_url")
        self.assertIn(
            f"/web/content/accountancy.snapshot/{snapshot.id}/pdf_file/", action["url"]
        )
        # printing again serves the stored file, it does not render a new one
        stored = Attachment.search(
            [
                ("res_model", "=", "accountancy.snapshot"),
                ("res_id", "=", snapshot.id),
                ("res_field", "=", "pdf_file"),
            ]
        )
        self.assertEqual(stored.raw, pdf)
        self.assertEqual(Attachment.search_count([]), count)

    def test_pdf_shows_frozen_data(self):
        """The report renders from the frozen data: after a change of the
        client, rendering the snapshot again still shows the old values."""
        snapshot = self._freeze()
        self.client.city = "Zwolle"
        html, _type = self.env["ir.actions.report"]._render_qweb_html(
            "accountancy_crm.accountancy_snapshot_report", snapshot.ids
        )
        html = html.decode()
        self.assertIn("Bodegraven", html)
        self.assertNotIn("Zwolle", html)
        self.assertIn(snapshot.data_hash, html)

    # ------------------------------------------------------------------
    # Immutability and bad input
    # ------------------------------------------------------------------

    def test_snapshot_cannot_be_changed(self):
        snapshot = self._freeze()
        json_before = snapshot.data_json
        for label, env_snapshot in (
            ("user", snapshot.with_user(self.user_acc)),
            ("manager", snapshot.with_user(self.user_manager)),
            ("superuser", self.Snapshot.sudo().browse(snapshot.id)),
        ):
            with self.subTest(label), self.assertRaises(UserError):
                env_snapshot.write({"reason": "Changed", "data_json": "{}"})
        snapshot.invalidate_recordset()
        self.assertEqual(snapshot.reason, "Yearly client acceptance")
        self.assertEqual(snapshot.data_json, json_before)
        self.assertTrue(snapshot.integrity_ok)

    def test_snapshot_cannot_be_deleted(self):
        snapshot = self._freeze()
        for label, env_snapshot in (
            ("user", snapshot.with_user(self.user_acc)),
            ("manager", snapshot.with_user(self.user_manager)),
            ("superuser", self.Snapshot.sudo().browse(snapshot.id)),
        ):
            with self.subTest(label), self.assertRaises(UserError):
                env_snapshot.unlink()
        self.assertTrue(snapshot.exists())

    @mute_logger("odoo.sql_db")
    def test_client_with_snapshot_cannot_be_deleted(self):
        self.assertEqual(self.Snapshot._fields["partner_id"].ondelete, "restrict")
        snapshot = self._freeze()
        with self.assertRaises(UserError):
            self.client.unlink()
        with self.assertRaises(UserError):
            self.client.sudo().unlink()
        self.assertTrue(self.client.exists())
        self.assertTrue(snapshot.exists())
        self.assertEqual(self.client.with_user(self.user_acc).snapshot_count, 1)

    def test_freeze_without_reason(self):
        count = self.Snapshot.search_count([])
        for reason in ("", "   \n "):
            wizard = self.Wizard.create({"partner_id": self.client.id, "reason": "x"})
            wizard.reason = reason
            with self.subTest(reason=reason), self.assertRaises(UserError):
                wizard.action_freeze()
            with self.assertRaises(UserError):
                self.Snapshot.create({"partner_id": self.client.id, "reason": reason})
        self.assertEqual(self.Snapshot.search_count([]), count)

    def test_snapshot_content_cannot_be_given(self):
        count = self.Snapshot.search_count([])
        with self.assertRaises(UserError):
            self.Snapshot.create(
                {
                    "partner_id": self.client.id,
                    "reason": "Forged",
                    "data_json": "{}",
                    "data_hash": "0" * 64,
                }
            )
        self.assertEqual(self.Snapshot.search_count([]), count)

    # ------------------------------------------------------------------
    # Comparing
    # ------------------------------------------------------------------

    def _compare(self, old, new):
        wizard = self.env["accountancy.snapshot.compare.wizard"].create(
            {"snapshot_old_id": old.id, "snapshot_new_id": new.id}
        )
        wizard.action_compare()
        return wizard

    def test_compare_lists_changed_fields(self):
        first = self._freeze()
        self.client.write({"city": "Gouda", "legal_form": "nv"})
        self.env["accountancy.assignment"].search(
            [
                ("partner_id", "=", self.client.id),
                ("year", "=", self.this_year),
                ("role_id", "=", self.role_rlm.id),
            ]
        ).employee_id = self.employee_2
        second = self._freeze(reason="Change of legal form")
        wizard = self._compare(first, second)
        self.assertTrue(wizard.compared)
        changes = {
            (line.section, line.field): (line.old_value, line.new_value)
            for line in wizard.line_ids
        }
        self.assertEqual(changes[("Relation", "City")], ("Bodegraven", "Gouda"))
        self.assertEqual(
            changes[("Relation", "Legal Form")],
            ("Private limited company (bv)", "Public limited company (nv)"),
        )
        self.assertEqual(
            changes[("Team", f"{self.this_year} {self.role_rlm.code} / Employee")],
            ("Test Accountant", "Test Assistant"),
        )
        self.assertEqual(wizard.difference_count, len(changes))
        # the reason, date and author differ but are no change of the file
        self.assertFalse(any("Reason" in field for _section, field in changes))
        # bv and nv both file corporate tax: the tax regime did not change
        self.assertEqual(len(changes), 3)

    def test_compare_same_state_no_changes(self):
        first = self._freeze()
        second = self._freeze(reason="Second look")
        wizard = self._compare(first, second)
        self.assertTrue(wizard.compared)
        self.assertFalse(wizard.line_ids)

    def test_compare_new_relation(self):
        first = self._freeze()
        notary = self._create_company("Snapshot Notaris")
        self.Relation.create(
            {
                "left_partner_id": notary.id,
                "right_partner_id": self.client.id,
                "type_id": self.type_adviser.id,
            }
        )
        second = self._freeze()
        lines = self._compare(first, second).line_ids
        added = lines.filtered(
            lambda line: (
                line.section == "Relations and shareholdings"
                and line.new_value == "Snapshot Notaris"
            )
        )
        self.assertEqual(len(added), 1)
        self.assertFalse(added.old_value)

    def test_compare_different_clients(self):
        first = self._freeze()
        other = self._freeze(self.holding)
        wizard = self.env["accountancy.snapshot.compare.wizard"].create(
            {"snapshot_old_id": first.id, "snapshot_new_id": other.id}
        )
        with self.assertRaises(UserError):
            wizard.action_compare()
        self.assertFalse(wizard.line_ids)
        self.assertFalse(wizard.compared)

    def test_compare_action_from_list(self):
        first = self._freeze()
        second = self._freeze(reason="Later")
        # compare the two selected snapshots: older first, whatever the order
        context = (second | first).action_compare()["context"]
        Wizard = self.env["accountancy.snapshot.compare.wizard"]
        wizard = Wizard.with_context(**context).create({})
        self.assertEqual(wizard.snapshot_old_id, first)
        self.assertEqual(wizard.snapshot_new_id, second)
        wizard = Wizard.with_context(
            active_model="accountancy.snapshot", active_ids=[second.id, first.id]
        ).create({})
        self.assertEqual(wizard.snapshot_old_id, first)
        self.assertEqual(wizard.snapshot_new_id, second)

    # ------------------------------------------------------------------
    # Access
    # ------------------------------------------------------------------

    @mute_logger("odoo.models", "odoo.addons.base.models.ir_model")
    def test_access_per_group(self):
        allowed = {
            "user": self.user_acc,
            "manager": self.user_manager,
            "fiscal": self.user_fiscal,
            "compliance": self.user_compliance,
        }
        made = self.Snapshot
        for label, user in allowed.items():
            with self.subTest(label):
                Snapshot = self.Snapshot.with_user(user)
                self.assertTrue(Snapshot.has_access("read"))
                self.assertTrue(Snapshot.has_access("create"))
                self.assertFalse(Snapshot.has_access("write"))
                self.assertFalse(Snapshot.has_access("unlink"))
                snapshot = self._freeze(user=user, reason=f"Frozen by {label}")
                self.assertEqual(snapshot.user_id, user)
                made |= snapshot
        # every accountancy user reads the snapshots made by the others
        for user in allowed.values():
            readable = self.Snapshot.with_user(user).search([("id", "in", made.ids)])
            self.assertEqual(readable, made)
        # a plain employee neither reads nor freezes
        Snapshot = self.Snapshot.with_user(self.user_employee)
        self.assertFalse(Snapshot.has_access("read"))
        with self.assertRaises(AccessError):
            made[0].with_user(self.user_employee).read(["data_json"])
        with self.assertRaises(AccessError):
            self._freeze(user=self.user_employee)
        self.assertFalse(
            self.Snapshot.search(
                [("id", "not in", made.ids), ("partner_id", "=", self.client.id)]
            )
        )

    @mute_logger("odoo.addons.base.models.ir_rule")
    def test_multi_company(self):
        snapshot = self._freeze(user=self.user_acc)
        self.assertEqual(snapshot.company_id, self.company_main)
        other = self.Snapshot.with_user(self.user_company_2)
        self.assertFalse(other.search([("id", "=", snapshot.id)]))
        with self.assertRaises(AccessError):
            other.browse(snapshot.id).read(["data_json"])

    # ------------------------------------------------------------------
    # Performance
    # ------------------------------------------------------------------

    def _client_with_relations(self, name, count):
        client = self._create_company(name, relation_kind="client")
        others = self.Partner.create(
            [{"name": f"{name} adviser {i}", "is_company": True} for i in range(count)]
        )
        self.Relation.create(
            [
                {
                    "left_partner_id": other.id,
                    "right_partner_id": client.id,
                    "type_id": self.type_adviser.id,
                }
                for other in others
            ]
        )
        self.env["accountancy.assignment"].create(
            {
                "partner_id": client.id,
                "role_id": self.role_rlm.id,
                "employee_id": self.employee.id,
                "year": self.this_year,
            }
        )
        return client

    def _freeze_queries(self, client):
        self.env.flush_all()
        self.env.invalidate_all()
        before = self.env.cr.sql_log_count
        snapshot = self.Snapshot.create({"partner_id": client.id, "reason": "Perf"})
        self.env.flush_all()
        return self.env.cr.sql_log_count - before, snapshot

    def test_freeze_queries_do_not_grow_with_relations(self):
        small = self._client_with_relations("Perf Five", 5)
        large = self._client_with_relations("Perf Fifty", 50)
        # warm up the caches (views, report, access rights) once
        self._freeze_queries(self._client_with_relations("Perf Warm", 1))
        count_5, snapshot_5 = self._freeze_queries(small)
        count_50, snapshot_50 = self._freeze_queries(large)
        self.assertEqual(len(json.loads(snapshot_5.data_json)["relations"]), 5)
        self.assertEqual(len(json.loads(snapshot_50.data_json)["relations"]), 50)
        self.assertEqual(count_5, count_50)
        self.assertLessEqual(count_5, 60)
        for client in (small, large):
            self.env.invalidate_all()
            with self.assertQueryCount(count_5):
                self.Snapshot.create({"partner_id": client.id, "reason": "Again"})

    def test_display_is_dutch_friendly(self):
        """Amounts and dates in the reader's language: Dutch for a Dutch user,
        English for an English one."""
        Snapshot = self.Snapshot.with_context(lang="en_US")
        self.assertEqual(Snapshot._format_value(1234.5), "1,234.50")
        self.assertEqual(Snapshot._format_value("2025-03-31"), "03/31/2025")
        self.assertEqual(Snapshot._format_value(True), "Yes")
        self.assertEqual(Snapshot._format_value(None), "")
        dutch = dutch_env(self.env)
        Dutch = Snapshot.with_env(dutch)
        self.assertEqual(Dutch._format_value(1234.5), "1.234,50")
        self.assertEqual(Dutch._format_value("2025-03-31"), "31-03-2025")
        self.assertEqual(Dutch._format_value("2025-03-31 08:05:00")[:10], "31-03-2025")
        self.assertEqual(Dutch._format_value(True), "Ja")
        snapshot = self._freeze().with_context(lang="en_US")
        html = snapshot.data_html
        self.assertIn("Private limited company (bv)", html)
        # the service plan's date of this year, as mm/dd/yyyy, in Dutch as
        # dd-mm-yyyy
        self.assertTrue(re.search(r"\d{2}/\d{2}/" + str(self.this_year), html))
        html = snapshot.with_env(dutch).data_html
        self.assertTrue(re.search(r"\d{2}-\d{2}-" + str(self.this_year), html))
