import socket

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged

from ..models.accountancy_kvk_client import KVK_TIMEOUT, map_legal_form
from ..models.parameters import get_param
from .common import AccountancyCrmCommon, KvkServerMixin


@tagged("post_install", "-at_install")
class TestKvkClient(KvkServerMixin, AccountancyCrmCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.client = cls.env["accountancy.kvk.client"]
        cls.Sector = cls.env["accountancy.sector"].with_context(active_test=False)

    def setUp(self):
        super().setUp()
        self.kvk_server.requests.clear()

    def _counts(self):
        return (
            self.env["res.partner"].with_context(active_test=False).search_count([]),
            self.Sector.search_count([]),
        )

    def assertKvkError(self, phrase, func, *args, **kwargs):
        """``func`` raises a UserError containing ``phrase`` and creates nothing."""
        before = self._counts()
        with self.assertRaises(UserError) as caught:
            func(*args, **kwargs)
        self.assertIn(phrase, str(caught.exception))
        self.assertEqual(self._counts(), before, "a failed lookup created records")
        return caught.exception

    def _set_param(self, key, value):
        self.env["ir.config_parameter"].sudo().set_param(
            f"accountancy_crm.kvk_{key}", value
        )

    # ------------------------------------------------------------------
    # Search
    # ------------------------------------------------------------------
    def test_search_by_name(self):
        result = self.client._kvk_search(name="KORENSCHOOF")
        self.assertEqual(result["total"], 2)
        main, branch = result["results"]
        self.assertEqual(
            main,
            {
                "kvk_number": "69599084",
                "branch_number": "000037178598",
                "name": "Bakkerij De Korenschoof",
                "type": "hoofdvestiging",
                "active": True,
                "street": "Dorpsstraat",
                "house_number": "12",
                "house_letter": "A",
                "zip": "3732AB",
                "city": "De Bilt",
            },
        )
        self.assertEqual(branch["type"], "nevenvestiging")
        self.assertEqual(branch["branch_number"], "000037178601")
        self.assertEqual(branch["city"], "Utrecht")
        path, params, apikey = self.kvk_server.requests[-1]
        self.assertEqual(path, "/api/v2/zoeken")
        self.assertEqual(
            params, {"naam": "KORENSCHOOF", "pagina": "1", "resultatenPerPagina": "10"}
        )
        self.assertEqual(apikey, "test-key")

    def test_search_by_kvk_number_normalised(self):
        result = self.client._kvk_search(kvk_number=" 6875.0110 ")
        self.assertEqual(self.kvk_server.requests[-1][1]["kvkNummer"], "68750110")
        self.assertEqual(result["total"], 2)
        legal_person = next(
            r for r in result["results"] if r["type"] == "rechtspersoon"
        )
        self.assertFalse(legal_person["branch_number"])
        self.assertEqual(legal_person["name"], "Jansen Software B.V.")

    def test_search_by_postcode_and_house_number(self):
        result = self.client._kvk_search(postcode=" 3511 ed", house_number=45)
        params = self.kvk_server.requests[-1][1]
        self.assertEqual(params["postcode"], "3511ED")
        self.assertEqual(params["huisnummer"], "45")
        self.assertEqual(
            [r["kvk_number"] for r in result["results"]], ["68750110", "68750110"]
        )

    def test_search_city_type_and_paging(self):
        result = self.client._kvk_search(
            city="utrecht", result_type="hoofdvestiging", page=1, per_page=1
        )
        params = self.kvk_server.requests[-1][1]
        self.assertEqual(params["plaats"], "utrecht")
        self.assertEqual(params["type"], "hoofdvestiging")
        self.assertEqual(params["resultatenPerPagina"], "1")
        self.assertEqual(result["total"], 1)
        self.assertEqual(result["results"][0]["kvk_number"], "68750110")
        result = self.client._kvk_search(city="Utrecht", page=2, per_page=2)
        self.assertEqual(result["total"], 3)
        self.assertEqual(len(result["results"]), 1)

    def test_search_inactive(self):
        result = self.client._kvk_search(name="nordic")
        self.assertFalse(result["results"][0]["active"])

    def test_search_needs_criterion(self):
        self.assertKvkError("Enter a name", self.client._kvk_search)
        self.assertKvkError("Enter a name", self.client._kvk_search, name="  ")
        self.assertKvkError(
            "Unknown KvK result type",
            self.client._kvk_search,
            name="x",
            result_type="y",
        )
        self.assertFalse(self.kvk_server.requests)

    def test_search_as_plain_user(self):
        client = self.client.with_user(self.user_acc)
        result = client._kvk_search(name="jansen")
        self.assertEqual(result["total"], 2)
        profile = client._kvk_profile("68750110")
        values = client._kvk_partner_values(profile)
        self.assertEqual(values["sector_id"], self.sector_it.id)

    # ------------------------------------------------------------------
    # Profile mapping
    # ------------------------------------------------------------------
    def test_profile(self):
        profile = self.client._kvk_profile("6875 0110")
        self.assertEqual(
            self.kvk_server.requests[-1][0], "/api/v1/basisprofielen/68750110"
        )
        self.assertEqual(profile["naam"], "Jansen Software B.V.")
        self.assertEqual(profile["_embedded"]["eigenaar"]["rsin"], "857654329")

    def test_partner_values_bv(self):
        values = self.client._kvk_partner_values(self.client._kvk_profile("68750110"))
        self.assertEqual(
            values,
            {
                "is_company": True,
                "name": "Jansen Software B.V.",
                "street": "Stationsplein 45",
                "zip": "3511ED",
                "city": "Utrecht",
                "country_id": self.country_nl.id,
                "company_registry": "68750110",
                "kvk_branch_number": "000038509504",
                "rsin": "857654329",
                "legal_form": "bv",
                "kvk_legal_form_text": "Besloten Vennootschap",
                "kvk_employee_count": 25,
                "sector_id": self.sector_it.id,
            },
        )
        # The values create a valid relation.
        partner = self.env["res.partner"].create(values)
        self.assertEqual(partner.tax_regime, "vpb")

    def test_partner_values_legal_forms(self):
        expected = {
            "69599084": ("eenmanszaak", False),
            "68750110": ("bv", "857654329"),
            "68727720": ("nv", "811223346"),
            "69599068": ("stichting", "860112238"),
            "69599076": ("vof", "864556676"),
            "90001745": ("maatschap", "867990016"),
            "90003942": ("cv", "800123451"),
        }
        for number, (legal_form, rsin) in expected.items():
            with self.subTest(number=number):
                values = self.client._kvk_partner_values(
                    self.client._kvk_profile(number)
                )
                self.assertEqual(values["legal_form"], legal_form)
                self.assertEqual(values.get("rsin", False), rsin)
                self.assertEqual(values["company_registry"], number)
                self.assertTrue(values["kvk_legal_form_text"])

    def test_legal_form_texts(self):
        cases = {
            "Eenmanszaak": "eenmanszaak",
            "Eenmanszaak met meer dan één eigenaar": "eenmanszaak",
            "VennootschapOnderFirma": "vof",
            "V.O.F.": "vof",
            "maatschap": "maatschap",
            "Commanditaire vennootschap met een beherend vennoot": "cv",
            "BeslotenVennootschap": "bv",
            "Besloten Vennootschap met gewone structuur": "bv",
            "B.V.": "bv",
            "NAAMLOZE VENNOOTSCHAP": "nv",
            "Coöperatie U.A.": "cooperatie",
            "Cooperatie": "cooperatie",
            "Onderlinge Waarborgmaatschappij": "owm",
            "Vereniging met volledige rechtsbevoegdheid": "vereniging",
            "Vereniging van Eigenaars": "vve",
            "Stichting": "stichting",
            "Kerkgenootschap": "kerkgenootschap",
            "Europees economisch samenwerkingsverband": False,
            "": False,
        }
        for text, key in cases.items():
            with self.subTest(text=text):
                self.assertEqual(map_legal_form(text), key)

    def test_partner_values_unknown_legal_form(self):
        values = self.client._kvk_partner_values(self.client._kvk_profile("90004760"))
        self.assertEqual(values["legal_form"], "other")
        self.assertEqual(
            values["kvk_legal_form_text"],
            "Buitenlandse EG-vennootschap met onderneming of nevenvestiging in "
            "Nederland",
        )
        partner = self.env["res.partner"].create(
            {k: v for k, v in values.items() if not k.startswith("sector_")}
        )
        self.assertEqual(partner.legal_form, "other")
        self.assertTrue(partner.kvk_legal_form_text.startswith("Buitenlandse"))

    def test_partner_values_main_branch_address(self):
        values = self.client._kvk_partner_values(self.client._kvk_profile("69599084"))
        self.assertEqual(values["street"], "Dorpsstraat 12 A")
        self.assertEqual(values["zip"], "3732AB")
        self.assertEqual(values["city"], "De Bilt")
        self.assertEqual(values["kvk_branch_number"], "000037178598")
        self.assertEqual(values["kvk_employee_count"], 3)
        self.assertNotIn("rsin", values)
        self.assertEqual(len(self.kvk_server.requests), 1)

    def test_partner_values_branch_address(self):
        profile = self.client._kvk_profile("69599084")
        values = self.client._kvk_partner_values(profile, branch_number="000037178601")
        self.assertEqual(values["street"], "Markt 3")
        self.assertEqual(values["zip"], "3511KA")
        self.assertEqual(values["city"], "Utrecht")
        self.assertEqual(values["kvk_branch_number"], "000037178601")
        self.assertEqual(values["name"], "Bakkerij De Korenschoof")
        self.assertEqual(
            self.kvk_server.requests[-1][0], "/api/v1/vestigingsprofielen/000037178601"
        )
        # The main branch given explicitly needs no extra request.
        self.kvk_server.requests.clear()
        values = self.client._kvk_partner_values(profile, branch_number="000037178598")
        self.assertEqual(values["street"], "Dorpsstraat 12 A")
        self.assertFalse(self.kvk_server.requests)

    def test_partner_values_branch_errors(self):
        profile = self.client._kvk_profile("69599084")
        self.assertKvkError(
            "does not belong to KvK number",
            self.client._kvk_partner_values,
            profile,
            branch_number="000038509504",
            create_sector=True,
        )
        self.assertKvkError(
            "no data for this number",
            self.client._kvk_partner_values,
            profile,
            branch_number="000099999999",
            create_sector=True,
        )
        self.assertKvkError(
            "12 digits", self.client._kvk_partner_values, profile, branch_number="123"
        )

    def test_partner_values_existing_archived_sector(self):
        sector = self.Sector.create(
            {"code": "50201", "name": "Old shipping", "active": False}
        )
        values = self.client._kvk_partner_values(self.client._kvk_profile("68727720"))
        self.assertEqual(values["sector_id"], sector.id)

    def test_partner_values_new_sector(self):
        profile = self.client._kvk_profile("69599068")
        sectors = self.Sector.search_count([])
        values = self.client._kvk_partner_values(profile)
        self.assertNotIn("sector_id", values)
        self.assertEqual(values["sector_code"], "94991")
        self.assertEqual(values["sector_name"], "Ideële organisaties")
        self.assertEqual(self.Sector.search_count([]), sectors)

        # An accountancy user may not create sectors: none is made for them
        # (no sudo), the values keep the code and name for a manager.
        values = self.client.with_user(self.user_acc)._kvk_partner_values(
            profile, create_sector=True
        )
        self.assertNotIn("sector_id", values)
        self.assertEqual(values["sector_code"], "94991")
        self.assertEqual(self.Sector.search_count([]), sectors)

        values = self.client.with_user(self.user_manager)._kvk_partner_values(
            profile, create_sector=True
        )
        self.assertEqual(self.Sector.search_count([]), sectors + 1)
        sector = self.Sector.browse(values["sector_id"])
        self.assertEqual(sector.create_uid, self.user_manager)
        self.assertEqual((sector.code, sector.name), ("94991", "Ideële organisaties"))
        self.assertNotIn("sector_code", values)
        # A second lookup finds it.
        values = self.client._kvk_partner_values(profile, create_sector=True)
        self.assertEqual(values["sector_id"], sector.id)
        self.assertEqual(self.Sector.search_count([]), sectors + 1)

    def test_partner_values_name_fallback(self):
        profile = self.client._kvk_profile("68750110")
        profile = dict(profile, naam=None, statutaireNaam="Jansen Statutair B.V.")
        self.assertEqual(
            self.client._kvk_partner_values(profile)["name"], "Jansen Statutair B.V."
        )

    # ------------------------------------------------------------------
    # Errors
    # ------------------------------------------------------------------
    def test_error_missing_api_key(self):
        self._set_param("api_key", False)
        self.assertKvkError(
            "Enter the KvK API key in Settings > Accountancy",
            self.client._kvk_search,
            name="jansen",
        )
        self.assertKvkError(
            "Enter the KvK API key in Settings > Accountancy",
            self.client._kvk_profile,
            "68750110",
        )
        self.assertFalse(self.kvk_server.requests)

    def test_error_invalid_api_key(self):
        self._set_param("api_key", "wrong-key")
        error = self.assertKvkError(
            "refused the API key", self.client._kvk_search, name="jansen"
        )
        self.assertIn("401", str(error))
        self.assertEqual(self.kvk_server.requests[-1][2], "wrong-key")

    def test_error_invalid_number(self):
        self.assertKvkError("not valid", self.client._kvk_search, kvk_number="00000000")
        self.assertKvkError("not valid", self.client._kvk_profile, "00000000")
        self.assertEqual(len(self.kvk_server.requests), 2)
        # Not 8 digits: refused before any request.
        self.assertKvkError("8 digits", self.client._kvk_profile, "1234")
        self.assertKvkError("8 digits", self.client._kvk_search, kvk_number="6875011A")
        self.assertEqual(len(self.kvk_server.requests), 2)

    def test_error_not_found(self):
        self.assertKvkError(
            "no data for this number", self.client._kvk_profile, "12345678"
        )

    def test_error_no_results(self):
        self.assertKvkError(
            "found no company", self.client._kvk_search, name="geen resultaat"
        )
        self.assertKvkError(
            "found no company",
            self.client._kvk_search,
            postcode="9999ZZ",
            house_number=1,
        )

    def test_error_unavailable(self):
        self.assertKvkError(
            "temporarily unavailable", self.client._kvk_profile, "50000000"
        )
        error = self.assertKvkError(
            "Try again later", self.client._kvk_search, kvk_number="50000000"
        )
        self.assertIn("tijdelijk niet beschikbaar", str(error))

    def test_error_timeout(self):
        self.assertKvkError(
            "did not answer within 2 seconds", self.client._kvk_search, name="traag"
        )
        self.assertKvkError(
            "did not answer within 2 seconds", self.client._kvk_profile, "77777777"
        )

    def test_error_connection_refused(self):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        self._set_param("base_url", f"http://127.0.0.1:{port}")
        self.assertKvkError("Could not connect", self.client._kvk_search, name="jansen")

    def test_error_not_json(self):
        self.assertKvkError(
            "not the expected JSON", self.client._kvk_search, name="rommel"
        )

    def test_error_unexpected_shape(self):
        self.assertKvkError("unexpected format", self.client._kvk_search, name="vorm")
        self.assertKvkError("unexpected format", self.client._kvk_profile, "88888888")
        self.assertKvkError(
            "unexpected format", self.client._kvk_partner_values, {"naam": "X"}
        )
        self.assertKvkError("unexpected format", self.client._kvk_partner_values, None)

    def test_error_custom_without_url(self):
        self._set_param("base_url", False)
        self.assertKvkError("custom base URL", self.client._kvk_search, name="jansen")

    # ------------------------------------------------------------------
    # Settings
    # ------------------------------------------------------------------
    def test_settings_write_parameters(self):
        settings = Form(self.env["res.config.settings"])
        self.assertTrue(settings.kvk_api_key_set)
        settings.kvk_api_key_new = " new-key "
        settings.kvk_environment = "test"
        settings.kvk_timeout = 25
        settings.save().execute()
        params = self.env["ir.config_parameter"].sudo()
        self.assertEqual(params.get_param("accountancy_crm.kvk_api_key"), "new-key")
        self.assertEqual(params.get_param("accountancy_crm.kvk_environment"), "test")
        self.assertEqual(params.get_param("accountancy_crm.kvk_timeout"), "25")
        self.assertEqual(
            self.client._kvk_config(), ("new-key", "https://api.kvk.nl/test", 25)
        )
        self._set_param("environment", "production")
        self.assertEqual(self.client._kvk_config()[1], "https://api.kvk.nl")

        settings = Form(self.env["res.config.settings"])
        # The key is stored, never shown again; saving without a new one keeps it.
        self.assertTrue(settings.kvk_api_key_set)
        self.assertFalse(settings.kvk_api_key_new)
        self.assertFalse(
            self.env["res.config.settings"].search([("kvk_api_key_new", "!=", False)])
        )
        settings.kvk_environment = "custom"
        settings.kvk_base_url = self.kvk_server.base_url
        settings.save().execute()
        self.assertEqual(
            params.get_param("accountancy_crm.kvk_base_url"), self.kvk_server.base_url
        )
        self.assertEqual(params.get_param("accountancy_crm.kvk_api_key"), "new-key")
        self._set_param("api_key", False)
        self.assertFalse(Form(self.env["res.config.settings"]).kvk_api_key_set)
        self._set_param("api_key", "test-key")
        self.assertEqual(self.client._kvk_search(name="jansen")["total"], 2)

    def test_settings_timeout_validation(self):
        for timeout in (0, -5, 61):
            with self.subTest(timeout=timeout), self.assertRaises(ValidationError):
                self.env["res.config.settings"].create({"kvk_timeout": timeout})
        with self.assertRaisesRegex(ValidationError, "base URL"):
            self.env["res.config.settings"].create(
                {"kvk_environment": "custom", "kvk_base_url": "ftp://x"}
            )
        # Out-of-range values stored otherwise fall back to 10 seconds.
        for value in ("0", "120", "abc", False):
            with self.subTest(value=value):
                self._set_param("timeout", value)
                self.assertEqual(get_param(self.env, KVK_TIMEOUT), 10)

    def test_settings_default_timeout(self):
        self._set_param("timeout", False)
        self.assertEqual(self.env["res.config.settings"].create({}).kvk_timeout, 10)

    def test_plain_user_cannot_read_api_key(self):
        params = self.env["ir.config_parameter"].with_user(self.user_acc)
        with self.assertRaises(AccessError):
            params.get_param("accountancy_crm.kvk_api_key")
        with self.assertRaises(AccessError):
            params.search_read([("key", "=", "accountancy_crm.kvk_api_key")])
        with self.assertRaises(AccessError):
            self.env["res.config.settings"].with_user(self.user_manager).create({})
        # ...but may run a lookup.
        result = self.client.with_user(self.user_acc)._kvk_search(kvk_number="68750110")
        self.assertEqual(result["total"], 2)
