from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import BSN_VALID, BSN_VALID_2, KVK_VALID, AccountancyCrmCommon

# operation -> allowed, per model and per user (employee, user, manager, fiscal)
ACCESS = {
    "accountancy.sector": {
        "employee": "r",
        "user": "r",
        "manager": "rwcu",
        "fiscal": "r",
    },
    "accountancy.role": {
        "employee": "r",
        "user": "r",
        "manager": "rwcu",
        "fiscal": "r",
    },
    "accountancy.client.group": {
        "employee": "r",
        "user": "rwc",
        "manager": "rwcu",
        "fiscal": "rwc",
    },
    "accountancy.assignment": {
        "employee": "r",
        "user": "rwcu",
        "manager": "rwcu",
        "fiscal": "rwcu",
    },
    "res.partner.relation": {
        "employee": "r",
        "user": "rwcu",
        "manager": "rwcu",
        "fiscal": "rwcu",
    },
    "res.partner.relation.type": {
        "employee": "r",
        "user": "r",
        "manager": "rwcu",
        "fiscal": "r",
    },
}
OPERATIONS = {"r": "read", "w": "write", "c": "create", "u": "unlink"}
# Client data: the model may be read, but the record rules show an internal
# user without accountancy group none of its records.
HIDDEN_RECORDS = {
    ("accountancy.client.group", "employee"),
    ("accountancy.assignment", "employee"),
}


@tagged("post_install", "-at_install")
class TestSecurity(AccountancyCrmCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.users = {
            "employee": cls.user_employee,
            "user": cls.user_acc,
            "manager": cls.user_manager,
            "fiscal": cls.user_fiscal,
        }
        cls.person = cls._create_person("Secret Person", bsn=BSN_VALID)
        cls.company = cls._create_company(
            "Security B.V.", company_registry=KVK_VALID, company_id=cls.company_main.id
        )
        cls.other_company = cls._create_company("Security Two B.V.")

    def _new_values(self, model):
        """Values to create one record of ``model`` (unique per call)."""
        self._counter = getattr(self, "_counter", 0) + 1
        n = self._counter
        if model == "accountancy.sector":
            return {"code": f"9{n:04d}", "name": f"Sector {n}"}
        if model == "accountancy.role":
            return {"code": f"R{n}", "name": f"Role {n}"}
        if model == "accountancy.client.group":
            return {"name": f"Group {n}", "code": f"G{n}"}
        if model == "accountancy.assignment":
            return {
                "partner_id": self.company.id,
                "role_id": self.role_acc.id,
                "employee_id": self.employee.id,
                "year": 2000 + n,
            }
        if model == "res.partner.relation":
            return {
                "left_partner_id": self.person.id,
                "right_partner_id": self.company.id,
                "type_id": self.type_adviser.id,
                "date_start": f"{2000 + n}-01-01",
                "date_end": f"{2000 + n}-12-31",
            }
        if model == "res.partner.relation.type":
            return {"name": f"Type {n}", "name_inverse": f"Inverse type {n}"}
        raise ValueError(model)

    def _write_values(self, model):
        if model == "accountancy.assignment":
            return {"employee_id": self.employee_2.id}
        if model == "res.partner.relation":
            return {"right_partner_id": self.other_company.id}
        return {"name": "Renamed"}

    @mute_logger(
        "odoo.models",
        "odoo.addons.base.models.ir_model",
        "odoo.addons.base.models.ir_rule",
    )
    def test_access_rows(self):
        for model, rights in ACCESS.items():
            for group, allowed in rights.items():
                user = self.users[group]
                with self.subTest(model=model, group=group):
                    Model = self.env[model].with_user(user)
                    for letter, operation in OPERATIONS.items():
                        self.assertEqual(
                            Model.has_access(operation),
                            letter in allowed,
                            f"{group} {operation} {model}",
                        )
                    record = self.env[model].create(self._new_values(model))
                    as_user = record.with_user(user)
                    if (model, group) in HIDDEN_RECORDS:
                        with self.assertRaises(AccessError):
                            as_user.check_access("read")
                    else:
                        as_user.check_access("read")
                        self.assertTrue(as_user.read(["display_name"]))
                    if "c" in allowed:
                        Model.create(self._new_values(model))
                    else:
                        with self.assertRaises(AccessError):
                            Model.create(self._new_values(model))
                    if "w" in allowed:
                        as_user.write(self._write_values(model))
                    else:
                        with self.assertRaises(AccessError):
                            as_user.write(self._write_values(model))
                    if "u" in allowed:
                        as_user.unlink()
                        self.assertFalse(record.exists())
                    else:
                        with self.assertRaises(AccessError):
                            as_user.unlink()
                        self.assertTrue(record.exists())

    def test_relation_all_for_user(self):
        """An accountancy user records a shareholding from the company side."""
        has_shareholder = self.env["res.partner.relation.type.selection"].search(
            [("type_id", "=", self.type_shareholder.id), ("is_inverse", "=", True)]
        )
        relation = (
            self.env["res.partner.relation.all"]
            .with_user(self.user_acc)
            .create(
                {
                    "this_partner_id": self.company.id,
                    "type_selection_id": has_shareholder.id,
                    "other_partner_id": self.person.id,
                    "share_percentage": 100,
                }
            )
        )
        self.assertEqual(relation.share_percentage, 100)
        with self.assertRaises(AccessError):
            self.env["res.partner.relation.all"].with_user(self.user_employee).create(
                {
                    "this_partner_id": self.other_company.id,
                    "type_selection_id": has_shareholder.id,
                    "other_partner_id": self.person.id,
                    "share_percentage": 50,
                }
            )

    @mute_logger("odoo.models")
    def test_bsn_hidden_without_fiscal_data(self):
        for user in (self.user_employee, self.user_acc, self.user_manager):
            with self.subTest(user=user.login):
                person = self.person.with_user(user)
                self.assertEqual(person.read(["name"])[0]["name"], "Secret Person")
                with self.assertRaises(AccessError):
                    person.read(["bsn"])
                with self.assertRaises(AccessError):
                    getattr(person, "bsn")  # noqa: B009
        for user in (self.user_acc, self.user_manager):
            with (
                self.subTest(user=user.login, operation="write"),
                self.assertRaises(AccessError),
            ):
                self.person.with_user(user).write({"bsn": BSN_VALID_2})
        self.person.invalidate_recordset()
        self.assertEqual(self.person.bsn, BSN_VALID)

    @mute_logger("odoo.models")
    def test_bsn_not_settable_on_create_without_fiscal_data(self):
        """Creating a person with a BSN is editing the BSN: Fiscal data only
        (Odoo checks field groups on read and write, not on create)."""
        for user in (self.user_acc, self.user_manager):
            with self.subTest(user=user.login):
                with self.assertRaises(AccessError):
                    self.env["res.partner"].with_user(user).create(
                        {"name": f"Sneaky {user.login}", "bsn": BSN_VALID_2}
                    )
                self.assertEqual(self._count_partners([f"Sneaky {user.login}"]), 0)
        # Without a BSN they create persons as usual.
        person = (
            self.env["res.partner"].with_user(self.user_acc).create({"name": "Plain"})
        )
        self.assertFalse(person.sudo().bsn)

    @mute_logger("odoo.models")
    def test_bsn_not_searchable_without_fiscal_data(self):
        """Searching on the BSN would reveal it bit by bit."""
        with self.assertRaises(AccessError):
            self.env["res.partner"].with_user(self.user_acc).search(
                [("bsn", "=", BSN_VALID)]
            )

    def test_bsn_fiscal_user(self):
        person = self.person.with_user(self.user_fiscal)
        self.assertEqual(person.read(["bsn"])[0]["bsn"], BSN_VALID)
        person.write({"bsn": "123 456 782"})
        self.assertEqual(person.bsn, BSN_VALID_2)
        created = (
            self.env["res.partner"]
            .with_user(self.user_fiscal)
            .create({"name": "Fiscal Created", "bsn": BSN_VALID})
        )
        self.assertEqual(created.bsn, BSN_VALID)
        self.assertTrue(
            self.user_fiscal.has_group("accountancy_crm.group_fiscal_data")
            and not self.user_acc.has_group("accountancy_crm.group_fiscal_data")
        )

    def test_bsn_checks_hold_for_users_without_fiscal_data(self):
        """The BSN checks run even when the user cannot see the BSN."""
        with self.assertRaises(ValidationError):
            self.person.with_user(self.user_acc).write({"is_company": True})
        self.person.invalidate_recordset()
        self.assertFalse(self.person.is_company)
        # A normal edit of the person still works.
        self.person.with_user(self.user_acc).write({"function": "Director"})
        self.assertEqual(self.person.function, "Director")

    @mute_logger("odoo.addons.base.models.ir_rule", "odoo.models")
    def test_multi_company_client_group(self):
        group_a = self.env["accountancy.client.group"].create(
            {"name": "Group Office One", "company_id": self.company_main.id}
        )
        group_shared = self.env["accountancy.client.group"].create(
            {"name": "Group Shared", "company_id": False}
        )
        Group_b = self.env["accountancy.client.group"].with_user(self.user_company_2)
        found = Group_b.search([("id", "in", (group_a | group_shared).ids)])
        self.assertEqual(found, group_shared)
        with self.assertRaises(AccessError):
            group_a.with_user(self.user_company_2).read(["name"])
        with self.assertRaises(AccessError):
            group_a.with_user(self.user_company_2).write({"name": "Taken over"})
        # The user of company A sees it.
        self.assertEqual(
            self.env["accountancy.client.group"]
            .with_user(self.user_acc)
            .search([("id", "=", group_a.id)]),
            group_a,
        )
        # A group created by the user of company B belongs to company B.
        group_b = Group_b.create({"name": "Group Office Two"})
        self.assertEqual(group_b.company_id, self.company_2)
        self.assertFalse(
            self.env["accountancy.client.group"]
            .with_user(self.user_acc)
            .search([("id", "=", group_b.id)])
        )

    @mute_logger("odoo.addons.base.models.ir_rule", "odoo.models")
    def test_multi_company_assignment(self):
        client_a = self._create_company(
            "Client Office One", company_id=self.company_main.id
        )
        assignment = self.env["accountancy.assignment"].create(
            {
                "partner_id": client_a.id,
                "role_id": self.role_rlm.id,
                "employee_id": self.employee.id,
            }
        )
        self.assertEqual(assignment.company_id, self.company_main)
        Assignment_b = self.env["accountancy.assignment"].with_user(self.user_company_2)
        self.assertFalse(Assignment_b.search([("id", "=", assignment.id)]))
        with self.assertRaises(AccessError):
            assignment.with_user(self.user_company_2).read(["year"])
        self.assertEqual(
            self.env["accountancy.assignment"]
            .with_user(self.user_acc)
            .search([("id", "=", assignment.id)]),
            assignment,
        )

    def test_duplicate_found_across_companies(self):
        """A user of company B cannot create a duplicate of a relation of
        company A, although they cannot see it."""
        self.company.company_id = self.company_main
        with self.assertRaises(ValidationError):
            self.env["res.partner"].with_user(self.user_company_2).create(
                {
                    "name": "Hidden Copy B.V.",
                    "is_company": True,
                    "company_registry": KVK_VALID,
                }
            )
        self.assertEqual(self._count_partners(["Hidden Copy B.V."]), 0)
