"""pytest plugin (loaded by `make test` with -p): a browser test that is skipped
(no Chromium, no HTTP server) must fail the run rather than pass silently.

It lives outside tests/ because pytest loads a conftest there before
pytest-odoo can map the module onto odoo.addons."""

import pytest

from odoo.tests import HttpCase


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    cls = getattr(item, "cls", None)
    if report.skipped and cls is not None and issubclass(cls, HttpCase):
        report.outcome = "failed"
        report.longrepr = f"Skipped browser test counts as failed: {report.longrepr}"
