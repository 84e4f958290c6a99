import io

from openpyxl import load_workbook

from odoo.tests import tagged

from .common import AccountancyCrmCommon

REPORT = "accountancy_crm.accountancy_strategy_overview_xlsx"


@tagged("post_install", "-at_install")
class TestStrategyReport(AccountancyCrmCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._load_criteria()
        cls.sector = cls.env["accountancy.sector"].create(
            {"code": "4711", "name": "Report retail"}
        )
        cls.group = cls.env["accountancy.client.group"].create(
            {"name": "Report family", "code": "RPTF"}
        )
        cls.client = cls._create_company(
            "Report Sleep B.V.",
            relation_kind="client",
            client_group_id=cls.group.id,
            sector_id=cls.sector.id,
        )
        cls._create_company("Report Holding B.V.", client_group_id=cls.group.id)
        owner = cls._create_person(
            "R. Reporter",
            birth_year=cls.this_year - 55,
            client_group_id=cls.group.id,
        )
        cls._share(owner, cls.client, 100)
        cls.person = cls._create_person(
            "Piet Zonder", birth_year=cls.this_year - 64, relation_kind="client"
        )
        Strategy = cls.env["accountancy.strategy"]
        cls.strategy = Strategy.create({"partner_id": cls.client.id})
        cls._set(
            cls.strategy,
            {
                cls.crit_fee: 6000,
                cls.crit_write_off: 3,
                cls.crit_payment: 30,
                cls.crit_ambassador: 1,
                cls.crit_continuity: 1,
            },
        )
        cls.strategy_person = Strategy.create({"partner_id": cls.person.id})
        cls._set(
            cls.strategy_person,
            {cls.crit_fee: 800, cls.crit_payment: 75, cls.crit_ambassador: 0},
        )

    @classmethod
    def _set(cls, strategy, values):
        for criterion, value in values.items():
            strategy.line_ids.filtered(lambda ln, c=criterion: ln.criterion_id == c)[
                :1
            ].write({"value": value, "manual": True})

    def _render_rows(self, strategies):
        content, report_type = self.env["ir.actions.report"]._render(
            REPORT, strategies.ids
        )
        self.assertEqual(report_type, "xlsx")
        sheet = load_workbook(io.BytesIO(content), read_only=True).active
        return [list(row) for row in sheet.iter_rows(values_only=True)]

    def test_report_declared_in_print_menu(self):
        report = self.env.ref(REPORT)
        self.assertEqual(report.report_type, "xlsx")
        self.assertEqual(report.binding_model_id.model, "accountancy.strategy")

    def test_overview_rows(self):
        strategies = self.strategy | self.strategy_person
        rows = self._render_rows(strategies)
        self.assertEqual(
            rows[0],
            [
                "Relation",
                "Year",
                "Client group",
                "Sector",
                "Small business",
                "Fee volume",
                "Write-offs",
                "Payment behaviour",
                "Ambassador",
                "Age entrepreneur",
                "Points",
                "Client type",
            ],
        )
        self.assertEqual(len(rows), 3, "a header and one row per strategy")
        by_name = {row[0]: row for row in rows[1:]}
        company = by_name["Report Sleep B.V."]
        # fee 1 + write-off 2 + payment 2 + ambassador 2 + continuity 2
        # + age 1 + group of 3 entities 2
        self.assertEqual(company[1], self.this_year)
        self.assertEqual(company[2], "RPTF")
        self.assertEqual(company[3], self.sector.display_name)
        self.assertEqual(
            company[5:10], ["05000-07500", "00-05", "00-30", "Yes", "50-59"]
        )
        self.assertEqual(company[10], 12)
        self.assertEqual(company[11], "A")
        self.assertEqual(company[10], self.strategy.points)
        person = by_name["Piet Zonder"]
        self.assertIn(person[2], (None, ""), "not in a client group")
        self.assertIn(person[3], (None, ""))
        self.assertEqual(person[5], "00000-01500")
        self.assertEqual(person[7], "60>")
        self.assertEqual(person[8], "No")
        self.assertEqual(person[9], "60>")
        self.assertEqual(person[10], self.strategy_person.points)
        self.assertEqual(person[11], self.strategy_person.client_type_id.code)
        if "small_business" not in self.strategy._fields:
            self.assertIn(company[4], (None, ""))

    def _count_queries(self, func):
        self.env.flush_all()
        self.env.invalidate_all()
        before = self.env.cr.sql_log_count
        func()
        return self.env.cr.sql_log_count - before

    def test_overview_queries_do_not_grow_per_row(self):
        report = self.env["report.accountancy_crm.strategy_overview_xlsx"]
        strategies = self.strategy | self.strategy_person
        few = self._count_queries(lambda: report._overview_rows(strategies))
        more = self.env["accountancy.strategy"].create(
            [
                {
                    "partner_id": self._create_company(
                        f"Report extra {i} B.V.",
                        relation_kind="client",
                        sector_id=self.sector.id,
                    ).id
                }
                for i in range(8)
            ]
        )
        many = self._count_queries(lambda: report._overview_rows(strategies | more))
        self.assertLessEqual(many, few, "no query per row")
