"""Two production-like nodes on one database, checked end to end.

Starts two servers (the command of ``make serve``, each multi-worker with its
own cron worker and queue_job job runner) on two ports against one database,
then, while both run:

- changes relations through JSON-RPC on both nodes alternately: each change
  queues an outgoing message (accountancy.sync.message) that the delivery
  cron of either node sends to a loopback receiver;
- queues a batch of queue_job jobs (each posts one numbered note on a
  relation), which the job runner of the node holding queue_job's master lock
  hands to its node.

It then waits until the queue is empty and every job is done, and asserts that
the receiver got every message exactly once (by delivery id, signatures
right) and that every job ran exactly once (one note per job, every job
done). Exits 1 on any failure.

    python tools/two_nodes.py --conf odoo.conf --db DB \
        --serve-cmd "make serve-only DB=DB" \
        --ports 8270,8271 --gevent-ports 8280,8281
"""

import argparse
import collections
import hashlib
import hmac
import json
import os
import shlex
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PARTNERS = 30
ROUNDS = 2
CHANGES = PARTNERS * ROUNDS
JOBS = 40
SECRET = "two-nodes-secret-0123456789"
NOTE = "Two nodes job %s"
TIMEOUT = 300


class Receiver(BaseHTTPRequestHandler):
    """The loopback receiver: records every delivery with its signature check."""

    deliveries = []
    lock = threading.Lock()

    def log_message(self, *args):
        """Quiet."""

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        expected = (
            "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        )
        signature_ok = hmac.compare_digest(
            self.headers.get("X-Accountancy-Signature", ""), expected
        )
        with self.lock:
            self.deliveries.append(
                {
                    "delivery": self.headers.get("X-Accountancy-Delivery"),
                    "signature_ok": signature_ok,
                }
            )
        self.send_response(200 if signature_ok else 401)
        self.send_header("Content-Length", "0")
        self.end_headers()


def rpc(port, path, params, cookie=None):
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        data=json.dumps(
            {"jsonrpc": "2.0", "method": "call", "params": params}
        ).encode(),
        headers={
            "Content-Type": "application/json",
            **({"Cookie": cookie} if cookie else {}),
        },
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        body = json.loads(response.read())
        set_cookie = response.headers.get("Set-Cookie")
    if body.get("error"):
        raise RuntimeError(f"{path}: {body['error']['data']['message']}")
    return body["result"], set_cookie


def wait_up(ports, procs, deadline):
    for port in ports:
        while True:
            for proc in procs:
                if proc.poll() is not None:
                    raise RuntimeError("a node stopped while starting; see its log")
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/web/health", timeout=5
                ) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.time() > deadline:
                raise RuntimeError(f"node on port {port} did not start")
            time.sleep(1)


def wait_done(odoo, registry, partner_ids, last_before):
    """Wait until no message is queued and every job is done or failed."""
    deadline = time.time() + TIMEOUT
    while True:
        with registry.cursor() as cr:
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
            messages = env["accountancy.sync.message"].search(
                [("partner_id", "in", partner_ids), ("id", ">", last_before)]
            )
            queued = messages.filtered(lambda m: m.state == "queued")
            jobs = env["queue.job"].search([("name", "like", "Two nodes job %")])
            open_jobs = jobs.filtered(lambda j: j.state not in ("done", "failed"))
            if not queued and len(jobs) == JOBS and not open_jobs:
                return []
        if time.time() > deadline:
            return [
                (
                    f"not done after {TIMEOUT} s: {len(queued)} messages queued, "
                    f"{len(open_jobs)} jobs open"
                )
            ]
        time.sleep(2)


def verify(odoo, registry, partner_ids, last_before):
    """The failures of the run: every message delivered exactly once with a
    good signature, every job done and run exactly once."""
    failures = []
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        messages = env["accountancy.sync.message"].search(
            [("partner_id", "in", partner_ids), ("id", ">", last_before)]
        )
        uuids = set(messages.mapped("uuid"))
        states = collections.Counter(messages.mapped("state"))
        jobs = env["queue.job"].search([("name", "like", "Two nodes job %")])
        job_states = collections.Counter(jobs.mapped("state"))
        notes = env["mail.message"].search(
            [("model", "=", "res.partner"), ("body", "like", "Two nodes job %")]
        )
        note_counts = collections.Counter(notes.mapped("body"))
    received = collections.Counter(d["delivery"] for d in Receiver.deliveries)
    bad_signatures = [d for d in Receiver.deliveries if not d["signature_ok"]]
    if len(messages) != CHANGES:
        failures.append(f"{len(messages)} messages for {CHANGES} changes")
    if states.get("done", 0) != len(messages):
        failures.append(f"message states: {dict(states)}")
    duplicates = {u: c for u, c in received.items() if c > 1}
    if duplicates:
        failures.append(f"delivered more than once: {duplicates}")
    if set(received) != uuids:
        failures.append(
            f"{len(uuids - set(received))} messages never received, "
            f"{len(set(received) - uuids)} unknown deliveries"
        )
    if bad_signatures:
        failures.append(f"{len(bad_signatures)} deliveries with a bad signature")
    if len(jobs) != JOBS or job_states.get("done", 0) != JOBS:
        failures.append(f"{len(jobs)} jobs, states {dict(job_states)}")
    wrong_notes = {
        NOTE % n: note_counts.get(f"<p>{NOTE % n}</p>", 0)
        for n in range(JOBS)
        if note_counts.get(f"<p>{NOTE % n}</p>", 0) != 1
    }
    if wrong_notes:
        failures.append(f"jobs not run exactly once (notes per job): {wrong_notes}")
    sys.stdout.write(
        f"receiver: {len(Receiver.deliveries)} deliveries of {len(uuids)} "
        f"messages; "
        f"jobs: {dict(job_states)}; notes: {sum(note_counts.values())}\n"
    )
    return failures


def queue_work(odoo, registry, db, ports, partner_ids):
    """Relation changes through both nodes (one per request, interleaved) and
    a batch of jobs."""
    cookies = {}
    for port in ports:
        _result, cookie = rpc(
            port,
            "/web/session/authenticate",
            {"db": db, "login": "admin", "password": "admin"},
        )
        cookies[port] = cookie.split(";")[0]
    # Relation changes through both nodes, one per request, interleaved.
    for n, partner_id in enumerate(partner_ids * ROUNDS):
        port = ports[n % len(ports)]
        rpc(
            port,
            "/web/dataset/call_kw/res.partner/write",
            {
                "model": "res.partner",
                "method": "write",
                "args": [[partner_id], {"phone": f"+31 20 555 {n:04d}"}],
                "kwargs": {},
            },
            cookies[port],
        )
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        partners = env["res.partner"].browse(partner_ids)
        for n in range(JOBS):
            partner = partners[n % len(partners)]
            partner.with_delay(description=NOTE % n).message_post(
                body=NOTE % n,
                message_type="comment",
                subtype_xmlid="mail.mt_note",
            )
        cr.commit()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--conf", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--serve-cmd", required=True)
    parser.add_argument("--ports", required=True)
    parser.add_argument("--gevent-ports", required=True)
    parser.add_argument("--log-dir", default=None)
    args = parser.parse_args()
    ports = [int(p) for p in args.ports.split(",")]
    gevent_ports = [int(p) for p in args.gevent_ports.split(",")]

    import odoo
    from odoo.modules.registry import Registry

    odoo.tools.config.parse_config(["-c", args.conf, "-d", args.db, "--log-level=warn"])
    from odoo.addons.accountancy_crm.models.accountancy_sync_endpoint import KIND_FIELDS

    log_dir = args.log_dir or os.path.join(os.path.dirname(args.conf), "two_nodes")
    os.makedirs(log_dir, exist_ok=True)
    failures = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    receiver_url = "http://127.0.0.1:%s/hook" % httpd.server_address[1]
    try:
        registry = Registry(args.db)
        with registry.cursor() as cr:
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
            env["accountancy.sync.endpoint"].search([]).active = False
            env["accountancy.sync.endpoint"].create(
                {
                    "name": "Two nodes receiver",
                    "url": receiver_url,
                    "new_secret": SECRET,
                    **{fname: True for fname in KIND_FIELDS},
                }
            )
            partners = (
                env["res.partner"]
                .search([("is_company", "=", True)], order="id")
                .filtered(lambda p: p.commercial_partner_id == p)[:PARTNERS]
            )
            if len(partners) < PARTNERS:
                raise SystemExit(f"{args.db} has fewer than {PARTNERS} companies")
            partner_ids = partners.ids
            last_before = (
                env["accountancy.sync.message"].search([], limit=1, order="id desc").id
                or 0
            )
            cr.commit()

        procs = []
        logs = []
        try:
            for port, gevent_port in zip(ports, gevent_ports, strict=True):
                log = open(os.path.join(log_dir, f"node-{port}.log"), "w")  # noqa: SIM115
                logs.append(log)
                procs.append(
                    subprocess.Popen(
                        [
                            *shlex.split(args.serve_cmd),
                            f"SERVE_PORT={port}",
                            f"GEVENT_PORT={gevent_port}",
                        ],
                        stdout=log,
                        stderr=subprocess.STDOUT,
                        start_new_session=True,
                    )
                )
            wait_up(ports, procs, time.time() + 180)
            sys.stdout.write(f"both nodes up on {ports}\n")

            queue_work(odoo, registry, args.db, ports, partner_ids)
            sys.stdout.write(f"queued {CHANGES} relation changes and {JOBS} jobs\n")

            failures.extend(wait_done(odoo, registry, partner_ids, last_before))
            time.sleep(3)  # a late duplicate delivery would arrive by now

            failures.extend(verify(odoo, registry, partner_ids, last_before))
            for port, proc in zip(ports, procs, strict=True):
                if proc.poll() is not None:
                    failures.append(f"node {port} stopped during the run")
        finally:
            for proc in procs:
                if proc.poll() is None:
                    os.killpg(proc.pid, signal.SIGTERM)
            for proc in procs:
                try:
                    proc.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
            for log in logs:
                log.close()
        # Which node ran the cron and the jobs: from the logs.
        for port in ports:
            with open(os.path.join(log_dir, f"node-{port}.log")) as log:
                text = log.read()
            sys.stdout.write(
                f"node {port}: {text.count('Sync message')} deliveries logged, "
                f"{text.count('queue job runner ready for db')} job runner(s) ready\n"
            )
    finally:
        httpd.shutdown()
    if failures:
        for failure in failures:
            sys.stdout.write(f"FAIL: {failure}\n")
        return 1
    sys.stdout.write(
        f"OK: {CHANGES} relation changes delivered exactly once, {JOBS} jobs run "
        "exactly once, with two nodes running\n"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
