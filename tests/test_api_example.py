import json
import os
import subprocess
import sys
from pathlib import Path

from odoo.tests import HttpCase, get_db_name, tagged

from odoo.addons.mail.tests.common import mail_new_test_user

from .common import KVK_VALID

SCRIPT = Path(__file__).resolve().parent.parent / "examples" / "relations_api.py"


@tagged("post_install", "-at_install")
class TestApiExample(HttpCase):
    """examples/relations_api.py, run as another program would, against this
    test server: XML-RPC with an API key, and the lookup endpoint."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user = mail_new_test_user(
            cls.env,
            login="api_example_user",
            groups="accountancy_crm.group_user",
            name="Api Example User",
        )
        cls.key = (
            cls.env["res.users.apikeys"]
            .with_user(cls.user)
            .sudo()
            ._generate(None, "example script", None)
        )

    def _run(self, *args, key=None):
        env = dict(
            os.environ,
            ODOO_URL=self.base_url(),
            ODOO_DB=get_db_name(),
            ODOO_LOGIN=self.user.login,
            ODOO_API_KEY=key or self.key,
        )
        result = subprocess.run(
            [sys.executable, str(SCRIPT), *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        self.env.invalidate_all()
        return result

    def _json(self, result):
        self.assertEqual(result.returncode, 0, result.stderr)
        return json.loads(result.stdout)

    def test_create_search_update_lookup(self):
        created = self._json(
            self._run(
                "create",
                "--name",
                "Example Bakker B.V.",
                "--kvk",
                "6959 9084",
                "--legal-form",
                "bv",
                "--relation-kind",
                "prospect",
            )
        )
        partner = self.env["res.partner"].browse(created["created"])
        self.assertEqual(partner.name, "Example Bakker B.V.")
        self.assertEqual(partner.company_registry, KVK_VALID)
        self.assertEqual(partner.legal_form, "bv")
        self.assertEqual(partner.relation_kind, "prospect")
        self.assertTrue(partner.is_company)
        self.assertEqual(partner.create_uid, self.user)

        found = self._json(self._run("search", "--kvk", KVK_VALID))
        self.assertEqual([r["id"] for r in found], partner.ids)
        self.assertEqual(found[0]["legal_form"], "bv")

        updated = self._json(
            self._run(
                "update",
                "--kvk",
                KVK_VALID,
                "--set",
                "email=info@bakker.example",
                "--set",
                "debtor_number=D-7001",
            )
        )
        self.assertEqual(updated["updated"], partner.id)
        self.assertEqual(partner.email, "info@bakker.example")
        self.assertEqual(partner.debtor_number, "D-7001")

        looked_up = self._json(self._run("lookup", "--debtor", "D-7001"))
        self.assertEqual(looked_up["count"], 1)
        self.assertEqual(looked_up["relations"][0]["id"], partner.id)
        self.assertEqual(looked_up["relations"][0]["kvk_number"], KVK_VALID)

    def test_refused_create_reports_odoo_message(self):
        result = self._run("create", "--name", "Example Wrong KvK", "--kvk", "1234")
        self.assertEqual(result.returncode, 1)
        self.assertIn("Odoo refused", result.stderr)
        self.assertIn("exactly 8 digits", result.stderr)
        self.assertFalse(
            self.env["res.partner"].search_count([("name", "=", "Example Wrong KvK")])
        )

    def test_lookup_errors_and_bad_key(self):
        result = self._run("lookup", "--kvk", "1234")
        self.assertEqual(result.returncode, 1)
        self.assertIn("Lookup failed (400)", result.stderr)
        result = self._run("lookup", "--kvk", KVK_VALID)
        self.assertIn("Lookup failed (404)", result.stderr)
        # The BSN goes in a POST body (a BSN in the URL would answer 400): the
        # endpoint reads it, and refuses this user without Fiscal data.
        result = self._run("lookup", "--bsn", "111222333")
        self.assertEqual(result.returncode, 1)
        self.assertIn("Lookup failed (403)", result.stderr)
        self.assertIn("Fiscal data", result.stderr)
        result = self._run("search", "--kvk", KVK_VALID, key="0" * 40)
        self.assertEqual(result.returncode, 1)
        self.assertIn("Authentication failed", result.stderr)

    def test_missing_connection_settings(self):
        result = subprocess.run(
            [sys.executable, str(SCRIPT), "search", "--kvk", KVK_VALID],
            env={"PATH": os.environ.get("PATH", "")},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        self.assertEqual(result.returncode, 2)
        self.assertIn("missing connection settings", result.stderr)
