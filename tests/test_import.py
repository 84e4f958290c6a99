from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import KVK_VALID, KVK_VALID_2, AccountancyCrmCommon

FIELDS = ["name", "is_company", "country_id", "company_registry", "payroll_tax_number"]


@tagged("post_install", "-at_install")
class TestImport(AccountancyCrmCommon):
    """Odoo's standard import runs the same checks as the form."""

    def _errors(self, result):
        return [m for m in result["messages"] if m["type"] == "error"]

    @mute_logger("odoo.sql_db", "odoo.models")
    def test_load_good_rows(self):
        result = self.Partner.load(
            FIELDS,
            [
                [
                    "Import Good B.V.",
                    "True",
                    "Netherlands",
                    "6959 9084",
                    "123456782l01",
                ],
                ["Import Good Two B.V.", "True", "Netherlands", "68.75.01.10", ""],
            ],
        )
        self.assertFalse(self._errors(result), result["messages"])
        self.assertEqual(len(result["ids"]), 2)
        partners = self.Partner.browse(result["ids"])
        self.assertEqual(partners.mapped("company_registry"), [KVK_VALID, KVK_VALID_2])
        self.assertEqual(partners[0].payroll_tax_number, "123456782L01")

    @mute_logger("odoo.sql_db", "odoo.models")
    def test_load_bad_row_saves_nothing(self):
        names = ["Import Ok B.V.", "Import Bad B.V."]
        result = self.Partner.load(
            FIELDS,
            [
                [names[0], "True", "Netherlands", KVK_VALID, ""],
                [names[1], "True", "Netherlands", "1234", ""],
            ],
        )
        errors = self._errors(result)
        self.assertTrue(errors)
        self.assertIn("KvK number", " ".join(m["message"] for m in errors))
        self.assertFalse(result["ids"])
        self.assertEqual(self._count_partners(names), 0)

    @mute_logger("odoo.sql_db", "odoo.models")
    def test_load_duplicate_saves_nothing(self):
        self._create_company("Already There B.V.", company_registry=KVK_VALID)
        names = ["Import New B.V.", "Import Copy B.V."]
        result = self.Partner.load(
            FIELDS,
            [
                [names[0], "True", "Netherlands", KVK_VALID_2, ""],
                [names[1], "True", "Netherlands", KVK_VALID, ""],
            ],
        )
        errors = self._errors(result)
        self.assertTrue(errors)
        self.assertIn("Already There B.V.", " ".join(m["message"] for m in errors))
        self.assertFalse(result["ids"])
        self.assertEqual(self._count_partners(names), 0)

    @mute_logger("odoo.sql_db", "odoo.models")
    def test_load_duplicate_within_file(self):
        names = ["File Twin One B.V.", "File Twin Two B.V."]
        result = self.Partner.load(
            FIELDS, [[name, "True", "Netherlands", KVK_VALID_2, ""] for name in names]
        )
        self.assertTrue(self._errors(result))
        self.assertFalse(result["ids"])
        self.assertEqual(self._count_partners(names), 0)

    def _import_wizard(self, content):
        return self.env["base_import.import"].create(
            {
                "res_model": "res.partner",
                "file": content,
                "file_type": "text/csv",
                "file_name": "relations.csv",
            }
        )

    @mute_logger(
        "odoo.sql_db", "odoo.models", "odoo.addons.base_import.models.base_import"
    )
    def test_base_import_csv(self):
        options = {"quoting": '"', "separator": ",", "has_headers": True}
        columns = ["Name", "Is a Company", "KvK"]
        import_fields = ["name", "is_company", "company_registry"]
        bad_file = (
            b"Name,Is a Company,KvK\n"
            b"Csv Good B.V.,True,69599084\n"
            b"Csv Bad B.V.,True,12AB\n"
        )
        # Test run: the error is reported, nothing saved.
        result = self._import_wizard(bad_file).execute_import(
            import_fields, columns, dict(options), dryrun=True
        )
        self.assertTrue(self._errors(result), result)
        self.assertIn("12AB", " ".join(m["message"] for m in self._errors(result)))
        # On the file's line 3, counting the header as line 1 (Odoo's screen
        # said "row 1", the index of the data row).
        self.assertEqual({m["record"] for m in self._errors(result)}, {3})
        self.assertEqual(self._count_partners(["Csv Good B.V.", "Csv Bad B.V."]), 0)
        # Real run: the same, nothing saved.
        result = self._import_wizard(bad_file).execute_import(
            import_fields, columns, dict(options)
        )
        self.assertTrue(self._errors(result))
        self.assertFalse(result["ids"])
        self.assertEqual(self._count_partners(["Csv Good B.V.", "Csv Bad B.V."]), 0)
        # A good file imports, with normalised numbers.
        good_file = b'Name,Is a Company,KvK\nCsv Good B.V.,True,"6959 9084"\n'
        result = self._import_wizard(good_file).execute_import(
            import_fields, columns, dict(options)
        )
        self.assertFalse(self._errors(result), result)
        self.assertEqual(self.Partner.browse(result["ids"]).company_registry, KVK_VALID)
