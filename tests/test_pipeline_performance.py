"""With many opportunities and contact moments, the
pipeline's first page and the dashboard's grouped figures cost a number of
queries that does not grow with the data. The calls are the ones the web
client makes, with the fields of the real views (get_views)."""

import logging

from lxml import etree

from odoo import Command
from odoo.tests import tagged

from odoo.addons.mail.tests.common import mail_new_test_user

from .common import AccountancyCrmCommon

_logger = logging.getLogger(__name__)

KANBAN_LIMIT = 40  # records per column on the first page
# Opportunities per stage: both sizes fill the first page of every column, so
# that both make the web_search_read count query of a full page.
SIZES_PER_STAGE = (KANBAN_LIMIT + 1, 150)
MOMENTS_PER_LEAD = 3
# Widgets that read more fields than the one they show (their
# fieldDependencies / relatedFields in the web client).
WIDGET_DEPENDENCIES = {
    "kanban_activity": [
        "activity_exception_decoration",
        "activity_exception_icon",
        "activity_state",
        "activity_summary",
        "activity_type_icon",
        "activity_type_id",
    ],
}


def fields_spec(arch, fields):
    """The specification the web client sends to web_search_read for the
    fields of a kanban or list arch (see getFieldsSpec in the web client)."""
    spec = {}
    root = etree.fromstring(arch)
    for node in root.iter("field"):
        # Fields of x2many sub-views belong to the sub-record.
        if any(parent.tag == "field" for parent in node.iterancestors()):
            continue
        name = node.get("name")
        field = fields[name]
        names = [name, *WIDGET_DEPENDENCIES.get(node.get("widget"), [])]
        for fname in names:
            if fname not in fields:
                continue
            ftype = fields[fname]["type"]
            if ftype in ("many2one", "reference"):
                spec[fname] = {"fields": {"display_name": {}}}
            elif ftype in ("one2many", "many2many"):
                related = {"display_name": {}} if node.get("widget") else {}
                if fname == name and node.get("widget") == "many2many_tags":
                    related["color"] = {}
                spec[fname] = {"fields": related} if related else {}
            else:
                spec.setdefault(fname, {})
        if field["type"] == "properties":
            definition = field["definition_record"]
            spec[definition] = {"fields": {"display_name": {}}}
    return spec


def aggregates(root, fields):
    """The aggregates the kanban asks per column: its progress bar's sums."""
    result = []
    for bar in root.iter("progressbar"):
        for attr in ("sum_field", "recurring_revenue_sum_field"):
            fname = bar.get(attr)
            if fname and fname in fields:
                result.append(f"{fname}:sum")
    return result


@tagged("post_install", "-at_install", "is_query_count")
class TestPipelinePerformance(AccountancyCrmCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sales_user = mail_new_test_user(
            cls.env,
            login="pipe_salesman",
            groups="sales_team.group_sale_salesman_all_leads,"
            "accountancy_crm.group_user",
            name="Pipeline Salesman",
        )
        cls.employee.user_id = cls.sales_user
        cls.stages = cls.env["crm.stage"].search([])
        cls.tags = cls.env["crm.tag"].create(
            [{"name": f"Pipeline tag {i}", "color": i} for i in range(3)]
        )
        # The pipeline action's "My pipeline" filter.
        cls.domain = [("type", "=", "opportunity"), ("user_id", "=", cls.sales_user.id)]
        cls.lead_count = 0
        cls.sizes = [size * len(cls.stages) for size in SIZES_PER_STAGE]

    def _add_leads(self, total):
        """Grow the pipeline to ``total`` opportunities, each of its own
        relation, with contact moments and an activity, created in batch."""
        count = total - self.lead_count
        start = self.lead_count
        relations = self.Partner.create(
            [
                {
                    "name": f"Pipeline client {start + i}",
                    "is_company": True,
                    "relation_kind": "prospect",
                }
                for i in range(count)
            ]
        )
        leads = self.env["crm.lead"].create(
            [
                {
                    "name": f"Pipeline deal {start + i}",
                    "type": "opportunity",
                    "partner_id": relation.id,
                    "stage_id": self.stages[(start + i) % len(self.stages)].id,
                    "user_id": self.sales_user.id,
                    "expected_revenue": 1000 + i,
                    "tag_ids": [Command.set(self.tags[: i % 4].ids)],
                }
                for i, relation in enumerate(relations)
            ]
        )
        self.env["accountancy.contact.moment"].create(
            [
                {
                    "lead_id": lead.id,
                    "employee_id": self.employee.id,
                    "subject": f"Call {n}",
                }
                for lead in leads
                for n in range(MOMENTS_PER_LEAD)
            ]
        )
        leads[::3].activity_schedule(
            "mail.mail_activity_data_todo", user_id=self.sales_user.id
        )
        self.lead_count = total
        self.env.flush_all()

    def _count(self, func):
        """Queries of ``func`` with cold record caches: the lower of two rounds
        (the first may also fill the registry's caches)."""
        rounds = []
        for _round in range(2):
            self.env.invalidate_all()
            self.env.registry.clear_cache()
            start = self.env.cr.sql_log_count
            func()
            rounds.append(self.env.cr.sql_log_count - start)
        return min(rounds)

    def test_kanban_first_page_query_count(self):
        Lead = self.env["crm.lead"].with_user(self.sales_user)
        views = Lead.get_views([(False, "kanban")])
        arch = views["views"]["kanban"]["arch"]
        fields = views["models"]["crm.lead"]["fields"]
        root = etree.fromstring(arch)
        spec = fields_spec(arch, fields)
        # The module's fields on the card are part of the measure.
        self.assertIn("stage_color", spec)
        self.assertIn("partner_id", spec)
        sums = aggregates(root, fields)
        self.assertIn("expected_revenue:sum", sums)
        progress_bar = next(root.iter("progressbar"))

        def first_page():
            result = Lead.web_read_group(
                self.domain, sums, ["stage_id"], lazy=True, orderby=""
            )
            Lead.read_progress_bar(
                self.domain,
                "stage_id",
                {
                    "field": progress_bar.get("field"),
                    "colors": progress_bar.get("colors"),
                    "sum_field": progress_bar.get("sum_field"),
                },
            )
            records = 0
            for group in result["groups"]:
                if group.get("__fold"):
                    continue
                page = Lead.web_search_read(group["__domain"], spec, limit=KANBAN_LIMIT)
                records += len(page["records"])
            return records

        counts = {}
        for size in self.sizes:
            self._add_leads(size)
            counts[size] = self._count(first_page)
            self.assertEqual(first_page(), KANBAN_LIMIT * len(self.stages))
        _logger.info("Pipeline kanban first page queries: %s", counts)
        self.assertEqual(*counts.values(), counts)

    def test_dashboard_grouped_figures_query_count(self):
        """The pivot views of the dashboard and the contact moments, grouped
        as their arch says, with their measures."""
        checks = []
        for model in ("accountancy.sales.report", "accountancy.contact.moment"):
            if model not in self.env:
                continue
            Model = self.env[model].with_user(self.sales_user)
            views = Model.get_views([(False, "pivot")])
            root = etree.fromstring(views["views"]["pivot"]["arch"])
            fields = views["models"][model]["fields"]
            groupby, measures = [], []
            for node in root.iter("field"):
                name = node.get("name")
                if node.get("type") == "measure":
                    measures.append(f"{name}:{fields[name].get('aggregator') or 'sum'}")
                elif node.get("type") in ("row", "col"):
                    interval = node.get("interval")
                    groupby.append(f"{name}:{interval}" if interval else name)
            checks.append((Model, groupby, measures))
        self.assertTrue(checks)

        def figures():
            rows = 0
            for Model, groupby, measures in checks:
                # The pivot asks the total, each header and the cells.
                for level in range(len(groupby) + 1):
                    rows += len(
                        Model.read_group(
                            [], measures or ["__count"], groupby[:level], lazy=False
                        )
                    )
            return rows

        counts = {}
        for size in self.sizes:
            self._add_leads(size)
            counts[size] = self._count(figures)
            self.assertTrue(figures())
        _logger.info("Dashboard grouped figures queries: %s", counts)
        self.assertEqual(*counts.values(), counts)
