import hashlib
import hmac
import json
from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from ..models.accountancy_sync_endpoint import kind_field
from ..models.accountancy_sync_message import SYNC_MAX_ATTEMPTS, SYNC_TIMEOUT
from ..models.parameters import get_param
from ..models.res_partner import RELATION_KINDS
from .common import AccountancyCrmCommon
from .kvk_server import KvkTimeoutMixin
from .webhook_server import WebhookTestServer

SECRET = "test-secret-0123456789abcdef"
RELATION_KEYS = {
    "id",
    "name",
    "is_company",
    "relation_kind",
    "active",
    "debtor_number",
    "reference",
    "kvk_number",
    "kvk_branch_number",
    "vat",
    "legal_form",
    "client_group",
    "address",
    "email",
    "phone",
    "mobile",
    "company",
}


@tagged("post_install", "-at_install")
class TestSync(KvkTimeoutMixin, AccountancyCrmCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server = WebhookTestServer(SECRET).start()
        cls.addClassCleanup(cls.server.stop)
        cls.Endpoint = cls.env["accountancy.sync.endpoint"]
        cls.Message = cls.env["accountancy.sync.message"]
        # Relations made before the endpoints: no "created" messages.
        cls.client = cls._create_company(
            "Sync Client B.V.",
            relation_kind="client",
            street="Stationsplein 45",
            zip="3511ED",
            city="Utrecht",
            company_registry="68750110",
            legal_form="bv",
            debtor_number="D1001",
            client_group_id=cls.client_group.id,
            email="info@syncclient.example",
        )
        cls.contact = cls._create_person("Sync Contact", parent_id=cls.client.id)
        cls.supplier = cls._create_company("Sync Supplier", relation_kind="supplier")
        cls.endpoint = cls.Endpoint.create(
            {"name": "Bookkeeping", "url": cls.server.url, "secret": SECRET}
        )
        cls.params = cls.env["ir.config_parameter"].sudo()

    def setUp(self):
        super().setUp()
        self.server.deliveries.clear()
        self.server.statuses = []
        self.server.delay = 0

    def _messages(self, partner=None):
        domain = [("partner_id", "=", partner.id)] if partner else []
        return self.Message.search(domain, order="id")

    # ------------------------------------------------------------------
    # Queueing
    # ------------------------------------------------------------------

    def test_change_queues_payload_of_the_change(self):
        self.client.write({"street": "Stationsplein 46", "website": "example.nl"})
        message = self._messages(self.client)
        self.assertEqual(len(message), 1)
        self.assertEqual(message.endpoint_id, self.endpoint)
        self.assertEqual(message.event, "updated")
        self.assertEqual(message.state, "queued")
        self.assertEqual(message.attempts, 0)
        payload = json.loads(message.payload)
        self.assertEqual(payload["version"], 1)
        self.assertEqual(payload["event"], "updated")
        self.assertEqual(payload["delivery_id"], message.uuid)
        self.assertEqual(payload["changed_fields"], ["address.street"])
        self.assertTrue(payload["timestamp"].endswith("Z"))
        relation = payload["relation"]
        self.assertEqual(set(relation), RELATION_KEYS)
        self.assertEqual(relation["id"], self.client.id)
        self.assertEqual(relation["address"]["street"], "Stationsplein 46")
        self.assertEqual(relation["address"]["country_code"], "NL")
        self.assertEqual(relation["kvk_number"], "68750110")
        self.assertEqual(relation["debtor_number"], "D1001")
        self.assertEqual(relation["legal_form"], "bv")
        self.assertEqual(relation["relation_kind"], "client")
        self.assertEqual(
            relation["client_group"],
            {
                "id": self.client_group.id,
                "code": "TJAN",
                "name": "Test family Jansen",
            },
        )
        self.assertIsNone(relation["vat"])
        self.assertTrue(relation["active"])
        # Later changes build their own payload; the first one is unchanged.
        self.client.write({"client_group_id": False})
        messages = self._messages(self.client)
        self.assertEqual(len(messages), 2)
        self.assertEqual(json.loads(messages[0].payload), payload)
        second = json.loads(messages[1].payload)
        self.assertEqual(second["changed_fields"], ["client_group"])
        self.assertIsNone(second["relation"]["client_group"])

    def test_non_synced_change_queues_nothing(self):
        self.client.write(
            {"website": "https://syncclient.example", "sector_id": self.sector_it.id}
        )
        # The same value again is no change either.
        self.client.write({"city": "Utrecht", "email": "info@syncclient.example"})
        self.assertFalse(self._messages())

    def test_contact_person_is_not_sent(self):
        self.contact.write({"phone": "+31 30 123 4567", "email": "c@example.nl"})
        self.assertFalse(self._messages())
        new_contact = self._create_person("Another contact", parent_id=self.client.id)
        self.assertFalse(self._messages(new_contact))
        # Odoo copies the company's address to its contacts: one message, for
        # the company only.
        self.client.write({"city": "Amersfoort"})
        self.assertEqual(self.contact.city, "Amersfoort")
        self.assertEqual(self._messages().partner_id, self.client)

    def test_create_archive_unarchive(self):
        new = self._create_company("Sync New B.V.", relation_kind="prospect")
        created = self._messages(new)
        self.assertEqual(created.event, "created")
        payload = json.loads(created.payload)
        self.assertEqual(payload["relation"]["name"], "Sync New B.V.")
        self.assertIn("address.city", payload["changed_fields"])
        new.action_archive()
        archived = self._messages(new) - created
        self.assertEqual(archived.event, "archived")
        self.assertFalse(json.loads(archived.payload)["relation"]["active"])
        self.assertEqual(json.loads(archived.payload)["changed_fields"], ["active"])
        new.action_unarchive()
        unarchived = self._messages(new) - created - archived
        self.assertEqual(unarchived.event, "unarchived")
        self.assertTrue(json.loads(unarchived.payload)["relation"]["active"])

    def test_inactive_endpoint_gets_nothing(self):
        self.endpoint.action_archive()
        self.client.write({"phone": "+31 30 765 4321"})
        self._create_company("Sync Quiet B.V.", relation_kind="client")
        self.assertFalse(self._messages())
        # Queued messages of an archived endpoint wait for it.
        self.endpoint.action_unarchive()
        self.client.write({"phone": "+31 30 000 0000"})
        self.endpoint.action_archive()
        self.Message._cron_deliver(now=fields.Datetime.now() + timedelta(hours=1))
        self.assertFalse(self.server.deliveries)
        self.assertEqual(self._messages().state, "queued")

    def test_relation_kinds_of_the_endpoint(self):
        """Default: clients, prospects and former clients; not suppliers."""
        self.supplier.write({"city": "Zeist"})
        self.assertFalse(self._messages())
        clients_only = self.Endpoint.create(
            {
                "name": "Clients only",
                "url": "https://clients.example.nl/hook",
                "secret": SECRET,
                "sync_prospect": False,
                "sync_former_client": False,
            }
        )
        suppliers = self.Endpoint.create(
            {
                "name": "Purchasing",
                "url": "https://purchasing.example.nl/hook",
                "secret": SECRET,
                "sync_client": False,
                "sync_prospect": False,
                "sync_former_client": False,
                "sync_supplier": True,
            }
        )
        self.supplier.write({"city": "Driebergen"})
        self.assertEqual(self._messages(self.supplier).endpoint_id, suppliers)
        # A client leaving: the clients-only endpoint still learns about it.
        self.client.write({"relation_kind": "former_client"})
        self.assertEqual(
            self._messages(self.client).endpoint_id, self.endpoint | clients_only
        )
        self.client.write({"city": "Houten"})
        self.assertEqual(self._messages(self.client)[-1].endpoint_id, self.endpoint)

    def test_every_relation_kind_has_an_endpoint_field(self):
        for kind, _label in [*RELATION_KINDS, (False, "")]:
            with self.subTest(kind=kind):
                self.assertEqual(
                    self.Endpoint._fields[kind_field(kind)].type, "boolean"
                )

    def test_company_of_the_endpoint(self):
        office_2 = self.Endpoint.create(
            {
                "name": "Office 2",
                "url": "https://office2.example.nl/hook",
                "secret": SECRET,
                "company_id": self.company_2.id,
            }
        )
        own = self._create_company(
            "Sync Office 1 B.V.",
            relation_kind="client",
            company_id=self.company_main.id,
        )
        other = self._create_company(
            "Sync Office 2 B.V.", relation_kind="client", company_id=self.company_2.id
        )
        self.assertEqual(self._messages(own).endpoint_id, self.endpoint)
        self.assertEqual(self._messages(other).endpoint_id, office_2)
        # Relations shared by all companies go to every endpoint.
        self.client.write({"city": "Nieuwegein"})
        self.assertEqual(
            self._messages(self.client).endpoint_id, self.endpoint | office_2
        )

    def test_batch_write_constant_queries(self):
        """One write on many relations queues its messages in one batch: the
        queries the queue adds do not grow with the number of relations."""
        self.Endpoint.create(
            {"name": "Second", "url": "https://second.example.nl/h", "secret": SECRET}
        )

        def companies(prefix, count):
            return self.Partner.create(
                [
                    {
                        "name": f"{prefix} {i}",
                        "is_company": True,
                        "relation_kind": "client",
                        "client_group_id": self.client_group.id,
                        "country_id": self.country_nl.id,
                    }
                    for i in range(count)
                ]
            )

        sets = {
            (size, synced): companies(f"Batch {size} {synced}", size)
            for size in (10, 100)
            for synced in (True, False)
        }

        def count(partners, city):
            self.env.flush_all()
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            partners.write({"city": city})
            self.env.flush_all()
            return self.env.cr.sql_log_count - before

        counts = {}
        for synced in (True, False):
            self.Endpoint.search([]).write({"active": synced})
            # warm up the caches (endpoints, access rights)
            count(self.supplier, f"Warm {synced}")
            for size in (10, 100):
                counts[size, synced] = min(
                    count(sets[size, synced], f"City {synced} {size} {n}")
                    for n in range(2)
                )
        overhead_10 = counts[10, True] - counts[10, False]
        overhead_100 = counts[100, True] - counts[100, False]
        # The ORM inserts at most 100 rows per query (INSERT_BATCH_SIZE): the
        # 200 messages of 100 relations take one INSERT more than 20 messages.
        self.assertLessEqual(overhead_100, overhead_10 + 1, counts)
        # The overhead: the payload's fields (relation, client group, country),
        # the endpoints, one INSERT of the messages, and the trigger of the
        # delivery cron (its xmlid, the cron, the trigger row).
        self.assertLessEqual(overhead_10, 9, counts)

        # Two writes on 100 relations, each queued for the two endpoints (the
        # relations were created while the endpoints were active: those
        # "created" messages are not counted here).
        def updates(partners):
            return self.Message.search_count(
                [("partner_id", "in", partners.ids), ("event", "=", "updated")]
            )

        self.assertEqual(updates(sets[100, True]), 100 * 2 * 2)
        self.assertFalse(updates(sets[100, False]))

    def test_user_change_is_queued_but_queue_is_hidden(self):
        client = self.client.with_user(self.user_acc)
        client.write({"phone": "+31 30 111 2222"})
        self.assertEqual(len(self._messages(self.client)), 1)
        Message = self.Message.with_user(self.user_acc)
        with self.assertRaises(AccessError):
            Message.search([])
        with self.assertRaises(AccessError):
            self.Endpoint.with_user(self.user_acc).search([])
        manager_endpoint = self.endpoint.with_user(self.user_manager)
        # The manager sees that a secret is set, never the secret itself.
        with self.assertRaises(AccessError):
            manager_endpoint.read(["secret"])
        self.assertTrue(manager_endpoint.secret_set)
        self.assertEqual(manager_endpoint.queued_count, 1)
        self.assertEqual(
            self.Message.with_user(self.user_manager).search([]).partner_id,
            self.client,
        )

    # ------------------------------------------------------------------
    # Delivery
    # ------------------------------------------------------------------

    def test_delivery_retries_with_back_off_then_succeeds(self):
        self.server.statuses = [503, 503]
        self.client.write({"city": "Zeist"})
        message = self._messages(self.client)
        start = message.next_attempt

        self.Message._cron_deliver(now=start)
        self.assertEqual(message.state, "queued")
        self.assertEqual(message.attempts, 1)
        self.assertEqual(message.last_status_code, 503)
        self.assertIn("503", message.last_error)
        self.assertEqual(message.next_attempt, start + timedelta(minutes=2))
        self.assertEqual(self.endpoint.queued_count, 1)

        # Not due yet: nothing is sent.
        self.Message._cron_deliver(now=start + timedelta(minutes=1))
        self.assertEqual(len(self.server.deliveries), 1)

        self.Message._cron_deliver(now=message.next_attempt)
        self.assertEqual(message.attempts, 2)
        self.assertEqual(message.state, "queued")
        self.assertEqual(
            message.next_attempt, start + timedelta(minutes=2) + timedelta(minutes=4)
        )

        done_at = message.next_attempt
        self.Message._cron_deliver(now=done_at)
        self.assertEqual(message.state, "done")
        self.assertEqual(message.attempts, 3)
        self.assertEqual(message.delivered_at, done_at)
        self.assertEqual(message.last_status_code, 200)
        self.assertIn("503", message.last_error, "the last error stays visible")
        self.assertEqual(self.endpoint.queued_count, 0)
        self.assertEqual(self.endpoint.done_count, 1)

        deliveries = self.server.deliveries
        self.assertEqual([d["status"] for d in deliveries], [503, 503, 200])
        self.assertEqual(len(self.server.accepted), 1)
        accepted = self.server.accepted[0]
        self.assertTrue(all(d["signature_ok"] for d in deliveries))
        self.assertEqual(accepted["body"], message.payload.encode())
        self.assertEqual(
            accepted["headers"]["X-Accountancy-Signature"],
            "sha256="
            + hmac.new(
                SECRET.encode(), message.payload.encode(), hashlib.sha256
            ).hexdigest(),
        )
        self.assertEqual(accepted["headers"]["X-Accountancy-Event"], "updated")
        self.assertEqual(accepted["headers"]["X-Accountancy-Delivery"], message.uuid)
        self.assertIn("application/json", accepted["headers"]["Content-Type"])
        self.assertEqual({d["json"]["delivery_id"] for d in deliveries}, {message.uuid})
        self.assertEqual(accepted["json"]["relation"]["address"]["city"], "Zeist")
        self.assertEqual(accepted["path"], "/hooks/relations")

        # Nothing left to send.
        self.Message._cron_deliver(now=done_at + timedelta(days=1))
        self.assertEqual(len(self.server.deliveries), 3)

    def test_given_up_after_max_attempts_then_requeued(self):
        self.params.set_param("accountancy_crm.sync_max_attempts", "2")
        self.server.statuses = [500, 502]
        self.client.write({"email": "new@syncclient.example"})
        message = self._messages(self.client)
        self.Message._cron_deliver(now=message.next_attempt)
        self.assertEqual(message.state, "queued")
        self.Message._cron_deliver(now=message.next_attempt)
        self.assertEqual(message.state, "failed")
        self.assertEqual(message.attempts, 2)
        self.assertIn("502", message.last_error)
        self.assertEqual(self.endpoint.failed_count, 1)
        # Given up: the cron leaves it alone.
        self.Message._cron_deliver(now=message.next_attempt + timedelta(days=1))
        self.assertEqual(len(self.server.deliveries), 2)

        message.with_user(self.user_manager).action_requeue()
        self.assertEqual(message.state, "queued")
        self.assertEqual(message.attempts, 0)
        self.Message._cron_deliver(now=fields.Datetime.now() + timedelta(seconds=1))
        self.assertEqual(message.state, "done")
        self.assertEqual(len(self.server.accepted), 1)

    def test_retry_now(self):
        self.server.statuses = [503]
        self.client.write({"phone": "+31 30 999 8888"})
        message = self._messages(self.client)
        message.with_user(self.user_manager).action_retry_now()
        self.assertEqual((message.state, message.attempts), ("queued", 1))
        # Retry now does not wait for the next attempt.
        message.with_user(self.user_manager).action_retry_now()
        self.assertEqual((message.state, message.attempts), ("done", 2))
        self.assertEqual(len(self.server.accepted), 1)

    def test_client_error_fails_at_once(self):
        """A 4xx answer (other than 408 and 429) will not improve by itself."""
        self.server.statuses = [422]
        self.client.write({"phone": "+31 30 555 0000"})
        message = self._messages(self.client)
        self.Message._cron_deliver(now=message.next_attempt)
        self.assertEqual((message.state, message.attempts), ("failed", 1))
        self.assertIn("422", message.last_error)

    def test_rate_limit_is_retried(self):
        self.server.statuses = [429]
        self.client.write({"phone": "+31 30 555 1111"})
        message = self._messages(self.client)
        self.Message._cron_deliver(now=message.next_attempt)
        self.assertEqual((message.state, message.attempts), ("queued", 1))

    def test_wrong_secret_is_rejected(self):
        self.endpoint.secret = "another-secret-0123456789"
        self.client.write({"phone": "+31 30 555 2222"})
        message = self._messages(self.client)
        self.Message._cron_deliver(now=message.next_attempt)
        self.assertFalse(self.server.deliveries[0]["signature_ok"])
        self.assertEqual((message.state, message.last_status_code), ("failed", 401))

    def test_timeout_postpones_the_endpoint(self):
        self.params.set_param("accountancy_crm.sync_timeout", "1")
        self.server.delay = 3
        self.client.write({"phone": "+31 30 555 3333"})
        other = self._create_company("Sync Other B.V.", relation_kind="client")
        first, second = self._messages(self.client) | self._messages(other)
        now = fields.Datetime.now() + timedelta(seconds=1)
        self.Message._cron_deliver(now=now)
        self.assertEqual((first.state, first.attempts), ("queued", 1))
        self.assertIn("1", first.last_error)
        self.assertIn("seconds", first.last_error)
        self.assertEqual(first.next_attempt, now + timedelta(minutes=2))
        # The second message is not sent to the silent endpoint in the same run
        # and keeps its tries.
        self.assertEqual(len(self.server.deliveries), 1)
        self.assertEqual((second.state, second.attempts), ("queued", 0))
        self.assertEqual(second.next_attempt, first.next_attempt)

    def test_connection_refused(self):
        closed = WebhookTestServer(SECRET).start()
        url = closed.url
        closed.stop()
        self.endpoint.url = url
        self.client.write({"phone": "+31 30 555 4444"})
        message = self._messages(self.client)
        self.Message._cron_deliver(now=message.next_attempt)
        self.assertEqual((message.state, message.attempts), ("queued", 1))
        self.assertIn("Connection failed", message.last_error)

    def test_changes_of_one_relation_arrive_in_order(self):
        self.server.statuses = [503]
        self.client.write({"city": "First"})
        self.client.write({"city": "Second"})
        first, second = self._messages(self.client)
        now = second.next_attempt
        self.Message._cron_deliver(now=now)
        self.assertEqual((first.attempts, second.attempts), (1, 0))
        # The second waits for the first, although it is due.
        self.Message._cron_deliver(now=now + timedelta(minutes=1))
        self.assertEqual(second.attempts, 0)
        self.Message._cron_deliver(now=first.next_attempt)
        self.assertEqual(first.state, "done")
        self.Message._cron_deliver(now=first.next_attempt)
        self.assertEqual(second.state, "done")
        self.assertEqual(
            [d["json"]["relation"]["address"]["city"] for d in self.server.accepted],
            ["First", "Second"],
        )

    def test_cron_is_scheduled(self):
        cron = self.env.ref("accountancy_crm.ir_cron_sync_deliver")
        self.assertTrue(cron.active)
        self.assertEqual(cron.interval_type, "minutes")
        self.assertEqual(cron.code.strip(), "model._cron_deliver()")
        triggers = self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)])
        self.client.write({"phone": "+31 30 555 5555"})
        self.assertEqual(
            self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)]),
            triggers + 1,
            "a queued change wakes the cron up",
        )

    # ------------------------------------------------------------------
    # Bad input
    # ------------------------------------------------------------------

    @mute_logger("odoo.sql_db")
    def test_endpoint_url_and_secret_are_checked(self):
        for url in ("ftp://files.example.nl/in", "erp.example.nl/hook", "https://"):
            with self.subTest(url=url):
                with self.assertRaises(ValidationError) as cm:
                    self.Endpoint.create(
                        {"name": "Bad URL", "url": url, "secret": SECRET}
                    )
                self.assertIn("https://", str(cm.exception))
        with self.assertRaises(ValidationError) as cm:
            self.Endpoint.create(
                {"name": "Weak", "url": "https://ok.example.nl", "secret": "short"}
            )
        self.assertIn("16 characters", str(cm.exception))
        with self.assertRaises(ValidationError):
            self.endpoint.write({"url": "mailto:info@example.nl"})
        self.assertEqual(self.endpoint.url, self.server.url)
        self.assertFalse(self.Endpoint.search([("name", "in", ["Bad URL", "Weak"])]))
        # A new endpoint gets a random secret by default.
        endpoint = self.Endpoint.create(
            {"name": "Default secret", "url": "https://ok.example.nl"}
        )
        self.assertGreaterEqual(len(endpoint.secret), 32)
        old = endpoint.secret
        action = endpoint.action_generate_secret()
        self.assertNotEqual(endpoint.secret, old)
        self.assertIn(endpoint.secret, action["params"]["message"])

    def test_settings_are_checked(self):
        for vals in (
            {"accountancy_sync_max_attempts": 0},
            {"accountancy_sync_max_attempts": 51},
            {"accountancy_sync_timeout": 0},
            {"accountancy_sync_timeout": 61},
        ):
            with self.subTest(vals=vals), self.assertRaises(ValidationError):
                self.env["res.config.settings"].create(vals)
        self.env["res.config.settings"].create(
            {"accountancy_sync_max_attempts": 3, "accountancy_sync_timeout": 5}
        ).execute()
        self.assertEqual(get_param(self.env, SYNC_MAX_ATTEMPTS), 3)
        self.assertEqual(get_param(self.env, SYNC_TIMEOUT), 5)
