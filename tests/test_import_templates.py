import importlib.util
import io
import logging
import time

import openpyxl

from odoo.tests import tagged
from odoo.tools import file_open, file_path, mute_logger

from ..models.accountancy_job_run import JOB_THRESHOLD
from .common import AccountancyCrmCommon, make_bsn

_logger = logging.getLogger(__name__)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Rows of the bulk test. With 5,000 rows Odoo's test run takes minutes: after
# the batch fails, it creates every row on its own to find the faulty ones.
BULK_ROWS = 5000
IMPORT_LOGGERS = (
    "odoo.sql_db",
    "odoo.models",
    "odoo.addons.base_import.models.base_import",
)
# The faults of the bulk file in a company's numbers or group.
COMPANY_FAULTS = ("kvk", "rsin", "legal_form", "group")


def load_tool(name):
    """The module tools/<name>.py (tools/ is not a Python package)."""
    path = file_path(f"accountancy_crm/tools/{name}.py")
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


import_files = load_tool("import_files")


@tagged("post_install", "-at_install")
class TestImportTemplates(AccountancyCrmCommon):
    """The XLSX templates of static/xls/ and Odoo's standard import with them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.script = load_tool("make_import_templates")
        cls.templates = cls.script.TEMPLATES
        # The example years of the templates stay plannable whatever today is.
        params = cls.env["ir.config_parameter"].sudo()
        params.set_param("accountancy_crm.planning_years_back", 50)
        params.set_param("accountancy_crm.planning_years_ahead", 50)

    def _import(
        self, model, content, fields, file_type="text/csv", dryrun=False, user=None
    ):
        Import = self.env["base_import.import"]
        wizard = (Import.with_user(user) if user else Import).create(
            {
                "res_model": model,
                "file": content,
                "file_type": file_type,
                "file_name": "import.xlsx" if file_type == XLSX else "import.csv",
            }
        )
        result = wizard.execute_import(
            fields, fields, import_files.import_options(), dryrun=dryrun
        )
        if dryrun:
            # The test run rolls back the database, not the ORM cache: start
            # afresh, as the next request of the import screen does.
            self.env.invalidate_all()
        return result

    def _errors(self, result):
        return [m for m in result["messages"] if m["type"] == "error"]

    def _shipped(self, template):
        with file_open(
            f"accountancy_crm/static/xls/{template['file']}.xlsx", "rb"
        ) as handle:
            return handle.read()

    # ------------------------------------------------------------------
    # The shipped files
    # ------------------------------------------------------------------
    def test_shipped_files_equal_the_script(self):
        """static/xls/ holds what tools/make_import_templates.py generates: run
        the script after changing a template."""
        for template in self.templates:
            with self.subTest(template=template["file"]):
                generated = io.BytesIO()
                self.script.build_workbook(template).save(generated)
                expected = self.script.workbook_values(
                    openpyxl.load_workbook(io.BytesIO(generated.getvalue()))
                )
                shipped = self.script.workbook_values(
                    openpyxl.load_workbook(io.BytesIO(self._shipped(template)))
                )
                self.assertEqual(shipped, expected)
                self.assertEqual(
                    shipped["Data"][0], [column[0] for column in template["columns"]]
                )

    def test_templates_offered_on_their_model(self):
        """Each template is offered by Odoo's import of its model."""
        for template in self.templates:
            with self.subTest(template=template["file"]):
                offered = [
                    entry["template"]
                    for entry in self.env[template["model"]].get_import_templates()
                ]
                self.assertIn(
                    f"/accountancy_crm/static/xls/{template['file']}.xlsx", offered
                )

    def test_headers_are_importable_field_paths(self):
        """Every header is a path of importable fields, as the import screen
        offers them, so that the columns map without manual choices."""
        Import = self.env["base_import.import"]
        for template in self.templates:
            tree = Import.get_fields_tree(template["model"])
            for path, *_doc in template["columns"]:
                with self.subTest(template=template["file"], column=path):
                    level = tree
                    for name in path.split("/"):
                        match = [f for f in level if f["name"] == name]
                        self.assertTrue(match, f"{path} is not importable")
                        level = match[0]["fields"]

    # ------------------------------------------------------------------
    # The examples, imported in order, resolve each other's natural keys
    # ------------------------------------------------------------------
    @mute_logger(*IMPORT_LOGGERS)
    def test_examples_import_in_order_with_natural_keys(self):
        for template in self.templates:
            fields = [column[0] for column in template["columns"]]
            content = self._shipped(template)
            model = template["model"]
            with self.subTest(template=template["file"]):
                before = self.env[model].search_count([])
                test_run = self._import(model, content, fields, XLSX, dryrun=True)
                self.assertFalse(test_run["messages"], test_run["messages"])
                self.assertEqual(self.env[model].search_count([]), before)
                result = self._import(model, content, fields, XLSX)
                self.assertFalse(result["messages"], result["messages"])
                self.assertTrue(result["ids"])

        Partner = self.env["res.partner"]

        def relation(debtor_number):
            partner = Partner.search([("debtor_number", "=", debtor_number)])
            self.assertEqual(len(partner), 1, debtor_number)
            return partner

        holding, shop, jan, notary = (
            relation(number) for number in ("90001", "90002", "90003", "90004")
        )
        hanna = self.env["hr.employee"].search([("accountancy_code", "=", "HVB")])
        mark = self.env["hr.employee"].search([("accountancy_code", "=", "MVB")])
        self.assertEqual(len(hanna), 1)
        self.assertEqual(hanna.parent_id, self.env["hr.employee"])
        group = self.env["accountancy.client.group"].search([("code", "=", "900100")])
        # client group code, employee code, SBI code
        self.assertEqual(group.employee_id, hanna)
        self.assertEqual(group.member_ids, holding | shop | jan)
        self.assertEqual(shop.sector_id.code, "4711")
        self.assertEqual(holding.legal_form, "bv")
        self.assertEqual(holding.company_registry, "90000011")
        self.assertEqual(shop.kvk_branch_number, "000090000012")
        self.assertEqual(shop.payroll_tax_number, "900000016L01")
        self.assertEqual(jan.sudo().bsn, "900000041")
        self.assertEqual(notary.institution_type, "notary")
        # contact persons by debtor number and by KvK number (the company, not
        # its contact persons, which share the KvK number)
        petra = Partner.search([("name", "=", "Petra Voorbeeld")])
        kees = Partner.search([("name", "=", "Kees Voorbeeld")])
        self.assertEqual(petra.parent_id, shop)
        self.assertEqual(petra.department, "Finance")
        self.assertEqual(kees.parent_id, holding)
        self.assertEqual(kees.company_registry, "90000011")
        # shareholdings by debtor and KvK numbers, with the module's types
        shares = self.env["res.partner.relation"].search(
            [("right_partner_id", "in", (holding | shop).ids)]
        )
        self.assertEqual(
            {
                (s.left_partner_id, s.type_id, s.right_partner_id, s.share_percentage)
                for s in shares
            },
            {
                (jan, self.type_shareholder, holding, 100.0),
                (holding, self.type_shareholder, shop, 100.0),
                (
                    notary,
                    self.env.ref("accountancy_crm.relation_type_notary"),
                    holding,
                    0.0,
                ),
            },
        )
        # teams by role and employee code
        team = self.env["accountancy.assignment"].search(
            [("partner_id", "=", holding.id), ("year", "=", 2027)]
        )
        self.assertEqual(
            {(a.role_id.code, a.employee_id.accountancy_code) for a in team},
            {("RLM", "HVB"), ("JRK", "MVB"), ("ACC", "JVB")},
        )
        # strategy lines by criterion code; manual values survive the recompute
        strategy = self.env["accountancy.strategy"].search(
            [("partner_id", "=", holding.id), ("year", "=", 2026)]
        )
        values = {line.criterion_id.code: line for line in strategy.line_ids}
        self.assertEqual(values["FEE"].value, 15000)
        self.assertTrue(values["FEE"].manual)
        self.assertEqual(values["FEE"].band_id.code, "10000-29999")
        self.assertEqual(values["PAY"].band_id.code, "00-30")
        self.assertEqual(values["WOF"].band_id.code, "00-05")
        self.assertEqual(values["AMB"].points, 2)
        self.assertEqual(values["CON"].value, 1)  # going concern
        self.assertEqual(values["GRP"].value, 3)  # the group's three members
        self.assertEqual(values["AGE"].value, 2026 - 1962)  # Jan holds the shares
        self.assertEqual(strategy.continuity, "going_concern")
        # annual figures, service plans, advisory statuses
        self.assertEqual(shop.annual_figure_ids.mapped("year"), [2025, 2024])
        self.assertEqual(shop.size_class, "small")
        plan = holding.service_plan_ids.filtered(lambda p: p.year == 2027)
        self.assertEqual(plan.bookkeeping_frequency, "year")
        self.assertEqual(plan.bookkeeping_month, "3")
        self.assertEqual(str(plan.annual_accounts_date), "2027-01-21")
        statuses = self.env["accountancy.advisory.status"].search(
            [("partner_id", "=", holding.id), ("year", "=", 2027)]
        )
        self.assertEqual(
            {(s.service_id.code, s.status) for s in statuses},
            {("STRAT", "active"), ("FINPL", "discuss")},
        )
        # employee budgets: months given, or spread evenly
        budgets = self.env["accountancy.employee.budget"].search(
            [("employee_id", "in", (hanna | mark).ids), ("year", "=", 2027)]
        )
        by_code = {b.employee_id.accountancy_code: b for b in budgets}
        self.assertEqual(by_code["MVB"].role_id.code, "JRK")
        self.assertEqual(len(by_code["MVB"].month_ids), 12)
        self.assertEqual(by_code["MVB"].control_hours, 10)
        self.assertEqual(len(by_code["HVB"].month_ids), 12)
        self.assertAlmostEqual(by_code["HVB"].months_productive_hours, 1560, 2)

    @mute_logger(*IMPORT_LOGGERS)
    def test_relation_key_resolves_uniquely(self):
        """A KvK number shared by a company and its contact persons (Odoo copies
        it onto them) finds the company; debtor and branch numbers find their
        relation; an unknown key is an error naming the value."""
        company = self._create_company(
            "Key Test B.V.",
            company_registry="91919191",
            kvk_branch_number="000091919191",
            debtor_number="K-1",
        )
        contact = self.Partner.create({"name": "Key Contact", "parent_id": company.id})
        self.assertEqual(contact.company_registry, "91919191")
        for key in ("91919191", "000091919191", "K-1"):
            with self.subTest(key=key):
                self.assertEqual(
                    [pid for pid, _name in self.Partner.name_search(key, operator="=")],
                    [company.id],
                )
        content = b"name,parent_id\nNew Contact,91919191\nLost Contact,K-404\n"
        result = self._import("res.partner", content, ["name", "parent_id"])
        errors = self._errors(result)
        self.assertEqual(len(errors), 1, result["messages"])
        # Line 3 of the file (the header is line 1), as the screen shows it
        # for a record's error (record) and a column's error (rows + 1).
        self.assertEqual(errors[0]["record"], 3)
        self.assertEqual(errors[0]["rows"], {"from": 2, "to": 2})
        self.assertIn("K-404", errors[0]["message"])
        self.assertFalse(self.Partner.search([("name", "=", "New Contact")]))
        result = self._import(
            "res.partner",
            b"name,parent_id\nNew Contact,91919191\n",
            ["name", "parent_id"],
        )
        self.assertFalse(result["messages"], result["messages"])
        self.assertEqual(self.Partner.browse(result["ids"]).parent_id, company)

    @mute_logger(*IMPORT_LOGGERS)
    def test_manager_without_hr_rights_imports_by_employee_code(self):
        """Users without HR rights see employees through hr.employee.public: the
        employee code resolves there too."""
        self.env["hr.employee"].create(
            {"name": "Coded Employee", "accountancy_code": "CDE"}
        )
        client = self._create_company("Team Client B.V.", debtor_number="T-1")
        self.assertFalse(self.user_manager.has_group("hr.group_hr_user"))
        fields = ["partner_id", "year", "role_id", "employee_id"]
        result = self._import(
            "accountancy.assignment",
            b"partner_id,year,role_id,employee_id\nT-1,2027,RLM,CDE\nT-1,2027,JRK,XXX\n",
            fields,
            user=self.user_manager,
        )
        errors = self._errors(result)
        # the unknown code, and the required employee that is missing
        # both on line 3 of the file
        self.assertEqual({e["record"] for e in errors}, {3}, result["messages"])
        self.assertIn("XXX", errors[0]["message"])
        result = self._import(
            "accountancy.assignment",
            b"partner_id,year,role_id,employee_id\nT-1,2027,RLM,CDE\n",
            fields,
            user=self.user_manager,
        )
        self.assertFalse(result["messages"], result["messages"])
        assignment = self.env["accountancy.assignment"].browse(result["ids"])
        self.assertEqual(assignment.partner_id, client)
        self.assertEqual(assignment.employee_id.accountancy_code, "CDE")
        self.assertEqual(assignment.role_id, self.role_rlm)

    # ------------------------------------------------------------------
    # A firm's relations file with 30 faulty rows (BULK_ROWS rows)
    # ------------------------------------------------------------------
    def _relations_file(self, count, bad_rows):
        """CSV bytes of ``count`` relations (every fifth a person) and their
        columns; ``bad_rows`` maps a row index to the kind of fault."""
        fields = list(import_files.RELATION_COLUMNS)
        rows = []
        for index in range(count):
            fault = bad_rows.get(index)
            row = import_files.relation_row(
                index,
                f"Bulk Relation {index:05d}",
                f"B{index:05d}",
                registry=f"{71000000 + index}",
                rsin=make_bsn(3500000 + index),
                bsn=make_bsn(4000000 + index),
                # The faults of a company's numbers are made on a company.
                person=index % 5 == 0 and fault not in COMPANY_FAULTS,
            )
            row["client_group_id"] = "BULK" if index % 10 == 1 else ""
            if fault == "kvk":
                row["company_registry"] = "7100123"  # 7 digits
            elif fault == "rsin":
                row["rsin"] = "123456789"  # fails the eleven test
            elif fault == "legal_form":
                row["legal_form"] = "bvba"  # Belgian, not a Dutch legal form
            elif fault == "group":
                row["client_group_id"] = "NOPE"
            elif fault == "bsn":
                row.update(is_company="0", legal_form="", company_registry="", rsin="")
                row["bsn"] = "123456789"
            rows.append(row)
        return import_files.csv_file(fields, rows), fields

    @mute_logger(*IMPORT_LOGGERS)
    def test_bulk_relations_with_30_faulty_rows(self):
        self.env["accountancy.client.group"].create({"name": "Bulk", "code": "BULK"})
        kinds = ["kvk", "rsin", "legal_form", "group", "bsn"]
        step = BULK_ROWS // 30
        bad_rows = {step // 2 + step * n: kinds[n % len(kinds)] for n in range(30)}
        reasons = {
            "kvk": "7100123",
            "rsin": "123456789",
            "legal_form": "bvba",
            "group": "NOPE",
            "bsn": "BSN",
        }
        content, fields = self._relations_file(BULK_ROWS, bad_rows)
        # The import in the request (a background import: test_import_background).
        self.env["ir.config_parameter"].set_param(JOB_THRESHOLD.key, BULK_ROWS)
        Partner = self.env["res.partner"].with_context(active_test=False)
        domain = [("debtor_number", "=like", "B_____")]
        self.assertEqual(Partner.search_count(domain), 0)

        # Test run (Odoo's "Test" button): each faulty row with its reason.
        queries, start = self.env.cr.sql_log_count, time.time()
        result = self._import("res.partner", content, fields, dryrun=True)
        test_seconds = time.time() - start
        test_queries = self.env.cr.sql_log_count - queries
        errors = self._errors(result)
        self.assertEqual(len(errors), 30, [e["message"] for e in errors])
        self.assertEqual(len(result["messages"]), 30)
        # Each on its line of the file: data row 0 is line 2, under the header.
        by_line = {error["record"]: error for error in errors}
        self.assertEqual(set(by_line), {index + 2 for index in bad_rows})
        for index, kind in bad_rows.items():
            with self.subTest(row=index, kind=kind):
                self.assertEqual(by_line[index + 2]["rows"]["to"], index + 1)
                self.assertIn(reasons[kind], by_line[index + 2]["message"])
        self.assertEqual(Partner.search_count(domain), 0)

        # The real import of the faulty file saves nothing either.
        result = self._import("res.partner", content, fields)
        self.assertEqual(len(self._errors(result)), 30)
        self.assertFalse(result["ids"])
        self.assertEqual(Partner.search_count(domain), 0)

        # Fixed: all relations are created, with their numbers and group.
        content, fields = self._relations_file(BULK_ROWS, {})
        queries, start = self.env.cr.sql_log_count, time.time()
        result = self._import("res.partner", content, fields)
        import_seconds = time.time() - start
        import_queries = self.env.cr.sql_log_count - queries
        self.assertFalse(result["messages"], result["messages"][:5])
        self.assertEqual(len(result["ids"]), BULK_ROWS)
        partners = Partner.search(domain)
        self.assertEqual(len(partners), BULK_ROWS)
        self.assertEqual(len(partners.filtered("is_company")), BULK_ROWS * 4 // 5)
        self.assertEqual(
            partners.filtered(lambda p: p.client_group_id.code == "BULK"),
            partners.filtered(lambda p: int(p.debtor_number[1:]) % 10 == 1),
        )
        _logger.info(
            "Import of %s relations: test run with 30 faulty rows %.1f s, %s "
            "queries; import %.1f s, %s queries",
            BULK_ROWS,
            test_seconds,
            test_queries,
            import_seconds,
            import_queries,
        )
