"""A year of the wrong type or out of range, sent over
RPC, gets a clear ValidationError naming the field and the allowed range (no
"integer out of range" or int() traceback), and nothing is written."""

import json
import re

from odoo import fields
from odoo.exceptions import ValidationError
from odoo.tests import HttpCase, get_db_name, tagged
from odoo.tools import mute_logger

from odoo.addons.mail.tests.common import mail_new_test_user

from ..models.accountancy_year_mixin import YEAR_MAX, YEAR_MIN
from .common import execute_kw

# Refused by the mixin: not a year at all.
BAD_YEARS = ["abc", 2**40, -5, True, 2025.5, "20x5", [2025], {}, YEAR_MAX + 1]
# Years, or empty, that the models' own ranges refuse (1900-2100 here).
OUT_OF_RANGE = [0, 1899, 2101]
INVALID = "odoo.exceptions.ValidationError"


@tagged("post_install", "-at_install")
class TestYearMixin(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.manager = mail_new_test_user(
            cls.env, login="year_manager", groups="accountancy_crm.group_manager"
        )
        cls.this_year = fields.Date.today().year
        cls.client = cls.env["res.partner"].create(
            {"name": "Year Client B.V.", "is_company": True, "relation_kind": "client"}
        )
        cls.person = cls.env["res.partner"].create({"name": "Year Person"})
        cls.strategy = cls.env["accountancy.strategy"].create(
            {"partner_id": cls.client.id, "year": cls.this_year}
        )

    def _rpc(self, model, method, *args, **kwargs):
        return execute_kw(
            self, self.manager, self.manager.login, model, method, list(args), kwargs
        )

    def test_every_year_field_is_checked(self):
        """Each model of the module with a writable year field inherits the
        mixin and lists the field (found by introspection, not by hand)."""
        checked = set()
        for model in self.env.registry.values():
            if model._abstract or not (model._auto or model._transient):
                continue  # mixins; SQL views (reports) are never written
            for fname, field in model._fields.items():
                if not (
                    field.type == "integer"
                    and field._module == "accountancy_crm"
                    and re.search(r"(^|_)year$", fname)
                ):
                    continue
                checked.add(f"{model._name}.{fname}")
                with self.subTest(model=model._name, field=fname):
                    self.assertIn(
                        "accountancy.year.mixin",
                        {getattr(cls, "_name", None) for cls in model.mro()},
                    )
                    self.assertIn(fname, model._accountancy_year_fields)
        self.assertIn("res.partner.birth_year", checked)
        self.assertIn("accountancy.strategy.year", checked)

    @mute_logger("odoo.http")
    def test_bad_years_over_rpc(self):
        Strategy = "accountancy.strategy"
        count = self.env[Strategy].search_count([])
        for year in BAD_YEARS + OUT_OF_RANGE:
            with self.subTest(year=year):
                self.assertEqual(
                    self._rpc(
                        Strategy, "create", {"partner_id": self.client.id, "year": year}
                    ),
                    INVALID,
                )
                self.assertEqual(
                    self._rpc(Strategy, "write", self.strategy.ids, {"year": year}),
                    INVALID,
                )
                self.assertEqual(
                    self._rpc(
                        "accountancy.annual.figure",
                        "create",
                        {"partner_id": self.client.id, "year": year},
                    ),
                    INVALID,
                )
                if year != 0:  # an empty birth year is allowed
                    self.assertEqual(
                        self._rpc(
                            "res.partner",
                            "write",
                            self.person.ids,
                            {"birth_year": year},
                        ),
                        INVALID,
                    )
        self.assertEqual(self.env[Strategy].search_count([]), count)
        self.assertEqual(self.strategy.year, self.this_year)
        self.assertFalse(self.person.birth_year)
        self.assertFalse(
            self.env["accountancy.annual.figure"].search(
                [("partner_id", "=", self.client.id)]
            )
        )
        # Context defaults are values too.
        answer = self._rpc(
            Strategy,
            "create",
            {"partner_id": self.client.id},
            context={"default_year": 2**40},
        )
        self.assertEqual(answer, INVALID)
        # The messages over RPC are the clear ones, not a traceback.
        for year in (2**40, "abc", -5):
            body = self.url_open(
                "/jsonrpc",
                data=json.dumps(
                    {
                        "jsonrpc": "2.0",
                        "method": "call",
                        "params": {
                            "service": "object",
                            "method": "execute_kw",
                            "args": [
                                get_db_name(),
                                self.manager.id,
                                self.manager.login,
                                Strategy,
                                "write",
                                [self.strategy.ids, {"year": year}],
                            ],
                        },
                    }
                ),
                headers={"Content-Type": "application/json"},
            ).json()
            message = body["error"]["data"]["message"]
            self.assertIn("Year must be a year, a whole number from 1 to 9999", message)
            self.assertNotIn("out of range", message)
        # A year as digits is a year.
        self.assertTrue(
            self._rpc("res.partner", "write", self.person.ids, {"birth_year": "1970"})
        )
        self.assertEqual(self.person.birth_year, 1970)

    def test_bad_years_with_user(self):
        Strategy = self.env["accountancy.strategy"].with_user(self.manager)
        Figure = self.env["accountancy.annual.figure"].with_user(self.manager)
        for year in BAD_YEARS:
            with self.subTest(year=year):
                with self.assertRaisesRegex(
                    ValidationError,
                    f"Year must be a year, a whole number from {YEAR_MIN} to "
                    f"{YEAR_MAX}",
                ):
                    Strategy.create({"partner_id": self.client.id, "year": year})
                with self.assertRaisesRegex(ValidationError, "Year must be a year"):
                    self.strategy.with_user(self.manager).write({"year": year})
                with self.assertRaisesRegex(
                    ValidationError, "Financial year must be a year"
                ):
                    Figure.create({"partner_id": self.client.id, "year": year})
                with self.assertRaisesRegex(ValidationError, "Year must be a year"):
                    self.env["accountancy.task.generation.wizard"].with_user(
                        self.manager
                    ).create({"year": year})
        for year in OUT_OF_RANGE:
            with (
                self.subTest(year=year),
                self.assertRaisesRegex(ValidationError, "from 1900 to 2100"),
            ):
                Strategy.create({"partner_id": self.client.id, "year": year})
        self.assertEqual(self.strategy.year, self.this_year)
        figure = Figure.create({"partner_id": self.client.id, "year": "2020"})
        self.assertEqual(figure.year, 2020)
