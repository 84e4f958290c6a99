"""A small receiving end for the outgoing relation changes (standard library
only), checking every request as a real receiver would::

    with WebhookTestServer(secret="...") as server:
        server.statuses = [503, 503]     # answer the next two with 503, then 200
        ...
        server.deliveries                # every request received, checked

It listens on 127.0.0.1 on a free port (``server.url``). Each request is
recorded as a dict with ``path``, ``headers``, ``body`` (bytes), ``json``,
``signature_ok`` (HMAC-SHA256 of the exact body bytes with the secret equals the
X-Accountancy-Signature header) and the ``status`` answered. A request with a
bad signature is answered 401. ``delay`` (seconds) makes every answer late, for
the timeout test; mix ``KvkTimeoutMixin`` (tests/kvk_server.py) into the test
case so that the short client timeout is kept for 127.0.0.1.
"""

import contextlib
import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler

from .local_server import LocalTestServer


class _Handler(BaseHTTPRequestHandler):
    server_version = "WebhookTestServer/1.0"

    def log_message(self, *args):
        """Keep the test output clean."""

    def do_POST(self):
        hook = self.server.owner
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        expected = (
            "sha256=" + hmac.new(hook.secret.encode(), body, hashlib.sha256).hexdigest()
        )
        signature = self.headers.get("X-Accountancy-Signature", "")
        try:
            payload = json.loads(body)
        except ValueError:
            payload = None
        signature_ok = hmac.compare_digest(signature, expected)
        with hook.lock:
            if not signature_ok:
                status = 401
            elif hook.statuses:
                status = hook.statuses.pop(0)
            else:
                status = 200
            delivery = {
                "path": self.path,
                "headers": dict(self.headers),
                "body": body,
                "json": payload,
                "signature_ok": signature_ok,
                "status": status,
            }
            hook.deliveries.append(delivery)
        if hook.delay:
            hook.stopped.wait(hook.delay)
        answer = json.dumps({"received": status < 300}).encode()
        # The client may have given up already (timeout test).
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)


class WebhookTestServer(LocalTestServer):
    """The local receiver; see the module docstring."""

    handler_class = _Handler
    thread_name = "webhook-test-server"

    def __init__(self, secret):
        super().__init__()
        self.secret = secret
        self.statuses = []
        self.delay = 0
        self.deliveries = []
        self.lock = threading.Lock()

    @property
    def url(self):
        return f"{self.base_url}/hooks/relations"

    @property
    def accepted(self):
        """The deliveries answered with a 2xx status."""
        return [d for d in self.deliveries if 200 <= d["status"] < 300]
