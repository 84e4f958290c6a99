import base64
import itertools
from datetime import date, timedelta

from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from odoo.addons.mail.tests.common import mail_new_test_user

from ..models import fiscal_deadlines as fd
from .common import AccountancyCrmCommon, make_bsn


@tagged("post_install", "-at_install")
class TestFiscalDeadlines(AccountancyCrmCommon):
    """The deadline rules, date by date."""

    def test_ib(self):
        self.assertEqual(fd.ib_deadline(2024), date(2025, 4, 30))
        self.assertEqual(fd.ib_deadline(2024, deferral=True), date(2026, 5, 1))
        self.assertEqual(fd.ib_deadline(2020, deferral=True), date(2022, 5, 1))

    def test_vpb_calendar_and_broken_years(self):
        self.assertEqual(fd.vpb_deadline(date(2024, 12, 31)), date(2025, 5, 31))
        self.assertEqual(fd.vpb_deadline(date(2024, 12, 31), True), date(2026, 5, 1))
        # Broken year: 5 months, and 5 more on the deferral list.
        self.assertEqual(fd.vpb_deadline(date(2024, 6, 30)), date(2024, 11, 30))
        self.assertEqual(fd.vpb_deadline(date(2024, 6, 30), True), date(2025, 4, 30))
        self.assertEqual(fd.vpb_deadline(date(2024, 3, 31)), date(2024, 8, 31))
        self.assertEqual(fd.vpb_deadline(date(2024, 9, 30), True), date(2025, 7, 31))
        # Year ending on the last day of February, leap year and not.
        self.assertEqual(fd.vpb_deadline(date(2024, 2, 29)), date(2024, 7, 31))
        self.assertEqual(fd.vpb_deadline(date(2023, 2, 28)), date(2023, 7, 31))
        # Five months before the end of February.
        self.assertEqual(fd.vpb_deadline(date(2023, 9, 30)), date(2024, 2, 29))
        self.assertEqual(fd.vpb_deadline(date(2022, 9, 30)), date(2023, 2, 28))
        # A year end that is not a month end keeps its day.
        self.assertEqual(fd.vpb_deadline(date(2024, 9, 15)), date(2025, 2, 15))
        self.assertTrue(fd.in_deferral_schedule("vpb", date(2024, 12, 31)))
        self.assertFalse(fd.in_deferral_schedule("vpb", date(2024, 6, 30)))
        self.assertTrue(fd.in_deferral_schedule("ib", date(2024, 12, 31)))

    def test_year_end(self):
        self.assertEqual(fd.year_end_date(2024, 2, 29), date(2024, 2, 29))
        self.assertEqual(fd.year_end_date(2025, 2, 29), date(2025, 2, 28))
        self.assertTrue(fd.is_valid_year_end(2, 29))
        self.assertFalse(fd.is_valid_year_end(2, 30))
        self.assertFalse(fd.is_valid_year_end(4, 31))
        self.assertFalse(fd.is_valid_year_end(13, 1))
        self.assertFalse(fd.is_valid_year_end(6, 0))

    def test_payroll(self):
        months = fd.payroll_periods(2024, "month")
        self.assertEqual(len(months), 12)
        self.assertEqual(fd.payroll_deadline(months[0][2], "month"), date(2024, 2, 29))
        self.assertEqual(fd.payroll_deadline(months[11][2], "month"), date(2025, 1, 31))
        self.assertEqual(
            fd.payroll_deadline(date(2023, 1, 31), "month"), date(2023, 2, 28)
        )
        weeks = fd.payroll_periods(2024, "four_weeks")
        self.assertEqual(len(weeks), 13)
        self.assertEqual(weeks[0][1:], (date(2024, 1, 1), date(2024, 1, 28)))
        self.assertEqual(weeks[1][1:], (date(2024, 1, 29), date(2024, 2, 25)))
        self.assertEqual(weeks[12][2], date(2024, 12, 31))
        # One month after the period ends.
        self.assertEqual(
            fd.payroll_deadline(weeks[0][2], "four_weeks"), date(2024, 2, 28)
        )
        self.assertEqual(
            fd.payroll_deadline(weeks[1][2], "four_weeks"), date(2024, 3, 25)
        )
        self.assertEqual(
            fd.payroll_deadline(weeks[12][2], "four_weeks"), date(2025, 1, 31)
        )
        self.assertEqual(
            fd.payroll_deadline(date(2024, 1, 30), "four_weeks"), date(2024, 2, 29)
        )
        # The periods are blocks of ISO weeks: 2014 as in the aangiftebrief
        # (period 1 from 1 to 26 January, due 26 February; period 2 from 27
        # January to 23 February, due 23 March).
        weeks = fd.payroll_periods(2014, "four_weeks")
        self.assertEqual(weeks[0][1:], (date(2014, 1, 1), date(2014, 1, 26)))
        self.assertEqual(weeks[1][1:], (date(2014, 1, 27), date(2014, 2, 23)))
        self.assertEqual(
            fd.payroll_deadline(weeks[0][2], "four_weeks"), date(2014, 2, 26)
        )
        self.assertEqual(
            fd.payroll_deadline(weeks[1][2], "four_weeks"), date(2014, 3, 23)
        )
        self.assertEqual(weeks[12][1:], (date(2014, 12, 1), date(2014, 12, 31)))
        # 1 January in the last ISO week of the year before: a longer first
        # period; the periods follow each other without a gap.
        weeks = fd.payroll_periods(2027, "four_weeks")
        self.assertEqual(weeks[0][1:], (date(2027, 1, 1), date(2027, 1, 31)))
        for before, after in itertools.pairwise(weeks):
            self.assertEqual(before[2] + timedelta(days=1), after[1])
        self.assertEqual(weeks[12][2], date(2027, 12, 31))
        # Monthly: 2014 as in the aangiftebrief.
        self.assertEqual(
            fd.payroll_deadline(date(2014, 12, 31), "month"), date(2015, 1, 31)
        )
        self.assertEqual(
            fd.payroll_deadline(date(2014, 2, 28), "month"), date(2014, 3, 31)
        )

    def test_kvk(self):
        end = date(2024, 12, 31)
        self.assertEqual(fd.kvk_preparation_deadline(end), date(2025, 5, 31))
        self.assertEqual(fd.kvk_preparation_deadline(end, True), date(2025, 10, 31))
        # Not adopted: 5 + 2 months, with the extension 5 + 5 + 2.
        self.assertEqual(fd.kvk_filing_deadline(end), date(2025, 7, 31))
        self.assertEqual(fd.kvk_filing_deadline(end, None, True), date(2025, 12, 31))
        self.assertEqual(
            fd.kvk_filing_deadline(end, date(2025, 6, 20)), date(2025, 6, 28)
        )
        # Adopted late: the latest date stays.
        self.assertEqual(
            fd.kvk_filing_deadline(end, date(2025, 7, 28)), date(2025, 7, 31)
        )
        self.assertEqual(
            fd.kvk_filing_deadline(end, date(2025, 12, 28), True), date(2025, 12, 31)
        )
        self.assertEqual(fd.kvk_filing_deadline(date(2023, 2, 28)), date(2023, 9, 30))
        self.assertEqual(
            fd.kvk_filing_deadline(date(2023, 2, 28), None, True), date(2024, 2, 29)
        )

    def test_schedule(self):
        ends = fd.schedule_month_ends(2024)
        self.assertEqual(len(ends), 12)
        # The first filing period runs from April to August: nothing is
        # required at the month ends inside it.
        self.assertEqual(ends[0], (date(2025, 5, 31), 0.0))
        self.assertEqual(ends[2], (date(2025, 7, 31), 0.0))
        self.assertEqual(ends[3], (date(2025, 8, 31), 30.0))
        self.assertEqual(ends[4], (date(2025, 9, 30), 38.75))
        self.assertEqual(ends[8], (date(2026, 1, 31), 73.75))
        self.assertEqual(ends[9], (date(2026, 2, 28), 82.5))
        self.assertEqual(ends[11], (date(2026, 4, 30), 100.0))
        self.assertEqual(fd.schedule_status(10, 3, 30.0), (0, "on_track"))
        self.assertEqual(fd.schedule_status(10, 0, 0.0), (0, "on_track"))
        # 5 % of 10 returns is half a return: 0.875 behind is too much.
        self.assertEqual(fd.schedule_status(10, 3, 38.75), (1, "far_behind"))
        self.assertEqual(fd.schedule_status(100, 36, 38.75), (3, "behind"))
        self.assertEqual(fd.schedule_status(10, 3, 47.5), (2, "far_behind"))
        self.assertEqual(fd.schedule_status(100, 60, 65.0), (5, "behind"))
        self.assertEqual(fd.schedule_status(100, 59, 65.0), (6, "far_behind"))


@tagged("post_install", "-at_install", "is_query_count")
class TestFiscalCalendar(AccountancyCrmCommon):
    """Returns from the service plans, the monitor, the import and the cron."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Three years back, so that the whole filing schedule lies in the past.
        cls.env["ir.config_parameter"].set_param(
            "accountancy_crm.planning_years_back", 3
        )
        cls.year = cls.this_year - 3
        cls.Plan = cls.env["accountancy.service.plan"]
        cls.Task = cls.env["project.task"]
        cls.Monitor = cls.env["accountancy.fiscal.monitor"]
        cls.env["ir.config_parameter"].set_param(
            "accountancy_crm.task_project_mode", "client"
        )
        cls.person = cls._create_person(
            "Fiscal Person", relation_kind="client", bsn=make_bsn(101)
        )
        cls.person_2 = cls._create_person(
            "Fiscal Person Two", relation_kind="client", bsn=make_bsn(102)
        )
        cls.bv = cls._create_company(
            "Fiscal BV B.V.",
            relation_kind="client",
            legal_form="bv",
            rsin=make_bsn(103),
        )
        cls.bv_broken = cls._create_company(
            "Fiscal Broken B.V.",
            relation_kind="client",
            legal_form="bv",
            accountancy_year_end_month="6",
            accountancy_year_end_day=30,
        )
        cls.vof = cls._create_company(
            "Fiscal VOF", relation_kind="client", legal_form="vof"
        )
        cls.user_planner = mail_new_test_user(
            cls.env,
            login="acc_fiscal_planner",
            groups="accountancy_crm.group_manager",
            name="Fiscal Planner",
        )

    def _raises(self, error, pattern):
        """assertRaises (in a savepoint, so nothing of the failed call stays)
        and the message checked."""
        test = self

        class Check:
            def __enter__(self):
                self.cm = test.assertRaises(error)
                self.caught = self.cm.__enter__()
                return self.caught

            def __exit__(self, *exc):
                result = self.cm.__exit__(*exc)
                test.assertRegex(str(self.caught.exception), pattern)
                return result

        return Check()

    def _plan(self, partner, **vals):
        return self.Plan.create(
            dict(
                {"partner_id": partner.id, "year": self.year, "state": "confirmed"},
                **vals,
            )
        )

    def _generate(self, partners):
        wizard = self.env["accountancy.task.generation.wizard"].create(
            {"year": self.year, "partner_ids": [(6, 0, partners.ids)]}
        )
        wizard.action_generate()
        return self.Task.search(
            [("partner_id", "in", partners.ids), ("accountancy_tax", "!=", False)]
        )

    def _deadline(self, tasks, key):
        task = tasks.filtered(lambda t: t.accountancy_task_key == key)
        self.assertEqual(len(task), 1, key)
        return task.date_deadline.date()

    # -- bad input ---------------------------------------------------------
    def test_bad_input(self):
        with self._raises(ValidationError, "is not a date"):
            self._create_company(
                "Feb 30 B.V.",
                accountancy_year_end_month="2",
                accountancy_year_end_day=30,
            )
        with self._raises(ValidationError, "does not pay corporate tax"):
            self._plan(self.person, vpb_return=True)
        with self._raises(ValidationError, "does not pay corporate tax"):
            self._plan(self.vof, vpb_return=True)
        with self._raises(ValidationError, "is a company: an income tax"):
            self._plan(self.bv, ib_return=True)
        with self._raises(ValidationError, "deferral list of .* without a IB"):
            self._plan(self.person, ib_deferral=True)
        with self._raises(ValidationError, "not a legal person"):
            self._plan(self.vof, kvk_filing=True)
        self.assertFalse(
            self.Plan.search(
                [
                    ("partner_id", "in", (self.person | self.vof | self.bv).ids),
                    ("year", "=", self.year),
                ]
            )
        )

    def test_generation_and_filing(self):
        self._plan(
            self.person,
            ib_return=True,
            ib_deferral=True,
            payroll_frequency="four_weeks",
        )
        plan_bv = self._plan(
            self.bv, vpb_return=True, kvk_filing=True, payroll_frequency="month"
        )
        self._plan(self.bv_broken, vpb_return=True, vpb_deferral=True)
        partners = self.person | self.bv | self.bv_broken
        tasks = self._generate(partners)
        y = self.year
        self.assertEqual(self._deadline(tasks, "ib"), date(y + 2, 5, 1))
        bv_tasks = tasks.filtered(lambda t: t.partner_id == self.bv)
        broken = tasks.filtered(lambda t: t.partner_id == self.bv_broken)
        self.assertEqual(self._deadline(bv_tasks, "vpb"), date(y + 1, 5, 31))
        self.assertEqual(
            self._deadline(broken, "vpb"), fd.add_months(date(y, 6, 30), 10)
        )
        self.assertFalse(broken.accountancy_in_schedule)
        self.assertEqual(broken.accountancy_deadline_type, "deferral")
        self.assertEqual(self._deadline(bv_tasks, "kvk-file"), date(y + 1, 7, 31))
        # What is filed follows the size class (no figures: micro).
        self.assertIn(
            "balance sheet and a few notes",
            bv_tasks.filtered(lambda t: t.accountancy_task_key == "kvk-file").name,
        )
        self.assertEqual(
            len(bv_tasks.filtered(lambda t: t.accountancy_tax == "payroll")), 12
        )
        person_tasks = tasks.filtered(lambda t: t.partner_id == self.person)
        self.assertEqual(
            len(person_tasks.filtered(lambda t: t.accountancy_tax == "payroll")), 13
        )
        ib = person_tasks.filtered(lambda t: t.accountancy_tax == "ib")
        self.assertTrue(ib.accountancy_in_schedule)
        # Twice changes nothing.
        self.assertEqual(self._generate(partners), tasks)
        # A changed plan moves open deadlines, not done ones.
        vpb = bv_tasks.filtered(lambda t: t.accountancy_task_key == "vpb")
        kvk = bv_tasks.filtered(lambda t: t.accountancy_task_key == "kvk-file")
        kvk.write({"accountancy_filed_on": date(y + 1, 6, 1), "state": "1_done"})
        plan_bv.write({"vpb_deferral": True, "kvk_adopted_on": date(y + 1, 3, 1)})
        self._generate(partners)
        self.assertEqual(vpb.date_deadline.date(), date(y + 2, 5, 1))
        self.assertEqual(vpb.accountancy_deadline_type, "deferral")
        self.assertEqual(kvk.date_deadline.date(), date(y + 1, 7, 31))
        # Filing dates.
        with self._raises(ValidationError, "enter the date it was filed"):
            vpb.write({"state": "1_done"})
        with self._raises(ValidationError, "that is in the future"):
            vpb.write({"accountancy_filed_on": date(self.this_year + 1, 1, 1)})
        self.assertFalse(vpb.accountancy_filed_on)
        with self._raises(ValidationError, "its period ends on"):
            vpb.write({"accountancy_filed_on": date(y, 12, 30)})
        vpb.with_user(self.user_planner).action_accountancy_mark_filed()
        self.assertEqual(vpb.state, "1_done")
        self.assertEqual(vpb.accountancy_filed_by_id, self.user_planner)

    def test_fiscal_partners_one_return(self):
        self.person.fiscal_partner_id = self.person_2
        self._plan(self.person, ib_return=True)
        self._plan(self.person_2, ib_return=True)
        tasks = self._generate(self.person | self.person_2)
        ib = tasks.filtered(lambda t: t.accountancy_tax == "ib")
        self.assertEqual(len(ib), 1)
        self.assertEqual(
            ib.partner_id | ib.accountancy_fiscal_partner_id,
            self.person | self.person_2,
        )

    def _schedule_returns(self, count, prefix):
        partners = self.env["res.partner"].create(
            [
                {
                    "name": f"{prefix} {i}",
                    "is_company": False,
                    "relation_kind": "client",
                }
                for i in range(count)
            ]
        )
        self.Plan.create(
            [
                {
                    "partner_id": p.id,
                    "year": self.year,
                    "state": "confirmed",
                    "ib_return": True,
                    "ib_deferral": True,
                }
                for p in partners
            ]
        )
        return self._generate(partners)

    def test_monitor_percentages(self):
        tasks = self._schedule_returns(10, "Monitor")
        y = self.year
        # 3 filed in June, 1 in September, 1 in January.
        days = [date(y + 1, 6, 1)] * 3 + [date(y + 1, 9, 15), date(y + 2, 1, 10)]
        for task, day in zip(tasks, days, strict=False):
            task.accountancy_filed_on = day
        domain = [("partner_id", "in", tasks.partner_id.ids)]
        summary = self.Monitor._accountancy_schedule_summary(domain)
        row = lambda m: summary[("ib", y, m)]
        # Nothing required before the end of August.
        self.assertEqual(
            (row(date(y + 1, 5, 31))["filed"], row(date(y + 1, 5, 31))["status"]),
            (0, "on_track"),
        )
        self.assertEqual(
            (row(date(y + 1, 8, 31))["filed"], row(date(y + 1, 8, 31))["status"]),
            (3, "on_track"),
        )
        self.assertEqual(row(date(y + 1, 9, 30))["filed"], 4)
        self.assertEqual(row(date(y + 1, 9, 30))["status"], "on_track")
        self.assertEqual(
            (row(date(y + 1, 10, 31))["behind"], row(date(y + 1, 10, 31))["status"]),
            (1, "far_behind"),
        )
        self.assertEqual(
            (row(date(y + 1, 11, 30))["behind"], row(date(y + 1, 11, 30))["status"]),
            (2, "far_behind"),
        )
        self.assertEqual(row(date(y + 2, 1, 31))["filed"], 5)
        self.assertEqual(row(date(y + 2, 4, 30))["behind"], 5)
        self.assertEqual(len(summary), 12)
        # The list shows each row with the status of its month end.
        rows = self.Monitor.search(domain)
        status = {(r.month_end, r.status) for r in rows}
        self.assertEqual(len(status), 12)
        self.assertIn((date(y + 1, 5, 31), "on_track"), status)
        self.assertIn((date(y + 1, 8, 31), "on_track"), status)
        self.assertIn((date(y + 1, 10, 31), "far_behind"), status)
        # A row the list shows without the others of its month end still
        # gets the status of the whole month end.
        alone = rows.filtered(lambda r: r.month_end == date(y + 1, 8, 31))[:1]
        alone.invalidate_recordset(["status"])
        self.assertEqual(alone.browse(alone.id).status, "on_track")

    def test_monitor_status_query_count(self):
        Monitor = self.Monitor.with_user(self.user_manager)
        self._schedule_returns(10, "Status")
        domain = [("partner_id.name", "=like", "Status %")]
        rows = Monitor.search(domain)
        self.env.invalidate_all()
        with self.assertQueryCount(3):
            rows.mapped("status")
        self._schedule_returns(20, "Status more")
        rows = Monitor.search(domain)
        self.env.invalidate_all()
        with self.assertQueryCount(3):
            self.assertEqual(set(rows.mapped("status")), {"on_track", "far_behind"})

    def test_monitor_query_count(self):
        # As a manager, with the record rules of the view applied.
        Monitor = self.Monitor.with_user(self.user_manager)
        self._schedule_returns(10, "Ten")
        domain = [("partner_id.name", "=like", "Ten %")]
        self.env.invalidate_all()
        Monitor._accountancy_schedule_summary(domain)
        with self.assertQueryCount(2):
            summary = Monitor._accountancy_schedule_summary(domain)
        self.assertEqual(
            summary[("ib", self.year, date(self.year + 1, 5, 31))]["total"], 10
        )
        self._schedule_returns(90, "Ten more")
        self.env.invalidate_all()
        Monitor._accountancy_schedule_summary(domain)
        with self.assertQueryCount(2):
            summary = Monitor._accountancy_schedule_summary(domain)
        self.assertEqual(
            summary[("ib", self.year, date(self.year + 1, 5, 31))]["total"], 100
        )

    def test_cron_warns_manager(self):
        tasks = self._schedule_returns(4, "Cron")
        manager = self.user_planner
        self.env.company.accountancy_fiscal_manager_id = manager
        y = self.year
        # Inside the first filing period nothing is due yet: no warning.
        self.Monitor._cron_warn_behind(today=date(y + 1, 6, 1))
        self.assertFalse(
            self.env["mail.activity"].search_count(
                [("res_model", "=", "project.task"), ("res_id", "in", tasks.ids)]
            )
        )
        self.Monitor._cron_warn_behind(today=date(y + 1, 9, 1))
        activities = self.env["mail.activity"].search(
            [("res_model", "=", "project.task"), ("res_id", "in", tasks.ids)]
        )
        self.assertEqual(len(activities), 1)
        self.assertEqual(activities.user_id, manager)
        self.assertIn("behind", activities.summary)
        self.assertIn(
            tasks.sorted(lambda t: (t.date_deadline, t.id))[0].name, activities.note
        )
        # Once per month end.
        self.Monitor._cron_warn_behind(today=date(y + 1, 9, 1))
        self.assertEqual(
            self.env["mail.activity"].search_count(
                [("res_model", "=", "project.task"), ("res_id", "in", tasks.ids)]
            ),
            1,
        )

    def _import(self, text):
        wizard = self.env["accountancy.fiscal.filing.import"].create(
            {"file": base64.b64encode(text.encode())}
        )
        return wizard.action_import()

    def test_import(self):
        self._plan(self.person, ib_return=True, ib_deferral=True)
        self._plan(self.bv, vpb_return=True)
        tasks = self._generate(self.person | self.bv)
        y = self.year
        filed = date(y + 1, 3, 1)
        good = f"number,tax,year,filed_on\n{self.person.bsn},ib,{y},{filed}\n"
        bad = (
            good
            + f"999999990,vpb,{y},{filed}\n"
            + f"{self.bv.rsin},vpb,{y},{date(y, 6, 1)}\n"
            + f"{self.bv.rsin},xx,{y},{filed}\n"
        )
        with self.assertRaises(UserError) as caught:
            self._import(bad)
        message = str(caught.exception)
        self.assertIn("Line 3: no relation has BSN or RSIN 999999990", message)
        self.assertIn("Line 4:", message)
        self.assertIn("its period ends on", message)
        self.assertIn("Line 5: tax 'xx'", message)
        self.assertFalse(any(tasks.mapped("accountancy_filed_on")))
        # Two relations with the same number.
        self.person_2.rsin = self.person.bsn
        with self._raises(UserError, "Line 2: BSN or RSIN .* matches"):
            self._import(good)
        self.person_2.rsin = False
        self._import(good + f"{self.bv.rsin},vpb,{y},{filed.strftime('%d-%m-%Y')}\n")
        self.assertEqual(set(tasks.mapped("accountancy_filed_on")), {filed})
        with self._raises(UserError, "must be the columns"):
            self._import("bsn;tax\n1;2\n")
