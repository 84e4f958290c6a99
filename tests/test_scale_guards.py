"""Query counts of the firm-scale read paths (see tools/bench.py) do not grow
with the data: the same count for a small and a large case, the lower of two
rounds each (a cache cleared elsewhere in the suite costs one query once)."""

import sys
from pathlib import Path
from unittest.mock import patch

from odoo.tests import tagged

from .common import AccountancyCrmCommon

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))
from bench import get_view


@tagged("post_install", "-at_install")
class TestScaleGuards(AccountancyCrmCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.type_works_at = cls.env.ref("accountancy_crm.relation_type_works_at")

    def _count(self, func):
        self.env.flush_all()
        self.env.invalidate_all()
        before = self.env.cr.sql_log_count
        func()
        self.env.flush_all()
        return self.env.cr.sql_log_count - before

    def _min_count(self, func):
        func()  # warm up
        return min(self._count(func), self._count(func))

    def _client_with_relations(self, name, count):
        client = self._create_company(name, relation_kind="client")
        persons = self.Partner.create(
            [
                {"name": f"{name} employee {i}", "is_company": False}
                for i in range(count)
            ]
        )
        self.Relation.create(
            [
                {
                    "left_partner_id": person.id,
                    "right_partner_id": client.id,
                    "type_id": self.type_works_at.id,
                }
                for person in persons
            ]
        )
        holding = self._create_company(f"{name} Holding B.V.", relation_kind="client")
        self._share(holding, client, 100)
        return client

    def test_relation_card_open(self):
        """The relation card (form view specification as the web client reads
        it) costs the same with 5 and with 50 relations."""
        few = self._client_with_relations("Few Relations B.V.", 5)
        many = self._client_with_relations("Many Relations B.V.", 50)
        Partner = self.env["res.partner"].with_user(self.user_acc)
        _arch, spec = get_view(Partner.env, "res.partner", "form")
        self.assertIn("shareholder_relation_ids", spec)
        count_few = self._min_count(lambda: Partner.browse(few.id).web_read(spec))
        count_many = self._min_count(lambda: Partner.browse(many.id).web_read(spec))
        self.assertEqual(count_few, count_many)

    def test_strategy_creation_for_all_clients(self):
        """Creating the strategies of a year for all clients (the recompute
        wizard) costs the same for 10 and 100 clients."""
        Wizard = self.env["accountancy.strategy.recompute.wizard"]
        year = self.this_year
        rounds = iter(range(100))

        def run(size):
            batch = next(rounds)
            partners = self.Partner.create(
                [
                    {
                        "name": f"Scale client {batch}-{i}",
                        "is_company": True,
                        "relation_kind": "client",
                    }
                    for i in range(size)
                ]
            )
            wizard = Wizard.create({"year": year})
            return self._count(lambda: wizard._get_strategies(partners))

        run(10)  # warm up
        # The ORM sends its INSERTs and UPDATEs in chunks of 100 rows
        # (odoo.models.INSERT_BATCH_SIZE, UPDATE_BATCH_SIZE): without that
        # chunking the count is the same for any size.
        with (
            patch("odoo.models.INSERT_BATCH_SIZE", 100_000),
            patch("odoo.models.UPDATE_BATCH_SIZE", 100_000),
        ):
            count_10 = min(run(10), run(10))
            count_100 = min(run(100), run(100))
        self.assertEqual(count_10, count_100)
