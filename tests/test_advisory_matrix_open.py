from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import AccountancyCrmCommon


@tagged("post_install", "-at_install")
class TestAdvisoryMatrixOpen(AccountancyCrmCommon):
    """The Advisory matrix menu opens a matrix that already shows the clients
    of its default filters (this year, every client the user may see)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.open_action = cls.env.ref(
            "accountancy_crm.accountancy_advisory_matrix_action_open"
        )
        # Only the first client is in the group: the group's team sees its
        # members.
        cls.clients = cls.Partner.create(
            [
                {
                    "name": "Matrix client in group",
                    "is_company": True,
                    "relation_kind": "client",
                    "client_group_id": cls.client_group.id,
                },
                {
                    "name": "Matrix client alone",
                    "is_company": True,
                    "relation_kind": "client",
                },
            ]
        )
        cls.prospect = cls.Partner.create(
            {"name": "Matrix prospect", "is_company": True, "relation_kind": "prospect"}
        )

    def _open(self, user):
        action = self.open_action.with_user(user).run()
        self.assertEqual(action["res_model"], "accountancy.advisory.matrix")
        return self.env["accountancy.advisory.matrix"].browse(action["res_id"])

    def test_menu_opens_with_clients(self):
        self.assertEqual(
            self.env.ref("accountancy_crm.accountancy_advisory_matrix_menu").action,
            self.open_action,
        )
        matrix = self._open(self.user_manager)
        self.assertEqual(matrix.year, self.this_year)
        shown = matrix.status_ids.partner_id
        self.assertTrue(self.clients <= shown)
        self.assertNotIn(self.prospect, shown)
        expected = self.Partner.with_user(self.user_manager).search_count(
            matrix._client_domain()
        )
        self.assertEqual(matrix.client_count, min(expected, 200))
        services = self.env["accountancy.advisory.service"].search([])
        self.assertEqual(
            len(matrix.status_ids.filtered(lambda s: s.partner_id == self.clients[0])),
            len(services),
        )
        # Narrowing a filter and showing again keeps only the group's clients.
        matrix.client_group_id = self.client_group
        matrix.action_load()
        self.assertEqual(matrix.status_ids.partner_id, self.clients[0])

    def test_only_visible_clients(self):
        """A user sees the clients their record rules allow, not more."""
        self.env["res.config.settings"].create(
            {"group_accountancy_see_all_clients": False}
        ).execute()
        employee = self.env["hr.employee"].create(
            {"name": "Matrix Accountant", "user_id": self.user_acc.id}
        )
        self.env["accountancy.assignment"].create(
            {
                "partner_id": self.clients[0].id,
                "role_id": self.role_rlm.id,
                "employee_id": employee.id,
                "year": self.this_year,
            }
        )
        domain = [("relation_kind", "=", "client"), ("parent_id", "=", False)]
        every = self.Partner.search(domain)
        visible = self.Partner.with_user(self.user_acc).search(domain)
        self.assertLess(len(visible), len(every))
        matrix = self._open(self.user_acc)
        self.assertEqual(matrix.status_ids.partner_id, visible[:200])
        self.assertIn(self.clients[0], matrix.status_ids.partner_id)
        self.assertNotIn(self.clients[1], matrix.status_ids.partner_id)
        self.assertFalse(matrix.status_ids.partner_id & (every - visible))

    def test_refused_without_group(self):
        with self.assertRaises(AccessError):
            self.open_action.with_user(self.user_employee).run()
