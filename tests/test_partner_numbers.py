from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import (
    BRANCH_VALID,
    BSN_INVALID,
    BSN_VALID,
    KVK_VALID,
    PAYROLL_VALID,
    RSIN_VALID,
    VAT_VALID,
    AccountancyCrmCommon,
)


@tagged("post_install", "-at_install")
class TestPartnerNumbers(AccountancyCrmCommon):
    """Registry and fiscal numbers: validation, normalisation, messages."""

    def _assert_create_rejected(self, vals, *expected_in_message):
        name = vals["name"]
        with self.assertRaises(ValidationError) as cm:
            self.env["res.partner"].create(vals)
        message = str(cm.exception)
        for expected in expected_in_message:
            self.assertIn(expected, message)
        self.assertEqual(self._count_partners([name]), 0, "nothing may be saved")
        return message

    def _assert_write_rejected(self, partner, vals, *expected_in_message):
        before = {fname: partner[fname] for fname in vals}
        with self.assertRaises(ValidationError) as cm:
            partner.write(vals)
        message = str(cm.exception)
        for expected in expected_in_message:
            self.assertIn(expected, message)
        partner.invalidate_recordset()
        for fname, value in before.items():
            self.assertEqual(partner[fname], value, f"{fname} may not change")
        return message

    # KvK number -----------------------------------------------------------

    def test_kvk_valid_and_normalised(self):
        for typed in ("69599084", "6959 9084", "69.59.90.84", " 69599084 "):
            with self.subTest(typed=typed):
                partner = self._create_company(f"KvK {typed}", company_registry=typed)
                self.assertEqual(partner.company_registry, KVK_VALID)
                partner.active = False  # free the number for the next round

    def test_kvk_invalid_dutch(self):
        for bad in ("1234567", "123456789", "6959908A", "KVK69599"):
            with self.subTest(bad=bad):
                self._assert_create_rejected(
                    {
                        "name": "Bad KvK BV",
                        "is_company": True,
                        "country_id": self.country_nl.id,
                        "company_registry": bad,
                    },
                    "KvK number",
                    bad.upper(),
                    "Bad KvK BV",
                )

    def test_kvk_invalid_without_country(self):
        """A relation without a country is taken as Dutch."""
        self._assert_create_rejected(
            {"name": "No Country BV", "is_company": True, "company_registry": "1234"},
            "KvK number",
            "1234",
        )

    def test_kvk_foreign_not_checked(self):
        """A Belgian enterprise number (10 digits) is not a KvK number."""
        partner = self._create_company(
            "Belgian NV", country_id=self.country_be.id, company_registry="0123.456.749"
        )
        self.assertEqual(partner.company_registry, "0123456749")
        # Moving it to the Netherlands makes the number invalid.
        self._assert_write_rejected(
            partner, {"country_id": self.country_nl.id}, "KvK number", "0123456749"
        )

    def test_kvk_write_normalised_and_rejected(self):
        partner = self._create_company("Writer BV")
        partner.write({"company_registry": "6959 90.84"})
        self.assertEqual(partner.company_registry, KVK_VALID)
        self._assert_write_rejected(
            partner, {"company_registry": "699084"}, "KvK number", "699084"
        )

    # Branch number --------------------------------------------------------

    def test_branch_number(self):
        partner = self._create_company("Branch BV", kvk_branch_number="0000 3717 8598")
        self.assertEqual(partner.kvk_branch_number, BRANCH_VALID)
        for bad in ("00003717859", "0000371785980", "00003717859X"):
            with self.subTest(bad=bad):
                self._assert_write_rejected(
                    partner, {"kvk_branch_number": bad}, "branch number", bad
                )
        self._assert_create_rejected(
            {"name": "Bad Branch BV", "is_company": True, "kvk_branch_number": "12345"},
            "branch number",
            "12345",
        )

    # RSIN -----------------------------------------------------------------

    def test_rsin(self):
        partner = self._create_company("Rsin BV", rsin="123 456 782")
        self.assertEqual(partner.rsin, RSIN_VALID)
        partner.rsin = "111.222.333"
        self.assertEqual(partner.rsin, "111222333")
        self._assert_write_rejected(partner, {"rsin": BSN_INVALID}, "RSIN", BSN_INVALID)
        self._assert_create_rejected(
            {"name": "Bad Rsin BV", "is_company": True, "rsin": "12345678X"}, "RSIN"
        )

    # BSN ------------------------------------------------------------------

    def test_bsn(self):
        person = self._create_person("Jan Bsn", bsn="111 222 333")
        self.assertEqual(person.bsn, BSN_VALID)
        person.bsn = "1234.567.82"
        self.assertEqual(person.bsn, "123456782")
        self._assert_write_rejected(person, {"bsn": BSN_INVALID}, "BSN", BSN_INVALID)
        self._assert_create_rejected(
            {"name": "Piet Bad Bsn", "bsn": BSN_INVALID},
            "BSN",
            BSN_INVALID,
            "Piet Bad Bsn",
        )

    def test_bsn_on_company_rejected(self):
        self._assert_create_rejected(
            {"name": "Bsn Company BV", "is_company": True, "bsn": BSN_VALID},
            "BSN",
            "Bsn Company BV",
        )
        person = self._create_person("Klaas Becomes Company", bsn=BSN_VALID)
        self._assert_write_rejected(person, {"is_company": True}, "BSN")

    # Payroll tax number ---------------------------------------------------

    def test_payroll_tax_number(self):
        partner = self._create_company("Payroll BV", payroll_tax_number="123456782l01")
        self.assertEqual(partner.payroll_tax_number, PAYROLL_VALID)
        partner.payroll_tax_number = "1234.56.782 L 02"
        self.assertEqual(partner.payroll_tax_number, "123456782L02")
        for bad in (
            "123456789L01",  # fails the eleven test
            "123456782L1",  # one digit after L
            "123456782X01",  # not an L
            "123456782",  # no L part
            "12345678L01",  # 8 digits
        ):
            with self.subTest(bad=bad):
                self._assert_write_rejected(
                    partner, {"payroll_tax_number": bad}, "payroll tax number", bad
                )
        self._assert_create_rejected(
            {"name": "Bad Payroll BV", "is_company": True, "payroll_tax_number": "L01"},
            "payroll tax number",
        )

    # VAT (Odoo's own check through base_vat) ------------------------------

    def test_vat(self):
        partner = self._create_company("Vat BV", vat=VAT_VALID)
        self.assertEqual(partner.vat, VAT_VALID)
        self._assert_create_rejected(
            {
                "name": "Bad Vat BV",
                "is_company": True,
                "country_id": self.country_nl.id,
                "vat": "NL12345B01",
            }
        )

    def test_empty_numbers_allowed(self):
        partner = self._create_company(
            "Empty BV",
            company_registry=False,
            kvk_branch_number="",
            rsin=False,
            payroll_tax_number=False,
        )
        self.assertFalse(partner.company_registry)
        partner.write({"company_registry": KVK_VALID})
        partner.write({"company_registry": False})
        self.assertFalse(partner.company_registry)

    # Tax regime -----------------------------------------------------------

    def test_tax_regime(self):
        person = self._create_person("Natural Person")
        self.assertEqual(person.tax_regime, "ib")
        expected = {
            "eenmanszaak": "ib",
            "vof": "ib",
            "maatschap": "ib",
            "cv": "ib",
            "bv": "vpb",
            "nv": "vpb",
            "cooperatie": "vpb",
            "owm": "vpb",
            "vereniging": "depends",
            "stichting": "depends",
            "kerkgenootschap": "depends",
            "vve": "depends",
            "other": "depends",
        }
        forms = [
            value for value, _label in self.Partner._fields["legal_form"].selection
        ]
        self.assertEqual(set(forms), set(expected), "every legal form is covered")
        company = self._create_company("Regime Company")
        self.assertEqual(company.tax_regime, "depends", "no legal form yet")
        for form, regime in expected.items():
            with self.subTest(form=form):
                company.legal_form = form
                self.assertEqual(company.tax_regime, regime)
                created = self._create_company(f"Regime {form}", legal_form=form)
                self.assertEqual(created.tax_regime, regime)
        # Stored: searchable, and a person stays IB
        company.legal_form = "bv"
        self.assertIn(
            company,
            self.Partner.search([("tax_regime", "=", "vpb"), ("id", "=", company.id)]),
        )
