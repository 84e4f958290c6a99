from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import tagged, users
from odoo.tools import mute_logger

from odoo.addons.mail.tests.common import mail_new_test_user

from .common import AccountancyCrmCommon

GROUPS = ("employee", "user", "manager", "fiscal", "compliance")
OPERATIONS = {"r": "read", "w": "write", "c": "create", "u": "unlink"}

# The rights each group must have on every model of the module, written out by
# hand (not read from ir.model.access.csv, so that a wrong line there fails):
# (base.group_user, group_user, group_manager, group_fiscal_data,
# group_compliance), letters r(ead) w(rite) c(reate) u(nlink), "" for none.
# Manager, Fiscal data and Compliance imply User, so they have at least its rights.
EXPECTED_ACCESS = {
    # Extended for the first invoice date (lifecycle stage); rights from account.
    "account.move": ("", "", "", "", ""),
    # Extended for the module's import templates; rights from base_import.
    "base_import.import": ("rwc", "rwc", "rwc", "rwc", "rwc"),
    # Identity documents of the client acceptance: compliance officers only.
    "accountancy.acceptance.document": ("", "", "", "", "rwcu"),
    "accountancy.advisory.matrix": ("", "rwcu", "rwcu", "rwcu", "rwcu"),
    "accountancy.advisory.service": ("r", "r", "rwcu", "r", "r"),
    "accountancy.advisory.status": ("r", "rwcu", "rwcu", "rwcu", "rwcu"),
    "accountancy.annual.figure": ("r", "rwcu", "rwcu", "rwcu", "rwcu"),
    "accountancy.approval.reject.wizard": ("", "rwcu", "rwcu", "rwcu", "rwcu"),
    "accountancy.assignment": ("r", "rwcu", "rwcu", "rwcu", "rwcu"),
    # SQL view and SQL-synced table: read-only for everyone.
    "accountancy.capacity.report": ("r", "r", "r", "r", "r"),
    # Acceptances are never deleted except by compliance (Wwft file keeping).
    "accountancy.client.acceptance": ("", "rwc", "rwc", "rwc", "rwcu"),
    "accountancy.client.acceptance.ubo": ("", "", "", "", "rwcu"),
    "accountancy.client.group": ("r", "rwc", "rwcu", "rwc", "rwc"),
    "accountancy.client.type": ("r", "r", "rwcu", "r", "r"),
    "accountancy.contact.moment": ("", "rwcu", "rwcu", "rwcu", "rwcu"),
    # Like crm.lead: Sales rights (salesmen rwcu), not accountancy groups.
    "accountancy.dmu.member": ("", "", "", "", ""),
    "accountancy.employee.budget": ("r", "r", "rwcu", "r", "r"),
    # Background runs: written by the runs themselves only.
    "accountancy.job.run": ("", "r", "r", "r", "r"),
    "accountancy.job.run.batch": ("", "r", "r", "r", "r"),
    "accountancy.employee.budget.month": ("r", "r", "rwcu", "r", "r"),
    "accountancy.fiscal.filing.import": ("", "rwcu", "rwcu", "rwcu", "rwcu"),
    "accountancy.fiscal.deferral.import": ("", "rwcu", "rwcu", "rwcu", "rwcu"),
    # Abstract helper of the fiscal calendar's imports, without a table.
    "accountancy.fiscal.import.mixin": ("", "", "", "", ""),
    "accountancy.fiscal.monitor": ("r", "r", "r", "r", "r"),
    "accountancy.hour.norm": ("r", "r", "rwcu", "r", "r"),
    "accountancy.intake.profile": ("r", "r", "rwcu", "r", "r"),
    "accountancy.intake.wizard": ("", "rwcu", "rwcu", "rwcu", "rwcu"),
    "accountancy.intake.wizard.result": ("", "rwcu", "rwcu", "rwcu", "rwcu"),
    # Abstract helper without a table.
    "accountancy.kvk.client": ("", "", "", "", ""),
    "accountancy.nps.response": ("", "rwcu", "rwcu", "rwcu", "rwcu"),
    # Getting started: a transient form with counts, for every accountancy user.
    "accountancy.onboarding": ("", "rwcu", "rwcu", "rwcu", "rwcu"),
    "accountancy.planned.hour": ("r", "r", "r", "r", "r"),
    # Planning the year is a manager's job.
    "accountancy.planning.rollover.wizard": ("", "", "rwcu", "", ""),
    # Pre-calculation of quotes: sales people edit it (their own groups, not in
    # this table); accountancy managers read it as they read quotes.
    "accountancy.precalculation.line": ("", "", "r", "", ""),
    # Approving and rejecting quotations is a manager's job.
    "accountancy.quote.reject.wizard": ("", "", "rwcu", "", ""),
    "accountancy.reassign.wizard": ("", "rwcu", "rwcu", "rwcu", "rwcu"),
    "accountancy.role": ("r", "r", "rwcu", "r", "r"),
    # Forecast dashboard (SQL view); targets set by managers, read by all.
    "accountancy.sales.report": ("", "r", "r", "r", "r"),
    "accountancy.sales.target": ("", "r", "rwcu", "r", "r"),
    "accountancy.sales.target.month": ("", "r", "rwcu", "r", "r"),
    "accountancy.score.band": ("r", "r", "rwcu", "r", "r"),
    "accountancy.score.criterion": ("r", "r", "rwcu", "r", "r"),
    "accountancy.sector": ("r", "r", "rwcu", "r", "r"),
    "accountancy.service.plan": ("r", "rwcu", "rwcu", "rwcu", "rwcu"),
    # Snapshots are frozen: nobody changes or deletes them.
    "accountancy.snapshot": ("", "rc", "rc", "rc", "rc"),
    "accountancy.snapshot.compare.line": ("", "rwcu", "rwcu", "rwcu", "rwcu"),
    "accountancy.snapshot.compare.wizard": ("", "rwcu", "rwcu", "rwcu", "rwcu"),
    "accountancy.snapshot.freeze.wizard": ("", "rwcu", "rwcu", "rwcu", "rwcu"),
    "accountancy.strategy": ("r", "rwcu", "rwcu", "rwcu", "rwcu"),
    "accountancy.strategy.line": ("r", "rwcu", "rwcu", "rwcu", "rwcu"),
    "accountancy.strategy.recompute.wizard": ("", "rwcu", "rwcu", "rwcu", "rwcu"),
    # Outgoing relation changes: configuration and queue for managers only.
    "accountancy.sync.endpoint": ("", "", "rwcu", "", ""),
    "accountancy.sync.message": ("", "", "rwu", "", ""),
    "accountancy.task.generation.wizard": ("", "", "rwcu", "", ""),
    # Abstract: the year checks of the models above, no table of its own.
    "accountancy.year.mixin": ("", "", "", "", ""),
    # Abstract: the months of budgets and sales targets, no table of its own.
    "accountancy.month.mixin": ("", "", "", "", ""),
    # Abstract: client per year, the year-and-clients wizards and the import
    # templates' download buttons, no tables of their own.
    "accountancy.client.year.mixin": ("", "", "", "", ""),
    "accountancy.year.clients.mixin": ("", "", "", "", ""),
    "accountancy.import.template.mixin": ("", "", "", "", ""),
    # Abstract: the duplicate check of relations, no table of its own.
    "accountancy.partner.duplicate": ("", "", "", "", ""),
    # Models the module extends: their rights come from their own modules and
    # the groups this module implies (partner manager, project manager).
    # Meetings: every employee (calendar's own rights).
    "calendar.event": ("rwcu", "rwcu", "rwcu", "rwcu", "rwcu"),
    # CRM rights come from the Sales groups, which this module does not imply.
    "crm.lead": ("", "", "", "", ""),
    "crm.stage": ("r", "r", "r", "r", "r"),
    "hr.employee": ("", "", "", "", ""),
    # Employee codes for users without HR rights: hr's own read access.
    "hr.employee.public": ("r", "r", "r", "r", "r"),
    "product.template": ("r", "r", "r", "r", "r"),
    # Its name made translatable; rights from sale_management (sales users).
    "sale.order.template": ("", "", "", "", ""),
    "project.project": ("r", "r", "rwcu", "r", "r"),
    "project.task": ("rwcu", "rwcu", "rwcu", "rwcu", "rwcu"),
    "report.accountancy_crm.capacity_overview_xlsx": ("", "", "", "", ""),
    "report.accountancy_crm.report_snapshot": ("", "", "", "", ""),
    "report.accountancy_crm.strategy_overview_xlsx": ("", "", "", "", ""),
    "res.config.settings": ("", "", "", "", ""),
    "res.country": ("r", "r", "r", "r", "r"),
    "res.company": ("r", "r", "r", "r", "r"),
    "res.partner": ("r", "rwcu", "rwcu", "rwcu", "rwcu"),
    "res.partner.relation": ("r", "rwcu", "rwcu", "rwcu", "rwcu"),
    "res.partner.relation.all": ("r", "rwcu", "rwcu", "rwcu", "rwcu"),
    "res.partner.relation.type": ("r", "r", "rwcu", "r", "r"),
    # Users: the calendar feed token is written by the user's own buttons only.
    "res.users": ("r", "r", "r", "r", "r"),
    "sale.order": ("", "", "r", "", ""),
    "sale.order.line": ("", "", "r", "", ""),
    "utm.campaign": ("rwc", "rwc", "rwc", "rwc", "rwc"),
}
CLIENT_KINDS = ("client", "prospect", "former_client")


@tagged("post_install", "-at_install")
class AccessCommon(AccountancyCrmCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_compliance = mail_new_test_user(
            cls.env,
            login="acc_compliance",
            password="acc_compliance_pw",
            groups="accountancy_crm.group_compliance",
            name="Compliance Officer",
        )
        cls.group_user = cls.env.ref("accountancy_crm.group_user")
        cls.group_see_all = cls.env.ref("accountancy_crm.group_see_all_clients")

    @classmethod
    def _set_see_all_clients(cls, value):
        """Change the setting the way the settings screen does."""
        cls.env["res.config.settings"].create(
            {"group_accountancy_see_all_clients": value}
        ).execute()


@tagged("post_install", "-at_install")
class TestAccessMatrix(AccessCommon):
    def test_every_model_of_the_module_has_an_expectation(self):
        """A new model (or a model newly extended) must get a row in the table."""
        # ir.model.modules is computed from these external ids (not searchable)
        model_ids = (
            self.env["ir.model.data"]
            .search([("module", "=", "accountancy_crm"), ("model", "=", "ir.model")])
            .mapped("res_id")
        )
        module_models = set(self.env["ir.model"].browse(model_ids).mapped("model"))
        self.assertEqual(module_models, set(EXPECTED_ACCESS))

    @mute_logger("odoo.models")
    def test_access_rights_per_group(self):
        users = dict(
            zip(
                GROUPS,
                (
                    self.user_employee,
                    self.user_acc,
                    self.user_manager,
                    self.user_fiscal,
                    self.user_compliance,
                ),
                strict=True,
            )
        )
        self.assertFalse(self.user_employee.has_group("accountancy_crm.group_user"))
        self.assertTrue(
            self.user_compliance.has_group("accountancy_crm.group_user")
            and not self.user_compliance.has_group("accountancy_crm.group_manager")
        )
        for model, expected in EXPECTED_ACCESS.items():
            for group, allowed in zip(GROUPS, expected, strict=True):
                Model = self.env[model].with_user(users[group])
                for letter, operation in OPERATIONS.items():
                    with self.subTest(model=model, group=group, operation=operation):
                        self.assertEqual(
                            Model.has_access(operation),
                            letter in allowed,
                            f"{group} {operation} {model}",
                        )
                        if letter not in allowed:
                            with self.assertRaises(AccessError):
                                Model.check_access(operation)

    def test_groups_imply_user(self):
        for xmlid in ("group_manager", "group_fiscal_data", "group_compliance"):
            group = self.env.ref(f"accountancy_crm.{xmlid}")
            with self.subTest(group=xmlid):
                self.assertIn(self.group_user, group.implied_ids)
        self.assertIn(
            self.env.ref("project.group_project_manager"),
            self.env.ref("accountancy_crm.group_manager").implied_ids,
        )
        # On by default: a small firm sees all its clients, as before the setting.
        self.assertIn(self.group_see_all, self.group_user.implied_ids)
        self.assertTrue(
            self.user_acc.has_group("accountancy_crm.group_see_all_clients")
        )


@tagged("post_install", "-at_install")
class TestClientVisibility(AccessCommon):
    """Record rules: with "Everyone sees all clients" off, a user sees the
    clients of their teams and of those clients' client groups."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.employee.user_id = cls.user_acc
        cls.other_group = cls.env["accountancy.client.group"].create(
            {"name": "Other family", "code": "TOTH"}
        )
        cls.client_x = cls._create_company(
            "Team Client X", relation_kind="client", client_group_id=cls.client_group.id
        )
        cls.contact_x = cls._create_person("Contact of X", parent_id=cls.client_x.id)
        cls.sibling_x = cls._create_person(
            "Group Member of X",
            relation_kind="client",
            client_group_id=cls.client_group.id,
        )
        cls.client_next_year = cls._create_company(
            "Next Year Client", relation_kind="prospect"
        )
        cls.client_y = cls._create_company(
            "Hidden Client Y",
            relation_kind="client",
            client_group_id=cls.other_group.id,
        )
        cls.contact_y = cls._create_person("Contact of Y", parent_id=cls.client_y.id)
        cls.former_client = cls._create_company(
            "Last Year Client", relation_kind="former_client"
        )
        cls.supplier = cls._create_company("Paper Supplier", relation_kind="supplier")
        cls.bank = cls._create_company(
            "Test Bank", relation_kind="institution", institution_type="bank"
        )
        cls.plain = cls._create_person("No Kind Person")
        cls.env["accountancy.assignment"].create(
            [
                {
                    "partner_id": cls.client_x.id,
                    "role_id": cls.role_acc.id,
                    "employee_id": cls.employee.id,
                    "year": cls.this_year,
                },
                {
                    "partner_id": cls.client_next_year.id,
                    "role_id": cls.role_rlm.id,
                    "employee_id": cls.employee.id,
                    "year": cls.this_year + 1,
                },
                # A team of last year no longer gives access.
                {
                    "partner_id": cls.former_client.id,
                    "role_id": cls.role_rlm.id,
                    "employee_id": cls.employee.id,
                    "year": cls.this_year - 1,
                },
                # Someone else's team.
                {
                    "partner_id": cls.client_y.id,
                    "role_id": cls.role_rlm.id,
                    "employee_id": cls.employee_2.id,
                    "year": cls.this_year,
                },
            ]
        )
        cls.visible = (
            cls.client_x
            | cls.contact_x
            | cls.sibling_x
            | cls.client_next_year
            | cls.supplier
            | cls.bank
            | cls.plain
        )
        cls.hidden = cls.client_y | cls.contact_y | cls.former_client
        cls._set_see_all_clients(False)

    def _visible_to(self, user, records):
        return records.with_user(user).search([("id", "in", records.ids)])

    def test_setting_off_removes_the_technical_group(self):
        self.assertNotIn(self.group_see_all, self.group_user.implied_ids)
        self.assertFalse(
            self.user_acc.has_group("accountancy_crm.group_see_all_clients")
        )
        settings = self.env["res.config.settings"].create({})
        self.assertFalse(settings.group_accountancy_see_all_clients)

    def test_user_sees_team_clients_and_their_groups(self):
        everyone = self.visible | self.hidden
        self.assertEqual(self._visible_to(self.user_acc, everyone), self.visible)
        # Users' own partners, the firm's companies stay visible too.
        own = self.user_acc.partner_id | self.user_manager.partner_id
        own |= self.company_main.partner_id
        self.assertEqual(self._visible_to(self.user_acc, own), own)

    @mute_logger("odoo.addons.base.models.ir_rule")
    def test_hidden_client_cannot_be_read_or_written(self):
        for partner in self.hidden:
            with self.subTest(partner=partner.name):
                with self.assertRaises(AccessError):
                    partner.with_user(self.user_acc).read(["name"])
                with self.assertRaises(AccessError):
                    partner.with_user(self.user_acc).write({"name": "Taken"})
        self.assertEqual(self.client_y.name, "Hidden Client Y")
        # The visible client can be read and changed.
        self.client_x.with_user(self.user_acc).write({"ref": "X-1"})
        self.assertEqual(self.client_x.ref, "X-1")

    def test_managers_and_compliance_see_all_clients(self):
        everyone = self.visible | self.hidden
        for user in (self.user_manager, self.user_compliance):
            with self.subTest(user=user.login):
                self.assertEqual(self._visible_to(user, everyone), everyone)
        # Fiscal data gives no extra clients.
        self.assertEqual(
            self._visible_to(self.user_fiscal, self.client_x | self.client_y),
            self.Partner.browse(),
        )

    def test_joining_a_team_shows_the_client(self):
        self.assertFalse(self._visible_to(self.user_acc, self.client_y))
        self.env["accountancy.assignment"].create(
            {
                "partner_id": self.client_y.id,
                "role_id": self.role_acc.id,
                "employee_id": self.employee.id,
                "year": self.this_year,
            }
        )
        self.assertEqual(
            self._visible_to(self.user_acc, self.client_y | self.contact_y),
            self.client_y | self.contact_y,
        )

    def test_user_keeps_seeing_the_client_they_entered(self):
        """A new client has no team yet: its creator must still see it."""
        client = self.Partner.with_user(self.user_acc).create(
            {"name": "Fresh Client", "is_company": True, "relation_kind": "client"}
        )
        contact = self.Partner.with_user(self.user_acc).create(
            {"name": "Fresh Contact", "parent_id": client.id}
        )
        self.assertEqual(
            self._visible_to(self.user_acc, client | contact), client | contact
        )
        self.assertFalse(self._visible_to(self.user_company_2, client))
        self.assertFalse(self._visible_to(self.user_fiscal, client))

    def test_setting_on_shows_all_clients(self):
        self._set_see_all_clients(True)
        self.assertTrue(
            self.user_acc.has_group("accountancy_crm.group_see_all_clients")
        )
        everyone = self.visible | self.hidden
        self.assertEqual(self._visible_to(self.user_acc, everyone), everyone)

    @mute_logger("odoo.addons.base.models.ir_rule")
    def test_related_records_follow_the_client(self):
        service = self.env.ref("accountancy_crm.advisory_service_strategy")
        records = {}
        for partner in (self.client_x, self.client_y):
            records[partner] = (
                self.env["accountancy.strategy"].create({"partner_id": partner.id}),
                self.env["accountancy.service.plan"].create({"partner_id": partner.id}),
                self.env["accountancy.advisory.status"].create(
                    {"partner_id": partner.id, "service_id": service.id}
                ),
                self.env["accountancy.client.acceptance"].create(
                    {"partner_id": partner.id, "date": fields.Date.today()}
                ),
            )
        for visible, partner in ((True, self.client_x), (False, self.client_y)):
            for record in records[partner]:
                with self.subTest(model=record._name, partner=partner.name):
                    Model = self.env[record._name]
                    self.assertEqual(
                        bool(
                            Model.with_user(self.user_acc).search(
                                [("id", "=", record.id)]
                            )
                        ),
                        visible,
                    )
                    self.assertTrue(
                        Model.with_user(self.user_manager).search(
                            [("id", "=", record.id)]
                        )
                    )
                    if not visible:
                        with self.assertRaises(AccessError):
                            record.with_user(self.user_acc).read(["partner_id"])

    @mute_logger("odoo.addons.base.models.ir_rule")
    def test_other_company_clients_are_invisible(self):
        self._set_see_all_clients(True)
        client_c2 = self._create_company(
            "Office Two Client", relation_kind="client", company_id=self.company_2.id
        )
        plan_c2 = self.env["accountancy.service.plan"].create(
            {"partner_id": client_c2.id, "company_id": self.company_2.id}
        )
        for user in (self.user_acc, self.user_manager):
            with self.subTest(user=user.login):
                self.assertFalse(self._visible_to(user, client_c2))
                self.assertFalse(self._visible_to(user, plan_c2))
                with self.assertRaises(AccessError):
                    client_c2.with_user(user).read(["name"])
        self.assertEqual(self._visible_to(self.user_company_2, client_c2), client_c2)


@tagged("post_install", "-at_install", "is_query_count")
class TestClientVisibilityQueries(AccessCommon):
    """The team rule is one SQL condition: searching clients costs the same
    number of queries for 10 and for 100 clients of the user's teams."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.employee.user_id = cls.user_acc
        cls._set_see_all_clients(False)

    def _add_team_clients(self, count):
        clients = self.Partner.create(
            [
                {
                    "name": f"Query client {i}",
                    "is_company": True,
                    "relation_kind": "client",
                }
                for i in range(count)
            ]
        )
        # Planned by a manager: the user may not add themselves to the team of
        # clients they cannot see.
        self.env["accountancy.assignment"].with_user(self.user_manager).create(
            [
                {
                    "partner_id": client.id,
                    "role_id": self.role_acc.id,
                    "employee_id": self.employee.id,
                    "year": self.this_year,
                }
                for client in clients
            ]
        )
        # Clients of another team, which the user must not get.
        self.Partner.create(
            [
                {"name": f"Other client {i}", "relation_kind": "client"}
                for i in range(count)
            ]
        )
        self.env.flush_all()

    @users("acc_user")
    def test_search_clients_query_count(self):
        domain = [("relation_kind", "=", "client"), ("name", "like", "client")]
        Partner = self.env["res.partner"]
        self.assertFalse(
            self.env.user.has_group("accountancy_crm.group_see_all_clients")
        )
        Partner.search(domain)  # warm the rule and field caches
        for count, total in ((10, 10), (90, 100)):
            self._add_team_clients(count)
            with self.assertQueryCount(acc_user=1):
                found = Partner.search(domain)
            self.assertEqual(len(found), total)
            self.assertFalse(found.filtered(lambda p: p.name.startswith("Other")))
