import base64
import logging
from contextlib import contextmanager

from psycopg2 import InterfaceError, OperationalError

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.service.model import PG_CONCURRENCY_ERRORS_TO_RETRY
from odoo.tools import SQL

from odoo.addons.queue_job.exception import RetryableJobError

from .accountancy_job_run import IMPORT_OPERATION, JOB_MAX_RETRIES, OPERATION_MODELS
from .parameters import get_param

_logger = logging.getLogger(__name__)

RETRY_SECONDS = 5
# How the file of an import's batch is written (see _accountancy_import).
BATCH_FILE_OPTIONS = {
    "has_headers": True,
    "separator": ",",
    "quoting": '"',
    "encoding": "utf-8",
    "skip": 0,
    "limit": None,
}
# PostgreSQL error classes of a lost connection: the server shut down or
# terminated the backend (57P01-57P03), or the connection failed (08xxx).
CONNECTION_LOST_CODES = ("57P01", "57P02", "57P03")
# queue_job states of a job that will not run (again) by itself.
JOB_ENDED_STATES = ("done", "failed", "cancelled")


def is_retryable(error):
    """Whether a database error in a batch calls for running the batch again:
    a concurrency error (serialization failure, deadlock, lock not available)
    or a lost connection (PostgreSQL restarted, the backend terminated, the
    network gone). Either way the transaction is gone: nothing of it was
    committed, and the next run of the job starts from the committed state."""
    if isinstance(error, InterfaceError):
        # psycopg2 raises it on a connection that is already closed.
        return True
    code = getattr(error, "pgcode", None)
    if code is None:
        # "server closed the connection unexpectedly" comes without a code.
        return isinstance(error, OperationalError)
    return (
        code in PG_CONCURRENCY_ERRORS_TO_RETRY
        or code in CONNECTION_LOST_CODES
        or code.startswith("08")
    )


@contextmanager
def retried_by_queue_job(what):
    """Hand a database error that a new run of the job cures (see
    is_retryable) to queue_job as a RetryableJobError: the transaction is
    rolled back and the job runs again later, up to its max_retries."""
    try:
        yield
    except (OperationalError, InterfaceError) as error:
        if not is_retryable(error):
            raise
        _logger.info("%s: %s; the job runs again", what, error)
        raise RetryableJobError(str(error), seconds=RETRY_SECONDS) from error


class AccountancyJobRunBatch(models.Model):
    _name = "accountancy.job.run.batch"
    _description = "Batch of a background run"
    _order = "run_id, sequence"

    run_id = fields.Many2one(
        "accountancy.job.run", required=True, readonly=True, ondelete="cascade"
    )
    sequence = fields.Integer(readonly=True)
    partner_ids = fields.Many2many(
        "res.partner",
        "accountancy_job_run_batch_partner_rel",
        "batch_id",
        "partner_id",
        string="Clients",
        readonly=True,
    )
    partner_count = fields.Integer(
        string="Client count", compute="_compute_partner_count", store=True
    )
    # An import's batch: its rows of the file as CSV, under a header of the
    # imported fields, and the line of the file its first row is on. The rows
    # may hold BSNs: only the batch's job reads them (as superuser).
    import_file = fields.Binary(
        attachment=True, readonly=True, groups="base.group_system"
    )
    first_line = fields.Integer(string="From line", readonly=True)
    last_line = fields.Integer(string="To line", readonly=True)
    state = fields.Selection(
        [("pending", "Pending"), ("done", "Done"), ("failed", "Failed")],
        default="pending",
        required=True,
        readonly=True,
    )
    error = fields.Text(readonly=True)
    skipped_names = fields.Text(string="Skipped clients", readonly=True)
    job_uuid = fields.Char(string="Job", readonly=True, copy=False)

    @api.depends("partner_ids")
    def _compute_partner_count(self):
        for batch in self:
            batch.partner_count = len(batch.partner_ids)

    def _accountancy_enqueue(self):
        """One queue job per batch, run as the user who enqueues it. Of an
        import only the first batch: its batches run one after the other, as
        later rows may refer to records of earlier ones (a contact person to
        its company); each one enqueues the next (see _accountancy_run_once)."""
        max_retries = get_param(self.env, JOB_MAX_RETRIES)
        batches = self.sudo()
        imports = batches.filtered(
            lambda batch: batch.run_id.operation == IMPORT_OPERATION
        )
        for batch in batches - imports | imports.sorted("sequence")[:1]:
            run = batch.run_id
            job = (
                batch.with_user(self.env.uid)
                .with_company(run.company_id)
                .with_delay(
                    description=self.env._(
                        "%(run)s: batch %(batch)s of %(total)s",
                        run=run.name,
                        batch=batch.sequence + 1,
                        total=run.batch_count,
                    ),
                    max_retries=max_retries,
                )
                ._accountancy_run()
            )
            batch.job_uuid = job.uuid

    def _accountancy_run(self):
        """The job of one batch."""
        with retried_by_queue_job(f"Batch {self.ids}"):
            self._accountancy_run_once()

    def _accountancy_end_run(self):
        """The job a batch enqueues as it ends, which ends its run once no
        batch is pending any more. The batch's own job does not write the run:
        its row would be written by every batch running at that time, and all
        but the first would lose their whole work to a serialization failure.
        This job is short, commits with the batch's state, and sees every
        batch ended before it; of two that end the run at once, the second is
        run again and finds it ended."""
        with retried_by_queue_job(f"End of run {self.run_id.ids}"):
            self.sudo().run_id._accountancy_end()

    def _accountancy_run_once(self):
        """The operation on the batch's clients that are still active, in a
        savepoint. An error of the operation marks the batch failed with the
        error (nothing of it is kept); a retryable database error is raised
        on (see retried_by_queue_job). The run is ended by a job of its own
        (see _accountancy_end_run)."""
        self.ensure_one()
        batch = self.sudo()
        if batch.state != "pending":
            return
        run = batch.run_id
        # Archived clients included (a many2many leaves them out by default).
        partners = batch.with_context(active_test=False).partner_ids.with_env(self.env)
        skipped = partners.sudo().filtered(lambda partner: not partner.active)
        partners -= skipped
        try:
            with self.env.cr.savepoint():
                if run.operation == IMPORT_OPERATION:
                    self._accountancy_import()
                elif partners:
                    self.env[OPERATION_MODELS[run.operation]]._accountancy_run_batch(
                        run.year, partners, first=batch.sequence == 0
                    )
                self.env.flush_all()
        except (OperationalError, InterfaceError) as error:
            if is_retryable(error):
                raise
            # E.g. a statement timeout: the savepoint undid the batch.
            batch._accountancy_failed(error)
        except RetryableJobError:
            raise
        except Exception as error:  # noqa: BLE001 - reported on the batch
            batch._accountancy_failed(error)
        else:
            batch.write(
                {
                    "state": "done",
                    "error": False,
                    "skipped_names": "\n".join(skipped.mapped("display_name")) or False,
                }
            )
        if run.operation == IMPORT_OPERATION:
            batch._accountancy_next_import()
        self.with_delay(
            description=self.env._("%(run)s: end", run=run.name),
            max_retries=get_param(self.env, JOB_MAX_RETRIES),
            priority=5,
        )._accountancy_end_run()

    def _accountancy_import(self):
        """Import the batch's rows with Odoo's import, as the user, the way
        the import screen imported the file; raise its errors, each with the
        line of the file it is on."""
        batch = self.sudo()
        run = batch.run_id
        wizard = self.env["base_import.import"].create(
            {
                "res_model": run.res_model,
                "file": base64.b64decode(batch.import_file),
                "file_type": "text/csv",
                "file_name": f"{run.file_name}.csv",
            }
        )
        options = dict(run.import_options, **BATCH_FILE_OPTIONS)
        result = wizard.with_context(accountancy_import_batch=True).execute_import(
            run.import_fields, run.import_columns, options
        )
        errors = [
            message for message in result["messages"] if message["type"] == "error"
        ]
        if not errors:
            return
        lines = []
        for message in errors:
            # A row's error names the batch file's line (its header is line
            # 1, see base_import.import): the line of the user's file.
            if isinstance(message.get("rows"), dict):
                lines.append(
                    self.env._(
                        "Line %(line)s: %(error)s",
                        line=message["record"] - 2 + batch.first_line,
                        error=message["message"],
                    )
                )
            else:
                lines.append(message["message"])
        raise UserError("\n".join(lines))

    def _accountancy_next_import(self):
        """After a batch of an import: the next batch's job once it is done;
        when it failed, the batches after it fail too, unimported, and the
        run ends."""
        later = self.run_id.batch_ids.filtered(
            lambda batch: batch.sequence > self.sequence and batch.state == "pending"
        )
        if self.state == "done":
            later.sorted("sequence")[:1]._accountancy_enqueue()
            return
        later.write(
            {
                "state": "failed",
                "error": self.env._(
                    "Not imported: lines %(first)s-%(last)s had errors before.",
                    first=self.first_line,
                    last=self.last_line,
                ),
            }
        )

    def _accountancy_failed(self, error):
        _logger.info("Batch %s of run %s failed: %s", self.id, self.run_id.id, error)
        self.write({"state": "failed", "error": str(error)})

    # ------------------------------------------------------------------
    # Jobs that ended without their batch
    # ------------------------------------------------------------------

    def _accountancy_job_failed(self, **fail_vals):
        """Called by queue_job when the job of the batch has failed for good
        (an error it does not retry, or its retries used up), in a transaction
        of its own: the batch is reported failed at once. When that cannot be
        done now (the run is busy in another transaction), the check of ended
        jobs does it as soon as it runs."""
        try:
            with self.env.cr.savepoint():
                self._accountancy_check_jobs(wait_seconds=5)
        except OperationalError as error:
            self.env.invalidate_all()
            _logger.info(
                "Batches %s left to the check of ended jobs: %s", self.ids, error
            )
        if self.sudo().filtered(lambda batch: batch.state == "pending"):
            cron = self.env.ref(
                "accountancy_crm.ir_cron_job_run_check", raise_if_not_found=False
            )
            if cron:
                cron.sudo()._trigger()

    @api.model
    def _accountancy_cron_check_jobs(self):
        """The pending batches of running runs whose job has ended without
        running them: failed for good (also when queue_job's runner found the
        job dead after too many tries, which bypasses the failure hook),
        cancelled, set to done by hand, or deleted."""
        self.sudo().search(
            [("state", "=", "pending"), ("run_id.state", "=", "running")]
        )._accountancy_check_jobs()

    def _accountancy_check_jobs(self, wait_seconds=0):
        """Mark failed, with the reason, the batches of ``self`` that are
        still pending while their job has ended, and end their runs. Rows
        another transaction holds (a batch at work, a job failing in the
        transaction that queue_job has not rolled back yet) are waited for at
        most ``wait_seconds``, else left for the next check."""
        # Without a job: an import's batch waiting for the ones before it.
        batches = self.sudo().filtered(
            lambda batch: batch.state == "pending" and batch.job_uuid
        )
        if not batches:
            return
        jobs = {
            job.uuid: job
            for job in self.env["queue.job"]
            .sudo()
            .search_fetch(
                [("uuid", "in", [uuid for uuid in batches.mapped("job_uuid") if uuid])],
                ["uuid", "state", "exc_name", "exc_message", "exc_info"],
            )
        }
        errors = {}
        for batch in batches:
            job = jobs.get(batch.job_uuid)
            if job and job.state not in JOB_ENDED_STATES:
                continue
            errors[batch.id] = batch._accountancy_job_error(job)
        if not errors:
            return
        candidates = batches.browse(list(errors))
        runs = self._accountancy_lock_free(
            "accountancy_job_run", candidates.run_id.ids, wait_seconds
        )
        candidates = candidates.filtered(lambda batch: batch.run_id.id in runs)
        locked = self._accountancy_lock_free(
            "accountancy_job_run_batch", candidates.ids, wait_seconds
        )
        candidates = candidates.filtered(lambda batch: batch.id in locked)
        for batch in candidates:
            _logger.info("Batch %s: %s", batch.id, errors[batch.id])
            batch.write({"state": "failed", "error": errors[batch.id]})
            if batch.run_id.operation == IMPORT_OPERATION:
                batch._accountancy_next_import()
        for run in candidates.run_id:
            run._accountancy_end()

    def _accountancy_job_error(self, job):
        """Why the batch did not run, from its ``job`` (empty when deleted)."""
        if not job:
            return self.env._("The background job of this batch no longer exists.")
        if job.state == "cancelled":
            return self.env._("The background job of this batch was cancelled.")
        if job.state == "done":
            return self.env._(
                "The background job of this batch was set to done without running it."
            )
        lines = (job.exc_info or "").strip().splitlines()
        reason = job.exc_message or (lines[-1] if lines else "") or job.exc_name
        return self.env._(
            "The background job of this batch failed: %(reason)s", reason=reason
        )

    @api.model
    def _accountancy_lock_free(self, table, ids, wait_seconds=0):
        """The ids of the rows of ``table`` among ``ids`` locked for this
        transaction: without ``wait_seconds`` the ones no other transaction
        holds; with it all of them, waiting at most that long (else
        LockNotAvailable is raised)."""
        if not ids:
            return set()
        self.env.flush_all()
        # Raw SQL: the ORM cannot lock rows (SKIP LOCKED, a lock timeout).
        cr = self.env.cr
        if not wait_seconds:
            cr.execute(
                SQL(
                    "SELECT id FROM %s WHERE id = ANY(%s) ORDER BY id"
                    " FOR UPDATE SKIP LOCKED",
                    SQL.identifier(table),
                    list(ids),
                )
            )
            return {row[0] for row in cr.fetchall()}
        cr.execute(SQL("SELECT current_setting('lock_timeout')"))
        previous = cr.fetchone()[0]
        cr.execute(
            SQL(
                "SELECT set_config('lock_timeout', %s, true)",
                f"{int(wait_seconds * 1000)}ms",
            )
        )
        cr.execute(
            SQL(
                "SELECT id FROM %s WHERE id = ANY(%s) ORDER BY id FOR UPDATE",
                SQL.identifier(table),
                list(ids),
            )
        )
        locked = {row[0] for row in cr.fetchall()}
        cr.execute(SQL("SELECT set_config('lock_timeout', %s, true)", previous))
        return locked
