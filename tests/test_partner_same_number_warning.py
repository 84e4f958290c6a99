from odoo.tests import Form, tagged

from .common import (
    BRANCH_VALID,
    BRANCH_VALID_2,
    KVK_VALID,
    KVK_VALID_2,
    VAT_VALID,
    AccountancyCrmCommon,
)


@tagged("post_install", "-at_install")
class TestPartnerSameNumberWarning(AccountancyCrmCommon):
    """Odoo warns on the relation card when another relation has the same Tax
    ID or Company ID. Branches of one legal entity share both, so the warning
    must not name another branch, but still a real duplicate."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.branch_1 = cls._create_company(
            "Bakkerij Test Gouda",
            company_registry=KVK_VALID,
            kvk_branch_number=BRANCH_VALID,
            vat=VAT_VALID,
        )
        cls.branch_2 = cls._create_company(
            "Bakkerij Test Woerden",
            company_registry=KVK_VALID,
            kvk_branch_number=BRANCH_VALID_2,
            vat=VAT_VALID,
        )

    def test_branches_no_warning(self):
        for branch in self.branch_1 | self.branch_2:
            self.assertFalse(branch.same_vat_partner_id, branch.name)
            self.assertFalse(branch.same_company_registry_partner_id, branch.name)

    def test_legal_entity_without_branch_number(self):
        """The legal entity itself (no branch number) and its branches."""
        entity = self._create_company(
            "Bakkerij Test B.V.", company_registry=KVK_VALID, vat=VAT_VALID
        )
        for partner in entity | self.branch_1:
            self.assertFalse(partner.same_vat_partner_id, partner.name)
            self.assertFalse(partner.same_company_registry_partner_id, partner.name)

    def test_same_vat_other_kvk_warns(self):
        """Same VAT id under another KvK number is a real duplicate: both
        sides are warned, also a branch that has sister branches."""
        other = self._create_company(
            "Bakkerij Kopie B.V.", company_registry=KVK_VALID_2, vat=VAT_VALID
        )
        self.assertIn(other.same_vat_partner_id, self.branch_1 | self.branch_2)
        self.assertFalse(other.same_company_registry_partner_id)
        self.env.invalidate_all()
        self.assertEqual(self.branch_1.same_vat_partner_id, other)
        self.assertEqual(self.branch_2.same_vat_partner_id, other)
        self.assertFalse(self.branch_1.same_company_registry_partner_id)

    def test_same_vat_without_kvk_warns(self):
        """A relation without KvK number that has the VAT id of the branches is
        warned about them, and they about it."""
        copy = self._create_company("Bakkerij zonder KvK", vat=VAT_VALID)
        self.assertIn(copy.same_vat_partner_id, self.branch_1 | self.branch_2)
        self.env.invalidate_all()
        self.assertEqual(self.branch_1.same_vat_partner_id, copy)

    def test_same_kvk_person_warns(self):
        """A contact person that is not a company but carries the KvK number
        of the branches (no branch number of its own) is still named when the
        branch number is the same."""
        person = self._create_person(
            "Jan Bakker", company_registry=KVK_VALID, kvk_branch_number=BRANCH_VALID
        )
        self.assertEqual(person.same_company_registry_partner_id, self.branch_1)
        self.env.invalidate_all()
        self.assertEqual(self.branch_1.same_company_registry_partner_id, person)
        self.assertFalse(self.branch_2.same_company_registry_partner_id)

    def test_form_new_branch(self):
        """On a new relation card (onchange) a third branch is not warned, a
        copy under another KvK number is."""
        with Form(self.env["res.partner"]) as form:
            form.company_type = "company"
            form.name = "Bakkerij Test Utrecht"
            form.country_id = self.country_nl
            form.company_registry = KVK_VALID
            form.kvk_branch_number = "000037178610"
            form.vat = VAT_VALID
            self.assertFalse(form.same_vat_partner_id)
            self.assertFalse(form.same_company_registry_partner_id)
            form.company_registry = KVK_VALID_2
            self.assertTrue(form.same_vat_partner_id)
            form.company_registry = KVK_VALID
            form.kvk_branch_number = BRANCH_VALID
            self.assertEqual(form.same_company_registry_partner_id, self.branch_1)
            form.kvk_branch_number = "000037178610"

    def test_demo_branches(self):
        """The two branches of Droomslaap Slaapcomfort in the demo data."""
        gouda = self.env.ref(
            "accountancy_crm.res_partner_droomslaap", raise_if_not_found=False
        )
        if not gouda:
            self.skipTest("no demo data")
        woerden = self.env.ref("accountancy_crm.res_partner_droomslaap_woerden")
        for branch in gouda | woerden:
            self.assertFalse(branch.same_vat_partner_id, branch.name)
            self.assertFalse(branch.same_company_registry_partner_id, branch.name)
