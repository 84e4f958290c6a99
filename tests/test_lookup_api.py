import json

from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from odoo.addons.mail.tests.common import mail_new_test_user

from .common import (
    BRANCH_VALID,
    BSN_INVALID,
    BSN_VALID,
    KVK_VALID,
    KVK_VALID_2,
    VAT_VALID,
)

LOOKUP = "/accountancy/api/v1/relations/lookup"


def api_key(user):
    """A persistent API key of ``user`` (as Odoo's "New API Key" makes)."""
    return (
        user.env["res.users.apikeys"]
        .with_user(user)
        .sudo()
        ._generate(None, "lookup test", None)
    )


@tagged("post_install", "-at_install")
class TestLookupApi(HttpCase):
    """GET /accountancy/api/v1/relations/lookup: bearer API key, one number,
    answers as the key's user (record rules and field groups apply)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_acc = mail_new_test_user(
            cls.env, login="lookup_user", groups="accountancy_crm.group_user"
        )
        cls.user_fiscal = mail_new_test_user(
            cls.env, login="lookup_fiscal", groups="accountancy_crm.group_fiscal_data"
        )
        cls.user_employee = mail_new_test_user(
            cls.env, login="lookup_employee", groups="base.group_user"
        )
        cls.user_archived = mail_new_test_user(
            cls.env, login="lookup_archived", groups="accountancy_crm.group_manager"
        )
        employee = cls.env["hr.employee"].create(
            {"name": "Lookup Accountant", "user_id": cls.user_acc.id}
        )
        Partner = cls.env["res.partner"]
        cls.client = Partner.create(
            {
                "name": "Lookup Bakkerij B.V.",
                "is_company": True,
                "relation_kind": "client",
                "legal_form": "bv",
                "company_registry": KVK_VALID,
                "vat": VAT_VALID,
                "country_id": cls.env.ref("base.nl").id,
                "debtor_number": "D-1001",
                "city": "Utrecht",
            }
        )
        cls.branch = Partner.create(
            {
                "name": "Lookup Bakkerij B.V. (Zeist)",
                "is_company": True,
                "relation_kind": "client",
                "company_registry": KVK_VALID,
                "kvk_branch_number": BRANCH_VALID,
                "country_id": cls.env.ref("base.nl").id,
            }
        )
        cls.contact = Partner.create(
            {"name": "Lookup Contact", "parent_id": cls.client.id}
        )
        cls.hidden = Partner.create(
            {
                "name": "Lookup Hidden Client",
                "is_company": True,
                "relation_kind": "client",
                "company_registry": KVK_VALID_2,
                "debtor_number": "D-2002",
                "country_id": cls.env.ref("base.nl").id,
            }
        )
        # A person who is not a client: visible to every accountancy user.
        cls.person = Partner.create(
            {
                "name": "Lookup Jan Jansen",
                "bsn": BSN_VALID,
                "country_id": cls.env.ref("base.nl").id,
            }
        )
        role = cls.env.ref("accountancy_crm.role_acc")
        cls.env["accountancy.assignment"].create(
            [
                {
                    "partner_id": partner.id,
                    "role_id": role.id,
                    "employee_id": employee.id,
                }
                for partner in (cls.client, cls.branch)
            ]
        )
        # Team visibility on: the user sees the clients of their teams only.
        cls.env["res.config.settings"].create(
            {"group_accountancy_see_all_clients": False}
        ).execute()
        cls.key_acc = api_key(cls.user_acc)
        cls.key_fiscal = api_key(cls.user_fiscal)
        cls.key_employee = api_key(cls.user_employee)
        cls.key_archived = api_key(cls.user_archived)
        cls.user_archived.active = False

    def _lookup(self, key=None, body=None, headers=None, **params):
        """GET with ``params`` in the query string; POST when ``body`` (a
        JSON value, sent as is) is given."""
        headers = dict(headers or {})
        if key:
            headers["Authorization"] = f"Bearer {key}"
        url = LOOKUP + ("?" + "&".join(f"{k}={v}" for k, v in params.items()))
        if body is not None:
            headers["Content-Type"] = "application/json"
            data = body if isinstance(body, str) else json.dumps(body)
            response = self.url_open(url, data=data, headers=headers)
        else:
            response = self.url_open(url, headers=headers)
        self.assertEqual(
            response.headers["Content-Type"],
            "application/json; charset=utf-8",
            response.text[:3000],
        )
        return response.status_code, response.json()

    def _names(self, body):
        return [relation["name"] for relation in body["relations"]]

    def test_lookup_kvk_returns_main_and_branch(self):
        status, body = self._lookup(self.key_acc, kvk=KVK_VALID)
        self.assertEqual(status, 200, body)
        self.assertEqual(body["count"], 2)
        # The main establishment (no branch number) first; not the contact.
        self.assertEqual(self._names(body), [self.client.name, self.branch.name], body)
        main = body["relations"][0]
        self.assertEqual(main["id"], self.client.id)
        self.assertEqual(main["kvk_number"], KVK_VALID)
        self.assertEqual(main["legal_form"], "bv")
        self.assertEqual(main["relation_kind"], "client")
        self.assertEqual(main["debtor_number"], "D-1001")
        self.assertEqual(main["country_code"], "NL")
        self.assertEqual(body["relations"][1]["kvk_branch_number"], BRANCH_VALID)
        # The BSN is a field of the Fiscal data group: not even the key.
        self.assertNotIn("bsn", main)

    def test_lookup_kvk_written_with_spaces(self):
        status, body = self._lookup(self.key_acc, kvk="6959%209084")
        self.assertEqual(status, 200, body)
        self.assertEqual(body["count"], 2)

    def test_lookup_vat(self):
        status, body = self._lookup(self.key_acc, vat=VAT_VALID.lower())
        self.assertEqual(status, 200, body)
        self.assertEqual(self._names(body), [self.client.name])
        self.assertEqual(body["relations"][0]["vat"], VAT_VALID)

    def test_lookup_debtor(self):
        status, body = self._lookup(self.key_acc, debtor="D-1001")
        self.assertEqual(status, 200, body)
        self.assertEqual(self._names(body), [self.client.name])

    def test_lookup_bsn_fiscal_user(self):
        # In the JSON body of a POST, or in a header: never in the URL.
        for kwargs in (
            {"body": {"bsn": BSN_VALID}},
            {"body": {}, "headers": {"X-Accountancy-BSN": BSN_VALID}},
            {"headers": {"X-Accountancy-BSN": BSN_VALID}},
        ):
            with self.subTest(**kwargs):
                status, body = self._lookup(self.key_fiscal, **kwargs)
                self.assertEqual(status, 200, body)
                self.assertEqual(self._names(body), [self.person.name])
                self.assertEqual(body["relations"][0]["bsn"], BSN_VALID)
        # The other numbers may be POSTed too.
        status, body = self._lookup(self.key_acc, body={"debtor": "D-1001"})
        self.assertEqual(status, 200, body)
        self.assertEqual(self._names(body), [self.client.name])

    def test_lookup_bsn_in_url_400(self):
        """A BSN in the query string is refused, for
        every user and method, without looking anything up or repeating it."""
        for key in (self.key_fiscal, self.key_acc, self.key_employee):
            for kwargs in ({}, {"body": {}}, {"body": {"bsn": BSN_VALID}}):
                with self.subTest(key=key[:4], **kwargs):
                    status, body = self._lookup(key, bsn=BSN_VALID, **kwargs)
                    self.assertEqual(status, 400, body)
                    self.assertEqual(body["error"]["code"], "bsn_in_url")
                    self.assertIn("POST", body["error"]["message"])
                    self.assertNotIn(BSN_VALID, json.dumps(body))
                    self.assertNotIn(self.person.name, json.dumps(body))
        status, body = self._lookup(self.key_fiscal, bsn="")
        self.assertEqual(status, 400, body)
        self.assertEqual(body["error"]["code"], "bsn_in_url")

    def test_lookup_bad_body_400(self):
        for raw in ("not json", "[1, 2]", '{"bsn": 111222333}', "x" * 5000):
            with self.subTest(raw=raw[:20]):
                status, body = self._lookup(self.key_fiscal, body=raw)
                self.assertEqual(status, 400, body)
                self.assertIn("JSON object", body["error"]["message"])

    def test_lookup_bsn_without_fiscal_group_403(self):
        status, body = self._lookup(self.key_acc, body={"bsn": BSN_VALID})
        self.assertEqual(status, 403, body)
        self.assertIn("Fiscal data", body["error"]["message"])
        self.assertNotIn(self.person.name, str(body))

    def test_lookup_hidden_by_team_rule_404(self):
        # The manager would find it; the team user gets the same answer as for
        # a number nobody has.
        for params in ({"kvk": KVK_VALID_2}, {"debtor": "D-2002"}):
            status, body = self._lookup(self.key_acc, **params)
            self.assertEqual(status, 404, body)
            self.assertNotIn(self.hidden.name, str(body))
        status_unknown, body_unknown = self._lookup(self.key_acc, kvk="12345678")
        self.assertEqual(status_unknown, 404)
        self.assertEqual(body_unknown["error"]["code"], "not_found")

    def test_lookup_without_key_401(self):
        status, body = self._lookup(kvk=KVK_VALID)
        self.assertEqual(status, 401, body)
        self.assertEqual(body["error"]["code"], "unauthorized")

    @mute_logger("odoo.http")
    def test_lookup_invalid_key_401(self):
        for key in ("not-a-key", self.key_acc[:-2] + "00", self.key_archived):
            status, body = self._lookup(key, kvk=KVK_VALID)
            self.assertEqual(status, 401, (key, body))
            self.assertNotIn(self.client.name, str(body))

    def test_lookup_session_is_not_enough(self):
        # A logged-in browser session without a key gets no data.
        self.authenticate("lookup_user", "lookup_user")
        status, _body = self._lookup(kvk=KVK_VALID)
        self.assertEqual(status, 401)

    def test_lookup_user_without_accountancy_rights_403(self):
        status, body = self._lookup(self.key_employee, kvk=KVK_VALID)
        self.assertEqual(status, 403, body)
        self.assertIn("Accountancy / User", body["error"]["message"])
        self.assertNotIn(self.client.name, str(body))

    def test_lookup_bad_requests_400(self):
        cases = [
            ({}, "exactly one"),
            ({"kvk": KVK_VALID, "vat": VAT_VALID}, "exactly one"),
            ({"kvk": "1234567"}, "exactly 8 digits"),
            ({"kvk": "1234567X"}, "exactly 8 digits"),
            ({"vat": "NL123"}, "VAT number NL123 is not valid"),
            ({"vat": "000099998B57"}, "country code"),
            ({"debtor": "D" * 65}, "too long"),
        ]
        for params, message in cases:
            status, body = self._lookup(self.key_acc, **params)
            self.assertEqual(status, 400, (params, body))
            self.assertIn(message, body["error"]["message"], params)
        status, body = self._lookup(self.key_fiscal, body={"bsn": BSN_INVALID})
        self.assertEqual(status, 400, body)
        self.assertEqual(body["error"]["code"], "invalid_number")
        self.assertIn("eleven test", body["error"]["message"])
