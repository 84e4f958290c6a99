"""Long operations on many clients, run as background jobs (OCA queue_job).

An operation on more clients than the threshold of the settings is split in
batches of about a hundred clients; each batch is one queue job, commits on
its own and is idempotent (it only adds what is missing, or recomputes), so
a batch that failed, or whose worker was killed, is simply run again. The run
record shows the user who started it (and managers) how far it is, which
batches failed and why, and lets them retry those.
"""

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL, format_datetime

from .access_checks import check_caller
from .parameters import Param, get_param, int_at_least

JOB_THRESHOLD = Param("accountancy_crm.job_threshold", 200, int_at_least(0))
JOB_BATCH_SIZE = Param("accountancy_crm.job_batch_size", 100, int_at_least(1))
# How often queue_job runs a batch whose job hit a concurrency error or lost
# its database connection, before the batch is reported failed.
JOB_MAX_RETRIES = Param("accountancy_crm.job_max_retries", 10, int_at_least(1))

# operation: the model whose _accountancy_run_batch(year, partners, first)
# does the work of one batch. An import's batches hold rows of a file instead
# of clients, and run one after the other (see accountancy.job.run.batch).
IMPORT_OPERATION = "import"
OPERATIONS = [
    ("task_generation", "Task generation"),
    ("planning_rollover", "Planning roll-over"),
    ("strategy_recompute", "Strategy recompute"),
    ("planned_hours_sync", "Planned hours sync"),
    (IMPORT_OPERATION, "Import"),
]
OPERATION_MODELS = {
    "task_generation": "accountancy.task.generation.wizard",
    "planning_rollover": "accountancy.planning.rollover.wizard",
    "strategy_recompute": "accountancy.strategy.recompute.wizard",
    "planned_hours_sync": "accountancy.planned.hour",
}


class AccountancyJobRun(models.Model):
    _name = "accountancy.job.run"
    _inherit = ["mail.thread", "accountancy.year.mixin"]
    _description = "Background run"
    _order = "id desc"

    name = fields.Char(compute="_compute_name")
    operation = fields.Selection(OPERATIONS, required=True, readonly=True)
    year = fields.Integer(required=True, readonly=True)
    user_id = fields.Many2one(
        "res.users",
        string="Started by",
        required=True,
        readonly=True,
        default=lambda self: self.env.user,
        ondelete="cascade",
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        readonly=True,
        default=lambda self: self.env.company,
    )
    state = fields.Selection(
        [("running", "Running"), ("done", "Done"), ("failed", "Failed")],
        default="running",
        required=True,
        readonly=True,
    )
    date_end = fields.Datetime(string="Ended on", readonly=True)
    batch_ids = fields.One2many("accountancy.job.run.batch", "run_id", readonly=True)
    partner_count = fields.Integer(string="Clients", readonly=True)
    # An import: the file, its model, its rows, and how the import screen
    # mapped and read it (passed on to the import of each batch).
    file_name = fields.Char(readonly=True)
    res_model = fields.Char(string="Imported model", readonly=True)
    row_count = fields.Integer(string="Rows", readonly=True)
    import_fields = fields.Json(readonly=True)
    import_columns = fields.Json(readonly=True)
    import_options = fields.Json(readonly=True)
    batch_count = fields.Integer(string="Batches", readonly=True)
    # Counted from the batches, which their jobs write: a job that wrote the
    # run's row would conflict with every other batch running at that time.
    done_count = fields.Integer(string="Batches done", compute="_compute_progress")
    failed_count = fields.Integer(string="Batches failed", compute="_compute_progress")
    skipped_names = fields.Text(
        string="Skipped clients",
        compute="_compute_progress",
        help="Clients archived after the run was started: left out.",
    )

    def init(self):
        # One running run per operation, year and company: a second one would
        # do the same work twice at the same time (a search cannot see a
        # concurrent, uncommitted run).
        self.env.cr.execute(
            SQL(
                "CREATE UNIQUE INDEX IF NOT EXISTS accountancy_job_run_running_uniq"
                " ON accountancy_job_run (operation, year, company_id)"
                " WHERE state = 'running'"
            )
        )

    @api.depends("operation", "year", "file_name")
    def _compute_name(self):
        labels = dict(self._fields["operation"]._description_selection(self.env))
        for run in self:
            if run.operation == IMPORT_OPERATION:
                run.name = self.env._("Import of %(file)s", file=run.file_name or "")
                continue
            run.name = self.env._(
                "%(operation)s %(year)s",
                operation=labels.get(run.operation, ""),
                year=run.year,
            )

    @api.depends("batch_ids.state", "batch_ids.skipped_names")
    def _compute_progress(self):
        for run in self:
            batches = run.batch_ids
            states = batches.mapped("state")
            run.done_count = states.count("done")
            run.failed_count = states.count("failed")
            run.skipped_names = (
                "\n".join(name for name in batches.mapped("skipped_names") if name)
                or False
            )

    # ------------------------------------------------------------------
    # ORM
    # ------------------------------------------------------------------

    def unlink(self):
        # The files of an import's batches are attachments, which PostgreSQL's
        # cascade from the run to its batches would leave behind.
        self.batch_ids.unlink()
        return super().unlink()

    # ------------------------------------------------------------------
    # Starting
    # ------------------------------------------------------------------

    @api.model
    def _accountancy_use_jobs(self, items):
        """Whether an operation on ``items`` (clients, or the rows of a file
        to import) runs in the background."""
        return len(items) > get_param(self.env, JOB_THRESHOLD)

    @api.model
    def _accountancy_running(self, operation, year):
        return (
            self.sudo()
            .search(
                [
                    ("operation", "=", operation),
                    ("year", "=", year),
                    ("company_id", "=", self.env.company.id),
                    ("state", "=", "running"),
                ],
                limit=1,
            )
            .with_env(self.env)
        )

    def _accountancy_refuse_running(self):
        """The message refusing a second run while ``self`` runs."""
        run = self.sudo()
        return UserError(
            self.env._(
                "%(run)s is already running in the background (started by "
                "%(user)s on %(date)s, %(done)s of %(total)s batches done). Wait "
                "until it has ended, then start it again if needed.",
                run=run.name,
                user=run.user_id.name,
                date=format_datetime(self.env, run.create_date, dt_format="short"),
                done=run.done_count,
                total=run.batch_count,
            )
        )

    @api.model
    def _accountancy_start_if_many(self, operation, year, partners):
        """Where a planning wizard's operation runs: for more ``partners``
        than the threshold, start it as a background run and return the
        action that tells so; otherwise return None, for the caller to run it
        at once. Refused either way while such a run is running."""
        if self._accountancy_use_jobs(partners):
            return self._accountancy_start(
                operation, year, partners
            )._accountancy_action_started()
        running = self._accountancy_running(operation, year)
        if running:
            raise running._accountancy_refuse_running()
        return None

    @api.model
    def _accountancy_start(self, operation, year, partners):
        """Start ``operation`` of ``year`` on ``partners`` as background jobs,
        one per batch; return the run. Refused while such a run is running."""
        partners = partners.sorted("id")
        size = get_param(self.env, JOB_BATCH_SIZE)
        chunks = [partners[i : i + size] for i in range(0, len(partners), size)]
        return self._accountancy_start_batches(
            {"operation": operation, "year": year, "partner_count": len(partners)},
            [{"partner_ids": chunk.ids} for chunk in chunks],
        )

    @api.model
    def _accountancy_start_batches(self, vals, batches):
        """Create the run of ``vals`` with a batch for each values of
        ``batches``, in that order, and enqueue their jobs; return the run.
        Refused while a run of the same operation and year is running."""
        running = self._accountancy_running(vals["operation"], vals["year"])
        if running:
            raise running._accountancy_refuse_running()
        try:
            with self.env.cr.savepoint():
                run = self.sudo().create(
                    {
                        **vals,
                        "user_id": self.env.uid,
                        "company_id": self.env.company.id,
                        "batch_count": len(batches),
                        "batch_ids": [
                            fields.Command.create({**batch, "sequence": index})
                            for index, batch in enumerate(batches)
                        ],
                    }
                )
        except Exception as error:
            # A concurrent start of the same run won the unique index.
            if getattr(error, "pgcode", None) == "23505":
                raise UserError(
                    self.env._(
                        "The same operation was started for %(year)s at the same "
                        "moment by someone else: see the background runs.",
                        year=vals["year"],
                    )
                ) from None
            raise
        run.batch_ids._accountancy_enqueue()
        return run.with_env(self.env)

    def _accountancy_action_started(self):
        """The notification telling the user that the run was started."""
        self.ensure_one()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "info",
                "title": self.env._("Started in the background"),
                "message": self.env._(
                    "%(run)s runs in the background for %(clients)s clients in "
                    "%(batches)s batches. You get a message when it has ended; "
                    "the progress is under Background runs.",
                    run=self.name,
                    clients=self.partner_count,
                    batches=self.batch_count,
                ),
                "sticky": False,
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    # ------------------------------------------------------------------
    # Ending
    # ------------------------------------------------------------------

    def _accountancy_end(self):
        """End the run once none of its batches is pending: its state, its
        end date and the message to the user who started it, once."""
        self.ensure_one()
        run = self.sudo()
        states = run.batch_ids.mapped("state")
        if run.state != "running" or "pending" in states:
            return
        run.write(
            {
                "state": "failed" if "failed" in states else "done",
                "date_end": fields.Datetime.now(),
            }
        )
        run._accountancy_notify_end()

    def _accountancy_notify_end(self):
        """Tell the user who started the run that it has ended, in their
        language."""
        run = self.sudo().with_context(lang=self.user_id.lang)
        if run.operation == IMPORT_OPERATION and run.state == "done":
            body = run.env._(
                "%(run)s has ended: all %(rows)s rows are imported.",
                run=run.name,
                rows=run.row_count,
            )
        elif run.operation == IMPORT_OPERATION:
            body = run.env._(
                "%(run)s has stopped at a batch with errors: %(done)s of "
                "%(batches)s batches are imported, the ones after it are not. Open "
                "the run to see the errors by line of the file; correct the data "
                "in Odoo and retry the failed batches, or import the lines not "
                "imported yet from a corrected file.",
                run=run.name,
                done=run.done_count,
                batches=run.batch_count,
            )
        elif run.state == "done":
            body = run.env._(
                "%(run)s has ended: all %(batches)s batches (%(clients)s clients) "
                "are done.",
                run=run.name,
                batches=run.batch_count,
                clients=run.partner_count,
            )
        else:
            body = run.env._(
                "%(run)s has ended with %(failed)s failed batches of %(batches)s: "
                "open the run to see the errors and retry them.",
                run=run.name,
                failed=run.failed_count,
                batches=run.batch_count,
            )
        if run.skipped_names:
            body += "\n" + run.env._(
                "Skipped (archived in the meantime): %(clients)s",
                clients=", ".join(run.skipped_names.splitlines()),
            )
        run.message_notify(
            partner_ids=run.user_id.partner_id.ids,
            subject=run.name,
            body=body,
        )

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_retry(self):
        """Run the failed batches again (the user who started the run, or a
        manager)."""
        check_caller(self, "read")
        for run in self:
            if run.user_id != self.env.user and not self.env.user.has_group(
                "accountancy_crm.group_manager"
            ):
                raise AccessError(
                    self.env._(
                        "Only %(user)s, who started %(run)s, or a manager may "
                        "retry it.",
                        user=run.user_id.name,
                        run=run.name,
                    )
                )
            if run.state != "failed":
                raise UserError(
                    self.env._("%(run)s has no failed batches to retry.", run=run.name)
                )
            running = run.with_company(run.company_id)._accountancy_running(
                run.operation, run.year
            )
            if running:
                raise running._accountancy_refuse_running()
            failed = run.sudo().batch_ids.filtered(lambda b: b.state == "failed")
            failed.write({"state": "pending", "error": False})
            run.sudo().write({"state": "running", "date_end": False})
            failed._accountancy_enqueue()
        return True
