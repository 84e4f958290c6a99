"""The receiver of the outgoing relation changes down during a delivery run:
a real HTTP server on 127.0.0.1 that goes down in the middle of the run and
is started again on the same port. Every change arrives, each once; a change
whose answer was lost arrives again with the same delivery ID."""

import threading
from collections import Counter
from datetime import timedelta
from http.server import ThreadingHTTPServer

from odoo import fields
from odoo.tests import tagged

from .common import AccountancyCrmCommon
from .kvk_server import KvkTimeoutMixin
from .webhook_server import WebhookTestServer, _Handler

SECRET = "faults-secret-0123456789abcdef"


class _StoppingHandler(_Handler):
    def do_POST(self):
        result = super().do_POST()
        receiver = self.server.owner
        if receiver.stop_after and len(receiver.accepted) >= receiver.stop_after:
            # Down right after this answer: the next request finds no server.
            receiver.stop_after = 0
            receiver.stop()
        return result


class RestartableReceiver(WebhookTestServer):
    """The receiver, which goes down after ``stop_after`` accepted changes
    and is started again on the port it had, as a receiving service that
    restarts would be."""

    handler_class = _StoppingHandler
    port = 0
    stop_after = 0

    def start(self):
        self._httpd = ThreadingHTTPServer(("127.0.0.1", self.port), self.handler_class)
        self.port = self._httpd.server_address[1]
        self._httpd.daemon_threads = True
        self._httpd.block_on_close = False
        self._httpd.owner = self
        self.stopped.clear()
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, name=self.thread_name, daemon=True
        )
        self._thread.start()
        return self

    @property
    def running(self):
        return self._httpd is not None


@tagged("post_install", "-at_install")
class TestReceiverDown(KvkTimeoutMixin, AccountancyCrmCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.receiver = RestartableReceiver(SECRET).start()
        cls.addClassCleanup(cls.receiver.stop)
        cls.Message = cls.env["accountancy.sync.message"]
        cls.clients = cls.env["res.partner"].create(
            [
                {"name": f"Faults Client {index} B.V.", "relation_kind": "client"}
                for index in range(6)
            ]
        )
        cls.endpoint = cls.env["accountancy.sync.endpoint"].create(
            {"name": "Faults receiver", "url": cls.receiver.url, "secret": SECRET}
        )

    def setUp(self):
        super().setUp()
        if not self.receiver.running:
            self.receiver.start()
        self.receiver.deliveries.clear()
        self.receiver.statuses = []
        self.receiver.delay = 0
        self.receiver.stop_after = 0

    def _accepted(self):
        """Delivery ID -> how often the receiver accepted it."""
        return Counter(
            delivery["headers"]["X-Accountancy-Delivery"]
            for delivery in self.receiver.accepted
        )

    def test_receiver_down_then_up_gets_every_change_once(self):
        for index, client in enumerate(self.clients):
            client.phone = f"+31 30 700 00{index:02d}"
        messages = self.Message.search([("partner_id", "in", self.clients.ids)])
        self.assertEqual(len(messages), 6)
        now = fields.Datetime.now() + timedelta(seconds=1)

        # The receiver goes down after the first two of the run.
        self.receiver.stop_after = 2
        self.Message._cron_deliver(now=now)
        self.assertEqual(len(self.receiver.deliveries), 2)
        done = messages.filtered(lambda message: message.state == "done")
        self.assertEqual(done, messages.sorted("id")[:2])
        waiting = messages - done
        self.assertEqual(set(waiting.mapped("state")), {"queued"})
        # The first one refused used a try and keeps the error; the others
        # of the endpoint wait with it without using up a try.
        self.assertEqual(sorted(waiting.mapped("attempts")), [0, 0, 0, 1])
        self.assertIn("Connection failed", waiting.filtered("attempts").last_error)
        self.assertEqual(len(set(waiting.mapped("next_attempt"))), 1)
        retry_at = waiting[0].next_attempt
        self.assertEqual(retry_at, now + timedelta(minutes=2))

        self.receiver.start()
        # Not due yet: nothing is sent.
        self.Message._cron_deliver(now=now + timedelta(minutes=1))
        self.assertEqual(len(self.receiver.deliveries), 2)
        self.Message._cron_deliver(now=retry_at)
        self.assertEqual(messages.mapped("state"), ["done"] * 6)
        self.assertEqual(
            self._accepted(), Counter({uuid: 1 for uuid in messages.mapped("uuid")})
        )
        self.assertEqual(len(self.receiver.deliveries), 6)
        self.assertTrue(all(d["signature_ok"] for d in self.receiver.deliveries))
        # Nothing is sent again later.
        self.Message._cron_deliver(now=retry_at + timedelta(days=1))
        self.assertEqual(len(self.receiver.deliveries), 6)

    def test_answer_lost_sends_the_same_delivery_again(self):
        """A receiver that goes down after it read a change, before it
        answered: the change is sent again with the same delivery ID, by
        which the receiver recognises it (at-least-once delivery)."""
        self.env["ir.config_parameter"].set_param("accountancy_crm.sync_timeout", "1")
        self.clients[0].phone = "+31 30 700 9999"
        message = self.Message.search([("partner_id", "=", self.clients[0].id)])
        self.receiver.delay = 3
        now = fields.Datetime.now() + timedelta(seconds=1)
        self.Message._cron_deliver(now=now)
        self.assertEqual((message.state, message.attempts), ("queued", 1))
        self.receiver.delay = 0
        self.Message._cron_deliver(now=message.next_attempt)
        self.assertEqual(message.state, "done")
        ids = [d["headers"]["X-Accountancy-Delivery"] for d in self.receiver.deliveries]
        self.assertEqual(ids, [message.uuid, message.uuid])
        self.assertEqual(
            [d["json"]["delivery_id"] for d in self.receiver.deliveries],
            [message.uuid, message.uuid],
        )
