from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import AccountancyCrmCommon


@tagged("post_install", "-at_install")
class TestFiscalPartner(AccountancyCrmCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.anna = cls._create_person("Anna")
        cls.bert = cls._create_person("Bert")
        cls.carla = cls._create_person("Carla")
        cls.dirk = cls._create_person("Dirk")
        cls.company = cls._create_company("Fiscal Company B.V.")

    def _assert_pairs(self, *pairs, single=()):
        (self.anna | self.bert | self.carla | self.dirk).invalidate_recordset()
        for left, right in pairs:
            self.assertEqual(
                left.fiscal_partner_id, right, f"{left.name} -> {right.name}"
            )
            self.assertEqual(
                right.fiscal_partner_id, left, f"{right.name} -> {left.name}"
            )
        for person in single:
            self.assertFalse(person.fiscal_partner_id, f"{person.name} has no partner")

    def test_link_is_symmetric(self):
        self.anna.fiscal_partner_id = self.bert
        self._assert_pairs((self.anna, self.bert), single=(self.carla, self.dirk))

    def test_relink_clears_former(self):
        self.anna.fiscal_partner_id = self.bert
        self.anna.fiscal_partner_id = self.carla
        self._assert_pairs((self.anna, self.carla), single=(self.bert, self.dirk))

    def test_set_on_other_side_clears_old(self):
        self.anna.fiscal_partner_id = self.bert
        self.bert.fiscal_partner_id = self.dirk
        self._assert_pairs((self.bert, self.dirk), single=(self.anna, self.carla))

    def test_new_partner_already_linked(self):
        """Both former partners are released."""
        self.anna.fiscal_partner_id = self.bert
        self.carla.fiscal_partner_id = self.dirk
        self.anna.fiscal_partner_id = self.dirk
        self._assert_pairs((self.anna, self.dirk), single=(self.bert, self.carla))

    def test_clear_clears_both(self):
        self.anna.fiscal_partner_id = self.bert
        self.bert.fiscal_partner_id = False
        self._assert_pairs(single=(self.anna, self.bert))

    def test_create_with_fiscal_partner(self):
        eva = self._create_person("Eva", fiscal_partner_id=self.anna.id)
        self.anna.invalidate_recordset()
        self.assertEqual(self.anna.fiscal_partner_id, eva)
        # Creating a new partner for Anna releases Eva.
        frank = self._create_person("Frank", fiscal_partner_id=self.anna.id)
        (eva | self.anna).invalidate_recordset()
        self.assertEqual(self.anna.fiscal_partner_id, frank)
        self.assertFalse(eva.fiscal_partner_id)

    def test_batch_create_stays_symmetric(self):
        """Whatever a batch create does, the result is symmetric."""
        created = self.Partner.create(
            [
                {"name": "Gert", "fiscal_partner_id": self.anna.id},
                {"name": "Hanna", "fiscal_partner_id": self.anna.id},
            ]
        )
        everyone = created | self.anna
        everyone.invalidate_recordset()
        for person in everyone.filtered("fiscal_partner_id"):
            self.assertEqual(person.fiscal_partner_id.fiscal_partner_id, person)

    def test_company_as_fiscal_partner(self):
        with self.assertRaises(ValidationError) as cm:
            self.anna.fiscal_partner_id = self.company
        self.assertIn("Fiscal Company B.V.", str(cm.exception))
        self._assert_pairs(single=(self.anna,))
        self.company.invalidate_recordset()
        self.assertFalse(self.company.fiscal_partner_id)

    def test_company_having_fiscal_partner(self):
        with self.assertRaises(ValidationError):
            self.company.fiscal_partner_id = self.anna
        self.company.invalidate_recordset()
        self.assertFalse(self.company.fiscal_partner_id)
        self._assert_pairs(single=(self.anna,))
        # A person with a fiscal partner cannot become a company.
        self.anna.fiscal_partner_id = self.bert
        with self.assertRaises(ValidationError):
            self.anna.is_company = True
        self._assert_pairs((self.anna, self.bert))

    def test_company_created_with_fiscal_partner(self):
        with self.assertRaises(ValidationError):
            self._create_company("Fiscal Holding", fiscal_partner_id=self.anna.id)
        self.assertEqual(self._count_partners(["Fiscal Holding"]), 0)
        self._assert_pairs(single=(self.anna,))

    def test_oneself(self):
        with self.assertRaises(ValidationError) as cm:
            self.anna.fiscal_partner_id = self.anna
        self.assertIn("Anna", str(cm.exception))
        self._assert_pairs(single=(self.anna,))

    def test_one_partner_on_several_persons(self):
        with self.assertRaises(ValidationError):
            (self.anna | self.bert).write({"fiscal_partner_id": self.carla.id})
        self._assert_pairs(single=(self.anna, self.bert, self.carla))
        # Clearing several at once is fine.
        self.anna.fiscal_partner_id = self.bert
        self.carla.fiscal_partner_id = self.dirk
        (self.anna | self.carla).write({"fiscal_partner_id": False})
        self._assert_pairs(single=(self.anna, self.bert, self.carla, self.dirk))

    def test_unlink_releases_partner(self):
        self.anna.fiscal_partner_id = self.bert
        self.bert.unlink()
        self.anna.invalidate_recordset()
        self.assertFalse(self.anna.fiscal_partner_id)
