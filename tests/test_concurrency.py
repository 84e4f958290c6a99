"""Two saves at the same moment, in two real transactions.

Odoo runs each request in a REPEATABLE READ transaction: a rule checked in
Python by reading the other rows cannot see a concurrent, uncommitted save.
Each test runs two transactions in two threads with a barrier between their
first query (the snapshot) and the save, and runs the save the way Odoo runs
an RPC call (odoo.service.model.retrying: a constraint violation becomes a
ValidationError with the constraint's message, a serialization failure is
retried). Whichever transaction gets through first, the other one started
before it committed, so its Python check alone would let the duplicate pass.

These tests commit: each one creates its data in its own committed
transaction and removes it in a cleanup.
"""

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

from odoo import SUPERUSER_ID, api
from odoo.exceptions import ValidationError
from odoo.modules.registry import DummyRLock, Registry
from odoo.service.model import retrying
from odoo.tests import BaseCase, get_db_name, tagged
from odoo.tools import SQL, mute_logger

from .common import make_bsn

TIMEOUT = 60


@tagged("post_install", "-at_install")
class TestConcurrency(BaseCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry = Registry(get_db_name())

    def setUp(self):
        super().setUp()
        # A tag in the names of everything this test creates, for the cleanup.
        self.tag = f"Race {uuid.uuid4().hex[:8]}"
        self.addCleanup(self._cleanup)

    def _env(self, cr):
        return api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})

    def _committed(self, func):
        """``func(env)`` in a transaction of its own, committed."""
        with self.registry.cursor() as cr:
            return func(self._env(cr))

    def _cleanup(self):
        def clean(env):
            partners = (
                env["res.partner"]
                .with_context(active_test=False)
                .search([("name", "=like", f"{self.tag}%")])
            )
            if not partners:
                return
            ids = tuple(partners.ids)
            env["res.partner.relation"].search(
                ["|", ("left_partner_id", "in", ids), ("right_partner_id", "in", ids)]
            ).unlink()
            # Decided acceptances are kept by the ORM (Wwft retention).
            env.cr.execute(
                SQL(
                    "DELETE FROM accountancy_client_acceptance WHERE partner_id IN %s",
                    ids,
                )
            )
            env.invalidate_all()
            partners.unlink()

        self._committed(clean)

    def _race(self, save):
        """Run ``save(env, index)`` for index 0 and 1 at the same moment in two
        transactions; return for each None if it committed, else the message
        of the ValidationError it ended with."""
        barrier = threading.Barrier(2, timeout=TIMEOUT)

        def run(index):
            with self.registry.cursor() as cr:
                env = self._env(cr)
                # The transaction's snapshot is taken by its first query.
                cr.execute("SELECT 1")
                barrier.wait()
                try:
                    retrying(lambda: save(env, index), env)
                except ValidationError as error:
                    cr.rollback()
                    return str(error)
                return None

        # Under odoo-bin --test-enable the main thread holds the registry lock
        # while the tests run, and the threads look the registry up by name
        # (a new environment, a retry). As Odoo's HttpCase does for its server
        # threads, the lock is a dummy meanwhile: the registry is loaded.
        saved_lock, Registry._lock = Registry._lock, DummyRLock()
        try:
            with (
                mute_logger("odoo.sql_db", "odoo.service.model"),
                ThreadPoolExecutor(max_workers=2) as executor,
            ):
                futures = [executor.submit(run, index) for index in (0, 1)]
                return [future.result(timeout=TIMEOUT) for future in futures]
        finally:
            Registry._lock = saved_lock

    def _assert_one_refused(self, outcomes, *fragments):
        self.assertEqual(
            outcomes.count(None), 1, f"exactly one save must commit: {outcomes}"
        )
        message = next(outcome for outcome in outcomes if outcome)
        for fragment in fragments:
            self.assertIn(fragment, message)

    def _count(self, domain):
        return self._committed(
            lambda env: (
                env["res.partner"].with_context(active_test=False).search_count(domain)
            )
        )

    def _free_kvk(self):
        """A KvK number no relation of the database has."""
        kvk = f"9{uuid.uuid4().int % 10**7:07d}"
        self.assertFalse(self._count([("company_registry", "=", kvk)]))
        return kvk

    # ------------------------------------------------------------
    # Unique numbers: exclusion constraints
    # ------------------------------------------------------------

    def test_same_kvk_without_branch(self):
        kvk = self._free_kvk()

        def save(env, index):
            env["res.partner"].create(
                {
                    "name": f"{self.tag} {index}",
                    "is_company": True,
                    "company_registry": kvk,
                }
            )

        self._assert_one_refused(self._race(save), "KvK number")
        self.assertEqual(self._count([("company_registry", "=", kvk)]), 1)

    def test_same_kvk_and_branch(self):
        kvk = self._free_kvk()
        branch = f"{uuid.uuid4().int % 10**12:012d}"
        # The legal entity itself (no branch number) exists already.
        self._committed(
            lambda env: env["res.partner"].create(
                {
                    "name": f"{self.tag} main",
                    "is_company": True,
                    "company_registry": kvk,
                }
            )
        )

        def save(env, index):
            env["res.partner"].create(
                {
                    "name": f"{self.tag} {index}",
                    "is_company": True,
                    "company_registry": kvk,
                    "kvk_branch_number": branch,
                }
            )

        self._assert_one_refused(self._race(save), "KvK number")
        self.assertEqual(self._count([("kvk_branch_number", "=", branch)]), 1)

    def test_same_kvk_on_write(self):
        """The duplicate arises by a write (two relations given one number)."""
        kvk = self._free_kvk()
        ids = self._committed(
            lambda env: (
                env["res.partner"]
                .create(
                    [
                        {"name": f"{self.tag} {index}", "is_company": True}
                        for index in (0, 1)
                    ]
                )
                .ids
            )
        )

        def save(env, index):
            env["res.partner"].browse(ids[index]).write({"company_registry": kvk})

        self._assert_one_refused(self._race(save), "KvK number")
        self.assertEqual(self._count([("company_registry", "=", kvk)]), 1)

    def test_same_bsn(self):
        bsn = make_bsn(uuid.uuid4().int % 10**6)
        self.assertFalse(self._count([("bsn", "=", bsn)]))

        def save(env, index):
            env["res.partner"].create({"name": f"{self.tag} {index}", "bsn": bsn})

        self._assert_one_refused(self._race(save), "BSN")
        self.assertEqual(self._count([("bsn", "=", bsn)]), 1)

    def test_same_debtor_number(self):
        number = f"R{uuid.uuid4().hex[:10]}"

        def save(env, index):
            env["res.partner"].create(
                {
                    "name": f"{self.tag} {index}",
                    "debtor_number": number,
                    "company_id": env.ref("base.main_company").id,
                }
            )

        self._assert_one_refused(self._race(save), "debtor number")
        self.assertEqual(self._count([("debtor_number", "=", number)]), 1)

    def test_loser_gets_the_constraint_message(self):
        """The other transaction commits between the loser's first query and
        its save: the loser's Python check cannot see the winner, PostgreSQL
        refuses it, and the RPC answer is the module's message."""
        kvk = self._free_kvk()
        bsn = make_bsn(uuid.uuid4().int % 10**6)
        numbers = {
            "KvK number": {"is_company": True, "company_registry": kvk},
            "BSN": {"bsn": bsn},
            "debtor number": {"debtor_number": f"R{uuid.uuid4().hex[:10]}"},
        }
        for fragment, vals in numbers.items():
            with self.subTest(number=fragment), self.registry.cursor() as cr:
                env = self._env(cr)
                cr.execute("SELECT 1")  # the loser's snapshot
                self._committed(
                    lambda env, vals=vals: env["res.partner"].create(
                        dict(vals, name=f"{self.tag} winner")
                    )
                )
                with (
                    mute_logger("odoo.sql_db"),
                    self.assertRaises(ValidationError) as cm,
                ):
                    retrying(
                        lambda env=env, vals=vals: env["res.partner"].create(
                            dict(vals, name=f"{self.tag} loser")
                        ),
                        env,
                    )
                cr.rollback()
                message = str(cm.exception)
                self.assertIn("Another relation", message)
                self.assertIn(fragment, message)
                self.assertIn("saved at the same moment", message)
        self.assertFalse(self._count([("name", "=", f"{self.tag} loser")]))

    # ------------------------------------------------------------
    # Rules over several rows: lock of the parent row
    # ------------------------------------------------------------

    def test_share_total(self):
        def setup(env):
            company = env["res.partner"].create(
                {"name": f"{self.tag} Holding", "is_company": True}
            )
            holders = env["res.partner"].create(
                [{"name": f"{self.tag} holder {index}"} for index in (0, 1)]
            )
            return company.id, holders.ids

        company_id, holder_ids = self._committed(setup)

        def save(env, index):
            env["res.partner.relation"].create(
                {
                    "left_partner_id": holder_ids[index],
                    "right_partner_id": company_id,
                    "type_id": env.ref("accountancy_crm.relation_type_shareholder").id,
                    "share_percentage": 60,
                }
            )

        self._assert_one_refused(self._race(save), "add up to 120 %")
        total = self._committed(
            lambda env: sum(
                env["res.partner.relation"]
                .search([("right_partner_id", "=", company_id)])
                .mapped("share_percentage")
            )
        )
        self.assertEqual(total, 60)

    def test_ubo_interest_total(self):
        """UBO interests above 100 % are a warning, not a refusal: both saves
        commit, and the stored total and its warning count both."""

        def setup(env):
            client = env["res.partner"].create(
                {"name": f"{self.tag} Client", "is_company": True}
            )
            owners = env["res.partner"].create(
                [{"name": f"{self.tag} owner {index}"} for index in (0, 1)]
            )
            acceptance = env["accountancy.client.acceptance"].create(
                {"partner_id": client.id}
            )
            return acceptance.id, owners.ids

        acceptance_id, owner_ids = self._committed(setup)

        def save(env, index):
            env["accountancy.client.acceptance.ubo"].create(
                {
                    "acceptance_id": acceptance_id,
                    "partner_id": owner_ids[index],
                    "interest_percentage": 60,
                }
            )

        self.assertEqual(self._race(save), [None, None])

        def read(env):
            acceptance = env["accountancy.client.acceptance"].browse(acceptance_id)
            return (
                len(acceptance.ubo_ids),
                acceptance.ubo_interest_total,
                acceptance.ubo_interest_exceeded,
            )

        self.assertEqual(self._committed(read), (2, 120.0, True))

    def test_one_current_acceptance(self):
        """Two acceptances of one client decided at the same moment: both
        decisions stand, and only the latest is the current one."""

        def setup(env):
            client = env["res.partner"].create(
                {"name": f"{self.tag} Client", "is_company": True}
            )
            acceptances = env["accountancy.client.acceptance"].create(
                [
                    {"partner_id": client.id, "date": "2024-01-01"},
                    {"partner_id": client.id, "date": "2024-06-01"},
                ]
            )
            return acceptances.ids

        acceptance_ids = self._committed(setup)

        def save(env, index):
            # What action_approve writes once it has checked the approver.
            env["accountancy.client.acceptance"].browse(
                acceptance_ids[index]
            ).sudo().write({"state": "accepted"})

        self.assertEqual(self._race(save), [None, None])

        def read(env):
            acceptances = env["accountancy.client.acceptance"].browse(acceptance_ids)
            return acceptances.mapped("state"), acceptances.mapped("is_current")

        self.assertEqual(
            self._committed(read), (["accepted", "accepted"], [False, True])
        )
