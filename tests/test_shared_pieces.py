"""The pieces several models share, each one rule in one place: the client
of a year (accountancy.client.year.mixin), the fixed year ranges
(accountancy.year.mixin), the import templates
(accountancy.import.template.mixin) and the service fields of a plan."""

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged
from odoo.tools import SQL

from ..models.accountancy_planned_hour import PLAN_FIELDS as PLANNED_HOUR_FIELDS
from ..models.accountancy_service_plan import PLAN_DATA_FIELDS, SERVICE_FIELDS
from ..wizards.accountancy_task_generation_wizard import PLAN_FIELDS as TASK_FIELDS
from .common import AccountancyCrmCommon

# The models whose year the module accepts in a fixed range.
YEAR_RANGES = {
    "accountancy.assignment": (2000, 2100),
    "accountancy.employee.budget": (2000, 2100),
    "accountancy.sales.target": (2000, 2100),
    "accountancy.strategy": (1900, 2100),
    "accountancy.annual.figure": (1900, 2100),
    "accountancy.strategy.recompute.wizard": (1900, 2100),
}
# The module's import templates on its own models.
TEMPLATES = {
    "accountancy.service.plan": "service_plans.xlsx",
    "accountancy.annual.figure": "annual_figures.xlsx",
    "accountancy.advisory.status": "advisory_statuses.xlsx",
    "accountancy.assignment": "teams.xlsx",
    "accountancy.sector": "sectors.xlsx",
    "accountancy.employee.budget": "employee_budgets.xlsx",
    "accountancy.client.group": "client_groups.xlsx",
    "accountancy.strategy": "strategies.xlsx",
}
# Columns of the client-year block: (table, column) -> (type, NOT NULL), as
# they were when each model declared the block itself.
CLIENT_YEAR_COLUMNS = {
    ("accountancy_advisory_status", "partner_id"): ("integer", True),
    ("accountancy_advisory_status", "year"): ("integer", True),
    ("accountancy_advisory_status", "company_id"): ("integer", True),
    ("accountancy_service_plan", "partner_id"): ("integer", True),
    ("accountancy_service_plan", "year"): ("integer", True),
    ("accountancy_service_plan", "company_id"): ("integer", True),
    ("accountancy_assignment", "partner_id"): ("integer", True),
    ("accountancy_assignment", "year"): ("integer", True),
    ("accountancy_assignment", "company_id"): ("integer", False),
    ("accountancy_planned_hour", "partner_id"): ("integer", True),
    ("accountancy_planned_hour", "year"): ("integer", True),
    ("accountancy_planned_hour", "company_id"): ("integer", False),
}


@tagged("post_install", "-at_install")
class TestSharedPieces(AccountancyCrmCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.client = cls._create_company("Shared Pieces B.V.", relation_kind="client")
        cls.employee_c2 = cls.env["hr.employee"].create(
            {"name": "Second Office Accountant", "company_id": cls.company_2.id}
        )

    def _year_vals(self, model):
        """Values of a valid record of ``model`` but its year."""
        return {
            "accountancy.assignment": {
                "partner_id": self.client.id,
                "role_id": self.role_rlm.id,
                "employee_id": self.employee.id,
            },
            "accountancy.employee.budget": {"employee_id": self.employee.id},
            "accountancy.sales.target": {"user_id": self.user_manager.id},
            "accountancy.strategy": {"partner_id": self.client.id},
            "accountancy.annual.figure": {"partner_id": self.client.id},
            "accountancy.strategy.recompute.wizard": {},
        }[model]

    def test_year_ranges_are_declared_once(self):
        """The models with a fixed year range are found by introspection: a
        new one shows up here."""
        ranged = {
            name
            for name, model in self.env.registry.items()
            if not model._abstract and getattr(model, "_accountancy_year_range", None)
        }
        self.assertEqual(ranged, set(YEAR_RANGES))

    def test_year_range_refused_with_one_message(self):
        for name, (first, last) in YEAR_RANGES.items():
            Model = self.env[name]
            vals = self._year_vals(name)
            with self.subTest(model=name):
                for year in (first, last):
                    self.assertEqual(Model.create(dict(vals, year=year)).year, year)
                count = Model.search_count([])
                for year in (first - 1, last + 1, 0):
                    # assertRaises (not ...Regex) rolls the failed save back.
                    with self.assertRaises(ValidationError) as cm:
                        Model.create(dict(vals, year=year))
                    self.assertIn(
                        f"{Model._fields['year'].string} {year} is not valid, enter "
                        f"a year from {first} to {last}",
                        str(cm.exception),
                    )
                self.assertEqual(Model.search_count([]), count)
                record = Model.search([], limit=1, order="id desc")
                with self.assertRaises(ValidationError) as cm:
                    record.write({"year": last + 1})
                self.assertIn(f"from {first} to {last}", str(cm.exception))
                self.assertEqual(record.year, last)

    def test_year_range_message_names_the_record(self):
        assignment = self.env["accountancy.assignment"].create(
            dict(self._year_vals("accountancy.assignment"), year=2030)
        )
        with self.assertRaises(ValidationError) as cm:
            assignment.year = 1999
        message = str(cm.exception)
        self.assertIn("Client team assignment", message)
        self.assertIn(self.client.name, message)
        self.assertEqual(assignment.year, 2030)

    def test_client_year_block_keeps_its_columns(self):
        """The block moved into the mixin: same columns, same NOT NULL."""
        self.env.cr.execute(
            SQL(
                "SELECT table_name, column_name, data_type, is_nullable "
                "FROM information_schema.columns "
                "WHERE table_name IN %s AND column_name IN %s",
                tuple({table for table, __ in CLIENT_YEAR_COLUMNS}),
                ("partner_id", "year", "company_id"),
            )
        )
        found = {
            (table, column): (data_type, nullable == "NO")
            for table, column, data_type, nullable in self.env.cr.fetchall()
        }
        self.assertEqual(found, CLIENT_YEAR_COLUMNS)

    def test_client_year_block_defaults(self):
        plan = self.env["accountancy.service.plan"].create(
            {"partner_id": self.client.id}
        )
        self.assertEqual(plan.year, self.this_year)
        self.assertEqual(plan.company_id, self.env.company)
        self.assertEqual(plan._fields["partner_id"].string, "Client")
        self.assertEqual(plan._fields["partner_id"].ondelete, "cascade")
        # An assignment's company is its employee's, not the current one.
        assignment = self.env["accountancy.assignment"].create(
            {
                "partner_id": self.client.id,
                "role_id": self.role_rlm.id,
                "employee_id": self.employee_c2.id,
            }
        )
        self.assertEqual(assignment.year, self.this_year)
        self.assertEqual(assignment.company_id, self.company_2)
        self.assertTrue(assignment._fields["company_id"].readonly)
        # Planned hours are derived: their block cannot be edited.
        Planned = self.env["accountancy.planned.hour"]
        for fname in ("partner_id", "year", "company_id"):
            with self.subTest(field=fname):
                self.assertTrue(Planned._fields[fname].readonly)
        self.assertFalse(Planned._fields["company_id"].required)

    def test_import_templates_for_creators_only(self):
        for name, filename in TEMPLATES.items():
            with self.subTest(model=name):
                offered = (
                    self.env[name].with_user(self.user_manager).get_import_templates()
                )
                self.assertIn(
                    f"/accountancy_crm/static/xls/{filename}",
                    [template["template"] for template in offered],
                )
                self.assertTrue(all(template["label"] for template in offered))
                with self.assertRaises(AccessError):
                    self.env[name].with_user(self.user_employee).get_import_templates()

    def test_import_template_label_in_the_user_language(self):
        self.env["res.lang"]._activate_lang("nl_NL")
        for lang, label in (
            ("en_US", "Import template for sectors"),
            ("nl_NL", "Importsjabloon voor branches"),
        ):
            with self.subTest(lang=lang):
                offered = (
                    self.env["accountancy.sector"]
                    .with_context(lang=lang)
                    .get_import_templates()
                )
                self.assertIn(label, [template["label"] for template in offered])

    def test_plan_service_fields(self):
        """One list of the plan's services feeds the updated-on date, the
        planned hours and the task generation."""
        Plan = self.env["accountancy.service.plan"]
        for fname in SERVICE_FIELDS:
            with self.subTest(field=fname):
                self.assertIn(fname, Plan._fields)
                self.assertIn(fname, PLAN_DATA_FIELDS)
                self.assertIn(fname, PLANNED_HOUR_FIELDS)
                self.assertIn(fname, TASK_FIELDS)
        plan = Plan.create({"partner_id": self.client.id, "updated_on": "2020-01-01"})
        plan.vat_frequency = "quarter"
        self.assertNotEqual(str(plan.updated_on), "2020-01-01")
