"""No RPC surface by accident.

Every public method that this module's Python classes define, on the models it
defines or extends, is found by introspection of the registry (the rule of
``odoo/service/model.py: get_public_method``) and called over JSON-RPC as a
portal user and as an internal user without an accountancy group, on real
records and with arguments that work for an administrator. Each answer must be
a refusal, and nothing may be written: no row of any table of the module's
models (or of mail messages, activities, followers, attachments and system
parameters) changes, and the local KvK and webhook servers receive nothing.

Excluded by rule, not by hand: the ORM's own method names (``odoo.models.
BaseModel``: create, write, read, search, name_search, fields_get, default_get,
onchange, web_search_read...), which the access rights and record rules guard.
"""

import base64
import inspect

from odoo import models
from odoo.exceptions import AccessDenied, AccessError, UserError
from odoo.service.model import get_public_method
from odoo.tests import HttpCase, tagged
from odoo.tools import SQL, mute_logger

from odoo.addons.mail.tests.common import mail_new_test_user

from .common import KVK_VALID, KvkServerMixin, execute_kw, refuse_report_assets
from .webhook_server import WebhookTestServer

SECRET = "sweep-webhook-secret-0123456789"
MODULE_PREFIX = "odoo.addons.accountancy_crm."
ORM_NAMES = frozenset(name for name in dir(models.BaseModel) if name[0] != "_")

# The answers that are a refusal (the exception's name in the JSON-RPC error).
REFUSALS = frozenset(
    f"odoo.exceptions.{name}"
    for name in (
        "AccessError",
        "AccessDenied",
        "UserError",
        "ValidationError",
        "MissingError",
        "RedirectWarning",
    )
)

# Tables besides the module's models that a call must not write to.
WATCHED_TABLES = (
    "mail_message",
    "mail_activity",
    "mail_followers",
    "ir_attachment",
    "ir_config_parameter",
)

# Arguments of the methods that take some (positional args, keyword args),
# by "model.method" or by method name; each would work for an administrator.
# The list of methods is not here: it comes from the registry.
ARGUMENTS = {
    "accountancy.kvk.client.normalize_kvk_number": ([KVK_VALID], {}),
    "accountancy.kvk.client.search": ([], {"name": "jansen"}),
    "accountancy.kvk.client.get_profile": ([KVK_VALID], {}),
    "accountancy.kvk.client.get_branch_profile": (["000037178598"], {}),
    "accountancy.kvk.client.partner_values": (
        [{"kvkNummer": KVK_VALID, "naam": "Sweep B.V."}],
        {"create_sector": True},
    ),
    "message_post": ([], {"body": "Sweep"}),
    # a test run (dryrun) of the one-column file of the builder below
    "base_import.import.execute_import": (
        [["name"], ["name"], {"has_headers": True, "separator": ",", "quoting": '"'}],
        {"dryrun": True},
    ),
    # report_xlsx passes a workbook object, which JSON cannot carry.
    "generate_xlsx_report": ([None, {}, []], {}),
}


def module_public_methods(env):
    """[(model name, method name)] of every method callable over RPC that a
    class of this module defines, on every model of the registry."""
    found = []
    for model_name in sorted(env.registry):
        model = env[model_name]
        names = set()
        for klass in type(model).mro():
            if klass.__module__.startswith(MODULE_PREFIX):
                names.update(name for name in vars(klass) if name[0] != "_")
        for name in sorted(names - ORM_NAMES):
            member = getattr(type(model), name, None)
            if not callable(member) or inspect.isclass(member):
                continue
            try:
                get_public_method(model, name)
            except AccessError:
                continue
            found.append((model_name, name))
    return found


@tagged("post_install", "-at_install")
class TestRpcSweep(KvkServerMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        refuse_report_assets(cls)
        cls.webhook_server = WebhookTestServer(SECRET).start()
        cls.addClassCleanup(cls.webhook_server.stop)

        cls.user_portal = mail_new_test_user(
            cls.env,
            login="sweep_portal",
            password="sweep_portal_pw",
            groups="base.group_portal",
        )
        cls.user_employee = mail_new_test_user(
            cls.env,
            login="sweep_employee",
            password="sweep_employee_pw",
            groups="base.group_user",
        )
        cls.methods = module_public_methods(cls.env)
        cls.records = cls._sweep_records({model for model, _name in cls.methods})
        cls.tables = cls._watched_tables()
        cls.env.flush_all()

    # ------------------------------------------------------------------
    # Fixtures: one real record per model, made or found as administrator
    # ------------------------------------------------------------------

    @classmethod
    def _sweep_records(cls, model_names):
        env = cls.env
        this_year = env.cr.now().year
        client = env["res.partner"].create(
            {
                "name": "Sweep Client B.V.",
                "is_company": True,
                "relation_kind": "client",
                "country_id": env.ref("base.nl").id,
            }
        )
        order = env["sale.order"].create({"partner_id": client.id})
        employees = env["hr.employee"].create(
            [{"name": "Sweep Accountant"}, {"name": "Sweep Assistant"}]
        )
        freeze = env["accountancy.snapshot.freeze.wizard"]
        snapshots = env["accountancy.snapshot"]
        for reason in ("Sweep one", "Sweep two"):
            wizard = freeze.create({"partner_id": client.id, "reason": reason})
            snapshots |= snapshots.browse(wizard.action_freeze()["res_id"])
        endpoint = env["accountancy.sync.endpoint"].create(
            {
                "name": "Sweep endpoint",
                "url": cls.webhook_server.url,
                "secret": SECRET,
            }
        )
        intake = env["accountancy.intake.wizard"].create({})
        builders = {
            "accountancy.advisory.matrix": lambda: env[
                "accountancy.advisory.matrix"
            ].create({}),
            "accountancy.annual.figure": lambda: env[
                "accountancy.annual.figure"
            ].create({"partner_id": client.id, "year": this_year - 1}),
            "accountancy.approval.reject.wizard": lambda: env[
                "accountancy.approval.reject.wizard"
            ].create({"partner_ids": client.ids, "reason": "Sweep"}),
            "accountancy.fiscal.filing.import": lambda: env[
                "accountancy.fiscal.filing.import"
            ].create(
                {
                    "file": base64.b64encode(b"number,tax,year,filed_on\n"),
                    "filename": "sweep.csv",
                }
            ),
            "accountancy.fiscal.deferral.import": lambda: env[
                "accountancy.fiscal.deferral.import"
            ].create(
                {
                    "file": base64.b64encode(b"number\n"),
                    "filename": "sweep.csv",
                    "tax_year": this_year - 1,
                    "tax": "ib",
                }
            ),
            "accountancy.intake.wizard": lambda: intake,
            "accountancy.job.run": lambda: env["accountancy.job.run"].create(
                {"operation": "task_generation", "year": this_year, "state": "failed"}
            ),
            "accountancy.intake.wizard.result": lambda: env[
                "accountancy.intake.wizard.result"
            ].create(
                {"wizard_id": intake.id, "kvk_number": KVK_VALID, "name": "Sweep"}
            ),
            "accountancy.onboarding": lambda: env["accountancy.onboarding"].create({}),
            "accountancy.planning.rollover.wizard": lambda: env[
                "accountancy.planning.rollover.wizard"
            ].create({}),
            "accountancy.quote.reject.wizard": lambda: env[
                "accountancy.quote.reject.wizard"
            ].create({"order_ids": order.ids, "reason": "Sweep"}),
            "accountancy.reassign.wizard": lambda: env[
                "accountancy.reassign.wizard"
            ].create(
                {
                    "employee_id": employees[0].id,
                    "target_employee_id": employees[1].id,
                }
            ),
            "accountancy.snapshot": lambda: snapshots[-1],
            "accountancy.snapshot.compare.wizard": lambda: env[
                "accountancy.snapshot.compare.wizard"
            ].create(
                {
                    "snapshot_old_id": snapshots[0].id,
                    "snapshot_new_id": snapshots[1].id,
                }
            ),
            "accountancy.snapshot.freeze.wizard": lambda: freeze.create(
                {"partner_id": client.id, "reason": "Sweep"}
            ),
            "accountancy.strategy": lambda: env["accountancy.strategy"].create(
                {"partner_id": client.id, "year": this_year}
            ),
            "accountancy.strategy.recompute.wizard": lambda: env[
                "accountancy.strategy.recompute.wizard"
            ].create({}),
            "accountancy.sync.endpoint": lambda: endpoint,
            "accountancy.sync.message": lambda: env["accountancy.sync.message"].create(
                {
                    "endpoint_id": endpoint.id,
                    "partner_id": client.id,
                    "event": "updated",
                }
            ),
            "accountancy.task.generation.wizard": lambda: env[
                "accountancy.task.generation.wizard"
            ].create({}),
            "base_import.import": lambda: env["base_import.import"].create(
                {
                    "res_model": "res.partner",
                    "file": b"name\nSweep Import B.V.\n",
                    "file_type": "text/csv",
                    "file_name": "sweep.csv",
                }
            ),
            "hr.employee": lambda: employees[0],
            "res.config.settings": lambda: env["res.config.settings"].create({}),
            "res.partner": lambda: client,
            "sale.order": lambda: order,
        }
        records = {}
        for model_name in sorted(model_names):
            model = env[model_name]
            if model._abstract:
                records[model_name] = []
                continue
            if model_name in builders:
                record = builders[model_name]()
            else:
                record = model.with_context(active_test=False).search(
                    [], limit=1, order="id"
                )
            if not record:
                raise AssertionError(
                    f"No {model_name} record to call its public methods on: "
                    "add a builder to TestRpcSweep._sweep_records."
                )
            records[model_name] = record.ids
        return records

    @classmethod
    def _watched_tables(cls):
        """The tables of the models this module defines or extends (SQL views
        excluded) and the WATCHED_TABLES."""
        tables = set(WATCHED_TABLES)
        for model_name in cls.env.registry:
            model = cls.env[model_name]
            if not model._auto or model._abstract:
                continue
            if any(
                klass.__module__.startswith(MODULE_PREFIX)
                for klass in type(model).mro()
            ):
                tables.add(model._table)
        return sorted(tables)

    def _state(self):
        """A fingerprint of every watched table: a row written, created or
        deleted changes it (an UPDATE moves the row to a new ctid)."""
        query = SQL(" UNION ALL ").join(
            SQL(
                "SELECT %s, count(*), md5(string_agg(ctid::text, ',' ORDER BY ctid)) "
                "FROM %s",
                table,
                SQL.identifier(table),
            )
            for table in self.tables
        )
        self.env.cr.execute(query)
        rows = self.env.cr.fetchall()
        return {
            "tables": {table: (count, digest) for table, count, digest in rows},
            "kvk requests": len(self.kvk_server.requests),
            "webhook deliveries": len(self.webhook_server.deliveries),
        }

    # ------------------------------------------------------------------
    # The sweep
    # ------------------------------------------------------------------

    def _arguments(self, model_name, name):
        """(args, kwargs) for ``model.name`` over RPC: the record ids first for
        a record method, then the ARGUMENTS of the method if it takes any."""
        method = getattr(type(self.env[model_name]), name)
        args, kwargs = ARGUMENTS.get(
            f"{model_name}.{name}", ARGUMENTS.get(name, ([], {}))
        )
        required = [
            parameter.name
            for parameter in list(inspect.signature(method).parameters.values())[1:]
            if parameter.default is parameter.empty
            and parameter.kind
            in (parameter.POSITIONAL_ONLY, parameter.POSITIONAL_OR_KEYWORD)
        ]
        self.assertGreaterEqual(
            len(args),
            len(required),
            f"{model_name}.{name}{inspect.signature(method)} takes arguments: "
            "add them to ARGUMENTS in tests/test_rpc_sweep.py",
        )
        if getattr(method, "_api", None) is None:
            args = [self.records[model_name], *args]
        return list(args), dict(kwargs)

    def _sweep(self, user, password):
        self.assertTrue(self.methods, "introspection found no public method")
        failures = []
        for model_name, name in self.methods:
            args, kwargs = self._arguments(model_name, name)
            before = self._state()
            answer = execute_kw(self, user, password, model_name, name, args, kwargs)
            self.env.invalidate_all()
            after = self._state()
            if not (isinstance(answer, str) and answer in REFUSALS):
                failures.append(f"{model_name}.{name}: answered {answer!r:.200}")
            changed = [
                key
                for key in ("kvk requests", "webhook deliveries")
                if before[key] != after[key]
            ] + [
                table
                for table in self.tables
                if before["tables"][table] != after["tables"][table]
            ]
            if changed:
                failures.append(f"{model_name}.{name}: wrote {', '.join(changed)}")
        if failures:
            self.fail(
                f"Public methods that {user.login} may call over RPC (make them "
                "private or check the caller first):\n" + "\n".join(failures)
            )

    @mute_logger("odoo.http", "odoo.models", "odoo.addons.accountancy_crm")
    def test_sweep_portal_user(self):
        self._sweep(self.user_portal, "sweep_portal_pw")

    @mute_logger("odoo.http", "odoo.models", "odoo.addons.accountancy_crm")
    def test_sweep_internal_user_without_accountancy_group(self):
        self._sweep(self.user_employee, "sweep_employee_pw")

    @mute_logger("odoo.http", "odoo.models", "odoo.addons.accountancy_crm")
    def test_sweep_arguments_work_for_administrator(self):
        """The refusals above are the callers': the same calls made by the
        administrator (in Python, each rolled back: over RPC they outlast the
        request timeout) answer or give a business error, never a crash of
        wrong ids or arguments."""
        admin = self.env.ref("base.user_admin")
        crashes = []
        for model_name, name in self.methods:
            args, kwargs = self._arguments(model_name, name)
            model = self.env[model_name].with_user(admin)
            if getattr(getattr(type(model), name), "_api", None) is None:
                model, args = model.browse(args[0]), args[1:]
            try:
                with self.env.cr.savepoint():
                    getattr(model, name)(*args, **kwargs)
                    self.env.flush_all()  # a crash of the SQL shows here
                    raise RolledBack
            except (RolledBack, UserError, AccessDenied):
                # It worked (and was undone), or refused with a message.
                crash = None
            except Exception as error:  # noqa: BLE001 -- any other is a crash
                crash = f"{model_name}.{name}: {error!r:.200}"
            if crash:
                crashes.append(crash)
            self.env.invalidate_all()
        if crashes:
            self.fail(
                "Calls that crash for the administrator (fix ARGUMENTS or the "
                "fixtures in tests/test_rpc_sweep.py):\n" + "\n".join(crashes)
            )


class RolledBack(Exception):
    """Raised to roll back the savepoint of a call that worked."""
