from contextlib import contextmanager
from datetime import timedelta
from unittest.mock import patch

from odoo import Command, fields
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import Form, tagged
from odoo.tools.safe_eval import safe_eval

from .common import AccountancyCrmCommon


@tagged("post_install", "-at_install")
class TestStrategy(AccountancyCrmCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Strategy = cls.env["accountancy.strategy"]
        cls.today = fields.Date.today()
        ref = cls.env.ref
        cls._load_criteria()
        cls.type_a = ref("accountancy_crm.client_type_a")
        cls.type_b = ref("accountancy_crm.client_type_b")
        cls.type_c = ref("accountancy_crm.client_type_c")
        cls.type_d = ref("accountancy_crm.client_type_d")
        # The firm's worked example: a retail company in a group of 4 companies and
        # 2 persons, its entrepreneur in his fifties.
        cls.group = cls.env["accountancy.client.group"].create(
            {"name": "Test family Werkhoven", "code": "TWRK"}
        )
        cls.client = cls._create_company(
            "Dream Sleep B.V.", relation_kind="client", client_group_id=cls.group.id
        )
        for i in range(3):
            cls._create_company(f"Werkhoven {i} B.V.", client_group_id=cls.group.id)
        cls.entrepreneur = cls._create_person(
            "P.A. van Werkhoven",
            birth_year=cls.this_year - 55,
            client_group_id=cls.group.id,
        )
        cls.junior = cls._create_person(
            "J. van Werkhoven",
            birth_year=cls.this_year - 30,
            client_group_id=cls.group.id,
        )
        cls._share(cls.entrepreneur, cls.client, 70)
        cls._share(cls.junior, cls.client, 30)

    @contextmanager
    def _assert_invalid(self, pattern):
        """ValidationError matching ``pattern``; assertRaises rolls back."""
        with self.assertRaises(ValidationError) as cm:
            yield
        self.assertRegex(str(cm.exception), pattern)

    def _line(self, strategy, criterion):
        return strategy.line_ids.filtered(lambda ln: ln.criterion_id == criterion)

    def _set(self, strategy, values, manual=False):
        for criterion, value in values.items():
            vals = {"value": value}
            if manual:
                vals["manual"] = True
            self._line(strategy, criterion).write(vals)

    # ------------------------------------------------------------------
    # Shipped tables
    # ------------------------------------------------------------------
    def test_shipped_tables(self):
        criteria = self.env["accountancy.score.criterion"].search([])
        self.assertEqual(sum(criteria.mapped("max_points")), 13)
        fee = self.crit_fee
        self.assertEqual(fee._find_band(7500).code, "07500-09999")
        self.assertEqual(fee._find_band(9999.5).code, "07500-09999")
        self.assertEqual(fee._find_band(10000).code, "10000-29999")
        self.assertEqual(fee._find_band(1_000_000).points, 2)
        self.assertEqual(self.crit_write_off._find_band(-3).code, "Bij")
        self.assertEqual(self.crit_write_off._find_band(-3).points, 2)
        self.assertEqual(self.crit_payment._find_band(30).points, 2)
        self.assertEqual(self.crit_payment._find_band(31).points, 1)
        self.assertEqual(self.crit_payment._find_band(61).points, 0)
        types = self.env["accountancy.client.type"].search([])
        self.assertEqual(types._find_for_points(13), self.type_a)
        self.assertEqual(types._find_for_points(10), self.type_b)
        self.assertEqual(types._find_for_points(5), self.type_c)
        self.assertEqual(types._find_for_points(0), self.type_d)

    # ------------------------------------------------------------------
    # Scoring
    # ------------------------------------------------------------------
    def test_seed_example_client(self):
        strategy = self.Strategy.create({"partner_id": self.client.id})
        self.assertEqual(strategy.year, self.this_year)
        self.assertEqual(
            strategy.line_ids.criterion_id,
            self.env["accountancy.score.criterion"].search([]),
        )
        # computed from the database: age of the largest shareholder, group size
        self.assertEqual(self._line(strategy, self.crit_age).value, 55)
        self.assertEqual(self._line(strategy, self.crit_age).band_id.code, "50-59")
        self.assertEqual(self._line(strategy, self.crit_group).value, 6)
        self.assertTrue(self._line(strategy, self.crit_group).is_computed)
        # entered: no invoices in this database for the fee volume and payments
        self._set(strategy, {self.crit_fee: 6000, self.crit_payment: 30}, manual=True)
        self._set(
            strategy,
            {self.crit_write_off: 3, self.crit_ambassador: 0, self.crit_continuity: 1},
        )
        expected = {
            self.crit_fee: ("05000-07500", 1),
            self.crit_write_off: ("00-05", 2),
            self.crit_payment: ("00-30", 2),
            self.crit_ambassador: ("N", 0),
            self.crit_continuity: ("J", 2),
            self.crit_age: ("50-59", 1),
            self.crit_group: ("3>", 2),
        }
        for criterion, (code, points) in expected.items():
            line = self._line(strategy, criterion)
            with self.subTest(criterion=criterion.code):
                self.assertEqual(line.band_id.code, code)
                self.assertEqual(line.points, points)
        self.assertEqual(strategy.points, 10)
        self.assertEqual(strategy.client_type_id, self.type_b)
        self.assertEqual(self._line(strategy, self.crit_fee).note, "Entered by hand")
        self.assertEqual(self._line(strategy, self.crit_age).note, "Computed from data")
        # an ambassador becomes type A
        self._set(strategy, {self.crit_ambassador: 1})
        self.assertEqual(strategy.points, 12)
        self.assertEqual(strategy.client_type_id, self.type_a)
        self.assertEqual(strategy.updated_by_id, self.env.user)

    def test_new_strategy_without_values(self):
        """A line nobody filled in gives 0 points, not the points of value 0
        (write-offs 0 % and payment in 0 days would give 2 points each)."""
        client = self._create_company("Empty B.V.", relation_kind="client")
        strategy = self.Strategy.create({"partner_id": client.id})
        write_off = self._line(strategy, self.crit_write_off)
        payment = self._line(strategy, self.crit_payment)
        for line in (write_off, payment, self._line(strategy, self.crit_ambassador)):
            with self.subTest(criterion=line.criterion_id.code):
                self.assertFalse(line.has_value)
                self.assertFalse(line.band_id)
                self.assertEqual(line.points, 0)
                self.assertEqual(line.note, "No value yet: 0 points")
        # computed from data: group size 1 (alone, 0 points); fee volume 0 (no
        # invoices, 0 points); no entrepreneur, no payments: no value
        self.assertTrue(self._line(strategy, self.crit_group).has_value)
        self.assertFalse(self._line(strategy, self.crit_age).has_value)
        self.assertFalse(payment.has_value)
        self.assertEqual(strategy.points, 0)
        self.assertEqual(strategy.client_type_id, self.type_d)
        # typing 0 by hand is a value: 0 % write-offs gives 2 points
        write_off.value = 0
        self.assertTrue(write_off.has_value)
        self.assertEqual(write_off.points, 2)
        self.assertEqual(write_off.note, "Entered by hand")
        self.assertEqual(strategy.points, 2)
        # clearing the value again
        write_off.has_value = False
        self.assertEqual(write_off.points, 0)
        self.assertEqual(write_off.note, "No value yet: 0 points")
        self.assertEqual(strategy.points, 0)
        # in the form, typing a value shows its points before saving
        index = strategy.line_ids.ids.index(payment.id)
        with Form(strategy) as form, form.line_ids.edit(index) as row:
            row.value = 0
            self.assertTrue(row.has_value)
            self.assertEqual(row.points, 2)
        self.assertEqual(payment.points, 2)
        self.assertEqual(strategy.points, 2)

    def test_person_client_age(self):
        person = self._create_person(
            "Jan de Groot", birth_year=self.this_year - 64, relation_kind="client"
        )
        strategy = self.Strategy.create({"partner_id": person.id})
        line = self._line(strategy, self.crit_age)
        self.assertEqual(line.value, 64)
        self.assertEqual(line.band_id.code, "60>")
        self.assertEqual(line.points, 0)
        self.assertEqual(self._line(strategy, self.crit_group).value, 1)
        # the age of a past year's strategy counts from that year
        old = self.Strategy.create(
            {"partner_id": person.id, "year": self.this_year - 10}
        )
        self.assertEqual(self._line(old, self.crit_age).value, 54)

    def test_manual_override_kept_on_recompute(self):
        strategy = self.Strategy.create({"partner_id": self.client.id})
        age = self._line(strategy, self.crit_age)
        age.write({"manual": True, "value": 61})
        self.assertEqual(age.note, "Entered by hand")
        self.entrepreneur.birth_year = self.this_year - 40
        strategy.action_recompute()
        self.assertEqual(age.value, 61)
        self.assertEqual(age.points, 0)
        age.manual = False
        strategy.action_recompute()
        self.assertEqual(age.value, 40)
        self.assertEqual(age.points, 1)
        self.assertEqual(age.note, "Computed from data")

    def test_uncovered_value_gives_zero_points(self):
        strategy = self.Strategy.create({"partner_id": self.client.id})
        line = self._line(strategy, self.crit_ambassador)
        line.value = 5
        self.assertFalse(line.band_id)
        self.assertEqual(line.points, 0)
        self.assertEqual(line.note, "No band covers value 5: 0 points")
        # a band table with a hole at its end: still no crash
        self.crit_group.band_ids.filtered("open_end").unlink()
        group_line = self._line(strategy, self.crit_group)
        self.assertFalse(group_line.band_id)
        self.assertEqual(group_line.points, 0)
        self.assertIn("No band covers value 6", group_line.note)

    # ------------------------------------------------------------------
    # Values from invoices and payments
    # ------------------------------------------------------------------
    def _ensure_chart(self):
        company = self.env.company
        if not self.env["account.journal"].search(
            [("type", "=", "sale"), ("company_id", "=", company.id)], limit=1
        ):
            self.env["account.chart.template"].try_loading(
                "generic_coa", company=company, install_demo=False
            )

    def _invoice(self, partner, amount, invoice_date, move_type="out_invoice"):
        move = self.env["account.move"].create(
            {
                "move_type": move_type,
                "partner_id": partner.id,
                "invoice_date": invoice_date,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "name": "Annual accounts",
                            "quantity": 1,
                            "price_unit": amount,
                            "tax_ids": [Command.clear()],
                        }
                    )
                ],
            }
        )
        move.action_post()
        return move

    def _pay(self, invoice, payment_date):
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({"payment_date": payment_date})._create_payments()
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))

    def test_fee_volume_and_payment_days_from_invoices(self):
        self._ensure_chart()
        first = self._invoice(self.client, 4000, self.today - timedelta(days=100))
        second = self._invoice(self.client, 3000, self.today - timedelta(days=60))
        self._invoice(self.client, 500, self.today - timedelta(days=50), "out_refund")
        # outside the 12 months, and a draft: not counted
        self._invoice(self.client, 9000, self.today - timedelta(days=400))
        self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.client.id,
                "invoice_date": self.today,
                "invoice_line_ids": [
                    Command.create({"name": "Draft", "quantity": 1, "price_unit": 777})
                ],
            }
        )
        self._pay(first, first.invoice_date + timedelta(days=20))
        self._pay(second, second.invoice_date + timedelta(days=41))
        strategy = self.Strategy.create({"partner_id": self.client.id})
        fee = self._line(strategy, self.crit_fee)
        self.assertEqual(fee.value, 6500)
        self.assertEqual(fee.band_id.code, "05000-07500")
        self.assertEqual(fee.points, 1)
        payment = self._line(strategy, self.crit_payment)
        self.assertEqual(payment.value, 30)  # (20 + 41) / 2 rounded
        self.assertEqual(payment.points, 2)
        self.assertEqual(payment.note, "Computed from data")
        # last year's strategy takes last year's invoices
        last = self.Strategy.create(
            {"partner_id": self.client.id, "year": self.this_year - 1}
        )
        expected_last = sum(
            amount
            for amount, days in ((4000, 100), (3000, 60), (-500, 50), (9000, 400))
            if (self.today - timedelta(days=days)).year == self.this_year - 1
        )
        self.assertEqual(self._line(last, self.crit_fee).value, max(expected_last, 0))

    # ------------------------------------------------------------------
    # Partner card
    # ------------------------------------------------------------------
    def test_partner_current_type_and_history(self):
        # A new strategy scores what the database has: age 1 and group 2 (fee
        # volume 0 without invoices: 0); the entered criteria have no value yet.
        old = self.Strategy.create(
            {"partner_id": self.client.id, "year": self.this_year - 1}
        )
        self.assertEqual(old.points, 3)
        self._set(
            old,
            {
                self.crit_ambassador: 1,
                self.crit_continuity: 1,
                self.crit_write_off: 3,
                self.crit_payment: 20,
            },
        )
        self.assertEqual(old.points, 11)
        self.assertEqual(old.client_type_id, self.type_a)
        self.assertFalse(self.client.client_type_id)
        current = self.Strategy.create({"partner_id": self.client.id})
        self.assertEqual(current.points, 3)
        self.assertEqual(self.client.client_type_id, self.type_d)
        self.assertEqual(self.client.strategy_points, 3)
        self._set(current, {self.crit_write_off: 3})
        self.assertEqual(self.client.strategy_points, 5)
        self.assertEqual(self.client.client_type_id, self.type_c)
        self._set(current, {self.crit_write_off: 40})
        self._set(current, {self.crit_payment: 90}, manual=True)
        self.assertEqual(self.client.strategy_points, 3)
        self.assertEqual(self.client.client_type_id, self.type_d)
        self.assertEqual(self.client.strategy_ids, old | current)
        self.assertEqual(
            self.client.strategy_ids.sorted("year").client_type_id,
            self.type_a | self.type_d,
        )
        current.unlink()
        self.assertFalse(self.client.client_type_id)
        self.assertEqual(self.client.strategy_points, 0)
        # the card shows the strategy page
        with Form(self.client) as card:
            self.assertEqual(len(card.strategy_ids), 1)

    # ------------------------------------------------------------------
    # Recompute wizard
    # ------------------------------------------------------------------
    def test_recompute_wizard(self):
        other = self._create_company("Other client B.V.", relation_kind="client")
        prospect = self._create_company("Prospect B.V.", relation_kind="prospect")
        existing = self.Strategy.create({"partner_id": self.client.id})
        self._line(existing, self.crit_age).value = 1
        wizard = self.env["accountancy.strategy.recompute.wizard"].create({})
        self.assertEqual(wizard.year, self.this_year)
        action = wizard.action_recompute()
        strategies = self.Strategy.search(action["domain"])
        self.assertIn(existing, strategies)
        self.assertIn(other, strategies.partner_id)
        self.assertNotIn(prospect, strategies.partner_id)
        self.assertEqual(self._line(existing, self.crit_age).value, 55)
        # from the partner list: only the selected partners, for another year
        wizard = (
            self.env["accountancy.strategy.recompute.wizard"]
            .with_context(active_model="res.partner", active_ids=prospect.ids)
            .create({"year": self.this_year - 1})
        )
        self.assertEqual(wizard.partner_ids, prospect)
        action = wizard.action_recompute()
        strategy = self.Strategy.search(action["domain"])
        self.assertEqual(strategy.partner_id, prospect)
        self.assertEqual(strategy.year, self.this_year - 1)

    # ------------------------------------------------------------------
    # Bad input
    # ------------------------------------------------------------------
    def test_bad_bands(self):
        fee_bands = self.crit_fee.band_ids.sorted("value_from")
        first, second = fee_bands[0], fee_bands[1]
        with self._assert_invalid("overlap"):
            first.value_to = 2000
        with self._assert_invalid("gap"):
            first.value_to = 1000
        with self._assert_invalid("overlap"):
            self.crit_fee.write(
                {
                    "band_ids": [
                        Command.create(
                            {"value_from": 2000, "value_to": 2500, "code": "X"}
                        )
                    ]
                }
            )
        with self._assert_invalid("overlap"):
            second.open_start = True
        with self._assert_invalid("must be higher than From"):
            self.env["accountancy.score.criterion"].create(
                {
                    "name": "Broken",
                    "code": "BRK",
                    "band_ids": [
                        Command.create({"value_from": 5, "value_to": 5, "code": "5"})
                    ],
                }
            )
        with self._assert_invalid("gap"):
            second.unlink()
        self.assertEqual(first.value_to, 1500)
        self.assertEqual(len(self.crit_fee.band_ids), 7)
        self.assertFalse(
            self.env["accountancy.score.criterion"].search([("code", "=", "BRK")])
        )
        # moving two boundaries at once through the criterion is fine
        self.crit_fee.write(
            {
                "band_ids": [
                    Command.update(first.id, {"value_to": 2000}),
                    Command.update(second.id, {"value_from": 2000}),
                ]
            }
        )
        self.assertEqual(self.crit_fee._find_band(1800), first)

    def test_bad_client_types(self):
        Type = self.env["accountancy.client.type"]
        with self._assert_invalid("overlap"):
            Type.create(
                {"code": "E", "name": "Extra", "min_points": 3, "max_points": 6}
            )
        with self._assert_invalid("minimum must not be above"):
            Type.create(
                {"code": "F", "name": "Flipped", "min_points": 20, "max_points": 14}
            )
        with self._assert_invalid("overlap"):
            self.type_b.max_points = 11
        self.assertFalse(Type.search([("code", "in", ("E", "F"))]))
        self.assertEqual(self.type_b.max_points, 10)
        Type.create({"code": "S", "name": "Super", "min_points": 14, "max_points": 20})

    def test_bad_strategy_values(self):
        strategy = self.Strategy.create({"partner_id": self.client.id})
        fee = self._line(strategy, self.crit_fee)
        with self._assert_invalid("fee volume .* cannot be negative"):
            fee.write({"manual": True, "value": -100})
        self.assertEqual(fee.value, 0)
        for year in (1899, 2101):
            with self.subTest(year=year):
                with self._assert_invalid("1900 to 2100"):
                    self.Strategy.create({"partner_id": self.client.id, "year": year})
                self.assertFalse(self.Strategy.search([("year", "=", year)]))
        with self._assert_invalid("1900 to 2100"):
            strategy.year = 3000
        with self._assert_invalid("1900 to 2100"):
            self.entrepreneur.birth_year = 1800
        with self._assert_invalid("1900 to 2100"):
            self.env["accountancy.strategy.recompute.wizard"].create({"year": 99})
        self.assertEqual(strategy.year, self.this_year)

    # ------------------------------------------------------------------
    # Security
    # ------------------------------------------------------------------
    def test_access(self):
        strategy = self.Strategy.with_user(self.user_acc).create(
            {"partner_id": self.client.id}
        )
        self._line(strategy, self.crit_ambassador).with_user(self.user_acc).value = 1
        # ambassador 2, age 1, group 2; write-offs and payment have no value yet
        self.assertEqual(strategy.with_user(self.user_employee).points, 5)
        with self.assertRaises(AccessError):
            strategy.with_user(self.user_employee).remark = "No"
        with self.assertRaises(AccessError):
            self.crit_fee.with_user(self.user_acc).name = "Changed"
        with self.assertRaises(AccessError):
            self.type_a.with_user(self.user_fiscal).max_points = 14
        self.crit_fee.with_user(self.user_manager).name = "Fee volume (EUR)"
        # the forms open for a user of the relation card
        with Form(strategy.with_user(self.user_acc)) as form:
            self.assertEqual(form.points, 5)
        with Form(self.client.with_user(self.user_acc)) as card:
            self.assertEqual(card.client_type_id, self.type_c)
        self.Strategy.with_user(self.user_fiscal).create(
            {"partner_id": self.client.id, "year": self.this_year - 1}
        )

    # ------------------------------------------------------------------
    # Performance
    # ------------------------------------------------------------------
    def _recompute_query_counts(self, birth_year):
        """Queries of recomputing the strategies of 10 and of 100 clients, whose
        owners are born in ``birth_year(i)``; and the 100 strategies."""
        companies = self.Partner.create(
            [
                {
                    "name": f"Perf client {i}",
                    "is_company": True,
                    "relation_kind": "client",
                    "client_group_id": self.group.id if i % 2 else False,
                }
                for i in range(110)
            ]
        )
        persons = self.Partner.create(
            [
                {"name": f"Perf owner {i}", "birth_year": birth_year(i)}
                for i in range(110)
            ]
        )
        self.Relation.create(
            [
                {
                    "left_partner_id": person.id,
                    "right_partner_id": company.id,
                    "type_id": self.type_shareholder.id,
                    "share_percentage": 60,
                }
                for person, company in zip(persons, companies, strict=True)
            ]
        )
        strategies = self.Strategy.create(
            [{"partner_id": company.id} for company in companies]
        )
        small, large = strategies[:10], strategies[10:]

        def count(records):
            # Every value changes, so that the recompute also writes them all.
            # So does the time of the last update: the recompute stamps it in
            # whole seconds, and the ORM writes no value equal to the stored
            # one, so a round in the same second as the one before would save
            # an UPDATE, depending on the clock.
            records.line_ids.write({"value": 999})
            records.write({"updated_on": False})
            self.env.flush_all()
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            records.action_recompute()
            self.env.flush_all()
            return self.env.cr.sql_log_count - before

        count(small)  # warm up
        # The ORM's flush sends its UPDATEs in chunks of 100 rows
        # (odoo.models.UPDATE_BATCH_SIZE); without that chunking the count is
        # the same for 10 and 100 clients.
        with patch("odoo.models.UPDATE_BATCH_SIZE", 100_000):
            count_10 = count(small)
            count_100 = count(large)
        return count_10, count_100, large

    def test_recompute_query_count_constant(self):
        # Both sets show the same variety of data (ages and groups repeat every
        # 10 clients): the flush makes one UPDATE per set of changed columns.
        count_10, count_100, large = self._recompute_query_counts(
            lambda i: 1950 + (i % 10) * 4
        )
        self.assertEqual(count_10, count_100)
        self.assertLessEqual(count_100, 40)
        self.assertEqual(
            {self._line(s, self.crit_age).value for s in large},
            {self.this_year - (1950 + (i % 10) * 4) for i in range(10)},
        )

    def test_recompute_query_count_constant_with_distinct_values(self):
        # 10 ages among the 10 clients, 60 among the 100: the values are
        # written per distinct value, which must cost no query of its own
        # (a stored field that follows the client type on another model did:
        # one search per write).
        count_10, count_100, large = self._recompute_query_counts(
            lambda i: 1930 + i % 60
        )
        ages = {self._line(s, self.crit_age).value for s in large}
        self.assertEqual(len(ages), 60)
        self.assertEqual(count_10, count_100)

    def test_fee_volume_per_client_group_overview(self):
        """The overview action groups fee-volume lines by client group (stored
        on the line so that the pivot can group on it) and follows a client
        moving to another group."""
        other_group = self.env["accountancy.client.group"].create(
            {"name": "Test family Other", "code": "TOTH"}
        )
        neighbour = self._create_company(
            "Neighbour B.V.", relation_kind="client", client_group_id=self.group.id
        )
        strategies = self.Strategy.create(
            [{"partner_id": self.client.id}, {"partner_id": neighbour.id}]
        )
        self._set(strategies[0], {self.crit_fee: 6000}, manual=True)
        self._set(strategies[1], {self.crit_fee: 2500}, manual=True)
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "accountancy_crm.accountancy_strategy_line_overview_fee_group_action"
        )
        domain = safe_eval(action["domain"])

        def totals():
            groups = self.env["accountancy.strategy.line"]._read_group(
                domain + [("strategy_id", "in", strategies.ids)],
                ["client_group_id", "year"],
                ["value:sum"],
            )
            return {(group, year): total for group, year, total in groups}

        self.assertEqual(totals(), {(self.group, self.this_year): 8500})
        neighbour.client_group_id = other_group
        self.assertEqual(
            totals(),
            {(self.group, self.this_year): 6000, (other_group, self.this_year): 2500},
        )

    def test_fee_volume_summed_over_client_group(self):
        self._ensure_chart()
        sister = self.env["res.partner"].search(
            [("client_group_id", "=", self.group.id), ("id", "!=", self.client.id)],
            limit=1,
        )
        loner = self._create_company("Loner B.V.", relation_kind="client")
        self._invoice(self.client, 4000, self.today - timedelta(days=30))
        self._invoice(sister, 2500, self.today - timedelta(days=30))
        self._invoice(loner, 1200, self.today - timedelta(days=30))
        strategies = self.Strategy.create(
            [{"partner_id": self.client.id}, {"partner_id": loner.id}]
        )
        self.assertEqual(self._line(strategies[0], self.crit_fee).value, 4000)
        self.crit_fee.sum_over_group = True
        strategies.action_recompute()
        fee = self._line(strategies[0], self.crit_fee)
        self.assertEqual(fee.value, 6500, "the client's own 4,000 plus its sister's")
        self.assertEqual(fee.band_id.code, "05000-07500")
        self.assertEqual(
            self._line(strategies[1], self.crit_fee).value,
            1200,
            "a client without a group keeps its own fee volume",
        )
