from lxml import etree

from odoo.tests import tagged
from odoo.tools.safe_eval import safe_eval
from odoo.tools.view_validation import get_expression_field_names

from .common import AccountancyCrmCommon, PrecalculationCommon, QuoteCommon, dutch_env


def form_arch(env, model, view=False):
    return etree.fromstring(
        env[model].get_views([(view, "form")])["views"]["form"]["arch"]
    )


def visible(node, record):
    """Whether ``node`` of a form shows for ``record``: its ``invisible``
    expression evaluated on the record's values, as the web client does."""
    expression = node.get("invisible")
    if not expression:
        return True
    values = {"context": {}, "uid": record.env.uid}
    for fname in get_expression_field_names(expression):
        value = record[fname]
        field = record._fields[fname]
        if field.type == "many2one":
            value = value.id
        elif field.type in ("one2many", "many2many"):
            value = value.ids
        values[fname] = value
    return not safe_eval(expression, values)


@tagged("post_install", "-at_install")
class TestOpenWords(AccountancyCrmCommon):
    def test_open_the_verb_is_another_term_than_open_the_adjective(self):
        """Dutch translates the button that opens a relation "Openen" and an
        open opportunity "Open": one English term cannot be both."""
        wizard = form_arch(self.env, "accountancy.intake.wizard")
        (button,) = wizard.xpath("//button[@name='open_commercial_entity']")
        verb = button.get("string")
        search = etree.fromstring(
            self.env["accountancy.sales.report"].get_views([(False, "search")])[
                "views"
            ]["search"]["arch"]
        )
        (open_filter,) = search.xpath("//filter[@name='open']")
        adjectives = {
            open_filter.get("string"),
            self.env["utm.campaign"]._fields["accountancy_open_count"].string,
        }
        self.assertEqual(adjectives, {"Open"})
        self.assertNotIn(verb, adjectives)


@tagged("post_install", "-at_install")
class TestQuoteButtons(QuoteCommon):
    def _primary_buttons(self, order):
        arch = form_arch(self.env, "sale.order")
        return [
            button.get("name")
            for button in arch.xpath("//header/button")
            if "btn-primary" in (button.get("class") or "") and visible(button, order)
        ]

    def test_request_approval_is_the_highlighted_button(self):
        """A quotation that needs approval cannot be sent yet: Request
        approval is its only highlighted button, Send by Email a plain one."""
        order = self._quote(amount=25000)
        self.assertTrue(order.accountancy_approval_required)
        self.assertEqual(
            self._primary_buttons(order), ["action_accountancy_request_approval"]
        )
        arch = form_arch(self.env, "sale.order")
        send = [
            button
            for button in arch.xpath("//header/button[@name='action_quotation_send']")
            if visible(button, order)
        ]
        self.assertEqual([b.get("id") for b in send], ["send_by_email"])
        self.assertNotIn("btn-primary", send[0].get("class") or "")
        # Without approval needed, Odoo's highlighted Send by Email as before.
        order = self._quote(amount=500)
        self.assertFalse(order.accountancy_approval_required)
        self.assertIn("action_quotation_send", self._primary_buttons(order))
        self.assertNotIn(
            "action_accountancy_request_approval", self._primary_buttons(order)
        )


@tagged("post_install", "-at_install")
class TestPrecalculationColumn(PrecalculationCommon):
    def test_service_line_column_names_the_service(self):
        """The pre-calculation's column of service lines names the service,
        not the order and the client on every row."""
        order = self._order([(self.product_bookkeeping, 4)])
        line = order.order_line
        self.assertTrue(order.precalculation_line_ids)
        arch = form_arch(self.env, "sale.order")
        (column,) = arch.xpath(
            "//field[@name='precalculation_line_ids']//field[@name='order_line_id']"
        )
        context = safe_eval(column.get("context") or "{}", {})
        label = (
            order.precalculation_line_ids[0]
            .order_line_id.with_context(**context)
            .display_name
        )
        self.assertEqual(label, line.name.split("\n")[0])
        self.assertNotIn(order.name, label)
        self.assertNotIn(self.client.name, label)
        # Elsewhere a quote line keeps Odoo's name.
        self.assertIn(order.name, line.display_name)


@tagged("post_install", "-at_install")
class TestQuotationTemplateName(AccountancyCrmCommon):
    def test_template_name_is_translatable(self):
        template = self.env.ref(
            "accountancy_crm.sale_order_template_accountancy_services"
        )
        english = template.name
        template.with_env(dutch_env(self.env)).name = "Accountancydiensten"
        template.invalidate_recordset(["name"])
        self.assertEqual(template.name, english)
        self.assertEqual(
            template.with_context(lang="nl_NL").name, "Accountancydiensten"
        )
