"""queue_job's test helpers, importable on every Odoo 18.0 source.

queue_job (from 18.0.3.1.3 on) registers its method patcher in
``odoo.tests.common.SETATTR_SOURCES``, a table that Odoo 18.0 sources from
before that table was added do not have; importing its helpers there fails.
On such a source an empty table is what it would hold (nothing checks patched
methods yet), so one is added; on a newer source this does nothing."""

import odoo.tests.common as odoo_tests_common

if not hasattr(odoo_tests_common, "SETATTR_SOURCES"):
    odoo_tests_common.SETATTR_SOURCES = {}

from odoo.addons.queue_job.job import Job
from odoo.addons.queue_job.jobrunner.runner import Database
from odoo.addons.queue_job.tests.common import trap_jobs

__all__ = ["Database", "Job", "perform_all_jobs", "trap_jobs"]


def perform_all_jobs(trap):
    """Perform the trapped jobs and the jobs they enqueue, as queue_job's
    runner would, until none is left."""
    while trap.enqueued_jobs:
        trap.perform_enqueued_jobs()
