"""Client data follows
the client's visibility, a user cannot widen their own visibility, portal
users do not read the firm's judgement of a client.

Each exploit is tried as the user who could use it, with ``with_user`` and over
the external JSON-RPC API, and the tests check that nothing was read or
written."""

import base64

from lxml import etree

from odoo import Command, fields
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, TransactionCase, tagged
from odoo.tools import mute_logger

from odoo.addons.mail.tests.common import mail_new_test_user

from .common import execute_kw, refuse_report_assets

ACCESS_ERROR = "odoo.exceptions.AccessError"
# The models holding client data, with the path from the record to the client.
CLIENT_DATA_MODELS = (
    "accountancy.strategy",
    "accountancy.strategy.line",
    "accountancy.service.plan",
    "accountancy.planned.hour",
    "accountancy.advisory.status",
    "accountancy.annual.figure",
    "accountancy.assignment",
    "accountancy.snapshot",
    "accountancy.client.acceptance",
    "accountancy.contact.moment",
)
MUTE = ("odoo.addons.base.models.ir_rule", "odoo.models", "odoo.http")


@tagged("post_install", "-at_install")
class VisibilityFixture:
    """Two clients: one of the accountancy user's team, one of someone else's
    team (in another client group), each with data in every client model; the
    setting "Everyone sees all clients" off."""

    @classmethod
    def _setup_visibility(cls, prefix):
        refuse_report_assets(cls)
        env = cls.env
        cls.prefix = prefix
        cls.users = {}
        for key, groups in (
            ("acc", "accountancy_crm.group_user"),
            ("employee", "base.group_user"),
            ("manager", "accountancy_crm.group_manager"),
            ("compliance", "accountancy_crm.group_compliance"),
            ("portal", "base.group_portal"),
        ):
            cls.users[key] = mail_new_test_user(
                env,
                login=f"{prefix}_{key}",
                password=f"{prefix}_{key}_pw",
                groups=groups,
                name=f"{prefix} {key}",
            )
        cls.user_acc = cls.users["acc"]
        cls.year = fields.Date.today().year
        cls.role = env.ref("accountancy_crm.role_acc")
        cls.employee = env["hr.employee"].create(
            {"name": f"{prefix} accountant", "user_id": cls.user_acc.id}
        )
        cls.employee_other = env["hr.employee"].create(
            {"name": f"{prefix} other accountant"}
        )
        Group = env["accountancy.client.group"]
        cls.group_mine = Group.create({"name": f"{prefix} own family"})
        cls.group_hidden = Group.create({"name": f"{prefix} hidden family"})
        Partner = env["res.partner"]
        cls.client_mine = Partner.create(
            {
                "name": f"{prefix} team client",
                "is_company": True,
                "relation_kind": "client",
                "client_group_id": cls.group_mine.id,
            }
        )
        cls.client_hidden = Partner.create(
            {
                "name": f"{prefix} hidden client",
                "is_company": True,
                "relation_kind": "client",
                "client_group_id": cls.group_hidden.id,
            }
        )
        cls.data = {}
        for client, employee in (
            (cls.client_mine, cls.employee),
            (cls.client_hidden, cls.employee_other),
        ):
            cls.data[client] = cls._client_data(client, employee)
        # The portal user is a contact person of the team client.
        cls.users["portal"].partner_id.parent_id = cls.client_mine
        env["res.config.settings"].create(
            {"group_accountancy_see_all_clients": False}
        ).execute()

    @classmethod
    def _client_data(cls, client, employee):
        env = cls.env
        assignment = env["accountancy.assignment"].create(
            {
                "partner_id": client.id,
                "role_id": cls.role.id,
                "employee_id": employee.id,
                "year": cls.year,
            }
        )
        strategy = env["accountancy.strategy"].create({"partner_id": client.id})
        plan = env["accountancy.service.plan"].create({"partner_id": client.id})
        planned = env["accountancy.planned.hour"].create(
            {
                "plan_id": plan.id,
                "partner_id": client.id,
                "employee_id": employee.id,
                "role_id": cls.role.id,
                "service": env["accountancy.planned.hour"]
                ._fields["service"]
                .get_values(env)[0],
                "date": fields.Date.today().replace(day=1),
                "year": cls.year,
                "month": str(fields.Date.today().month),
                "hours": 3,
            }
        )
        records = {
            "accountancy.assignment": assignment,
            "accountancy.strategy": strategy,
            "accountancy.strategy.line": strategy.line_ids,
            "accountancy.service.plan": plan,
            "accountancy.planned.hour": planned,
            "accountancy.advisory.status": env["accountancy.advisory.status"].create(
                {
                    "partner_id": client.id,
                    "service_id": env.ref(
                        "accountancy_crm.advisory_service_strategy"
                    ).id,
                }
            ),
            "accountancy.annual.figure": env["accountancy.annual.figure"].create(
                {"partner_id": client.id, "year": cls.year - 1, "revenue": 1000}
            ),
            "accountancy.snapshot": env["accountancy.snapshot"].create(
                {"partner_id": client.id, "reason": "Yearly acceptance"}
            ),
            "accountancy.client.acceptance": env[
                "accountancy.client.acceptance"
            ].create({"partner_id": client.id, "date": fields.Date.today()}),
            "accountancy.contact.moment": env["accountancy.contact.moment"].create(
                {
                    "partner_id": client.id,
                    "employee_id": employee.id,
                    "subject": "Yearly talk",
                }
            ),
        }
        # An attachment on the strategy (chatter), and the PDF of the snapshot.
        records["ir.attachment"] = env["ir.attachment"].create(
            {
                "name": "risk-notes.txt",
                "raw": b"internal risk notes",
                "res_model": "accountancy.strategy",
                "res_id": strategy.id,
            }
        ) | env["ir.attachment"].search(
            [
                ("res_model", "=", "accountancy.snapshot"),
                ("res_id", "=", records["accountancy.snapshot"].id),
                ("res_field", "=", "pdf_file"),
            ]
        )
        return records

    def _hidden(self, model):
        return self.data[self.client_hidden][model]

    def _mine(self, model):
        return self.data[self.client_mine][model]


@tagged("post_install", "-at_install")
class TestClientDataVisibility(VisibilityFixture, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_visibility("vis")

    def _search(self, user, records):
        return (
            records.with_user(user)
            .with_context(active_test=False)
            .search([("id", "in", records.ids)])
        )

    @mute_logger(*MUTE)
    def test_user_reads_no_data_of_hidden_clients(self):
        """With the setting off, snapshots, assignments, annual
        figures, strategy lines, planned hours... of a client outside the
        user's teams are neither found nor read."""
        user = self.user_acc
        self.assertFalse(user.has_group("accountancy_crm.group_see_all_clients"))
        for model in CLIENT_DATA_MODELS:
            hidden, mine = self._hidden(model), self._mine(model)
            with self.subTest(model=model):
                self.assertTrue(hidden)
                self.assertEqual(self._search(user, hidden | mine), mine)
                with self.assertRaises(AccessError):
                    hidden.with_user(user).read(["display_name"])
                self.assertTrue(mine.with_user(user).read(["display_name"]))
        snapshot = self._hidden("accountancy.snapshot")
        with self.assertRaises(AccessError):
            snapshot.with_user(user).read(["data_json"])
        with self.assertRaises(AccessError):
            snapshot.with_user(user).pdf_file  # noqa: B018
        # The PDF printed again from the snapshot.
        with self.assertRaises(AccessError):
            self.env["ir.actions.report"].with_user(user)._render_qweb_pdf(
                "accountancy_crm.accountancy_snapshot_report", snapshot.ids
            )
        # The client's own fields that come from its data.
        self.assertEqual(
            self.client_mine.with_user(user).annual_figure_ids,
            self._mine("accountancy.annual.figure"),
        )

    @mute_logger(*MUTE)
    def test_user_writes_no_data_of_hidden_clients(self):
        user = self.user_acc
        figure = self._hidden("accountancy.annual.figure")
        with self.assertRaises(AccessError):
            figure.with_user(user).write({"revenue": 5})
        with self.assertRaises(AccessError):
            figure.with_user(user).unlink()
        with self.assertRaises(AccessError):
            self.env["accountancy.annual.figure"].with_user(user).create(
                {"partner_id": self.client_hidden.id, "year": self.year - 2}
            )
        line = self._hidden("accountancy.strategy.line")[:1]
        with self.assertRaises(AccessError):
            line.with_user(user).write({"value": 99, "manual": True})
        with self.assertRaises(AccessError):
            self.env["accountancy.snapshot"].with_user(user).create(
                {"partner_id": self.client_hidden.id, "reason": "Peek"}
            )
        self.env.invalidate_all()
        self.assertEqual(figure.revenue, 1000)
        self.assertTrue(figure.exists())
        self.assertFalse(line.manual)
        self.assertEqual(
            self.env["accountancy.annual.figure"].search_count(
                [("partner_id", "=", self.client_hidden.id)]
            ),
            1,
        )
        self.assertEqual(
            self.env["accountancy.snapshot"].search_count(
                [("partner_id", "=", self.client_hidden.id)]
            ),
            1,
        )
        # The team client's figures stay editable.
        self._mine("accountancy.annual.figure").with_user(user).write({"revenue": 7})
        self.assertEqual(self._mine("accountancy.annual.figure").revenue, 7)

    @mute_logger(*MUTE)
    def test_attachments_follow_the_record(self):
        user = self.user_acc
        hidden = self._hidden("ir.attachment")
        mine = self._mine("ir.attachment")
        self.assertEqual(len(hidden), 2)  # chatter file and snapshot PDF
        Attachment = self.env["ir.attachment"].with_user(user)
        for attachment in hidden:
            with self.subTest(attachment=attachment.name):
                with self.assertRaises(AccessError):
                    attachment.with_user(user).read(["raw"])
                self.assertFalse(
                    Attachment.search(
                        [
                            ("id", "=", attachment.id),
                            ("res_field", "in", [False, "pdf_file"]),
                        ]
                    )
                )
        self.assertEqual(mine[:1].with_user(user).raw, b"internal risk notes")

    @mute_logger(*MUTE)
    def test_plain_employee_sees_no_client_data(self):
        """An internal user without accountancy group reads no strategy, plan,
        advisory status, team, figures... of any client, and the relation card
        still opens for them."""
        user = self.users["employee"]
        for model in CLIENT_DATA_MODELS:
            records = self._hidden(model) | self._mine(model)
            with self.subTest(model=model):
                if self.env[model].with_user(user).has_access("read"):
                    self.assertFalse(self._search(user, records))
                with self.assertRaises(AccessError):
                    records[:1].with_user(user).read(["display_name"])
        groups = self.group_mine | self.group_hidden
        self.assertFalse(self._search(user, groups))
        for attachment in self._mine("ir.attachment"):
            with self.assertRaises(AccessError):
                attachment.with_user(user).read(["raw"])
        # The judgement of the firm is not readable either.
        with self.assertRaises(AccessError):
            self.client_mine.with_user(user).read(["client_type_id"])
        # The relation card opens: every field of its form view reads, as the
        # web client reads them (many2ones with their name).
        Partner = self.env["res.partner"].with_user(user)
        arch = etree.fromstring(
            Partner.get_views([(False, "form")])["views"]["form"]["arch"]
        )
        fnames = {
            node.get("name")
            for node in arch.iter("field")
            if not any(parent.tag == "field" for parent in node.iterancestors())
        }
        self.assertIn("annual_figure_ids", fnames)
        self.assertNotIn("client_type_id", fnames)
        self.assertNotIn("strategy_ids", fnames)
        spec = {
            fname: {"fields": {"display_name": {}}}
            if Partner._fields[fname].type == "many2one"
            else {}
            for fname in fnames
        }
        values = self.client_mine.with_user(user).web_read(spec)[0]
        self.assertEqual(values["name"], self.client_mine.name)
        self.assertEqual(values["annual_figure_ids"], [])

    def test_see_all_and_managers_see_every_client(self):
        for user in (self.users["manager"], self.users["compliance"]):
            for model in CLIENT_DATA_MODELS:
                records = self._hidden(model) | self._mine(model)
                with self.subTest(user=user.login, model=model):
                    self.assertEqual(self._search(user, records), records)
        self.env["res.config.settings"].create(
            {"group_accountancy_see_all_clients": True}
        ).execute()
        for model in CLIENT_DATA_MODELS:
            records = self._hidden(model) | self._mine(model)
            with self.subTest(user="acc, setting on", model=model):
                self.assertEqual(self._search(self.user_acc, records), records)

    def test_visible_field(self):
        """One definition of the visibility, searchable and readable."""
        partners = self.client_mine | self.client_hidden
        for key, expected in (
            ("acc", self.client_mine),
            ("manager", partners),
            ("compliance", partners),
            ("employee", self.client_mine.browse()),
        ):
            with self.subTest(user=key):
                Partner = self.env["res.partner"].with_user(self.users[key]).sudo()
                found = Partner.search(
                    [("id", "in", partners.ids), ("accountancy_visible", "=", True)]
                )
                self.assertEqual(found, expected)
                self.assertEqual(
                    partners.with_user(self.users[key])
                    .sudo()
                    .filtered("accountancy_visible"),
                    expected,
                )

    # ------------------------------------------------------------------
    # Widening one's own visibility
    # ------------------------------------------------------------------

    def _assert_still_hidden(self):
        self.assertFalse(
            self.env["res.partner"]
            .with_user(self.user_acc)
            .search([("id", "=", self.client_hidden.id)])
        )

    @mute_logger(*MUTE)
    def test_assignment_on_hidden_client_refused(self):
        Assignment = self.env["accountancy.assignment"].with_user(self.user_acc)
        before = Assignment.sudo().search_count([])
        with self.assertRaises(AccessError):
            Assignment.create(
                {
                    "partner_id": self.client_hidden.id,
                    "role_id": self.env.ref("accountancy_crm.role_rlm").id,
                    "employee_id": self.employee.id,
                    "year": self.year,
                }
            )
        # Writing one's own employee onto the other client's assignment.
        hidden = self._hidden("accountancy.assignment")
        with self.assertRaises(AccessError):
            hidden.with_user(self.user_acc).write({"employee_id": self.employee.id})
        # Moving one's own assignment onto the other client.
        mine = self._mine("accountancy.assignment")
        with self.assertRaises(AccessError):
            mine.with_user(self.user_acc).write({"partner_id": self.client_hidden.id})
        # Through the team planning matrix of the relation.
        with self.assertRaises(AccessError):
            self.client_hidden.with_user(self.user_acc).with_context(
                planning_year=self.year
            ).write({"team_rlm_id": self.employee.id})
        self.env.invalidate_all()
        self.assertEqual(Assignment.sudo().search_count([]), before)
        self.assertEqual(hidden.employee_id, self.employee_other)
        self.assertEqual(mine.partner_id, self.client_mine)
        self._assert_still_hidden()

    @mute_logger(*MUTE)
    def test_client_group_join_refused(self):
        """A relation of one's own in the other client's group, plus an
        assignment on it, would show the whole group: refused."""
        Partner = self.env["res.partner"].with_user(self.user_acc)
        with self.assertRaises(AccessError):
            Partner.create(
                {
                    "name": "Trojan B.V.",
                    "is_company": True,
                    "relation_kind": "client",
                    "client_group_id": self.group_hidden.id,
                    "assignment_ids": [
                        Command.create(
                            {"role_id": self.role.id, "employee_id": self.employee.id}
                        )
                    ],
                }
            )
        own = Partner.create(
            {"name": "Own Prospect B.V.", "is_company": True, "relation_kind": "client"}
        )
        with self.assertRaises(AccessError):
            own.write({"client_group_id": self.group_hidden.id})
        with self.assertRaises(AccessError):
            self.group_hidden.with_user(self.user_acc).write(
                {"member_ids": [Command.link(own.id)]}
            )
        self.env.invalidate_all()
        self.assertFalse(own.client_group_id)
        self.assertFalse(self.env["res.partner"].search([("name", "=", "Trojan B.V.")]))
        self.assertEqual(self.group_hidden.member_ids, self.client_hidden)
        self._assert_still_hidden()

    def test_visible_clients_keep_their_teams_and_groups_editable(self):
        """What the user already sees they plan as before; managers plan any
        client."""
        Partner = self.env["res.partner"].with_user(self.user_acc)
        own = Partner.create(
            {
                "name": "Own New Client B.V.",
                "is_company": True,
                "relation_kind": "client",
                "client_group_id": self.group_mine.id,
                "assignment_ids": [
                    Command.create(
                        {"role_id": self.role.id, "employee_id": self.employee.id}
                    )
                ],
            }
        )
        self.assertEqual(own.client_group_id, self.group_mine)
        self.assertEqual(own.assignment_ids.employee_id, self.employee)
        self._mine("accountancy.assignment").with_user(self.user_acc).write(
            {"employee_id": self.employee_other.id}
        )
        manager = self.users["manager"]
        self.env["accountancy.assignment"].with_user(manager).create(
            {
                "partner_id": self.client_hidden.id,
                "role_id": self.env.ref("accountancy_crm.role_rlm").id,
                "employee_id": self.employee.id,
                "year": self.year,
            }
        )
        # Now in the team: the client and its group are visible.
        self.assertEqual(
            Partner.search([("id", "=", self.client_hidden.id)]), self.client_hidden
        )

    # ------------------------------------------------------------------
    # Internal judgement
    # ------------------------------------------------------------------

    @mute_logger(*MUTE)
    def test_portal_reads_no_judgement(self):
        portal = self.users["portal"]
        partner = portal.partner_id.commercial_partner_id
        self.assertEqual(partner, self.client_mine)
        for fname in ("client_type_id", "strategy_points", "acceptance_state"):
            with self.subTest(field=fname):
                with self.assertRaises(AccessError):
                    portal.partner_id.with_user(portal).read([fname])
                with self.assertRaises(AccessError):
                    partner.with_user(portal).read([fname])
        self.assertEqual(
            portal.partner_id.with_user(portal).read(["name"])[0]["name"],
            portal.partner_id.name,
        )
        # Nor any data of their own client.
        for model in CLIENT_DATA_MODELS:
            with self.subTest(model=model), self.assertRaises(AccessError):
                self.env[model].with_user(portal).search([])


@tagged("post_install", "-at_install")
class TestClientDataVisibilityRpc(VisibilityFixture, HttpCase):
    """The same exploits over the external API (JSON-RPC) and HTTP routes."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_visibility("visrpc")

    def _rpc(self, key, model, method, args, kwargs=None):
        user = self.users[key]
        return execute_kw(
            self, user, f"{self.prefix}_{key}_pw", model, method, args, kwargs
        )

    @mute_logger(*MUTE)
    def test_rpc_reads_no_data_of_hidden_clients(self):
        for model in CLIENT_DATA_MODELS:
            hidden, mine = self._hidden(model), self._mine(model)
            with self.subTest(model=model):
                self.assertEqual(
                    self._rpc("acc", model, "read", [hidden.ids, ["display_name"]]),
                    ACCESS_ERROR,
                )
                found = self._rpc(
                    "acc",
                    model,
                    "search_read",
                    [[("id", "in", (hidden | mine).ids)]],
                    {"fields": ["id"]},
                )
                self.assertEqual({row["id"] for row in found}, set(mine.ids))
                # Internal users without accountancy group: nothing at all.
                answer = self._rpc(
                    "employee",
                    model,
                    "search_read",
                    [[("id", "in", (hidden | mine).ids)]],
                    {"fields": ["id"]},
                )
                self.assertIn(answer, ([], ACCESS_ERROR))
        snapshot = self._hidden("accountancy.snapshot")
        self.assertEqual(
            self._rpc(
                "acc", "accountancy.snapshot", "read", [snapshot.ids, ["data_json"]]
            ),
            ACCESS_ERROR,
        )
        self.assertEqual(
            self._rpc(
                "acc",
                "ir.attachment",
                "read",
                [self._hidden("ir.attachment").ids, ["datas"]],
            ),
            ACCESS_ERROR,
        )

    @mute_logger(*MUTE)
    def test_rpc_writes_no_data_of_hidden_clients(self):
        figure = self._hidden("accountancy.annual.figure")
        self.assertEqual(
            self._rpc(
                "acc",
                "accountancy.annual.figure",
                "write",
                [figure.ids, {"revenue": 5}],
            ),
            ACCESS_ERROR,
        )
        self.assertEqual(
            self._rpc(
                "acc",
                "accountancy.annual.figure",
                "create",
                [{"partner_id": self.client_hidden.id, "year": self.year - 2}],
            ),
            ACCESS_ERROR,
        )
        self.env.invalidate_all()
        self.assertEqual(figure.revenue, 1000)
        self.assertEqual(len(self.client_hidden.annual_figure_ids), 1)

    @mute_logger(*MUTE)
    def test_snapshot_pdf_not_downloadable(self):
        snapshot = self._hidden("accountancy.snapshot")
        pdf = base64.b64decode(snapshot.pdf_file)
        self.authenticate(self.users["acc"].login, f"{self.prefix}_acc_pw")
        for url in (
            f"/web/content/accountancy.snapshot/{snapshot.id}/pdf_file",
            f"/report/pdf/accountancy_crm.report_snapshot/{snapshot.id}",
            f"/web/content/{self._hidden('ir.attachment')[-1:].id}",
        ):
            with self.subTest(url=url):
                response = self.url_open(url)
                self.assertNotEqual(response.status_code, 200)
                self.assertNotIn(pdf[:200], response.content)
                self.assertNotIn(b"%PDF", response.content[:10])
        # The team client's stored PDF downloads.
        mine = self._mine("accountancy.snapshot")
        response = self.url_open(
            f"/web/content/accountancy.snapshot/{mine.id}/pdf_file"
        )
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.content.startswith(b"%PDF"))

    @mute_logger(*MUTE)
    def test_rpc_widening_refused(self):
        Assignment = self.env["accountancy.assignment"]
        before = Assignment.search_count([])
        self.assertEqual(
            self._rpc(
                "acc",
                "accountancy.assignment",
                "create",
                [
                    {
                        "partner_id": self.client_hidden.id,
                        "role_id": self.env.ref("accountancy_crm.role_rlm").id,
                        "employee_id": self.employee.id,
                        "year": self.year,
                    }
                ],
            ),
            ACCESS_ERROR,
        )
        hidden = self._hidden("accountancy.assignment")
        self.assertEqual(
            self._rpc(
                "acc",
                "accountancy.assignment",
                "write",
                [hidden.ids, {"employee_id": self.employee.id}],
            ),
            ACCESS_ERROR,
        )
        mine = self._mine("accountancy.assignment")
        self.assertEqual(
            self._rpc(
                "acc",
                "accountancy.assignment",
                "write",
                [mine.ids, {"partner_id": self.client_hidden.id}],
            ),
            ACCESS_ERROR,
        )
        self.assertEqual(
            self._rpc(
                "acc",
                "res.partner",
                "create",
                [
                    {
                        "name": "Rpc Trojan B.V.",
                        "is_company": True,
                        "relation_kind": "client",
                        "client_group_id": self.group_hidden.id,
                    }
                ],
            ),
            ACCESS_ERROR,
        )
        self.env.invalidate_all()
        self.assertEqual(Assignment.search_count([]), before)
        self.assertEqual(hidden.employee_id, self.employee_other)
        self.assertEqual(mine.partner_id, self.client_mine)
        self.assertEqual(self.group_hidden.member_ids, self.client_hidden)
        self.assertEqual(
            self._rpc(
                "acc",
                "res.partner",
                "search",
                [[("id", "=", self.client_hidden.id)]],
            ),
            [],
        )

    @mute_logger(*MUTE)
    def test_portal_judgement_hidden_and_portal_renders(self):
        portal = self.users["portal"]
        for fname in ("client_type_id", "strategy_points", "acceptance_state"):
            with self.subTest(field=fname):
                self.assertEqual(
                    self._rpc(
                        "portal",
                        "res.partner",
                        "read",
                        [portal.partner_id.ids, [fname]],
                    ),
                    ACCESS_ERROR,
                )
        order = self.env["sale.order"].create(
            {
                "partner_id": portal.partner_id.id,
                "order_line": [
                    Command.create(
                        {
                            "product_id": self.env["product.product"]
                            .create({"name": "Visibility advice"})
                            .id,
                            "product_uom_qty": 1,
                        }
                    )
                ],
            }
        )
        order.action_quotation_sent()
        self.authenticate(portal.login, f"{self.prefix}_portal_pw")
        for url in ("/my", "/my/account", "/my/quotes", order.get_portal_url()):
            with self.subTest(url=url):
                response = self.url_open(url)
                self.assertEqual(response.status_code, 200)
                self.assertIn(b"o_portal", response.content)
