"""pytest plugin for `make test-odoo` (loaded with -p): Odoo's own test suites
run with pytest-odoo on a database with the module, judged against a list of
tests that fail in this environment without the module too.

- Only the tests Odoo's own runner runs by default are collected: those tagged
  `standard` (`@tagged('-standard', ...)` tests need a network, a mobile
  browser or other set-ups Odoo does not run by default).
- A test that fails (or errors) and is not on the list fails the run; the
  listed ones are reported but do not. A listed test that passes is reported
  as passed, so that the list is kept short.

Test ids: `<addon>.tests.<file>::<class>::<test>`, e.g.
`crm.tests.test_crm_ui::TestUi::test_01_crm_tour`. The list file has one id a
line followed by `# why it fails without the module too`; blank lines and
lines starting with # are ignored.
"""

import pytest

KNOWN_OPTION = "--odoo-known-failures"


def pytest_addoption(parser):
    parser.addoption(
        KNOWN_OPTION,
        action="store",
        default=None,
        help="File of test ids that also fail without the module.",
    )


def test_id(item):
    module = getattr(item, "module", None)
    name = module.__name__ if module else item.nodeid.split("::", 1)[0]
    name = name.removeprefix("odoo.addons.")
    return "::".join([name, *item.nodeid.split("::")[1:]])


def read_known(path):
    known = {}
    with open(path, encoding="utf-8") as file:
        for number, line in enumerate(file, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            ident, _sep, reason = line.partition("#")
            if not reason.strip():
                raise pytest.UsageError(
                    f"{path}:{number}: say after a # why {ident.strip()} fails "
                    "without the module too."
                )
            known[ident.strip()] = reason.strip()
    return known


class OdooSuites:
    def __init__(self, config):
        self.config = config
        path = config.getoption(KNOWN_OPTION)
        self.known = read_known(path) if path else {}
        self.ids = {}
        self.failed = {}
        self.passed = set()

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, session, config, items):
        selected, deselected = [], []
        for item in items:
            cls = getattr(item, "cls", None)
            tags = getattr(cls, "test_tags", None) or {"standard"}
            (selected if "standard" in tags else deselected).append(item)
            self.ids[item.nodeid] = test_id(item)
        if deselected:
            config.hook.pytest_deselected(items=deselected)
            items[:] = selected

    def pytest_runtest_logreport(self, report):
        ident = self.ids.get(report.nodeid, report.nodeid)
        if report.failed:
            self.failed.setdefault(ident, report.when)
        elif report.when == "call" and report.passed:
            self.passed.add(ident)

    def pytest_terminal_summary(self, terminalreporter):
        write = terminalreporter.write_line
        known = sorted(ident for ident in self.failed if ident in self.known)
        unexpected = sorted(ident for ident in self.failed if ident not in self.known)
        fixed = sorted(
            ident
            for ident in self.known
            if ident in self.passed and ident not in self.failed
        )
        terminalreporter.section("Odoo's suites against the known failures")
        write(f"{len(known)} known failures (they fail without the module too)")
        for ident in fixed:
            write(f"Listed but passed (flaky, or fixed: remove it): {ident}")
        for ident in unexpected:
            write(f"NEW FAILURE ({self.failed[ident]}): {ident}")
        if not unexpected:
            write("No failure beyond the known ones.")

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session, exitstatus):
        if exitstatus != pytest.ExitCode.TESTS_FAILED:
            return
        if all(ident in self.known for ident in self.failed):
            session.exitstatus = pytest.ExitCode.OK


def pytest_configure(config):
    config.pluginmanager.register(OdooSuites(config), "odoo_suites")
