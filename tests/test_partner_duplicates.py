import json

from odoo.exceptions import ValidationError
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from odoo.addons.mail.tests.common import mail_new_test_user

from .common import (
    BRANCH_VALID,
    BRANCH_VALID_2,
    BSN_VALID,
    BSN_VALID_2,
    KVK_VALID,
    KVK_VALID_2,
    AccountancyCrmCommon,
)


@tagged("post_install", "-at_install")
class TestPartnerDuplicates(AccountancyCrmCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.existing = cls._create_company(
            "Existing Holding B.V.", company_registry=KVK_VALID
        )

    def test_same_kvk_no_branch(self):
        with self.assertRaises(ValidationError) as cm:
            self._create_company("Copy Holding B.V.", company_registry="6959 9084")
        self.assertIn("Existing Holding B.V.", str(cm.exception))
        self.assertIn(KVK_VALID, str(cm.exception))
        self.assertEqual(self._count_partners(["Copy Holding B.V."]), 0)

    def test_same_kvk_on_write(self):
        other = self._create_company("Other B.V.", company_registry=KVK_VALID_2)
        with self.assertRaises(ValidationError) as cm:
            other.write({"company_registry": KVK_VALID})
        self.assertIn("Existing Holding B.V.", str(cm.exception))
        other.invalidate_recordset()
        self.assertEqual(other.company_registry, KVK_VALID_2)

    def test_branches(self):
        """Branches share the KvK number and differ in branch number."""
        self.existing.kvk_branch_number = BRANCH_VALID
        # No branch number differs from a branch number.
        main = self._create_company("Legal Entity", company_registry=KVK_VALID)
        branch_2 = self._create_company(
            "Branch Two", company_registry=KVK_VALID, kvk_branch_number=BRANCH_VALID_2
        )
        self.assertTrue(main and branch_2)
        with self.assertRaises(ValidationError) as cm:
            self._create_company(
                "Branch One Again",
                company_registry=KVK_VALID,
                kvk_branch_number=BRANCH_VALID,
            )
        self.assertIn("Existing Holding B.V.", str(cm.exception))
        self.assertEqual(self._count_partners(["Branch One Again"]), 0)
        # Changing a branch number onto an existing one is refused too.
        with self.assertRaises(ValidationError):
            branch_2.kvk_branch_number = BRANCH_VALID
        with self.assertRaises(ValidationError):
            main.kvk_branch_number = BRANCH_VALID_2

    def test_archived_does_not_block(self):
        self.existing.active = False
        successor = self._create_company("Successor B.V.", company_registry=KVK_VALID)
        self.assertTrue(successor.active)
        # Unarchiving the old one would create the duplicate: refused.
        with self.assertRaises(ValidationError) as cm:
            self.existing.active = True
        self.assertIn("Successor B.V.", str(cm.exception))
        self.existing.invalidate_recordset()
        self.assertFalse(self.existing.active)

    def test_duplicate_in_one_batch(self):
        names = ["Batch One B.V.", "Batch Two B.V."]
        with self.assertRaises(ValidationError) as cm:
            self.Partner.create(
                [
                    {"name": name, "is_company": True, "company_registry": KVK_VALID_2}
                    for name in names
                ]
            )
        self.assertIn("Batch One B.V.", str(cm.exception))
        self.assertEqual(self._count_partners(names), 0)

    def test_contacts_do_not_count_as_duplicates(self):
        """Contacts of a company carry its KvK number (a commercial field)."""
        contact = self._create_person("Contact Person", parent_id=self.existing.id)
        self.assertEqual(contact.company_registry, KVK_VALID)
        contact_2 = self._create_person("Second Contact", parent_id=self.existing.id)
        self.assertEqual(contact_2.company_registry, KVK_VALID)

    def test_delivery_address_of_foreign_company(self):
        """A Dutch delivery address of a Belgian company inherits the Belgian
        enterprise number (company_registry is a commercial field): it is not a
        Dutch KvK number and must not be refused."""
        belgian = self._create_company(
            "Belgian Parent NV",
            country_id=self.country_be.id,
            company_registry="0123456749",
        )
        address = self.Partner.create(
            {
                "name": "Warehouse Venlo",
                "type": "delivery",
                "parent_id": belgian.id,
                "country_id": self.country_nl.id,
            }
        )
        self.assertEqual(address.company_registry, "0123456749")

    def test_same_bsn(self):
        first = self._create_person("Anna First", bsn=BSN_VALID)
        with self.assertRaises(ValidationError) as cm:
            self._create_person("Anna Copy", bsn="111.222.333")
        self.assertIn("Anna First", str(cm.exception))
        self.assertEqual(self._count_partners(["Anna Copy"]), 0)
        other = self._create_person("Bert Other", bsn=BSN_VALID_2)
        with self.assertRaises(ValidationError):
            other.bsn = BSN_VALID
        other.invalidate_recordset()
        self.assertEqual(other.bsn, BSN_VALID_2)
        self.assertEqual(first.bsn, BSN_VALID)

    def test_same_bsn_in_one_batch(self):
        names = ["Twin One", "Twin Two"]
        with self.assertRaises(ValidationError):
            self.Partner.create([{"name": name, "bsn": BSN_VALID} for name in names])
        self.assertEqual(self._count_partners(names), 0)

    def test_debtor_number_unique_per_company(self):
        first = self._create_company(
            "Debtor One", debtor_number="D1000", company_id=self.company_main.id
        )
        with self.assertRaises(ValidationError) as cm:
            self._create_company(
                "Debtor Two", debtor_number="D1000", company_id=self.company_main.id
            )
        self.assertIn("D1000", str(cm.exception))
        self.assertIn("Debtor One", str(cm.exception))
        self.assertEqual(self._count_partners(["Debtor Two"]), 0)
        # The same number in the other office is allowed.
        other_office = self._create_company(
            "Debtor Other Office", debtor_number="D1000", company_id=self.company_2.id
        )
        self.assertEqual(other_office.debtor_number, first.debtor_number)
        # Moving it to the first office makes it a duplicate.
        with self.assertRaises(ValidationError):
            other_office.company_id = self.company_main
        # Two in one batch
        with self.assertRaises(ValidationError):
            self.Partner.create(
                [
                    {"name": "Batch Debtor A", "debtor_number": "D2000"},
                    {"name": "Batch Debtor B", "debtor_number": "D2000"},
                ]
            )
        self.assertEqual(self._count_partners(["Batch Debtor A", "Batch Debtor B"]), 0)

    def test_copy_person_with_bsn(self):
        """Duplicating a person (Action > Duplicate) must not copy the BSN,
        which would always be refused as a duplicate."""
        person = self._create_person(
            "Copied Person", bsn=BSN_VALID, debtor_number="D77"
        )
        copy = person.copy()
        self.assertFalse(copy.bsn)
        self.assertFalse(copy.debtor_number)
        self.assertEqual(person.bsn, BSN_VALID)

    def test_copy_company_with_kvk(self):
        """Duplicating a company must not fail on the duplicate check: the
        copy would always have the same KvK and branch number."""
        copy = self.existing.copy()
        self.assertTrue(copy.exists())
        self.assertFalse(copy.company_registry)
        branch = self._create_company(
            "Branch Copied B.V.",
            company_registry=KVK_VALID,
            kvk_branch_number=BRANCH_VALID,
        )
        branch_copy = branch.copy()
        self.assertFalse(branch_copy.kvk_branch_number)


@tagged("post_install", "-at_install")
class TestDuplicateOfHiddenClient(HttpCase):
    """With "Everyone sees all clients" off, the duplicate
    checks must not tell an accountancy user the name of a client they may not
    see (KvK, BSN and debtor numbers could be tried one by one to find out who
    is a client of the firm). The message says that such a relation exists and
    whom to ask."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.config.settings"].create(
            {"group_accountancy_see_all_clients": False}
        ).execute()
        cls.user = mail_new_test_user(
            cls.env,
            login="dup_hidden_user",
            password="dup_hidden_user_pw",
            groups="accountancy_crm.group_user,accountancy_crm.group_fiscal_data",
        )
        cls.company = cls.env.company
        cls.hidden = cls.env["res.partner"].create(
            {
                "name": "Hidden Client Holding B.V.",
                "is_company": True,
                "relation_kind": "client",
                "company_registry": KVK_VALID,
                "debtor_number": "D-HIDDEN",
                "company_id": cls.company.id,
            }
        )
        cls.hidden_person = cls.env["res.partner"].create(
            {
                "name": "Hidden Client Person",
                "relation_kind": "client",
                "bsn": BSN_VALID,
            }
        )
        # Not a client: every accountancy user sees it.
        cls.visible = cls.env["res.partner"].create(
            {
                "name": "Visible Supplier B.V.",
                "is_company": True,
                "relation_kind": "supplier",
                "company_registry": KVK_VALID_2,
                "debtor_number": "D-VISIBLE",
                "company_id": cls.company.id,
            }
        )
        cls.names = [cls.hidden.name, cls.hidden_person.name, cls.visible.name]
        cls.attempts = {
            "KvK number": {
                "name": "Try KvK B.V.",
                "is_company": True,
                "company_registry": KVK_VALID,
            },
            "BSN": {"name": "Try BSN", "bsn": BSN_VALID},
            "debtor number": {
                "name": "Try Debtor",
                "debtor_number": "D-HIDDEN",
                "company_id": cls.company.id,
            },
        }

    def setUp(self):
        super().setUp()
        # Without these the tests would prove nothing.
        self.assertFalse(self.user.has_group("accountancy_crm.group_see_all_clients"))
        partners = (self.hidden | self.hidden_person).with_user(self.user)
        self.assertFalse(partners._filtered_access("read"))
        self.assertTrue(self.visible.with_user(self.user).has_access("read"))

    def _count_attempts(self):
        return (
            self.env["res.partner"]
            .with_context(active_test=False)
            .search_count([("name", "like", "Try ")])
        )

    def _assert_hidden_message(self, message, number):
        for name in self.names:
            self.assertNotIn(name, message)
        self.assertIn("you may not see", message)
        self.assertIn("ask an accountancy manager", message)
        self.assertIn(number, message)

    def test_with_user(self):
        Partner = self.env["res.partner"].with_user(self.user)
        for number, vals in self.attempts.items():
            with self.subTest(number=number):
                with self.assertRaises(ValidationError) as cm:
                    Partner.create(dict(vals))
                self._assert_hidden_message(str(cm.exception), number)
        self.assertEqual(self._count_attempts(), 0)

    def test_on_write(self):
        """Giving an existing relation the number of a hidden client."""
        mine = (
            self.env["res.partner"]
            .with_user(self.user)
            .create({"name": "Own Company B.V.", "is_company": True})
        )
        with self.assertRaises(ValidationError) as cm:
            mine.write({"company_registry": KVK_VALID})
        self._assert_hidden_message(str(cm.exception), "KvK number")
        mine.invalidate_recordset()
        self.assertFalse(mine.company_registry)

    @mute_logger("odoo.http")
    def test_json_rpc(self):
        self.authenticate("dup_hidden_user", "dup_hidden_user_pw")
        for number, vals in self.attempts.items():
            with self.subTest(number=number):
                payload = {
                    "jsonrpc": "2.0",
                    "method": "call",
                    "id": 1,
                    "params": {
                        "model": "res.partner",
                        "method": "create",
                        "args": [[vals]],
                        "kwargs": {},
                    },
                }
                body = self.url_open(
                    "/web/dataset/call_kw/res.partner/create",
                    data=json.dumps(payload),
                    headers={"Content-Type": "application/json"},
                ).json()
                error = body["error"]["data"]
                self.assertEqual(error["name"], "odoo.exceptions.ValidationError")
                self._assert_hidden_message(error["message"], number)
                self.assertNotIn(self.hidden.name, json.dumps(body))
        self.assertEqual(self._count_attempts(), 0)

    def test_visible_duplicate_is_named(self):
        """A duplicate the user may see keeps the message that names it."""
        Partner = self.env["res.partner"].with_user(self.user)
        with self.assertRaises(ValidationError) as cm:
            Partner.create(
                {
                    "name": "Try Copy",
                    "is_company": True,
                    "company_registry": KVK_VALID_2,
                }
            )
        self.assertIn("Visible Supplier B.V.", str(cm.exception))
        with self.assertRaises(ValidationError) as cm:
            Partner.create(
                {
                    "name": "Try Copy Debtor",
                    "debtor_number": "D-VISIBLE",
                    "company_id": self.company.id,
                }
            )
        self.assertIn("Visible Supplier B.V.", str(cm.exception))
        self.assertEqual(self._count_attempts(), 0)
