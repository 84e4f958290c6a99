from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged
from odoo.tools import mute_logger

from .common import PrecalculationCommon


@tagged("post_install", "-at_install")
class TestPrecalculation(PrecalculationCommon):
    def test_data_products_and_template(self):
        self.assertRecordValues(
            self.product_bookkeeping,
            [
                {
                    "type": "service",
                    "invoice_policy": "order",
                    "service_tracking": "task_in_project",
                    "accountancy_service": "bookkeeping_quarter",
                }
            ],
        )
        self.assertEqual(len(self.template.sale_order_template_line_ids), 7)
        self.assertEqual(
            set(self.template.sale_order_template_line_ids.product_id.mapped("type")),
            {"service"},
        )

    def test_prefill_from_hour_norms(self):
        order = self._order([(self.product_bookkeeping, 4)])
        line = order.order_line
        self.assertRecordValues(
            line.precalculation_line_ids.sorted("role_sequence"),
            [
                {"role_id": self.role_rlm.id, "hours": 4, "hourly_rate": 135},
                {"role_id": self.role_rlm_ass.id, "hours": 56, "hourly_rate": 85},
            ],
        )
        # (4 x 135 + 56 x 85) / 4 quarters
        self.assertAlmostEqual(line.price_unit, 1325)
        self.assertAlmostEqual(line.accountancy_precalculated_hours, 60)
        self.assertAlmostEqual(order.accountancy_precalculated_hours, 60)
        self.assertAlmostEqual(order.accountancy_precalculated_amount, 5300)
        self.assertAlmostEqual(order.amount_untaxed, 5300)
        self.assertEqual(order.precalculation_line_ids, line.precalculation_line_ids)

    def test_prefill_uses_the_client_type_norm(self):
        type_a = self.env.ref("accountancy_crm.client_type_a")
        norm_a = self.env.ref("accountancy_crm.hour_norm_annual_compilation_jrk_a")
        norm_any = self.env.ref("accountancy_crm.hour_norm_annual_compilation_jrk")
        self.client.client_type_id = type_a
        order = self._order([(self.product_annual, 1)])
        jrk = order.precalculation_line_ids.filtered(
            lambda p: p.role_id == self.role_jrk
        )
        self.assertEqual(jrk.hours, norm_a.hours)
        self.assertNotEqual(norm_a.hours, norm_any.hours)

    def test_no_prefill_without_service_or_with_own_lines(self):
        order = self._order([(self.product_ib, 1)])
        self.assertFalse(order.precalculation_line_ids)
        self.assertEqual(order.order_line.price_unit, self.product_ib.lst_price)
        # Lines given at creation are kept as they are.
        order.order_line = [
            Command.create(
                {
                    "product_id": self.product_vat.id,
                    "product_uom_qty": 4,
                    "precalculation_line_ids": [
                        Command.create({"role_id": self.role_rlm.id, "hours": 2})
                    ],
                }
            )
        ]
        vat_line = order.order_line.filtered(lambda l: l.product_id == self.product_vat)
        self.assertEqual(vat_line.precalculation_line_ids.role_id, self.role_rlm)
        self.assertAlmostEqual(vat_line.price_unit, 2 * 135 / 4)

    def test_product_change_prefills_an_empty_line(self):
        order = self._order([(self.product_ib, 4)])
        order.order_line.product_id = self.product_bookkeeping
        self.assertAlmostEqual(order.order_line.accountancy_precalculated_hours, 60)

    def test_price_follows_the_precalculation(self):
        order = self._order([(self.product_bookkeeping, 4)])
        line = order.order_line
        rlm = line.precalculation_line_ids.filtered(
            lambda p: p.role_id == self.role_rlm
        )
        rlm.hours = 8
        self.assertAlmostEqual(line.price_unit, (8 * 135 + 56 * 85) / 4)
        rlm.hourly_rate = 100
        self.assertAlmostEqual(rlm.amount, 800)
        self.assertAlmostEqual(line.price_unit, (800 + 56 * 85) / 4)
        # Another role: its own rate again.
        rlm.role_id = self.role_jrk
        self.assertEqual(rlm.hourly_rate, 95)
        line.product_uom_qty = 2
        self.assertAlmostEqual(line.price_unit, (8 * 95 + 56 * 85) / 2)
        self.Precalc.create(
            {"order_line_id": line.id, "role_id": self.role_rlm.id, "hours": 4}
        )
        self.assertAlmostEqual(line.price_unit, (8 * 95 + 56 * 85 + 4 * 135) / 2)
        # Without a pre-calculation the line is priced by Odoo again.
        line.precalculation_line_ids.unlink()
        self.assertEqual(line.price_unit, self.product_bookkeeping.lst_price)

    def test_manual_price_kept_without_precalculation(self):
        order = self._order([(self.product_ib, 1)])
        line = order.order_line
        line.price_unit = 300
        line.product_uom_qty = 2
        self.assertEqual(line.price_unit, 300)

    def test_hourly_rate_in_the_quote_currency(self):
        other = self.env.ref("base.EUR" if self.currency.name != "EUR" else "base.USD")
        other.active = True
        self.env["res.currency.rate"].search(
            [("currency_id", "in", (other | self.currency).ids)]
        ).unlink()
        self.env["res.currency.rate"].create(
            {"currency_id": other.id, "rate": 2.0, "name": "2000-01-01"}
        )
        pricelist = self.env["product.pricelist"].create(
            {"name": "Other currency", "currency_id": other.id}
        )
        order = self._order([(self.product_bookkeeping, 4)], pricelist_id=pricelist.id)
        self.assertEqual(order.currency_id, other)
        rlm = order.precalculation_line_ids.filtered(
            lambda p: p.role_id == self.role_rlm
        )
        self.assertAlmostEqual(rlm.hourly_rate, 270)
        self.assertAlmostEqual(order.order_line.price_unit, 2650)

    def test_negative_hours_refused(self):
        order = self._order([(self.product_bookkeeping, 4)])
        line = order.order_line
        before = line.precalculation_line_ids.mapped("hours")
        with self.assertRaises(ValidationError) as cm:
            line.precalculation_line_ids[0].hours = -1
        self.assertIn("zero or more hours", str(cm.exception))
        line.invalidate_recordset()
        self.assertEqual(line.precalculation_line_ids.mapped("hours"), before)
        count = self.Precalc.search_count([])
        with self.assertRaises(ValidationError):
            self.Precalc.create(
                {"order_line_id": line.id, "role_id": self.role_jrk.id, "hours": -3}
            )
        self.assertEqual(self.Precalc.search_count([]), count)

    def test_negative_rate_refused(self):
        order = self._order([(self.product_bookkeeping, 4)])
        precalc = order.precalculation_line_ids[0]
        rate = precalc.hourly_rate
        with self.assertRaises(ValidationError) as cm:
            precalc.hourly_rate = -10
        self.assertIn("negative", str(cm.exception))
        precalc.invalidate_recordset()
        self.assertEqual(precalc.hourly_rate, rate)

    def test_confirmed_order_keeps_its_precalculation(self):
        order = self._order([(self.product_bookkeeping, 4)])
        order.action_confirm()
        precalc = order.precalculation_line_ids[0]
        with self.assertRaises(UserError) as cm:
            precalc.hours = 99
        self.assertIn("set it back to quotation", str(cm.exception))
        with self.assertRaises(UserError):
            precalc.unlink()
        self.assertTrue(precalc.exists())
        # A confirmed line does not change its price with the quantity.
        order.order_line.product_uom_qty = 8
        self.assertAlmostEqual(order.order_line.price_unit, 1325)

    def test_copy_keeps_precalculation(self):
        order = self._order([(self.product_bookkeeping, 4)])
        order.precalculation_line_ids[0].hours = 10
        copy = order.copy()
        self.assertEqual(
            sorted(copy.precalculation_line_ids.mapped("hours")),
            sorted(order.precalculation_line_ids.mapped("hours")),
        )
        self.assertEqual(len(copy.precalculation_line_ids), 2)
        self.assertAlmostEqual(copy.order_line.price_unit, order.order_line.price_unit)

    def test_quote_from_template_form(self):
        form = Form(self.Order.with_user(self.salesman))
        form.partner_id = self.client
        form.sale_order_template_id = self.template
        order = form.save()
        self.assertEqual(len(order.order_line), 7)
        with_service = order.order_line.filtered("product_id.accountancy_service")
        self.assertEqual(len(with_service), 3)
        self.assertTrue(all(line.precalculation_line_ids for line in with_service))
        self.assertFalse((order.order_line - with_service).precalculation_line_ids)
        # The tab edits the hours; the price follows.
        line = order.order_line.filtered(
            lambda l: l.product_id == self.product_bookkeeping
        )
        with Form(order.with_user(self.salesman)) as form:
            for index in range(len(form.precalculation_line_ids)):
                with form.precalculation_line_ids.edit(index) as precalc:
                    if (
                        precalc.order_line_id == line
                        and precalc.role_id == self.role_rlm
                    ):
                        precalc.hours = 8
        self.assertAlmostEqual(line.price_unit, (8 * 135 + 56 * 85) / 4)

    def test_printed_quote_shows_hours_per_role(self):
        order = self._order([(self.product_bookkeeping, 4), (self.product_ib, 1)])
        html = str(
            self.env["ir.actions.report"]._render_qweb_html(
                "sale.action_report_saleorder", order.ids
            )[0]
        )
        self.assertIn("Pre-calculation", html)
        self.assertIn(self.role_rlm_ass.name, html)
        self.assertIn("56.00", html)
        plain = self._order([(self.product_ib, 1)])
        html = str(
            self.env["ir.actions.report"]._render_qweb_html(
                "sale.action_report_saleorder", plain.ids
            )[0]
        )
        self.assertNotIn("Pre-calculation", html)


@tagged("post_install", "-at_install")
class TestPrecalculationAccess(PrecalculationCommon):
    @mute_logger("odoo.addons.base.models.ir_rule", "odoo.addons.base.models.ir_model")
    def test_salesman_edits_own_quote_only(self):
        order = self._order([(self.product_bookkeeping, 4)], user_id=self.salesman.id)
        precalc = order.precalculation_line_ids[0].with_user(self.salesman)
        precalc.hours = 3
        self.assertEqual(precalc.hours, 3)
        with self.assertRaises(AccessError):
            order.precalculation_line_ids[0].with_user(self.salesman_2).read(["hours"])
        # Accountancy users without a sales role do not see quotes at all.
        with self.assertRaises(AccessError):
            precalc.with_user(self.user_acc).read(["hours"])
        self.assertEqual(
            precalc.with_user(self.user_manager).read(["hours"])[0]["hours"], 3
        )
        with self.assertRaises(AccessError):
            precalc.with_user(self.user_manager).write({"hours": 5})

    @mute_logger("odoo.addons.base.models.ir_rule")
    def test_other_office_cannot_see(self):
        order = self._order([(self.product_bookkeeping, 4)], user_id=self.salesman.id)
        self.user_company_2.groups_id = [
            Command.link(self.env.ref("sales_team.group_sale_salesman_all_leads").id)
        ]
        Precalc = self.Precalc.with_user(self.user_company_2)
        self.assertFalse(Precalc.search([("order_id", "=", order.id)]))
        self.assertTrue(
            self.Precalc.with_user(self.salesman).search([("order_id", "=", order.id)])
        )


@tagged("post_install", "-at_install", "is_query_count")
class TestPrecalculationQueries(PrecalculationCommon):
    """Prefilling the pre-calculation costs a fixed number of queries on top of
    Odoo's own line creation, whatever the number of lines."""

    def _create_lines_count(self, order, product, count):
        self.env.flush_all()
        self.env.invalidate_all()
        before = self.env.cr.sql_log_count
        self.env["sale.order.line"].create(
            [
                {"order_id": order.id, "product_id": product.id, "product_uom_qty": 4}
                for __ in range(count)
            ]
        )
        self.env.flush_all()
        return self.env.cr.sql_log_count - before

    def test_prefill_query_count_constant(self):
        plain_product = self.product_bookkeeping.copy({"accountancy_service": False})
        order = self._order([])
        self._create_lines_count(order, self.product_bookkeeping, 1)  # warm-up
        counts = {}
        for size in (2, 20):
            rounds = []
            for __ in range(2):
                full = self._create_lines_count(order, self.product_bookkeeping, size)
                plain = self._create_lines_count(order, plain_product, size)
                rounds.append((full - plain, full, plain))
            counts[size] = min(rounds)
        self.assertEqual(
            self.Precalc.search_count(
                [("order_id", "=", order.id), ("role_id", "=", self.role_rlm.id)]
            ),
            1 + 2 * 2 + 2 * 20,
        )
        self.assertLessEqual(
            counts[20][0], counts[2][0] + 1, f"(extra, with, plain): {counts}"
        )
