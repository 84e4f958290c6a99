from odoo.tests import tagged

from .common import AccountancyCrmCommon, make_bsn


@tagged("post_install", "-at_install")
class TestPerformance(AccountancyCrmCommon):
    """The checks cost a constant number of queries, whatever the batch size,
    and use indexes (crm/tests/test_performances.py does the same for leads)."""

    def _company_vals(self, start, count):
        return [
            {
                "name": f"Perf Company {start + i}",
                "is_company": True,
                "company_registry": f"{30000000 + start + i}",
                "kvk_branch_number": f"{100000000000 + start + i}",
                "legal_form": "bv",
                "debtor_number": f"P{start + i}",
                "client_group_id": self.client_group.id,
                "sector_id": self.sector_it.id,
            }
            for i in range(count)
        ]

    def _person_vals(self, start, count):
        return [
            {
                "name": f"Perf Person {start + i}",
                "bsn": make_bsn(start + i),
                "debtor_number": f"Q{start + i}",
            }
            for i in range(count)
        ]

    def _count_queries(self, records, method):
        """Queries made by one check on ``records``, starting from a cold cache."""
        self.env.flush_all()
        self.env.invalidate_all()
        before = self.env.cr.sql_log_count
        getattr(records, method)()
        return self.env.cr.sql_log_count - before

    def test_duplicate_checks_constant_queries(self):
        one = self.Partner.create(self._company_vals(0, 1))
        hundred = self.Partner.create(self._company_vals(1, 100))
        self.assertEqual(len(hundred), 100)
        persons_one = self.Partner.create(self._person_vals(0, 1))
        persons_hundred = self.Partner.create(self._person_vals(1, 100))
        for method, small, large in (
            ("_check_accountancy_duplicate_kvk", one, hundred),
            ("_check_accountancy_debtor_number", one, hundred),
            ("_check_accountancy_duplicate_bsn", persons_one, persons_hundred),
            ("_check_accountancy_numbers", one, hundred),
        ):
            with self.subTest(method=method):
                count_1 = self._count_queries(small, method)
                count_100 = self._count_queries(large, method)
                self.assertEqual(count_1, count_100)
                self.assertLessEqual(count_100, 4)

    def _create_count(self, vals_list):
        self.env.flush_all()
        before = self.env.cr.sql_log_count
        self.Partner.create(vals_list)
        self.env.flush_all()
        return self.env.cr.sql_log_count - before

    def test_create_overhead_constant(self):
        """The queries the module adds to a create (full values compared with
        Odoo's own fields only) do not grow with the batch size."""
        # warm up the caches (access rights, registry...) once
        self._create_count(self._company_vals(400, 1))

        def plain(vals_list):
            return [
                {"name": v["name"] + " plain", "is_company": True} for v in vals_list
            ]

        full_1 = self._create_count(self._company_vals(500, 1))
        plain_1 = self._create_count(plain(self._company_vals(500, 1)))
        full_100 = self._create_count(self._company_vals(600, 100))
        plain_100 = self._create_count(plain(self._company_vals(600, 100)))
        self.assertLessEqual(
            full_100 - plain_100,
            full_1 - plain_1 + 1,
            f"1: {full_1} vs {plain_1}; 100: {full_100} vs {plain_100}",
        )

    def test_share_total_constant_queries(self):
        shareholder = self._create_person("Perf Shareholder")
        companies = self.Partner.create(self._company_vals(700, 101))
        relations = self.Relation.create(
            [
                {
                    "left_partner_id": shareholder.id,
                    "right_partner_id": company.id,
                    "type_id": self.type_shareholder.id,
                    "share_percentage": 50,
                }
                for company in companies
            ]
        )
        count_1 = self._count_queries(relations[:1], "_check_accountancy_share_total")
        count_100 = self._count_queries(relations[1:], "_check_accountancy_share_total")
        self.assertEqual(count_1, count_100)

    def _index_definitions(self, table):
        self.env.cr.execute(
            """SELECT indexdef FROM pg_indexes
                WHERE schemaname = current_schema() AND tablename = %s""",
            [table],
        )
        return [row[0] for row in self.env.cr.fetchall()]

    def _assert_indexed(self, table, columns):
        definitions = self._index_definitions(table)
        for column in columns:
            with self.subTest(table=table, column=column):
                self.assertTrue(
                    any(f"({column})" in definition for definition in definitions),
                    f"no index on {table}.{column}",
                )

    def test_indexes(self):
        self._assert_indexed(
            "res_partner",
            ("company_registry", "bsn", "debtor_number", "fiscal_partner_id"),
        )

    def test_search_indexes(self):
        """A relation is searched with ILIKE on every column of
        _rec_names_search: each has a trigram index, without GIN's fastupdate.
        The relations of a card are read by partner on both sides: both are
        indexed."""
        if self.env.registry.has_trigram:
            definitions = self._index_definitions("res_partner")
            for fname in self.env["res.partner"]._rec_names_search:
                with self.subTest(trigram=fname):
                    self.assertTrue(
                        any(
                            f"USING gin ({fname} gin_trgm_ops) WITH (fastupdate=off)"
                            in definition
                            for definition in definitions
                        ),
                        f"no trigram index without fastupdate on res_partner.{fname}",
                    )
        self._assert_indexed(
            "res_partner_relation", ("left_partner_id", "right_partner_id")
        )
