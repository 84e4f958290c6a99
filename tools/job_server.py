"""A real Odoo server with queue_job's job runner, for the end-to-end test of
the background runs and for the benchmark: started on a free port against one
database, with the given channels, and stopped again."""

import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _listening(port):
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


@contextmanager
def job_server(config_file, database, channels="root:2", log_file=None, workers=0):
    """Run ``odoo-bin`` (no cron) with its job runner on ``database`` while the
    block runs; yield the process. ``workers=0`` is Odoo's threaded server,
    where all jobs share one Python process; with ``workers`` > 0 it is the
    multi-worker server of production, where each job runs in a worker of its
    own, within Odoo's default time and memory limits."""
    odoo_bin = os.path.join(os.environ.get("ODOO_SRC", "/opt/odoo/18.0"), "odoo-bin")
    port = free_port()
    env = dict(os.environ, ODOO_QUEUE_JOB_CHANNELS=channels)
    if workers:
        # The websocket process of a multi-worker server needs the package
        # metadata that make setup writes beside the configuration (see
        # tools/setup_env.sh); without it, it dies and is restarted in a loop.
        metadata = os.path.join(os.path.dirname(config_file), "pkg_metadata")
        env["PYTHONPATH"] = os.pathsep.join(
            path for path in (metadata, env.get("PYTHONPATH")) if path
        )
    command = [
        sys.executable,
        odoo_bin,
        "-c",
        config_file,
        "-d",
        database,
        f"--db-filter=^{database}$",
        "--http-interface=127.0.0.1",
        f"--http-port={port}",
        f"--gevent-port={free_port()}",
        f"--workers={workers}",
        "--max-cron-threads=0",
        "--log-level=warn",
    ]
    out = open(log_file or os.devnull, "ab")  # noqa: SIM115 - closed below
    process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    process.port = port
    process.is_up = lambda: _listening(port)
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        out.close()


def wait_until(check, timeout, interval=0.5):
    """Call ``check()`` until it returns a true value or ``timeout`` seconds
    have passed; return its last value."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(interval)
