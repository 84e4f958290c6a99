import re

from lxml import etree

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import Form, tagged

from odoo.addons.mail.tests.common import mail_new_test_user

from .common import AccountancyCrmCommon


@tagged("post_install", "-at_install")
class TestForecastStatus(AccountancyCrmCommon):
    """Forecast statuses: a fixed probability and a colour per CRM stage."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Lead = cls.env["crm.lead"]
        cls.Stage = cls.env["crm.stage"]
        cls.team = cls.env["crm.team"].create({"name": "Test forecast team"})
        cls.stage_new, cls.stage_qualified, cls.stage_plain, cls.stage_won = (
            cls.Stage.create(
                [
                    {
                        "name": "Test forecast new",
                        "sequence": 0,
                        "accountancy_probability": 10,
                        "color": 4,
                    },
                    {
                        "name": "Test forecast qualified",
                        "sequence": 1,
                        "accountancy_probability": 30,
                        "color": 2,
                    },
                    {"name": "Test forecast plain", "sequence": 2},
                    {
                        "name": "Test forecast won",
                        "sequence": 3,
                        "is_won": True,
                        "accountancy_probability": 40,
                    },
                ]
            )
        )
        cls.user_salesman = mail_new_test_user(
            cls.env,
            login="acc_forecast_sales",
            groups="sales_team.group_sale_salesman",
            name="Forecast Salesman",
        )

    def _leads(self, count, stage=None, **extra):
        return self.Lead.create(
            [
                dict(
                    {
                        "name": f"Forecast lead {index}",
                        "type": "opportunity",
                        "team_id": self.team.id,
                        "stage_id": (stage or self.stage_plain).id,
                    },
                    **extra,
                )
                for index in range(count)
            ]
        )

    def test_create_in_fixed_stage_sets_probability(self):
        leads = self._leads(3, self.stage_qualified)
        self.assertEqual(leads.mapped("probability"), [30.0] * 3)
        self.assertTrue(all(leads.mapped("accountancy_fixed_probability")))
        self.assertEqual(leads.mapped("stage_color"), [2] * 3)

    def test_create_with_explicit_probability_keeps_it(self):
        lead = self._leads(1, self.stage_qualified, probability=55)
        self.assertEqual(lead.probability, 55)
        self.assertFalse(lead.accountancy_fixed_probability)

    def test_move_batch_sets_probability(self):
        leads = self._leads(5)
        leads.write({"stage_id": self.stage_new.id})
        self.assertEqual(leads.mapped("probability"), [10.0] * 5)
        leads.write({"stage_id": self.stage_qualified.id})
        self.assertEqual(leads.mapped("probability"), [30.0] * 5)
        self.assertTrue(all(leads.mapped("accountancy_fixed_probability")))

    def test_form_stage_change_shows_fixed_probability(self):
        lead = self._leads(1)
        with Form(lead) as form:
            form.stage_id = self.stage_qualified
            self.assertEqual(form.probability, 30)
        self.assertEqual(lead.probability, 30)
        self.assertTrue(lead.accountancy_fixed_probability)

    def test_fixed_probability_survives_predictive_scoring(self):
        self.env["ir.config_parameter"].set_param("crm.pls_start_date", "2000-01-01")
        # History so that the predictive scoring has something to compute.
        history = self._leads(4, self.stage_qualified)
        history[:3].write({"stage_id": self.stage_won.id})
        history[3].action_set_lost()
        leads = self._leads(3, self.stage_qualified)
        # Make the fixed value look automated: the case where Odoo's
        # predictive scoring would overwrite it.
        leads.write(
            {"automated_probability": 30, "accountancy_fixed_probability": True}
        )
        self.assertTrue(all(leads.mapped("is_automated_probability")))
        self.Lead._cron_update_automated_probabilities()
        self.assertNotEqual(leads[0].automated_probability, 30)
        self.assertEqual(leads.mapped("probability"), [30.0] * 3)
        # An ORM recompute (a scoring field changes) keeps it too.
        leads.write({"team_id": self.env["crm.team"].create({"name": "Other"}).id})
        self.assertEqual(leads.mapped("probability"), [30.0] * 3)

    def test_manual_probability_is_respected(self):
        lead = self._leads(1, self.stage_qualified)
        lead.write({"probability": 45})
        self.assertFalse(lead.accountancy_fixed_probability)
        self.Lead._update_automated_probabilities()
        self.assertEqual(lead.probability, 45)

    def test_won_and_lost_keep_odoo_meaning(self):
        leads = self._leads(2, self.stage_qualified)
        leads[0].write({"stage_id": self.stage_won.id})
        self.assertEqual(leads[0].probability, 100)
        self.assertFalse(leads[0].accountancy_fixed_probability)
        leads[1].action_set_lost()
        self.assertFalse(leads[1].active)
        self.assertEqual(leads[1].probability, 0)
        # A lost lead moved to another stage stays lost.
        leads[1].write({"stage_id": self.stage_new.id})
        self.assertEqual(leads[1].probability, 0)
        self.assertFalse(leads[1].active)

    def test_stage_without_fixed_probability_keeps_odoo_behaviour(self):
        lead = self._leads(1)
        self.assertFalse(lead.accountancy_fixed_probability)
        self.assertTrue(lead.is_automated_probability)
        lead.write({"stage_id": self.stage_qualified.id})
        self.assertEqual(lead.probability, 30)
        # Leaving the fixed stage: back to the predictive probability.
        lead.write({"stage_id": self.stage_plain.id})
        self.assertFalse(lead.accountancy_fixed_probability)
        self.assertEqual(lead.probability, lead.automated_probability)
        self.assertTrue(lead.is_automated_probability)

    def test_probability_out_of_range_rejected(self):
        for value in (120, -5):
            with self.assertRaises(ValidationError):
                self.stage_new.write({"accountancy_probability": value})
            self.stage_new.invalidate_recordset()
            self.assertEqual(self.stage_new.accountancy_probability, 10)
        with self.assertRaises(ValidationError):
            self.Stage.create(
                {"name": "Test bad stage", "accountancy_probability": 101}
            )
        self.assertFalse(self.Stage.search([("name", "=", "Test bad stage")]))

    def test_salesman_cannot_edit_stages(self):
        stage = self.stage_new.with_user(self.user_salesman)
        self.assertEqual(stage.accountancy_probability, 10)  # may read
        with self.assertRaises(AccessError):
            stage.write({"accountancy_probability": 50})
        self.stage_new.invalidate_recordset()
        self.assertEqual(self.stage_new.accountancy_probability, 10)
        # Moving their own opportunity applies the shared status.
        lead = self._leads(1, user_id=self.user_salesman.id)
        lead.with_user(self.user_salesman).write({"stage_id": self.stage_new.id})
        self.assertEqual(lead.probability, 10)

    def test_move_query_count_does_not_grow(self):
        # Same count for 10 and 100 leads: the move is one batched write.
        for size in (10, 100):
            leads = self._leads(size)
            self.env.flush_all()
            self.env.invalidate_all()
            with self.assertQueryCount(4):
                leads.write({"stage_id": self.stage_qualified.id})
                self.env.flush_all()
            self.assertEqual(leads.mapped("probability"), [30.0] * size)

    def test_lead_without_stage(self):
        # Odoo clears the stage in merge, mass convert and assignment.
        leads = self._leads(2, self.stage_qualified)
        leads.write({"stage_id": False})
        self.assertFalse(leads.stage_id)
        self.assertFalse(any(leads.mapped("accountancy_fixed_probability")))
        self.assertEqual(
            leads.mapped("probability"), leads.mapped("automated_probability")
        )
        lead = self.Lead.create(
            {"name": "No stage lead", "type": "lead", "stage_id": False}
        )
        self.assertFalse(lead.stage_id)
        self.assertFalse(lead.accountancy_fixed_probability)
        # Back to a fixed stage: the stage's probability again.
        lead.write({"stage_id": self.stage_new.id})
        self.assertEqual(lead.probability, 10)


@tagged("post_install", "-at_install")
class TestForecastViews(AccountancyCrmCommon):
    """The card the module adds to the pipeline kanban also reaches Odoo's
    Forecast kanban (a primary view inheriting it): the Forecast card must
    only use fields its view loads (Reporting > Forecast crashed with
    "Cannot read properties of undefined (reading 'raw_value')")."""

    RECORD_REF = re.compile(r"record\.(\w+)\.(?:raw_value|value)")
    GUARDED_REF = re.compile(r"record\.(\w+) and ")

    def _unloaded_card_fields(self, view_xmlid):
        view = self.env.ref(view_xmlid)
        arch = self.env["crm.lead"].get_views([(view.id, "kanban")])["views"]["kanban"][
            "arch"
        ]
        root = etree.fromstring(arch)
        loaded = {node.get("name") for node in root.iter("field")}
        used = set()
        for node in root.iter():
            for value in node.attrib.values():
                refs = set(self.RECORD_REF.findall(value))
                used |= refs - set(self.GUARDED_REF.findall(value))
        return used - loaded

    def test_kanban_cards_use_loaded_fields(self):
        for xmlid in (
            "crm.crm_case_kanban_view_leads",
            "crm.crm_lead_view_kanban_forecast",
        ):
            with self.subTest(view=xmlid):
                self.assertEqual(self._unloaded_card_fields(xmlid), set())

    def test_forecast_card_keeps_prorated_revenue_and_status(self):
        view = self.env.ref("crm.crm_lead_view_kanban_forecast")
        arch = self.env["crm.lead"].get_views([(view.id, "kanban")])["views"]["kanban"][
            "arch"
        ]
        card = etree.fromstring(arch).xpath("//t[@t-name='card']")[0]
        self.assertTrue(card.xpath(".//field[@name='prorated_revenue']"))
        self.assertFalse(card.xpath(".//field[@name='expected_revenue']"))
        self.assertTrue(card.xpath(".//span[@title='Forecast status']"))
