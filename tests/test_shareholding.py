from datetime import timedelta

from lxml import html

from odoo import fields
from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import AccountancyCrmCommon


@tagged("post_install", "-at_install")
class TestShareholding(AccountancyCrmCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.person = cls._create_person("Jan Jansen")
        cls.person_2 = cls._create_person("Marie Jansen")
        cls.holding = cls._create_company("Jansen Holding B.V.", legal_form="bv")
        cls.operating = cls._create_company("Jansen Transport B.V.", legal_form="bv")
        cls.today = fields.Date.today()

    def _relations(self, company):
        return self.Relation.search_count(
            [
                ("right_partner_id", "=", company.id),
                ("type_id", "=", self.type_shareholder.id),
            ]
        )

    def test_percentage_bounds(self):
        for bad in (0, -5, 100.01, 150):
            with self.subTest(bad=bad):
                with self.assertRaises(ValidationError) as cm:
                    self._share(self.person, self.operating, bad)
                self.assertIn("Jansen Transport B.V.", str(cm.exception))
                self.assertEqual(self._relations(self.operating), 0)
        relation = self._share(self.person, self.operating, 100)
        self.assertEqual(relation.share_percentage, 100)
        with self.assertRaises(ValidationError):
            relation.share_percentage = 0
        relation.invalidate_recordset()
        self.assertEqual(relation.share_percentage, 100)

    def test_total_above_100(self):
        self._share(self.person, self.operating, 60)
        with self.assertRaises(ValidationError) as cm:
            self._share(self.person_2, self.operating, 40.01)
        self.assertIn("Jansen Transport B.V.", str(cm.exception))
        self.assertEqual(self._relations(self.operating), 1)
        second = self._share(self.person_2, self.operating, 40)
        with self.assertRaises(ValidationError):
            second.share_percentage = 41
        # Moving the shares to another company is checked there too.
        other = self._create_company("Other B.V.")
        self._share(self.person, other, 99)
        with self.assertRaises(ValidationError):
            second.right_partner_id = other

    def test_total_above_100_in_one_batch(self):
        vals = [
            {
                "left_partner_id": shareholder.id,
                "right_partner_id": self.operating.id,
                "type_id": self.type_shareholder.id,
                "share_percentage": percentage,
            }
            for shareholder, percentage in (
                (self.person, 50),
                (self.person_2, 30),
                (self.holding, 21),
            )
        ]
        with self.assertRaises(ValidationError):
            self.Relation.create(vals)
        self.assertEqual(self._relations(self.operating), 0)
        vals[2]["share_percentage"] = 20
        self.assertEqual(len(self.Relation.create(vals)), 3)

    def test_ended_shareholding_not_counted(self):
        self._share(
            self.person,
            self.operating,
            100,
            date_start=self.today - timedelta(days=400),
            date_end=self.today - timedelta(days=1),
        )
        self._share(self.holding, self.operating, 100, date_start=self.today)
        # Ending today still counts: it is current today.
        other = self._create_company("Ends Today B.V.")
        self._share(self.person, other, 60, date_end=self.today)
        with self.assertRaises(ValidationError):
            self._share(self.person_2, other, 50)

    def test_other_types_ignore_percentage(self):
        self._share(self.holding, self.operating, 100)
        adviser = self.Relation.create(
            {
                "left_partner_id": self.person.id,
                "right_partner_id": self.operating.id,
                "type_id": self.type_adviser.id,
                "share_percentage": 150,
            }
        )
        self.assertTrue(adviser)
        adviser.share_percentage = 0
        self.assertFalse(adviser.is_shareholding)

    def test_holding_tree(self):
        self._share(self.person, self.holding, 100)
        self._share(self.holding, self.operating, 60)
        self._share(self.person_2, self.operating, 40)
        ended = self._create_company("Sold Subsidiary B.V.")
        self._share(
            self.holding,
            ended,
            100,
            date_start=self.today - timedelta(days=30),
            date_end=self.today - timedelta(days=1),
        )
        tree = self.holding.holding_tree
        self.assertTrue(tree)
        for name in ("Jan Jansen", "Jansen Holding B.V.", "Jansen Transport B.V."):
            self.assertIn(name, tree)
        self.assertNotIn(
            "Sold Subsidiary B.V.", tree, "ended shareholdings are not shown"
        )
        root = html.fromstring(tree)
        nodes = {
            int(li.get("data-partner-id")): li
            for li in root.iter("li")
            if li.get("data-partner-id")
        }
        person_li = nodes[self.person.id]
        holding_li = nodes[self.holding.id]
        operating_li = nodes[self.operating.id]
        # Nesting: person > holding > operating company
        self.assertIn(holding_li, list(person_li.iter("li")))
        self.assertIn(operating_li, list(holding_li.iter("li")))
        # Percentages next to the subsidiaries
        holding_label = holding_li.text_content().split("Jansen Transport")[0]
        self.assertIn("100 %", holding_label)
        self.assertIn("60 %", operating_li.text_content())
        # The current partner is marked (bold, no link to itself)
        strong = holding_li.find("strong")
        self.assertIsNotNone(strong)
        self.assertEqual(strong.text_content(), "Jansen Holding B.V.")
        self.assertEqual(
            [s.text_content() for s in root.iter("strong")], ["Jansen Holding B.V."]
        )
        # Seen from the operating company the current partner is the other one.
        self.operating.invalidate_recordset(["holding_tree"])
        op_root = html.fromstring(self.operating.holding_tree)
        # It appears under each of its shareholders, marked each time.
        marked = {s.text_content() for s in op_root.iter("strong")}
        self.assertEqual(marked, {"Jansen Transport B.V."})
        self.assertEqual(
            len(op_root.xpath("//li[@data-partner-id='%s']" % self.operating.id)), 2
        )
        self.assertIn("Jan Jansen", self.operating.holding_tree)
        self.assertIn("Marie Jansen", self.operating.holding_tree)

    def test_holding_tree_cycle(self):
        """Cross holdings (A holds B, B holds A) do not loop forever."""
        self._share(self.holding, self.operating, 50)
        self._share(self.operating, self.holding, 50)
        tree = self.holding.holding_tree
        self.assertIn("Jansen Transport B.V.", tree)
        self.assertIn("<strong>Jansen Holding B.V.</strong>", tree)

    def test_holding_tree_escapes_names(self):
        evil = self._create_company("<script>alert(1)</script> B.V.")
        self._share(self.person, evil, 100)
        self.assertNotIn("<script>", self.person.holding_tree)
        self.assertIn("&lt;script&gt;", self.person.holding_tree)

    def test_no_holding_tree(self):
        self.assertFalse(self.operating.holding_tree)

    def test_relation_all(self):
        """Through the both-sided view of partner_multi_relation."""
        selection_model = self.env["res.partner.relation.type.selection"]
        has_shareholder = selection_model.search(
            [("type_id", "=", self.type_shareholder.id), ("is_inverse", "=", True)]
        )
        self.assertEqual(len(has_shareholder), 1)
        created = self.RelationAll.create(
            {
                "this_partner_id": self.operating.id,
                "type_selection_id": has_shareholder.id,
                "other_partner_id": self.holding.id,
                "share_percentage": 60,
            }
        )
        relation = self.Relation.search(
            [
                ("left_partner_id", "=", self.holding.id),
                ("right_partner_id", "=", self.operating.id),
                ("type_id", "=", self.type_shareholder.id),
            ]
        )
        self.assertEqual(relation.share_percentage, 60)
        self.assertEqual(created.share_percentage, 60)
        from_holding = self.RelationAll.search(
            [
                ("this_partner_id", "=", self.holding.id),
                ("type_id", "=", self.type_shareholder.id),
            ]
        )
        self.assertEqual(from_holding.share_percentage, 60)
        self.assertFalse(from_holding.is_inverse)
        # Bad percentages are refused there too, nothing saved.
        with self.assertRaises(ValidationError):
            self.RelationAll.create(
                {
                    "this_partner_id": self.operating.id,
                    "type_selection_id": has_shareholder.id,
                    "other_partner_id": self.person.id,
                    "share_percentage": 41,
                }
            )
        self.assertEqual(self._relations(self.operating), 1)
        with self.assertRaises(ValidationError):
            created.write({"share_percentage": 0})
        relation.invalidate_recordset()
        self.assertEqual(relation.share_percentage, 60)
        created.write({"share_percentage": 75})
        relation.invalidate_recordset()
        self.assertEqual(relation.share_percentage, 75)
        self.assertIn("75 %", self.operating.holding_tree)
