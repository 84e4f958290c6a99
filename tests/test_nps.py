from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged, users
from odoo.tools import mute_logger

from .common import AccountancyCrmCommon


@tagged("post_install", "-at_install")
class NpsCommon(AccountancyCrmCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Response = cls.env["accountancy.nps.response"]
        cls.today = fields.Date.today()
        cls.client_a = cls._create_company(
            "NPS Client A", relation_kind="client", sector_id=cls.sector_it.id
        )
        cls.contact_a = cls._create_person("Anna of A", parent_id=cls.client_a.id)
        cls.client_b = cls._create_company(
            "NPS Client B", relation_kind="client", sector_id=cls.sector_transport.id
        )
        # A strategy of this year without points gives client type D.
        cls.env["accountancy.strategy"].create({"partner_id": cls.client_a.id})
        cls.type_d = cls.env.ref("accountancy_crm.client_type_d")

    @classmethod
    def _responses(cls, partner, scores, date=None):
        return cls.Response.create(
            [
                {
                    "partner_id": partner.id,
                    "score": score,
                    "date": date or cls.today,
                }
                for score in scores
            ]
        )


@tagged("post_install", "-at_install")
class TestNps(NpsCommon):
    def test_category_and_value_per_score(self):
        expected = {
            0: ("detractor", -100),
            6: ("detractor", -100),
            7: ("passive", 0),
            8: ("passive", 0),
            9: ("promoter", 100),
            10: ("promoter", 100),
        }
        responses = self._responses(self.client_a, list(expected))
        for response in responses:
            with self.subTest(score=response.score):
                self.assertEqual(
                    (response.category, response.nps_value), expected[response.score]
                )
        # Changing the score moves the answer to another category.
        responses[0].score = 9
        self.assertEqual(responses[0].category, "promoter")
        self.assertEqual(responses[0].nps_value, 100)

    def test_score_outside_0_10_is_refused(self):
        for score in (11, -1, 100):
            with self.subTest(score=score):
                with self.assertRaises(ValidationError) as cm:
                    self._responses(self.client_a, [score])
                self.assertIn(
                    f"The score {score} of the NPS response", str(cm.exception)
                )
                self.assertIn("from 0", str(cm.exception))
        self.assertFalse(self.Response.search([("partner_id", "=", self.client_a.id)]))
        response = self._responses(self.client_a, [8])
        with self.assertRaises(ValidationError):
            response.score = 12
        self.assertEqual(response.score, 8)

    def test_average_of_nps_value_is_the_nps(self):
        # A: 2 promoters, 1 passive, 2 detractors of 5: NPS 0.
        self._responses(self.client_a, [10, 9, 8, 3, 0])
        # B: 2 promoters, 1 passive, 1 detractor of 4: 50 - 25 = 25.
        self._responses(self.client_b, [10, 10, 7, 5])
        by_type = dict(
            self.Response._read_group(
                [("partner_id", "in", (self.client_a | self.client_b).ids)],
                ["client_type_id"],
                ["nps_value:avg"],
            )
        )
        self.assertEqual(by_type[self.type_d], 0)
        self.assertEqual(by_type[self.env["accountancy.client.type"]], 25)
        # All 9 answers: 4 promoters, 3 detractors: 100 * (4 - 3) / 9.
        [(total,)] = self.Response._read_group(
            [("partner_id", "in", (self.client_a | self.client_b).ids)],
            [],
            ["nps_value:avg"],
        )
        self.assertAlmostEqual(total, 100 * (4 - 3) / 9)
        # The pivot and graph use the average as their measure.
        self.assertEqual(self.Response._fields["nps_value"].aggregator, "avg")
        result = self.Response.read_group(
            [("partner_id", "in", (self.client_a | self.client_b).ids)],
            ["nps_value:avg"],
            ["sector_id"],
        )
        by_sector = {r["sector_id"][0]: r["nps_value"] for r in result}
        self.assertEqual(
            by_sector, {self.sector_it.id: 0, self.sector_transport.id: 25}
        )

    def test_segments_follow_the_relation(self):
        response = self._responses(self.contact_a, [9])
        self.assertEqual(response.commercial_partner_id, self.client_a)
        self.assertEqual(response.client_type_id, self.type_d)
        self.assertEqual(response.sector_id, self.sector_it)
        self.assertEqual(response.relation_kind, "client")
        self.assertEqual(response.lifecycle_stage, "prospect")  # no invoice yet
        self.client_a.write(
            {"sector_id": self.sector_transport.id, "relation_kind": "former_client"}
        )
        self.env.flush_all()
        # Searchable and groupable on the new values.
        self.assertEqual(
            self.Response.search(
                [
                    ("sector_id", "=", self.sector_transport.id),
                    ("relation_kind", "=", "former_client"),
                    ("lifecycle_stage", "=", "former_client"),
                ]
            ),
            response,
        )

    def test_relation_card_button(self):
        self.assertEqual(self.client_a.accountancy_nps_count, 0)
        self._responses(self.client_a, [3], date=self.today - timedelta(days=400))
        self._responses(self.contact_a, [10, 8], date=self.today - timedelta(days=30))
        latest = self._responses(self.contact_a, [7], date=self.today)
        self._responses(self.client_b, [0])
        self.env.invalidate_all()
        for partner in (self.client_a, self.contact_a):
            with self.subTest(partner=partner.name):
                self.assertEqual(partner.accountancy_nps_count, 4)
                self.assertEqual(partner.accountancy_nps_last_score, 7)
                # 1 promoter, 2 passives, 1 detractor: 0.
                self.assertEqual(partner.accountancy_nps, 0)
        self.assertEqual(self.client_b.accountancy_nps, -100)
        latest.score = 9
        self.env.invalidate_all()
        self.assertEqual(self.client_a.accountancy_nps_last_score, 9)
        self.assertEqual(self.client_a.accountancy_nps, 25)
        action = self.contact_a.action_view_nps_responses()
        self.assertEqual(
            self.Response.search(action["domain"]).partner_id.commercial_partner_id,
            self.client_a,
        )
        self.assertEqual(len(self.Response.search(action["domain"])), 4)
        self.assertEqual(action["context"]["default_partner_id"], self.contact_a.id)
        arch = self.client_a.get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn("action_view_nps_responses", arch)

    @users("acc_user")
    def test_relation_card_button_query_count(self):
        """The button's figures cost the same queries for 3 and for 30 relations."""
        counts = []
        for size in (3, 30):
            clients = (
                self.env["res.partner"]
                .sudo()
                .create(
                    [
                        {"name": f"NPS batch {size}-{i}", "relation_kind": "client"}
                        for i in range(size)
                    ]
                )
            )
            self.Response.sudo().create(
                [
                    {"partner_id": client.id, "score": score, "date": self.today}
                    for client in clients
                    for score in (4, 9)
                ]
            )
            partners = clients.with_env(self.env)
            fnames = [
                "accountancy_nps_count",
                "accountancy_nps_last_score",
                "accountancy_nps",
            ]
            rounds = []
            for _round in range(2):
                self.env.invalidate_all()
                start = self.env.cr.sql_log_count
                partners.read(fnames)
                rounds.append(self.env.cr.sql_log_count - start)
            counts.append(min(rounds))
            self.assertEqual(partners[0].accountancy_nps_count, 2)
            self.assertEqual(partners[-1].accountancy_nps, 0)
        self.assertEqual(counts[0], counts[1], counts)

    def test_views_load(self):
        views = self.Response.get_views(
            [(False, view) for view in ("list", "form", "pivot", "graph", "search")]
        )["views"]
        self.assertIn('name="nps_value"', views["pivot"]["arch"])
        self.assertIn('interval="quarter"', views["pivot"]["arch"])
        self.assertIn("groupby_client_type", views["search"]["arch"])
        action = self.env.ref("accountancy_crm.accountancy_nps_response_action")
        self.assertEqual(action.res_model, "accountancy.nps.response")

    @mute_logger("odoo.addons.base.models.ir_rule", "odoo.models")
    def test_access(self):
        response = self._responses(self.client_a, [9])
        with self.assertRaises(AccessError):
            response.with_user(self.user_employee).read(["score"])
        self.employee.user_id = self.user_acc
        self.env["accountancy.assignment"].create(
            [
                {
                    "partner_id": self.client_b.id,
                    "role_id": self.role_acc.id,
                    "employee_id": self.employee.id,
                    "year": self.this_year,
                },
                {
                    "partner_id": self.client_a.id,
                    "role_id": self.role_rlm.id,
                    "employee_id": self.employee_2.id,
                    "year": self.this_year,
                },
            ]
        )
        # The user records answers of the clients they see.
        mine = self.Response.with_user(self.user_acc).create(
            {"partner_id": self.client_b.id, "score": 6}
        )
        self.assertEqual(mine.category, "detractor")
        self.assertEqual(self.client_b.with_user(self.user_acc).accountancy_nps, -100)
        # With "everyone sees all clients" off, answers of another team's client
        # are hidden, like the client itself.
        self.env["res.config.settings"].create(
            {"group_accountancy_see_all_clients": False}
        ).execute()
        self.env.flush_all()
        visible = self.Response.with_user(self.user_acc).search(
            [("id", "in", (response | mine).ids)]
        )
        self.assertEqual(visible, mine)
        with self.assertRaises(AccessError):
            response.with_user(self.user_acc).read(["score"])
        self.assertEqual(
            self.Response.with_user(self.user_manager).search(
                [("id", "in", (response | mine).ids)]
            ),
            response | mine,
        )
