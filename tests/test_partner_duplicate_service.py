from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from .common import KVK_VALID, KVK_VALID_2, AccountancyCrmCommon

KVK_NEW = "12345678"


@tagged("post_install", "-at_install")
class TestDuplicateWizardAndSaveAgree(AccountancyCrmCommon):
    """The intake wizard and the relation's save find the same duplicates with
    the same rights: the wizard never says "no duplicate" for a relation whose
    save then fails, also when the duplicate is a client the user may not see
    (then neither names it)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.config.settings"].create(
            {"group_accountancy_see_all_clients": False}
        ).execute()
        cls.user = cls.user_acc
        cls.hidden = cls._create_company(
            "Hidden Client Holding B.V.",
            relation_kind="client",
            company_registry=KVK_VALID,
            debtor_number="D-HIDDEN",
        )
        # Not a client: every accountancy user sees it.
        cls.visible = cls._create_company(
            "Visible Supplier B.V.",
            relation_kind="supplier",
            company_registry=KVK_VALID_2,
            debtor_number="D-VISIBLE",
        )
        cls.profile = cls.env["accountancy.intake.profile"].create(
            {
                "name": "Test intake with debtor number",
                "sequence": 0,
                "relation_kind": "prospect",
                "ask_debtor_number": True,
                "create_contact": False,
                "create_opportunity": False,
            }
        )

    def setUp(self):
        super().setUp()
        # Without these the tests would prove nothing.
        self.assertFalse(self.hidden.with_user(self.user).has_access("read"))
        self.assertTrue(self.visible.with_user(self.user).has_access("read"))

    def _wizard(self, **vals):
        return (
            self.env["accountancy.intake.wizard"]
            .with_user(self.user)
            .create(
                dict(
                    {"profile_id": self.profile.id, "state": "relation"},
                    **vals,
                )
            )
        )

    def _save_error(self, wizard):
        """The message with which saving the wizard's relation directly (as
        the same user) is refused, or None when it is saved."""
        Partner = self.env["res.partner"].with_user(self.user)
        try:
            with self.env.cr.savepoint():
                Partner.create(wizard._partner_values())
                # The deferred PostgreSQL constraints too.
                self.env.cr.execute("SET CONSTRAINTS ALL IMMEDIATE")
                self.env.cr.execute("SET CONSTRAINTS ALL DEFERRED")
        except ValidationError as error:
            return str(error)
        return None

    def test_wizard_and_save_agree(self):
        cases = {
            "hidden KvK number": (
                {"name": "Try KvK B.V.", "company_registry": KVK_VALID},
                "kvk",
                None,
            ),
            "visible KvK number": (
                {"name": "Try KvK 2 B.V.", "company_registry": KVK_VALID_2},
                "kvk",
                self.visible,
            ),
            "hidden debtor number": (
                {"name": "Try Debtor B.V.", "debtor_number": "D-HIDDEN"},
                "debtor",
                None,
            ),
            "visible debtor number": (
                {"name": "Try Debtor 2 B.V.", "debtor_number": "D-VISIBLE"},
                "debtor",
                self.visible,
            ),
            "no duplicate": (
                {
                    "name": "Try New B.V.",
                    "company_registry": KVK_NEW,
                    "debtor_number": "D-NEW",
                },
                False,
                None,
            ),
        }
        for case, (vals, kind, shown) in cases.items():
            with self.subTest(case=case):
                wizard = self._wizard(**vals)
                # What the wizard says before the save is tried.
                found = wizard.duplicate_kind
                listed = wizard.duplicate_partner_ids
                message = wizard.duplicate_message
                error = self._save_error(wizard)
                self.assertEqual(found, kind)
                self.assertEqual(bool(error), bool(kind), error)
                if not kind:
                    self.assertFalse(message)
                    continue
                if shown:
                    # The relation the user may see is listed and named.
                    self.assertEqual(listed, shown)
                    self.assertFalse(message)
                    self.assertIn(shown.name, error)
                    with self.assertRaisesRegex(UserError, "already known"):
                        wizard.action_create()
                    continue
                # The one the user may not see: the same message, no name.
                self.assertFalse(listed)
                self.assertEqual(message, error)
                self.assertIn("you may not see", error)
                self.assertNotIn(self.hidden.name, error)
                with self.assertRaises(UserError) as caught:
                    wizard.action_create()
                self.assertEqual(str(caught.exception), error)
        created = self.env["res.partner"].search([("name", "like", "Try ")])
        self.assertEqual(created.mapped("name"), ["Try New B.V."])

    def test_wizard_creates_what_it_does_not_flag(self):
        wizard = self._wizard(name="Try New B.V.", company_registry=KVK_NEW)
        self.assertFalse(wizard.duplicate_kind)
        wizard.action_create()
        partner = self.env["res.partner"].search([("company_registry", "=", KVK_NEW)])
        self.assertEqual(partner.name, "Try New B.V.")
