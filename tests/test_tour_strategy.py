from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestStrategyTour(HttpCase):
    def test_strategy_tour(self):
        env = self.env
        ref = env.ref
        Partner = env["res.partner"]
        this_year = env["accountancy.strategy"].default_get(["year"])["year"]
        group = env["accountancy.client.group"].create(
            {"name": "Tour family", "code": "TOURF"}
        )
        client = Partner.create(
            {
                "name": "Tour Dream Sleep B.V.",
                "is_company": True,
                "relation_kind": "client",
                "client_group_id": group.id,
            }
        )
        Partner.create(
            [
                {"name": "Tour Holding B.V.", "is_company": True},
                {"name": "Tour Shop B.V.", "is_company": True},
            ]
        ).client_group_id = group
        owner = Partner.create({"name": "T. Tourman", "birth_year": this_year - 55})
        env["res.partner.relation"].create(
            {
                "left_partner_id": owner.id,
                "right_partner_id": client.id,
                "type_id": ref("accountancy_crm.relation_type_shareholder").id,
                "share_percentage": 100,
            }
        )
        strategy = env["accountancy.strategy"].create({"partner_id": client.id})
        values = {
            "criterion_fee_volume": (6000, True),
            "criterion_write_off": (3, False),
            "criterion_payment": (30, True),
            "criterion_ambassador": (0, False),
            "criterion_continuity": (1, False),
        }
        for xmlid, (value, manual) in values.items():
            criterion = ref(f"accountancy_crm.{xmlid}")
            strategy.line_ids.filtered(lambda ln, c=criterion: ln.criterion_id == c)[
                :1
            ].write({"value": value, "manual": manual})
        self.assertEqual(strategy.points, 10)
        self.assertEqual(strategy.client_type_id, ref("accountancy_crm.client_type_b"))

        self.start_tour("/odoo", "accountancy_strategy_tour", login="admin")

        strategy.invalidate_recordset()
        ambassador = strategy.line_ids.filtered(
            lambda ln: ln.criterion_id == ref("accountancy_crm.criterion_ambassador")
        )
        self.assertEqual(ambassador.value, 1)
        self.assertEqual(ambassador.points, 2)
        self.assertEqual(strategy.points, 12)
        self.assertEqual(strategy.client_type_id, ref("accountancy_crm.client_type_a"))
        client.invalidate_recordset()
        self.assertEqual(client.client_type_id, ref("accountancy_crm.client_type_a"))
        self.assertEqual(client.strategy_points, 12)
