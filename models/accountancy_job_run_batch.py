import logging

from psycopg2 import OperationalError

from odoo import api, fields, models
from odoo.service.model import PG_CONCURRENCY_ERRORS_TO_RETRY

from odoo.addons.queue_job.exception import RetryableJobError

from .accountancy_job_run import OPERATION_MODELS

_logger = logging.getLogger(__name__)


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
        """One queue job per batch, run as the user who enqueues it."""
        for batch in self.sudo():
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
                    max_retries=10,
                )
                ._accountancy_run()
            )
            batch.job_uuid = job.uuid

    def _accountancy_run(self):
        """The job of one batch: the operation on the batch's clients that are
        still active, in a savepoint. An error of the operation marks the batch
        failed with the error (nothing of it is kept); a concurrency error is
        left to queue_job, which runs the job again."""
        self.ensure_one()
        batch = self.sudo()
        if batch.state != "pending":
            return
        run = batch.run_id
        # Archived clients included (a many2many leaves them out by default).
        partners = batch.with_context(active_test=False).partner_ids.with_env(self.env)
        skipped = partners.sudo().filtered(lambda partner: not partner.active)
        partners -= skipped
        Model = self.env[OPERATION_MODELS[run.operation]]
        try:
            with self.env.cr.savepoint():
                if partners:
                    Model._accountancy_run_batch(
                        run.year, partners, first=batch.sequence == 0
                    )
                self.env.flush_all()
        except OperationalError as error:
            if error.pgcode in PG_CONCURRENCY_ERRORS_TO_RETRY:
                raise RetryableJobError(str(error), seconds=5) from error
            raise
        except RetryableJobError:
            raise
        except Exception as error:  # noqa: BLE001 - reported on the batch
            _logger.info("Batch %s of run %s failed: %s", batch.id, run.id, error)
            batch.write({"state": "failed", "error": str(error)})
        else:
            batch.write(
                {
                    "state": "done",
                    "error": False,
                    "skipped_names": "\n".join(skipped.mapped("display_name")) or False,
                }
            )
        run._accountancy_batch_ended()
