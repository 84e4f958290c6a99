import base64
import io
from datetime import date

import openpyxl

from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from .common import AccountancyCrmCommon, make_bsn


def xlsx(rows):
    """An XLSX file (bytes) with ``rows`` on its first sheet."""
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@tagged("post_install", "-at_install")
class TestFiscalDeferralImport(AccountancyCrmCommon):
    """The deferral list from a CSV or XLSX file: all rows or none, each bad
    row named by its line in the file; the filing-date import shares the
    file reading and matching."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["ir.config_parameter"].set_param(
            "accountancy_crm.planning_years_back", 3
        )
        cls.env["ir.config_parameter"].set_param(
            "accountancy_crm.task_project_mode", "client"
        )
        cls.year = cls.this_year - 3
        cls.Plan = cls.env["accountancy.service.plan"]
        cls.Import = cls.env["accountancy.fiscal.deferral.import"]
        cls.p1 = cls._create_person(
            "Deferral One", relation_kind="client", bsn=make_bsn(301)
        )
        cls.p2 = cls._create_person(
            "Deferral Two", relation_kind="client", bsn=make_bsn(302)
        )
        cls.p_no_return = cls._create_person(
            "Deferral No Return", relation_kind="client", bsn=make_bsn(303)
        )
        cls.p_no_plan = cls._create_person(
            "Deferral No Plan", relation_kind="client", bsn=make_bsn(304)
        )
        cls.bv = cls._create_company(
            "Deferral B.V.",
            relation_kind="client",
            legal_form="bv",
            rsin=make_bsn(305),
        )
        cls.plans = cls.Plan.create(
            [
                {
                    "partner_id": partner.id,
                    "year": cls.year,
                    "state": "confirmed",
                    **vals,
                }
                for partner, vals in (
                    (cls.p1, {"ib_return": True}),
                    (cls.p2, {"ib_return": True}),
                    (cls.p_no_return, {"payroll_frequency": "month"}),
                    (cls.bv, {"vpb_return": True}),
                )
            ]
        )
        cls.plan_1, cls.plan_2, cls.plan_no_return, cls.plan_bv = cls.plans

    def _raises(self, error, pattern):
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

    def _import(self, content, tax="ib", user=None, year=None):
        if isinstance(content, str):
            content = content.encode()
        Import = self.Import.with_user(user) if user else self.Import
        wizard = Import.create(
            {
                "file": base64.b64encode(content),
                "tax_year": year or self.year,
                "tax": tax,
            }
        )
        return wizard.action_import()

    def _generate(self, partners):
        self.env["accountancy.task.generation.wizard"].create(
            {"year": self.year, "partner_ids": [(6, 0, partners.ids)]}
        ).action_generate()
        return self.env["project.task"].search(
            [("partner_id", "in", partners.ids), ("accountancy_tax", "=", "ib")]
        )

    def test_csv_ticks_the_deferral(self):
        tasks = self._generate(self.p1 | self.p2)
        self.assertEqual(set(tasks.mapped("accountancy_deadline_type")), {"regular"})
        # The same client twice is ticked once; spaces and dots are ignored.
        number = self.p1.bsn
        spaced = f"{number[:4]} {number[4:6]}.{number[6:]}"
        action = self._import(f"number\n{number}\n{self.p2.bsn}\n{spaced}\n")
        self.assertTrue(self.plan_1.ib_deferral)
        self.assertTrue(self.plan_2.ib_deferral)
        self.assertFalse(self.plan_no_return.ib_deferral)
        self.assertIn("2 clients", action["params"]["message"])
        self.assertIn("Generate the tasks again", action["params"]["message"])
        # Generating again gives the deferral deadline.
        self._generate(self.p1 | self.p2)
        self.assertEqual(set(tasks.mapped("accountancy_deadline_type")), {"deferral"})
        self.assertEqual(
            {t.date_deadline.date() for t in tasks}, {date(self.year + 2, 5, 1)}
        )
        self.assertTrue(all(tasks.mapped("accountancy_in_schedule")))
        # Importing the same list again changes nothing.
        action = self._import(f"number\n{number}\n")
        self.assertIn("(0 added)", action["params"]["message"])

    def test_xlsx_with_numbers_that_lost_their_zeros(self):
        self.assertTrue(self.bv.rsin.startswith("0"))
        content = xlsx([["Number"], [int(self.bv.rsin)], [None]])
        self._import(content, tax="vpb")
        self.assertTrue(self.plan_bv.vpb_deferral)

    def test_bad_rows_refuse_the_whole_file(self):
        self.p2.rsin = self.p_no_plan.bsn
        content = (
            "number,note\n"  # line 1: the header, extra columns are allowed
            f"{self.p1.bsn},good\n"  # 2
            "999999990,unknown\n"  # 3
            "\n"  # 4: empty lines are skipped
            f"{self.p_no_return.bsn},no IB return\n"  # 5
            f"{self.p_no_plan.bsn},two relations\n"  # 6
            f"{self.bv.rsin},a company\n"  # 7
            ",no number\n"  # 8
        )
        with self.assertRaises(UserError) as caught:
            self._import(content)
        message = str(caught.exception)
        self.assertIn("The file was not imported", message)
        self.assertIn("Line 3: no relation has BSN or RSIN 999999990", message)
        self.assertNotIn("Line 2:", message)
        self.assertNotIn("Line 4:", message)
        self.assertRegex(
            message,
            r"Line 5: Deferral No Return has no Income tax \(IB\) return in its "
            rf"service plan of {self.year}",
        )
        self.assertRegex(message, r"Line 6: BSN or RSIN \d+ matches .*Deferral Two")
        self.assertRegex(message, r"Line 7: Deferral B.V. has no Income tax \(IB\)")
        self.assertIn("Line 8: the number is empty", message)
        # The lines in the order of the file.
        positions = [message.index(f"Line {n}:") for n in (3, 5, 6, 7, 8)]
        self.assertEqual(positions, sorted(positions))
        # Nothing saved, not even the good row.
        self.assertFalse(self.plan_1.ib_deferral)

    def test_client_without_the_return_of_the_tax(self):
        with self._raises(
            UserError, r"Line 2: Deferral One has no Corporate tax \(VPB\) return"
        ):
            self._import(f"number\n{self.p1.bsn}\n", tax="vpb")
        # No plan in the tax year.
        with self._raises(UserError, r"Line 2: Deferral One has no Income tax"):
            self._import(f"number\n{self.p1.bsn}\n", year=self.year + 1)
        self.assertFalse(self.plan_1.vpb_deferral or self.plan_1.ib_deferral)

    def test_bad_files(self):
        with self._raises(UserError, "must be the columns number"):
            self._import(f"bsn\n{self.p1.bsn}\n")
        with self._raises(UserError, "The file is empty"):
            self._import(b"\xef\xbb\xbf")
        with self._raises(UserError, "not a UTF-8 CSV file or an XLSX file"):
            self._import(b"\xff\xfe\x00\x81 number")
        with self._raises(UserError, "cannot be read as an Excel workbook"):
            self._import(b"PK\x03\x04 not really a workbook")
        with self._raises(UserError, "must be the columns number"):
            self._import(xlsx([["BSN"], [self.p1.bsn]]))
        with self._raises(ValidationError, "1990 is not a tax year"):
            self._import(f"number\n{self.p1.bsn}\n", year=1990)
        self.assertFalse(self.plan_1.ib_deferral)

    def test_bsn_needs_the_fiscal_data_group(self):
        # An accountancy user without the fiscal data group matches RSINs
        # only, and is told why a BSN is not found.
        with self._raises(
            UserError, "no relation has RSIN .*needs the Fiscal data group"
        ):
            self._import(f"number\n{self.p1.bsn}\n", user=self.user_acc)
        self._import(f"number\n{self.bv.rsin}\n", tax="vpb", user=self.user_acc)
        self.assertTrue(self.plan_bv.vpb_deferral)
        self._import(f"number\n{self.p1.bsn}\n", user=self.user_fiscal)
        self.assertTrue(self.plan_1.ib_deferral)

    def test_filing_dates_from_xlsx(self):
        # The filing-date import reads XLSX files with the same code.
        task = self._generate(self.p1)
        filed = date(self.year + 1, 3, 1)
        Filing = self.env["accountancy.fiscal.filing.import"]
        bad = xlsx(
            [
                ["number", "tax", "year", "filed_on"],
                [int(self.p1.bsn), "ib", self.year, filed],
                [999999990, "ib", self.year, filed],
            ]
        )
        with self._raises(UserError, "Line 3: no relation has BSN or RSIN 999999990"):
            Filing.create({"file": base64.b64encode(bad)}).action_import()
        self.assertFalse(task.accountancy_filed_on)
        good = xlsx(
            [
                ["number", "tax", "year", "filed_on"],
                [int(self.p1.bsn), "ib", self.year, filed],
            ]
        )
        Filing.create({"file": base64.b64encode(good)}).action_import()
        self.assertEqual(task.accountancy_filed_on, filed)
