"""make loadtest: Locust, headless, against a production-like server on a
generated firm (make seed-firm).

1. Prepares the firm's database: a load-test password for the generated
   employees' users, an API key for the integration, and per user some
   relations, KvK numbers and assignments that this user may see (the team
   visibility rules apply to every simulated user, as in real use).
2. Starts the server of make serve (unless --url), waits until it answers.
3. Runs Locust headless: CSV and HTML report in --out.
4. Prints a summary per request type (count, failures, p50, p95, p99,
   requests per second) and adds it to --out/loadtest-results.json, keyed on
   database, users and workers; counts the worker kills and serialization
   errors in the server's log.
"""

import argparse
import csv
import json
import os
import platform
import shlex
import signal
import subprocess
import sys
import time
import urllib.request
from datetime import datetime, timedelta, timezone

HERE = os.path.dirname(os.path.abspath(__file__))
PASSWORD = "loadtest-%s"
SAMPLE = 40
DONE_PARAM = "accountancy_crm.loadtest_users"
# Odoo's log lines of a request or worker that went wrong.
LOG_MARKERS = {
    "cpu_limit": "CPU time limit",
    "real_limit": "virtual real time limit",
    "memory_limit": "virtual memory limit",
    "serialization": "could not serialize access",
    "worker_killed": "Worker (",
    "tracebacks": "Traceback (most recent call last)",
}


def prepare(conf, db, out):
    import odoo
    from odoo.modules.registry import Registry

    odoo.tools.config.parse_config(["-c", conf, "-d", db, "--log-level=warn"])
    with Registry(db).cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        group_user = env.ref("accountancy_crm.group_user")
        group_manager = env.ref("accountancy_crm.group_manager")
        users = (
            env["hr.employee"].search([("user_id", "!=", False)], order="id").user_id
        )
        # The administrator keeps his password: the firm's staff are the users.
        admin = env.ref("base.user_admin")
        users = users.filtered(
            lambda u: group_user in u.groups_id and u.active and u != admin
        )
        if not users:
            raise SystemExit(f"{db} has no generated employees: run make seed-firm")
        pools = {"accountant": [], "manager": [], "planner": []}
        per_user = {}
        # Hashing a password takes a while: only users without one get it.
        params = env["ir.config_parameter"]
        done = set(filter(None, (params.get_param(DONE_PARAM) or "").split(",")))
        for user in users.filtered(lambda u: u.login not in done):
            user.password = PASSWORD % user.login
        params.set_param(
            DONE_PARAM, ",".join(sorted(done | set(users.mapped("login"))))
        )
        for n, user in enumerate(users):
            password = PASSWORD % user.login
            if group_manager in user.groups_id:
                pools["manager"].append([user.login, password])
            else:
                pools["accountant" if n % 2 else "planner"].append(
                    [user.login, password]
                )
        for role, pool in pools.items():
            if not pool:
                # A small firm has few managers: the others share them.
                pools[role] = [u for p in pools.values() for u in p]
        Partner = env["res.partner"]
        clients = Partner.search(
            [("relation_kind", "=", "client"), ("company_registry", "!=", False)],
            limit=SAMPLE * 5,
            order="id",
        )
        names = sorted({name.split()[0] for name in clients.mapped("name") if name})
        employees_of_role = {}
        for row in env["accountancy.assignment"].search_read(
            [("employee_id", "!=", False)], ["role_id", "employee_id"]
        ):
            employees_of_role.setdefault(row["role_id"][0], set()).add(
                row["employee_id"][0]
            )
        shared_roles = [r for r, e in employees_of_role.items() if len(e) > 1]
        for n, user in enumerate(users):
            uenv = env(user=user.id)
            visible = uenv["res.partner"].search(
                [("relation_kind", "=", "client"), ("company_registry", "!=", False)],
                limit=SAMPLE,
            )
            # Roles held by one employee only leave nobody to assign instead.
            assignments = uenv["accountancy.assignment"].search(
                [
                    ("year", "=", datetime.now().year),
                    ("role_id", "in", shared_roles),
                ],
                limit=SAMPLE,
            )
            pairs = []
            for assignment in assignments:
                others = sorted(
                    employees_of_role.get(assignment.role_id.id, set())
                    - {assignment.employee_id.id}
                )
                if others:
                    pairs.append([assignment.id, others[n % len(others)]])
            per_user[user.login] = {
                "partner_ids": visible.ids,
                "kvk_numbers": visible.mapped("company_registry"),
                "assignments": pairs,
            }
        integration = (
            users.filtered(lambda u: group_manager in u.groups_id)[:1] or users[0]
        )
        api_key = (
            env["res.users.apikeys"]
            .with_user(integration)
            ._generate(None, "load test", datetime.now() + timedelta(days=1))
        )
        setup = {
            "db": db,
            "users": pools,
            "per_user": per_user,
            "names": names or ["a"],
            "kvk_numbers": clients.mapped("company_registry"),
            "api_key": api_key,
            "clients": Partner.search_count([("relation_kind", "=", "client")]),
        }
        cr.commit()
    path = os.path.join(out, "users.json")
    with open(path, "w") as file:
        json.dump(setup, file)
    os.chmod(path, 0o600)
    return path, setup


def open_sessions(url, setup):
    """A session id per user login, by /web/session/authenticate."""
    sessions = {}
    logins = {
        login: password for pool in setup["users"].values() for login, password in pool
    }
    for login, password in logins.items():
        request = urllib.request.Request(
            url + "/web/session/authenticate",
            data=json.dumps(
                {
                    "jsonrpc": "2.0",
                    "params": {"db": setup["db"], "login": login, "password": password},
                }
            ).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=300) as response:
            body = json.loads(response.read())
            cookie = response.headers.get("Set-Cookie") or ""
        if body.get("error") or "session_id=" not in cookie:
            raise SystemExit(f"login of {login} failed: {body.get('error')}")
        sessions[login] = cookie.split("session_id=", 1)[1].split(";", 1)[0]
    return sessions


def wait_up(url, proc, timeout=240):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc is not None and proc.poll() is not None:
            raise SystemExit("the server stopped while starting; see its log")
        try:
            with urllib.request.urlopen(url + "/web/health", timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(1)
    raise SystemExit(f"{url} did not answer within {timeout} s")


def percentile(row, key):
    value = row.get(key)
    return None if value in (None, "", "N/A") else float(value)


def summary(stats_csv):
    lines = []
    with open(stats_csv) as file:
        for row in csv.DictReader(file):
            lines.append(
                {
                    "name": row["Name"] if row["Name"] != "Aggregated" else "TOTAL",
                    "count": int(row["Request Count"]),
                    "failures": int(row["Failure Count"]),
                    "p50_ms": percentile(row, "50%"),
                    "p95_ms": percentile(row, "95%"),
                    "p99_ms": percentile(row, "99%"),
                    "rps": round(float(row["Requests/s"]), 2),
                }
            )
    return lines


def print_table(lines, title):
    sys.stdout.write(f"\n{title}\n")
    header = f"{'request':<52} {'count':>6} {'fail':>5} " + " ".join(
        f"{k:>6}" for k in ("p50", "p95", "p99", "rps")
    )
    sys.stdout.write(header + "\n" + "-" * len(header) + "\n")
    for line in lines:
        sys.stdout.write(
            f"{line['name'][:52]:<52} {line['count']:>6} {line['failures']:>5} "
            + " ".join(
                f"{(line[k] if line[k] is not None else 0):>6.0f}"
                for k in ("p50_ms", "p95_ms", "p99_ms")
            )
            + f" {line['rps']:>6.2f}\n"
        )


def machine():
    model = ""
    try:
        with open("/proc/cpuinfo") as file:
            model = next(
                (
                    line.split(":", 1)[1].strip()
                    for line in file
                    if line.startswith("model name")
                ),
                "",
            )
    except OSError:
        pass
    return f"{platform.node()}: {os.cpu_count()} cores {model}, {platform.system()}"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--conf", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--duration", type=int, default=90)
    parser.add_argument("--workers", type=int, required=True)
    parser.add_argument("--locust", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--serve-cmd", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--url", default=None)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    users_file, setup = prepare(args.conf, args.db, args.out)
    key = f"{args.db}-{args.users}u-{args.workers}w-{args.duration}s"
    prefix = os.path.join(args.out, key)
    log_path = prefix + "-server.log"
    proc = None
    url = args.url or f"http://127.0.0.1:{args.port}"
    try:
        if not args.url:
            with open(log_path, "w") as log:
                proc = subprocess.Popen(
                    shlex.split(args.serve_cmd),
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
        wait_up(url, proc)
        # Warm-up: the first requests of each worker load the registry.
        for _i in range(args.workers * 2):
            urllib.request.urlopen(url + "/web/login", timeout=120).read()
        # Sessions opened before the measured run, one per Odoo user, as the
        # browsers of a firm keep theirs for days: the run measures the
        # screens, not a login storm (a login hashes the password with
        # 600,000 PBKDF2 rounds, about a CPU-second).
        sessions = open_sessions(url, setup)
        with open(users_file) as file:
            data = json.load(file)
        data["sessions"] = sessions
        with open(users_file, "w") as file:
            json.dump(data, file)
        spawn_rate = max(1, args.users // 5)
        command = [
            args.locust,
            "-f",
            os.path.join(HERE, "locustfile.py"),
            "--headless",
            "--users",
            str(args.users),
            "--spawn-rate",
            str(spawn_rate),
            "--run-time",
            f"{args.duration}s",
            "--host",
            url,
            "--csv",
            prefix,
            "--html",
            prefix + ".html",
            "--only-summary",
            "--stop-timeout",
            "30",
        ]
        started = time.time()
        subprocess.run(
            command, env=dict(os.environ, LOADTEST_USERS=users_file), check=False
        )
        elapsed = time.time() - started
    finally:
        if proc is not None and proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
    lines = summary(prefix + "_stats.csv")
    log_counts = {}
    if os.path.exists(log_path):
        with open(log_path, errors="replace") as log:
            text = log.read()
        log_counts = {name: text.count(marker) for name, marker in LOG_MARKERS.items()}
    title = (
        f"{args.db} ({setup['clients']} clients), {args.users} users, "
        f"{args.workers} workers, {args.duration} s, on {machine()}"
    )
    print_table(lines, title)
    sys.stdout.write(f"server log: {log_counts}\n")
    results_path = os.path.join(args.out, "loadtest-results.json")
    results = {}
    if os.path.exists(results_path):
        with open(results_path) as file:
            results = json.load(file)
    results[key] = {
        "db": args.db,
        "clients": setup["clients"],
        "users": args.users,
        "workers": args.workers,
        "duration_s": args.duration,
        "elapsed_s": round(elapsed),
        "machine": machine(),
        "at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "server_log": log_counts,
        "requests": lines,
    }
    with open(results_path, "w") as file:
        json.dump(results, file, indent=2)
    sys.stdout.write(f"results: {results_path}, report: {prefix}.html\n")
    total = next((line for line in lines if line["name"] == "TOTAL"), None)
    return 1 if total is None or total["count"] == 0 else 0


if __name__ == "__main__":
    raise SystemExit(main())
