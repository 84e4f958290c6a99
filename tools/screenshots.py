"""Take the README screenshots of the demo database with headless Chromium.

Usage: screenshots.py ODOO_CONF DATABASE

Copies the demo database DATABASE (with its filestore) to DATABASE_screenshots,
starts an Odoo server of its own on a free local port on the copy, logs in as
admin, shows the web client in Dutch and writes one PNG per screen to
static/description/, driving Chromium through the Chrome DevTools Protocol.
The copy is dropped at the end, so the demo database stays as it was: what
the screens need is only set up in the copy. A server of the demo database
(make run) may keep running: the copy is then made with pg_dump, as
PostgreSQL copies a template only while nobody is connected to it.
`make screenshots` creates the demo database first when it is missing, as
`make run` does: a Dutch firm in euros with the administrator in Dutch (see
docs/demo.md).

Set up in the copy: Dutch for the administrator (nl_NL is installed when
missing), an approval threshold and a quotation from the template
"Accountancy services" waiting for approval (the demo has none), and, for a
demo database made before the demo had them, stage colours and this year's
client strategies (as Strategy > Recompute strategies makes them).
"""

import base64
import contextlib
import datetime
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg2.errors
import requests
import websocket

from odoo import sql_db
from odoo.tools import SQL, config

MODULE = "accountancy_crm"
LOGIN = "admin"
PASSWORD = "admin"
LANG = "nl_NL"
WIDTH, HEIGHT = 1440, 900
# Forms are taken as tall as their sheet, up to this height; the chatter, below
# the sheet at this width, is hidden.
MAX_HEIGHT = 2400
CHROMIUM = "/usr/bin/chromium"
OUT_DIR = Path(__file__).resolve().parent.parent / "static" / "description"
SERVER_TIMEOUT = 180
# The first page compiles the asset bundles, which takes a while on 2 cores.
FIRST_PAGE_TIMEOUT = 180
SELECTOR_TIMEOUT = 30
# The shots are taken of a copy of the demo database with this suffix.
COPY_SUFFIX = "_screenshots"
CAPACITY_MODEL = "accountancy.capacity.report"
APPROVAL_AMOUNT_PARAM = "accountancy_crm.quote_approval_amount"
APPROVAL_NEW_CLIENT_PARAM = "accountancy_crm.quote_approval_new_client"
APPROVAL_THRESHOLD = "5000"
# Odoo colour indices for the open stages in pipeline order (light blue,
# yellow, orange, medium blue, fuchsia...) and green for won stages.
STAGE_COLORS = [4, 3, 2, 7, 9, 11, 5, 8]
WON_COLOR = 10

# 'ready' once the page shows the screen: every selector is present, no
# element of `gone` (selector and text, any text when empty) is left, nothing
# is loading and the images are decoded. Other values say what is wrong.
READY_JS = """
(() => {
    const [selectors, gone] = %s;
    if (window.screenshotsLeaving) {
        return '';
    }
    const error = document.querySelector('.o_error_dialog');
    if (error) {
        return 'error: ' + error.innerText.slice(0, 500);
    }
    if (location.pathname.startsWith('/web/login')) {
        return 'login';
    }
    if (!selectors.every((selector) => document.querySelector(selector))) {
        return '';
    }
    if (gone.some(([selector, text]) => [...document.querySelectorAll(selector)].some(
        (element) => !text || element.innerText.trim() === text
    ))) {
        return '';
    }
    if (document.querySelector(
        '.o_loading_indicator, .o_blockUI:not(.o_blockUI_invisible)'
    )) {
        return '';
    }
    return [...document.images].every((image) => image.complete) ? 'ready' : '';
})()
"""

CLICK_JS = """
(() => {
    const [selector, text] = %s;
    const element = [...document.querySelectorAll(selector)].find(
        (candidate) => !text || candidate.innerText.trim() === text
    );
    if (element) {
        element.click();
    }
    return Boolean(element);
})()
"""

HIDE_CHATTER_JS = """
(() => {
    const style = document.createElement('style');
    style.textContent = '.o-mail-Form-chatter { display: none !important; }';
    document.head.appendChild(style);
})()
"""

# Bottom of an element in the page as if nothing were scrolled.
BOTTOM_JS = """
(() => {
    const element = document.querySelector(%s);
    if (!element) {
        return 0;
    }
    const scroller = element.closest('.o_content');
    const scrolled = scroller ? scroller.scrollTop : 0;
    return Math.ceil(element.getBoundingClientRect().bottom + scrolled);
})()
"""


class RpcError(Exception):
    pass


@dataclass
class Screen:
    """One screenshot: the page, what proves it is there, and what to click."""

    name: str
    path: str
    wait: list
    # Clicked in turn once the page is there: (selector, text), the first
    # element matching the selector with that text (any text when empty).
    clicks: list = field(default_factory=list)
    # What proves that the clicks took effect: selectors present after each
    # click, and (selector, text) elements gone after the last one.
    then: list = field(default_factory=list)
    gone: list = field(default_factory=list)
    # Grow the window to the bottom of this element (a form sheet); the
    # chatter below it is hidden.
    fit: str = ""
    settle: float = 1.0
    # Wider than the others when the screen's columns need it.
    width: int = WIDTH


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Rpc:
    """JSON-RPC of the web client, with the session cookie of a login."""

    def __init__(self, base_url, db):
        self.base_url, self.db = base_url, db
        self.http = requests.Session()
        self.uid = None

    def post(self, path, params):
        response = self.http.post(
            self.base_url + path,
            json={"jsonrpc": "2.0", "method": "call", "id": 1, "params": params},
            timeout=600,
        )
        response.raise_for_status()
        body = response.json()
        if "error" in body:
            error = body["error"]
            raise RpcError(error.get("data", {}).get("message") or error["message"])
        return body["result"]

    def authenticate(self, login, password):
        result = self.post(
            "/web/session/authenticate",
            {"db": self.db, "login": login, "password": password},
        )
        self.uid = result["uid"]
        if not self.uid:
            raise RpcError(f"login {login} refused on database {self.db}")
        return self.http.cookies["session_id"]

    def call(self, model, method, *args, **kwargs):
        return self.post(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": list(args), "kwargs": kwargs},
        )

    def xmlid_res_id(self, xmlid):
        module, name = xmlid.split(".")
        rows = self.call(
            "ir.model.data",
            "search_read",
            [("module", "=", module), ("name", "=", name)],
            fields=["res_id"],
        )
        return rows[0]["res_id"] if rows else None


class OdooServer:
    """An Odoo server of our own, so that the shots do not depend on (or
    disturb) a `make run` on port 8069."""

    def __init__(self, conf, db):
        self.db = db
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        # Closed in stop(), when the server is gone.
        self.log = tempfile.TemporaryFile()  # noqa: SIM115
        odoo_bin = Path(os.environ.get("ODOO_SRC", "/opt/odoo/18.0")) / "odoo-bin"
        self.process = subprocess.Popen(
            [
                sys.executable,
                str(odoo_bin),
                "-c",
                conf,
                "-d",
                db,
                f"--db-filter=^{re.escape(db)}$",
                f"--http-port={self.port}",
                "--http-interface=127.0.0.1",
                "--workers=0",
                "--max-cron-threads=0",
                "--log-level=warn",
            ],
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self):
        deadline = time.monotonic() + SERVER_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the Odoo server stopped:\n{self.log_tail()}")
            with contextlib.suppress(requests.RequestException):
                if requests.get(self.url + "/web/login", timeout=10).ok:
                    return
            time.sleep(1)
        raise RuntimeError(f"/web/login did not answer in {SERVER_TIMEOUT} s")

    def log_tail(self, size=4000):
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-size:]

    def stop(self):
        stop_process_group(self.process)
        self.log.close()


def stop_process_group(process):
    """Stop a process we started and the children it started (its session)."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()


class Browser:
    """Headless Chromium driven over the DevTools Protocol."""

    def __init__(self):
        self.port = free_port()
        self.profile = tempfile.mkdtemp(prefix="accountancy_screenshots_")
        self.process = subprocess.Popen(
            [
                CHROMIUM,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                f"--user-data-dir={self.profile}",
                f"--remote-debugging-port={self.port}",
                f"--window-size={WIDTH},{HEIGHT}",
                "--hide-scrollbars",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        self.ws = None
        self.next_id = 0

    def connect(self):
        endpoint = f"http://127.0.0.1:{self.port}/json/list"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("Chromium stopped at start")
            with contextlib.suppress(requests.RequestException, ValueError):
                pages = [
                    target
                    for target in requests.get(endpoint, timeout=5).json()
                    if target["type"] == "page"
                ]
                if pages:
                    # Chromium refuses DevTools connections with an Origin
                    # header it does not know.
                    self.ws = websocket.create_connection(
                        pages[0]["webSocketDebuggerUrl"],
                        timeout=120,
                        suppress_origin=True,
                    )
                    return
            time.sleep(0.5)
        raise RuntimeError("Chromium's DevTools endpoint did not answer")

    def send(self, method, **params):
        self.next_id += 1
        message_id = self.next_id
        self.ws.send(json.dumps({"id": message_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            # Events (we enable none, but some come anyway) are skipped.
            if message.get("id") != message_id:
                continue
            if "error" in message:
                raise RuntimeError(f"{method}: {message['error'].get('message')}")
            return message.get("result", {})

    def evaluate(self, expression):
        result = self.send(
            "Runtime.evaluate", expression=expression, returnByValue=True
        )
        if "exceptionDetails" in result:
            # e.g. the page navigated away while the script ran
            return None
        return result.get("result", {}).get("value")

    def navigate(self, url):
        # Two screens share the card's URL: mark the page being left so that
        # waiting never mistakes it for the next one.
        self.evaluate("window.screenshotsLeaving = true")
        result = self.send("Page.navigate", url=url)
        if result.get("errorText"):
            raise RuntimeError(f"{url}: {result['errorText']}")

    def resize(self, height, width=WIDTH):
        self.send(
            "Emulation.setDeviceMetricsOverride",
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=False,
        )

    def wait_for(self, selectors, timeout, what, gone=()):
        expression = READY_JS % json.dumps([selectors, list(gone)])
        deadline = time.monotonic() + timeout
        state = ""
        while time.monotonic() < deadline:
            state = self.evaluate(expression) or ""
            if state == "ready":
                return
            if state == "login":
                raise RuntimeError(f"{what}: the browser got the login page")
            if state.startswith("error"):
                raise RuntimeError(f"{what}: Odoo shows an error dialog: {state}")
            time.sleep(0.3)
        expected = ", ".join(selectors)
        if gone:
            expected += "; gone: " + ", ".join(f"{sel} {txt!r}" for sel, txt in gone)
        raise RuntimeError(f"{what}: not shown within {timeout} s ({expected})")

    def click(self, selector, text, what):
        """Click once the element is there: menus render a moment later."""
        expression = CLICK_JS % json.dumps([selector, text])
        deadline = time.monotonic() + SELECTOR_TIMEOUT
        while time.monotonic() < deadline:
            if self.evaluate(expression):
                return
            time.sleep(0.3)
        target = f"{selector} {text!r}" if text else selector
        raise RuntimeError(f"{what}: nothing to click at {target}")

    def screenshot(self):
        result = self.send("Page.captureScreenshot", format="png")
        return base64.b64decode(result["data"])

    def stop(self):
        if self.ws:
            with contextlib.suppress(Exception):
                self.ws.close()
        stop_process_group(self.process)
        shutil.rmtree(self.profile, ignore_errors=True)


class DatabaseCopy:
    """A copy of a database and its filestore, as Odoo's database manager
    duplicates one, dropped again by drop()."""

    def __init__(self, conf, source):
        config.parse_config(["-c", conf, "--log-level=warn"])
        self.source = source
        self.name = source + COPY_SUFFIX

    def create(self):
        # A copy an interrupted run left behind.
        self.drop()
        print(f"Copying the database {self.source} to {self.name}")
        try:
            self._execute(
                SQL(
                    "CREATE DATABASE %s ENCODING 'unicode' TEMPLATE %s",
                    SQL.identifier(self.name),
                    SQL.identifier(self.source),
                )
            )
        except psycopg2.errors.ObjectInUse:
            # PostgreSQL copies a template only while nobody is connected to
            # it; a server of the demo (make run) keeps connections open.
            self._copy_by_dump()
        filestore = config.filestore(self.source)
        if os.path.isdir(filestore):
            shutil.copytree(filestore, config.filestore(self.name))

    def _copy_by_dump(self):
        print(f"{self.source} is in use: copying it with pg_dump instead")
        self._execute(
            SQL("CREATE DATABASE %s ENCODING 'unicode'", SQL.identifier(self.name))
        )
        env = dict(os.environ)
        for option, variable in (
            ("db_host", "PGHOST"),
            ("db_port", "PGPORT"),
            ("db_user", "PGUSER"),
            ("db_password", "PGPASSWORD"),
        ):
            if config[option]:
                env[variable] = str(config[option])
        dump = subprocess.Popen(
            ["pg_dump", "--no-owner", self.source], stdout=subprocess.PIPE, env=env
        )
        restore = subprocess.run(
            ["psql", "--quiet", "--set=ON_ERROR_STOP=1", "--dbname", self.name],
            stdin=dump.stdout,
            stdout=subprocess.DEVNULL,
            env=env,
            check=False,
        )
        dump.stdout.close()
        if dump.wait() or restore.returncode:
            raise RuntimeError(f"copying {self.source} with pg_dump and psql failed")

    def drop(self):
        # FORCE: the server of the copy may have left a connection behind.
        self._execute(
            SQL("DROP DATABASE IF EXISTS %s WITH (FORCE)", SQL.identifier(self.name))
        )
        shutil.rmtree(config.filestore(self.name), ignore_errors=True)

    @staticmethod
    def _execute(query):
        with contextlib.closing(sql_db.db_connect("postgres").cursor()) as cr:
            # CREATE and DROP DATABASE cannot run in a transaction.
            cr._cnx.autocommit = True
            cr.execute(query, log_exceptions=False)
        sql_db.close_db("postgres")


class DemoSetup:
    """What the screens need, set up in the copy of the demo database."""

    def __init__(self, rpc):
        self.rpc = rpc

    def use_dutch(self):
        rpc = self.rpc
        langs = rpc.call(
            "res.lang",
            "search_read",
            [("code", "=", LANG)],
            fields=["active"],
            context={"active_test": False},
        )
        if not langs:
            raise RuntimeError(f"Odoo does not know the language {LANG}")
        if not langs[0]["active"]:
            print(f"Installing the language {LANG}")
            wizard = rpc.call(
                "base.language.install",
                "create",
                {"lang_ids": [(6, 0, [langs[0]["id"]])], "overwrite": False},
            )
            rpc.call("base.language.install", "lang_install", [wizard])
        rpc.call("res.users", "write", [rpc.uid], {"lang": LANG})

    def colour_stages(self):
        """The pipeline shows the probability in the stage's colour: give the
        stages colours when none has one."""
        rpc = self.rpc
        stages = rpc.call(
            "crm.stage",
            "search_read",
            [],
            fields=["color", "is_won"],
            order="sequence, id",
        )
        if any(stage["color"] for stage in stages):
            return
        open_stages = [stage["id"] for stage in stages if not stage["is_won"]]
        won_stages = [stage["id"] for stage in stages if stage["is_won"]]
        for index, stage_id in enumerate(open_stages):
            color = STAGE_COLORS[index % len(STAGE_COLORS)]
            rpc.call("crm.stage", "write", [stage_id], {"color": color})
        if won_stages:
            rpc.call("crm.stage", "write", won_stages, {"color": WON_COLOR})

    def require_approval(self):
        """Quotations need approval above a threshold, unless the database
        already asks approval for some quotations."""
        rpc = self.rpc
        amount = rpc.call("ir.config_parameter", "get_param", APPROVAL_AMOUNT_PARAM)
        new_client = rpc.call(
            "ir.config_parameter", "get_param", APPROVAL_NEW_CLIENT_PARAM
        )
        try:
            threshold = float(amount or 0)
        except ValueError:
            threshold = 0.0
        if threshold <= 0 and not new_client:
            rpc.call(
                "ir.config_parameter",
                "set_param",
                APPROVAL_AMOUNT_PARAM,
                APPROVAL_THRESHOLD,
            )

    def ensure_strategies(self):
        """The strategy overview shows this year's client types: create them
        as Strategy > Recompute strategies does when the demo has none."""
        rpc = self.rpc
        year = datetime.date.today().year
        if rpc.call("accountancy.strategy", "search_count", [("year", "=", year)]):
            return
        print(f"Creating the client strategies of {year}")
        wizard = rpc.call("accountancy.strategy.recompute.wizard", "create", {})
        rpc.call("accountancy.strategy.recompute.wizard", "action_recompute", [wizard])

    def holding_client(self):
        """A client company in the middle of a holding structure: it has a
        shareholder and holds shares itself."""
        rpc = self.rpc
        partner_id = rpc.xmlid_res_id(f"{MODULE}.res_partner_werkhoven_bedding")
        if partner_id:
            return partner_id
        relations = rpc.call(
            "res.partner.relation",
            "search_read",
            [("type_id.is_shareholding", "=", True)],
            fields=["left_partner_id", "right_partner_id"],
        )
        shareholders = {relation["left_partner_id"][0] for relation in relations}
        held = [relation["right_partner_id"][0] for relation in relations]
        clients = rpc.call(
            "res.partner",
            "search",
            [
                ("id", "in", held),
                ("is_company", "=", True),
                ("relation_kind", "=", "client"),
            ],
            order="id",
        )
        middle = [partner for partner in clients if partner in shareholders]
        if not (middle or clients):
            raise RuntimeError("the demo has no client company with shareholders")
        return (middle or clients)[0]

    def approval_quote(self, partner_id):
        """A quotation from the template "Accountancy services" waiting for
        approval."""
        rpc = self.rpc
        order_id = self.create_quote(partner_id)
        [order] = rpc.call(
            "sale.order", "read", [order_id], ["accountancy_approval_required"]
        )
        if not order["accountancy_approval_required"]:
            raise RuntimeError(
                "the quotation of the approval screen needs no approval: check "
                "the approval settings of the demo database"
            )
        rpc.call("sale.order", "action_accountancy_request_approval", [order_id])
        return order_id

    def create_quote(self, partner_id):
        rpc = self.rpc
        template_id = rpc.xmlid_res_id(
            f"{MODULE}.sale_order_template_accountancy_services"
        )
        if not template_id:
            raise RuntimeError("the quotation template Accountancy services is gone")
        # The web client fills the lines from the template in an onchange,
        # which RPC does not run: copy them as sale_management does.
        lines = rpc.call(
            "sale.order.template.line",
            "search_read",
            [("sale_order_template_id", "=", template_id)],
            fields=[
                "display_type",
                "name",
                "product_id",
                "product_uom_id",
                "product_uom_qty",
                "sequence",
            ],
            order="sequence, id",
        )
        commands = []
        for line in lines:
            values = {
                "display_type": line["display_type"],
                "sequence": line["sequence"],
            }
            # An empty description leaves the product's own to the line.
            if line["name"]:
                values["name"] = line["name"]
            if not line["display_type"]:
                values.update(
                    product_id=line["product_id"][0],
                    product_uom=line["product_uom_id"][0],
                    product_uom_qty=line["product_uom_qty"],
                )
            commands.append((0, 0, values))
        print("Creating the quotation for the approval screenshot")
        return rpc.call(
            "sale.order",
            "create",
            {
                "partner_id": partner_id,
                "sale_order_template_id": template_id,
                "order_line": commands,
            },
        )


def action(xmlid, record_id=None):
    path = f"/odoo/action-{xmlid}"
    return f"{path}/{record_id}" if record_id else path


def field_labels(rpc, model, fnames):
    """The labels of fields in the language of the screens."""
    fields = rpc.call(
        model, "fields_get", fnames, attributes=["string"], context={"lang": LANG}
    )
    return [fields[fname]["string"] for fname in fnames]


def screens(rpc, partner_id, order_id):
    card = action(f"{MODULE}.res_partner_action_relations", partner_id)
    measures = ".o_pivot_buttons .dropdown-toggle"
    capacity_hidden = field_labels(
        rpc, CAPACITY_MODEL, ["available_hours", "planned_hours", "control_hours"]
    )
    return [
        Screen(
            "relation_card",
            card,
            wait=[".o_form_view .o_field_widget[name=legal_form]"],
            clicks=[(".o_notebook .nav-link[name=accountancy_numbers]", "")],
            then=[".o_field_widget[name=rsin]"],
            fit=".o_form_sheet",
        ),
        Screen(
            "holding_tree",
            card,
            wait=[".o_form_view .o_field_widget[name=legal_form]"],
            clicks=[(".o_notebook .nav-link[name=accountancy_holding]", "")],
            then=[".o_field_widget[name=holding_tree] .o_accountancy_holding_tree li"],
            fit=".o_form_sheet",
        ),
        Screen(
            "strategy_dashboard",
            action(f"{MODULE}.res_partner_strategy_overview_sector_action"),
            wait=[".o_graph_renderer canvas"],
            # Chart.js animates the bars in.
            settle=2.0,
        ),
        Screen(
            "planning_matrix",
            action(f"{MODULE}.res_partner_action_team_planning"),
            wait=[".o_list_renderer .o_data_row"],
            # Client, client group, client type and eight roles: at 1440 px
            # most names are cut after about ten letters.
            width=1920,
        ),
        Screen(
            "capacity_overview",
            action(f"{MODULE}.accountancy_capacity_report_action"),
            wait=[".o_pivot table .o_pivot_cell_value"],
            # Twelve months of four measures are three times the window: the
            # months with the free capacity only (the Measures menu).
            clicks=[(measures, "")]
            + [(".o-dropdown--menu .o_menu_item.selected", x) for x in capacity_hidden]
            + [(measures, "")],
            gone=[(".o-dropdown--menu", "")]
            + [(".o_pivot th.o_pivot_measure_row", x) for x in capacity_hidden],
            # Twelve months and the total do not fit in 1440 px.
            width=1920,
        ),
        Screen(
            "pipeline",
            action("crm.crm_lead_action_pipeline"),
            wait=[".o_kanban_renderer .o_kanban_record .o_tag.rounded-pill"],
        ),
        Screen(
            "quote_approval",
            action("sale.action_quotations_with_onboarding", order_id),
            wait=[
                ".o_form_view .o_field_widget[name=accountancy_approval_reason]",
                ".o_field_widget[name=order_line] .o_data_row",
            ],
            fit=".o_form_sheet",
        ),
    ]


def take(browser, base_url, screen):
    browser.resize(HEIGHT, screen.width)
    browser.navigate(base_url + screen.path)
    browser.wait_for(screen.wait, SELECTOR_TIMEOUT, screen.name)
    for selector, text in screen.clicks:
        browser.click(selector, text, screen.name)
        # Let the click start its request before waiting for the result.
        time.sleep(0.3)
        browser.wait_for(screen.wait + screen.then, SELECTOR_TIMEOUT, screen.name)
    if screen.gone:
        browser.wait_for(
            screen.wait + screen.then, SELECTOR_TIMEOUT, screen.name, screen.gone
        )
    time.sleep(screen.settle)
    if screen.fit:
        browser.evaluate(HIDE_CHATTER_JS)
        bottom = browser.evaluate(BOTTOM_JS % json.dumps(screen.fit)) or 0
        browser.resize(min(max(HEIGHT, bottom + 16), MAX_HEIGHT), screen.width)
        browser.wait_for(
            screen.wait + screen.then, SELECTOR_TIMEOUT, screen.name, screen.gone
        )
        time.sleep(0.5)
    path = OUT_DIR / f"{screen.name}.png"
    path.write_bytes(browser.screenshot())
    print(f"{path.relative_to(OUT_DIR.parent.parent)}: {path.stat().st_size:,} bytes")


def run(server, browser):
    server.wait_ready()
    rpc = Rpc(server.url, server.db)
    session_id = rpc.authenticate(LOGIN, PASSWORD)
    setup = DemoSetup(rpc)
    setup.use_dutch()
    setup.colour_stages()
    setup.require_approval()
    setup.ensure_strategies()
    partner_id = setup.holding_client()
    order_id = setup.approval_quote(partner_id)
    browser.connect()
    browser.send(
        "Network.setCookie",
        name="session_id",
        value=session_id,
        url=server.url,
        httpOnly=True,
    )
    # The first page builds the asset bundles: wait longer, only once.
    browser.resize(HEIGHT)
    browser.navigate(server.url + "/odoo")
    browser.wait_for([".o_main_navbar"], FIRST_PAGE_TIMEOUT, "web client")
    for screen in screens(rpc, partner_id, order_id):
        take(browser, server.url, screen)


def main(conf, db):
    started = time.monotonic()
    copy = DatabaseCopy(conf, db)
    server = browser = None
    try:
        copy.create()
        server = OdooServer(conf, copy.name)
        browser = Browser()
        run(server, browser)
    except (RuntimeError, RpcError, requests.RequestException) as error:
        log = server.log_tail() if server else ""
        if log:
            print(f"Odoo server log (end):\n{log}", file=sys.stderr)
        sys.exit(f"Screenshots failed: {error}")
    finally:
        if browser:
            browser.stop()
        if server:
            server.stop()
        copy.drop()
    print(f"Screenshots taken in {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
