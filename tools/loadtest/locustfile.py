"""Locust scenarios of the accountancy firm, as the web client calls Odoo.

Every simulated user logs in as an Odoo user of the generated firm (see
run.py, which writes the credentials file named by LOADTEST_USERS) and makes
the JSON-RPC calls the web client makes for the same screens:
``/web/action/load``, ``get_views``, ``web_search_read`` with the view's
specification, ``web_read`` with the form's specification, ``web_read_group``
(grouped kanban, pivot) with ``read_progress_bar``, and ``web_save``.

Like the web client, a session loads an action and its views once and keeps
them (``actionCache`` in action_service.js, the cache of view_service.js):
only the first screen of a session, and one in RELOAD_EVERY after that (a
user reloading the page or opening a new tab), asks for them again.

Requests are named "<scenario>: <step>" so that the summary gives a line per
screen (e.g. "accountant: open relation card").
"""

import itertools
import json
import os
import random
import xml.etree.ElementTree as ET

from locust import HttpUser, between, task
from locust.exception import StopUser

with open(os.environ["LOADTEST_USERS"]) as _file:
    SETUP = json.load(_file)
DB = SETUP["db"]
_POOLS = {role: itertools.cycle(users) for role, users in SETUP["users"].items()}
X2MANY_LIMIT = 40
LIST_LIMIT = 80
KANBAN_LIMIT = 40
RELOAD_EVERY = 20


def field_nodes(node):
    """The <field> nodes of a view, not descending into inline sub-views."""
    for child in node:
        if child.tag == "field":
            yield child
            continue
        yield from field_nodes(child)


def specification(node, fields, models):
    """The web client's specification of the fields of a view node."""
    spec = {}
    for field_node in field_nodes(node):
        name = field_node.get("name")
        info = fields.get(name)
        if not info:
            continue
        ftype = info["type"]
        if ftype in ("many2one", "many2one_reference"):
            spec[name] = {"fields": {"display_name": {}}}
        elif ftype in ("one2many", "many2many"):
            sub_view = next(
                (c for c in field_node if c.tag in ("list", "kanban", "tree")), None
            )
            relation = info.get("relation")
            if sub_view is not None and relation in models:
                spec[name] = {
                    "fields": specification(
                        sub_view, models[relation]["fields"], models
                    ),
                    "limit": X2MANY_LIMIT,
                }
            else:
                spec[name] = {"fields": {"display_name": {}}}
        else:
            spec[name] = {}
    return spec


class OdooUser(HttpUser):
    """A logged-in web client session."""

    abstract = True
    role = None
    wait_time = between(1, 3)

    def on_start(self):
        login, _password = next(_POOLS[self.role])
        self.login = login
        # The session run.py opened for this user (see there why).
        self.client.cookies.set("session_id", SETUP["sessions"][login])
        result = self.jsonrpc(
            "/web/session/get_session_info", {}, name=f"{self.role}: session info"
        )
        if not result or not result.get("uid"):
            raise StopUser()
        self.uid = result["uid"]
        self.user_context = result.get("user_context") or {}
        self.views = {}
        self.actions = {}
        self.sample = SETUP["per_user"][login]

    # -- transport ---------------------------------------------------------

    def jsonrpc(self, path, params, name, detail=""):
        payload = {"jsonrpc": "2.0", "method": "call", "params": params, "id": 1}
        with self.client.post(
            path, json=payload, name=name, catch_response=True
        ) as response:
            try:
                body = response.json()
            except ValueError:
                # Status 0: the connection failed; say how, and for whom.
                reason = response.error if response.status_code == 0 else "not JSON"
                response.failure(f"HTTP {response.status_code}: {reason}{detail}")
                return None
            if body.get("error"):
                error = body["error"].get("data", {})
                response.failure(
                    f"{error.get('name', 'error')}: {error.get('message', '')[:200]}"
                    f"{detail}"
                )
                return None
            response.success()
            return body.get("result")

    def call(self, model, method, args, kwargs=None, name=None):
        kwargs = dict(kwargs or {})
        kwargs.setdefault("context", self.user_context)
        ids = args[0] if args and isinstance(args[0], list) else []
        return self.jsonrpc(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": args, "kwargs": kwargs},
            name=name or f"{self.role}: {model}.{method}",
            detail=f" ({self.login}, {model} {ids[:5]})",
        )

    # -- web client steps ----------------------------------------------------

    def open_action(self, xmlid, step):
        """/web/action/load and get_views, as when a menu is clicked; returns
        (action, views by type, models), kept for the session like the web
        client does."""
        if random.randrange(RELOAD_EVERY) == 0:
            self.views.clear()
            self.actions.clear()
        if xmlid in self.actions:
            return self.actions[xmlid]
        loaded = self.load_action(xmlid, step)
        if loaded[1]:
            self.actions[xmlid] = loaded
        return loaded

    def load_action(self, xmlid, step):
        action = self.jsonrpc(
            "/web/action/load", {"action_id": xmlid}, name=f"{self.role}: {step} action"
        )
        if not action:
            return None, {}, {}
        views = [
            [view_id or False, view_type] for view_id, view_type in action["views"]
        ]
        if action.get("search_view_id"):
            views.append([action["search_view_id"][0], "search"])
        else:
            views.append([False, "search"])
        result = self.call(
            action["res_model"],
            "get_views",
            [],
            {
                "views": views,
                "options": {
                    "action_id": action["id"],
                    "load_filters": True,
                    "toolbar": True,
                },
            },
            name=f"{self.role}: {step} get_views",
        )
        if not result:
            return action, {}, {}
        return action, result["views"], result["models"]

    def view_spec(self, model, views, models, view_type):
        arch = views.get(view_type, {}).get("arch")
        if not arch:
            return {"display_name": {}}
        return specification(ET.fromstring(arch), models[model]["fields"], models)

    def form(self, model, step):
        """The form view of ``model`` (cached per user, as the client does
        after the first load) and its specification."""
        if model not in self.views:
            result = self.call(
                model,
                "get_views",
                [],
                {"views": [[False, "form"]], "options": {"toolbar": True}},
                name=f"{self.role}: {step} get_views",
            )
            if not result:
                return None
            self.views[model] = self.view_spec(
                model, result["views"], result["models"], "form"
            )
        return self.views[model]

    def pivot(self, action, views, name):
        arch = ET.fromstring(views["pivot"]["arch"])
        rows = [f.get("name") for f in arch.iter("field") if f.get("type") == "row"]
        measures = [
            f"{f.get('name')}:sum"
            for f in arch.iter("field")
            if f.get("type") == "measure"
        ]
        self.call(
            action["res_model"],
            "web_read_group",
            [],
            {
                "domain": [],
                "fields": measures or ["__count"],
                "groupby": rows[:1],
                "lazy": False,
            },
            name=name,
        )


class Accountant(OdooUser):
    """Search a relation by name and by KvK number, open its relation card,
    edit a phone number, log a contact moment."""

    role = "accountant"
    weight = 4

    @task
    def relation_work(self):
        action, views, models = self.open_action(
            "accountancy_crm.res_partner_action_relations", "relations"
        )
        if not action:
            return
        model = action["res_model"]
        domain = action.get("domain") or []
        if isinstance(domain, str):
            domain = []
        list_spec = self.view_spec(model, views, models, "list")
        name = random.choice(SETUP["names"])
        self.call(
            model,
            "web_search_read",
            [],
            {
                "domain": [*domain, ("display_name", "ilike", name)],
                "specification": list_spec,
                "limit": LIST_LIMIT,
                "count_limit": 10001,
            },
            name="accountant: search relation by name",
        )
        by_kvk = self.call(
            model,
            "web_search_read",
            [],
            {
                "domain": [
                    *domain,
                    (
                        "company_registry",
                        "=",
                        random.choice(
                            self.sample["kvk_numbers"] or SETUP["kvk_numbers"]
                        ),
                    ),
                ],
                "specification": list_spec,
                "limit": LIST_LIMIT,
                "count_limit": 10001,
            },
            name="accountant: search relation by KvK number",
        )
        # The card opened is the one found by KvK number, a client: the name
        # search also finds colleagues, whose contact card only an
        # administrator may edit (res.partner.write checks res.users rights).
        records = (by_kvk or {}).get("records") or []
        if records:
            partner_id = random.choice(records)["id"]
        elif self.sample["partner_ids"]:
            partner_id = random.choice(self.sample["partner_ids"])
        else:
            return
        form_spec = self.form(model, "relation card")
        if form_spec is None:
            return
        self.call(
            model,
            "web_read",
            [[partner_id]],
            {"specification": form_spec},
            name="accountant: open relation card",
        )
        self.call(
            model,
            "web_save",
            [[partner_id], {"phone": f"+31 20 {random.randrange(10**6, 10**7)}"}],
            {"specification": form_spec},
            name="accountant: save phone number",
        )
        self.call(
            "accountancy.contact.moment",
            "web_save",
            [
                [],
                {
                    "partner_id": partner_id,
                    "subject": "Telefonische vraag",
                    "channel": "phone",
                },
            ],
            {"specification": {"display_name": {}}},
            name="accountant: log contact moment",
        )


class Manager(OdooUser):
    """Open the CRM pipeline (grouped kanban with progress bars), move an
    opportunity to another stage, open the forecast dashboard."""

    role = "manager"
    weight = 2

    @task
    def pipeline(self):
        action, views, models = self.open_action(
            "crm.crm_lead_action_pipeline", "pipeline"
        )
        if not action:
            return
        domain = [("type", "=", "opportunity")]
        kanban_spec = self.view_spec("crm.lead", views, models, "kanban")
        groups = self.call(
            "crm.lead",
            "web_read_group",
            [],
            {
                "domain": domain,
                "fields": ["expected_revenue:sum"],
                "groupby": ["stage_id"],
                "lazy": True,
            },
            name="manager: pipeline web_read_group",
        )
        self.call(
            "crm.lead",
            "read_progress_bar",
            [],
            {
                "domain": domain,
                "group_by": "stage_id",
                "progress_bar": {
                    "field": "activity_state",
                    "colors": {
                        "planned": "success",
                        "today": "warning",
                        "overdue": "danger",
                    },
                },
            },
            name="manager: pipeline read_progress_bar",
        )
        leads = []
        stage_ids = []
        for group in (groups or {}).get("groups", [])[:6]:
            if not group.get("stage_id"):
                continue
            stage_ids.append(group["stage_id"][0])
            page = self.call(
                "crm.lead",
                "web_search_read",
                [],
                {
                    "domain": [*domain, ("stage_id", "=", group["stage_id"][0])],
                    "specification": kanban_spec,
                    "limit": KANBAN_LIMIT,
                },
                name="manager: pipeline column web_search_read",
            )
            leads.extend((page or {}).get("records") or [])
        if leads and len(stage_ids) > 1:
            lead = random.choice(leads)
            current = (lead.get("stage_id") or {}).get("id")
            target = random.choice([s for s in stage_ids if s != current] or stage_ids)
            self.call(
                "crm.lead",
                "web_save",
                [[lead["id"]], {"stage_id": target}],
                {"specification": kanban_spec},
                name="manager: move opportunity",
            )
        action, views, models = self.open_action(
            "accountancy_crm.accountancy_sales_report_action", "forecast"
        )
        if action:
            self.pivot(action, views, "manager: forecast dashboard web_read_group")


class Planner(OdooUser):
    """Open team planning, change one assignment, open the capacity overview."""

    role = "planner"
    weight = 2

    @task
    def planning(self):
        action, views, models = self.open_action(
            "accountancy_crm.res_partner_action_team_planning", "team planning"
        )
        if not action:
            return
        self.call(
            "res.partner",
            "web_search_read",
            [],
            {
                "domain": [("relation_kind", "=", "client")],
                "specification": self.view_spec("res.partner", views, models, "list"),
                "limit": LIST_LIMIT,
                "count_limit": 10001,
            },
            name="planner: team planning web_search_read",
        )
        if not self.sample["assignments"]:
            return
        assignment_id, employee_id = random.choice(self.sample["assignments"])
        self.call(
            "accountancy.assignment",
            "web_save",
            [[assignment_id], {"employee_id": employee_id}],
            {"specification": {"employee_id": {"fields": {"display_name": {}}}}},
            name="planner: change assignment",
        )
        action, views, models = self.open_action(
            "accountancy_crm.accountancy_capacity_report_action", "capacity"
        )
        if action:
            self.pivot(action, views, "planner: capacity web_read_group")


class Integration(HttpUser):
    """An outside system looking relations up by KvK number with an API key."""

    weight = 1
    wait_time = between(0.5, 1.5)

    @task
    def lookup(self):
        with self.client.get(
            "/accountancy/api/v1/relations/lookup",
            params={"kvk": random.choice(SETUP["kvk_numbers"])},
            headers={"Authorization": f"Bearer {SETUP['api_key']}"},
            name="integration: relations lookup",
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}: {response.text[:200]}")
            else:
                response.success()
