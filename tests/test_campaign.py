from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged
from odoo.tools import mute_logger

from odoo.addons.mail.tests.common import mail_new_test_user

from .common import AccountancyCrmCommon


@tagged("post_install", "-at_install")
class CampaignCommon(AccountancyCrmCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Campaign = cls.env["utm.campaign"]
        cls.Lead = cls.env["crm.lead"]
        cls.user_sales = mail_new_test_user(
            cls.env,
            login="acc_campaign_sales",
            password="acc_campaign_sales_pw",
            groups="accountancy_crm.group_user,sales_team.group_sale_salesman",
            name="Campaign Salesman",
        )
        cls.user_sales_2 = mail_new_test_user(
            cls.env,
            login="acc_campaign_sales_2",
            password="acc_campaign_sales_2_pw",
            groups="accountancy_crm.group_user,sales_team.group_sale_salesman",
            name="Other Salesman",
        )
        cls.stage_new = cls.env["crm.stage"].create({"name": "Campaign new"})
        cls.stage_won = cls.env["crm.stage"].create(
            {"name": "Campaign won", "is_won": True}
        )
        cls.sector_horeca = cls.env["accountancy.sector"].create(
            {"code": "56101", "name": "Test restaurants"}
        )

    @classmethod
    def _lead(cls, campaign, revenue, status="open", **vals):
        lead = cls.Lead.create(
            dict(
                {
                    "name": f"Campaign lead {revenue}",
                    "type": "opportunity",
                    "campaign_id": campaign.id if campaign else False,
                    "expected_revenue": revenue,
                    "stage_id": cls.stage_new.id,
                    "user_id": cls.user_sales.id,
                },
                **vals,
            )
        )
        if status == "won":
            lead.action_set_won()
        elif status == "lost":
            lead.action_set_lost()
        return lead


@tagged("post_install", "-at_install")
class TestCampaign(CampaignCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.campaign = cls.Campaign.create(
            {"title": "Pension check", "accountancy_cost": 1000.0}
        )
        cls.other_campaign = cls.Campaign.create({"title": "Other campaign"})

    def test_cost_below_zero_is_refused(self):
        with self.assertRaises(ValidationError) as cm:
            self.Campaign.create({"title": "Negative", "accountancy_cost": -5.0})
        self.assertIn("below 0", str(cm.exception))
        self.assertIn("Negative", str(cm.exception))
        self.assertFalse(self.Campaign.search([("title", "=", "Negative")]))
        with self.assertRaises(ValidationError):
            self.campaign.write({"accountancy_cost": -1.0})
        self.assertEqual(self.campaign.accountancy_cost, 1000.0)
        self.campaign.accountancy_cost = 0.0
        self.assertEqual(self.campaign.accountancy_cost, 0.0)

    def test_results_and_return_on_investment(self):
        self._lead(self.campaign, 3000.0, "won")
        self._lead(self.campaign, 500.0, "won", user_id=False)
        self._lead(self.campaign, 700.0)
        self._lead(self.campaign, 900.0, "lost")
        # Archived without being lost: neither open nor lost.
        archived = self._lead(self.campaign, 400.0, probability=30.0)
        archived.action_archive()
        archived.probability = 30.0
        self.assertFalse(archived.active)
        # A lead (not an opportunity) and another campaign's won opportunity.
        self._lead(self.campaign, 800.0, "won", type="lead")
        self._lead(self.other_campaign, 10000.0, "won")
        campaign = self.campaign.with_user(self.user_sales_2)
        self.assertEqual(self.campaign.accountancy_won_revenue, 3500.0)
        self.assertEqual(self.campaign.accountancy_won_count, 2)
        self.assertEqual(self.campaign.accountancy_open_count, 1)
        self.assertEqual(self.campaign.accountancy_lost_count, 1)
        self.assertTrue(self.campaign.accountancy_has_roi)
        self.assertAlmostEqual(self.campaign.accountancy_roi, 2.5)
        self.assertEqual(self.other_campaign.accountancy_won_revenue, 10000.0)
        # No cost: no return on investment (shown empty).
        self.other_campaign.invalidate_recordset()
        self.assertFalse(self.other_campaign.accountancy_has_roi)
        self.assertEqual(self.other_campaign.accountancy_roi, 0.0)
        # A salesman without "all leads" counts what they may see: their own
        # and unassigned opportunities, as crm's rules say.
        self.assertEqual(campaign.accountancy_won_revenue, 500.0)
        self.assertEqual(campaign.accountancy_won_count, 1)
        self.assertEqual(
            self.campaign.with_user(self.user_sales).accountancy_won_revenue, 3500.0
        )

    def test_results_are_batched(self):
        campaigns = self.Campaign.create(
            [{"title": f"Batch {i}", "accountancy_cost": 10.0} for i in range(6)]
        )
        for campaign in campaigns:
            self._lead(campaign, 100.0, "won")
            self._lead(campaign, 50.0)
        self.env.invalidate_all()

        def count(records):
            records.invalidate_recordset()
            self.env["crm.stage"].invalidate_model()
            before = self.env.cr.sql_log_count
            records.mapped("accountancy_won_revenue")
            return self.env.cr.sql_log_count - before

        few = min(count(campaigns[:1]), count(campaigns[:1]))
        many = min(count(campaigns), count(campaigns))
        self.assertLessEqual(many, few)
        self.assertEqual(campaigns.mapped("accountancy_won_revenue"), [100.0] * 6)
        self.assertEqual(campaigns.mapped("accountancy_open_count"), [1] * 6)
        self.assertEqual(campaigns.mapped("accountancy_roi"), [9.0] * 6)

    @mute_logger("odoo.addons.base.models.ir_model", "odoo.models")
    def test_lead_results_need_sales_rights(self):
        campaign = self.campaign.with_user(self.user_acc)
        self.assertEqual(campaign.accountancy_cost, 1000.0)
        campaign.read(["accountancy_cost", "accountancy_target_count"])
        with self.assertRaises(AccessError):
            campaign.read(["accountancy_won_revenue"])
        # The form opens without the sales fields.
        view = campaign.get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn("accountancy_cost", view)
        self.assertNotIn("accountancy_won_revenue", view)

    def test_form_shows_results(self):
        self._lead(self.campaign, 1500.0, "won")
        with Form(self.campaign.with_user(self.user_sales)) as form:
            self.assertEqual(form.accountancy_won_revenue, 1500.0)
            self.assertAlmostEqual(form.accountancy_roi, 0.5)
            form.accountancy_cost = 3000.0
            self.assertAlmostEqual(form.accountancy_roi, -0.5)
        self.assertEqual(self.campaign.accountancy_cost, 3000.0)

    def test_lead_actions(self):
        won = self._lead(self.campaign, 1.0, "won")
        open_lead = self._lead(self.campaign, 2.0)
        lost = self._lead(self.campaign, 3.0, "lost")
        for method, lead in (
            ("action_view_accountancy_won", won),
            ("action_view_accountancy_open", open_lead),
            ("action_view_accountancy_lost", lost),
        ):
            with self.subTest(method=method):
                action = getattr(self.campaign, method)()
                found = self.Lead.with_context(active_test=False).search(
                    action["domain"]
                )
                self.assertEqual(found, lead)


@tagged("post_install", "-at_install")
class TestCampaignTargets(CampaignCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.type_a = cls.env["accountancy.client.type"].search(
            [("code", "=", "A")], limit=1
        )
        cls.horeca_1 = cls._create_company(
            "Cafe One", relation_kind="client", sector_id=cls.sector_horeca.id
        )
        cls.horeca_2 = cls._create_company(
            "Cafe Two",
            relation_kind="client",
            sector_id=cls.sector_horeca.id,
            user_id=cls.user_sales_2.id,
        )
        cls.horeca_prospect = cls._create_company(
            "Cafe Prospect", relation_kind="prospect", sector_id=cls.sector_horeca.id
        )
        cls.it_client = cls._create_company(
            "Software Client", relation_kind="client", sector_id=cls.sector_it.id
        )
        cls.targets = cls.horeca_1 | cls.horeca_2
        cls.call = cls.env.ref("mail.mail_activity_data_call")
        cls.campaign = cls.Campaign.create(
            {
                "title": "Horeca pension",
                "user_id": cls.user_sales.id,
                "accountancy_target_domain": repr(
                    [
                        ("relation_kind", "=", "client"),
                        ("sector_id", "=", cls.sector_horeca.id),
                    ]
                ),
                "accountancy_activity_type_id": cls.call.id,
                "accountancy_activity_date_deadline": "2030-01-15",
            }
        )

    def _activities(self):
        return self.env["mail.activity"].search(
            [("res_model", "=", "res.partner"), ("res_id", "in", self.targets.ids)]
        )

    def test_target_count_and_action(self):
        self.assertEqual(self.campaign.accountancy_target_count, 2)
        action = self.campaign.action_view_accountancy_targets()
        self.assertEqual(self.Partner.search(action["domain"]), self.targets)
        self.campaign.accountancy_target_domain = repr(
            [("sector_id", "=", self.sector_horeca.id)]
        )
        self.assertEqual(self.campaign.accountancy_target_count, 3)

    def test_default_targets_are_clients(self):
        campaign = self.Campaign.create({"title": "Default targets"})
        found = campaign._accountancy_target_partners()
        self.assertIn(self.it_client, found)
        self.assertNotIn(self.horeca_prospect, found)

    def test_invalid_target_filter_is_refused(self):
        for bad in ("[('no_such_field', '=', 1)]", "not a domain", "[('name', '=',"):
            with self.subTest(domain=bad):
                with self.assertRaises(ValidationError) as cm:
                    self.campaign.accountancy_target_domain = bad
                self.assertIn("filter", str(cm.exception))
        self.assertIn("sector_id", self.campaign.accountancy_target_domain)

    def test_schedule_actions_on_targets(self):
        campaign = self.campaign.with_user(self.user_sales)
        campaign.action_schedule_accountancy_activities()
        activities = self._activities()
        self.assertEqual(len(activities), 2)
        self.assertEqual(set(activities.mapped("res_id")), set(self.targets.ids))
        self.assertEqual(activities.user_id, self.user_sales)
        self.assertEqual(activities.activity_type_id, self.call)
        self.assertEqual(set(activities.mapped("summary")), {"Horeca pension"})
        self.assertEqual(
            set(activities.mapped("date_deadline")),
            {self.campaign.accountancy_activity_date_deadline},
        )
        # Clicking again adds nothing.
        result = campaign.action_schedule_accountancy_activities()
        self.assertEqual(self._activities(), activities)
        self.assertIn("0 activities", result["params"]["message"])

    def test_schedule_actions_for_salesperson_of_relation(self):
        self.campaign.write(
            {
                "accountancy_activity_assignee": "salesperson",
                "accountancy_activity_summary": "Pension call",
            }
        )
        self.campaign.action_schedule_accountancy_activities()
        activities = self._activities()
        by_partner = {a.res_id: a.user_id for a in activities}
        self.assertEqual(by_partner[self.horeca_2.id], self.user_sales_2)
        # No salesperson on the relation: the campaign responsible.
        self.assertEqual(by_partner[self.horeca_1.id], self.user_sales)
        self.assertEqual(set(activities.mapped("summary")), {"Pension call"})

    def test_schedule_actions_is_one_batch(self):
        """The queries do not grow with the number of target relations."""

        def schedule(count, summary):
            self.Partner.create(
                [
                    {
                        "name": f"Cafe {summary} {i}",
                        "is_company": True,
                        "relation_kind": "client",
                        "sector_id": self.sector_horeca.id,
                    }
                    for i in range(count)
                ]
            )
            self.campaign.accountancy_activity_summary = summary
            self.env.flush_all()
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            self.campaign.action_schedule_accountancy_activities()
            return self.env.cr.sql_log_count - before

        schedule(0, "Warm up")
        few = schedule(0, "Round 1")
        many = schedule(200, "Round 2")
        activities = self.env["mail.activity"].search(
            [("res_model", "=", "res.partner"), ("summary", "=", "Round 2")]
        )
        self.assertEqual(len(activities), 202)
        # A few more for batched inserts of followers, never one per relation
        # (measured: 10 for 2 relations, 15 for 202).
        self.assertLess(many, few + 10, f"{few} queries for 2, {many} for 202")

    def test_schedule_actions_errors(self):
        self.campaign.accountancy_activity_type_id = False
        with self.assertRaises(UserError) as cm:
            self.campaign.action_schedule_accountancy_activities()
        self.assertIn("Choose the action", str(cm.exception))
        self.campaign.write(
            {
                "accountancy_activity_type_id": self.call.id,
                "accountancy_target_domain": "[('name', '=', 'Nobody at all')]",
            }
        )
        with self.assertRaises(UserError) as cm:
            self.campaign.action_schedule_accountancy_activities()
        self.assertIn("finds no relations", str(cm.exception))
        self.assertFalse(self._activities())


@tagged("post_install", "-at_install")
class TestCampaignViews(CampaignCommon):
    def test_views_and_menus(self):
        views = self.Campaign.with_user(self.user_sales).get_views(
            [(False, "form"), (False, "list"), (False, "kanban")]
        )["views"]
        self.assertIn("accountancy_target_domain", views["form"]["arch"])
        self.assertIn("accountancy_roi", views["list"]["arch"])
        self.assertIn("accountancy_won_revenue", views["kanban"]["arch"])
        menu = self.env.ref("accountancy_crm.utm_campaign_menu_crm")
        self.assertEqual(menu.parent_id, self.env.ref("crm.crm_menu_sales"))
        self.assertIn(
            menu,
            self.env["ir.ui.menu"]
            .with_user(self.user_sales)
            .search([("id", "=", menu.id)]),
        )
