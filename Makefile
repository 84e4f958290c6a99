# The two commands of accountancy_crm: `make run` and `make test` (plus lint and bench).
SHELL := /bin/bash
export ODOO_SRC ?= /opt/odoo/18.0
DB ?= accountancy
TEST_DB ?= accountancy_test
BENCH_DB ?= accountancy_bench
# The virtualenv and build folder (Odoo config, addons link, filestore) live
# outside the repository, which is the module itself.
export CACHE ?= $(HOME)/.cache/accountancy_crm
export VENV ?= $(CACHE)/venv
export BUILD ?= $(CACHE)/build-$(shell printf %s "$(CURDIR)" | sha1sum | cut -c1-10)
CONF := $(BUILD)/odoo.conf
ODOO := $(VENV)/bin/python $(ODOO_SRC)/odoo-bin -c $(CONF)
MODULE := accountancy_crm
export PGHOST := 127.0.0.1
export PGUSER := odoo
export PGPASSWORD := odoo

PYTEST_DB = $(TEST_DB)
# pytest runs from the addons folder so that the module is imported as
# odoo.addons.accountancy_crm whatever this clone's folder is called.
PYTEST = cd $(BUILD)/addons && PYTHONPATH=$(CURDIR)/tools $(VENV)/bin/pytest \
	-p pytest_http_required -p no:cacheprovider --rootdir=. \
	--odoo-config=$(CONF) --odoo-database=$(PYTEST_DB) --odoo-http

.PHONY: setup run test test-odoo pytest lint bench seed-firm i18n screenshots clean

setup:
	@bash tools/setup_env.sh

# The demo database: a Dutch accountancy firm (company in the Netherlands,
# euro, Dutch chart of accounts) with the administrator in UI_LANG. The country
# and currency are set after base and before the accounting is installed (see
# tools/demo_company.py); UI_LANG only applies when the database is created.
UI_LANG ?= nl_NL
define create_demo_db
	@if ! psql -lqt | cut -d'|' -f1 | grep -qw "$(DB)"; then \
		echo "Creating database $(DB) with $(MODULE) and demo data ($(UI_LANG))"; \
		$(ODOO) -d $(DB) -i base --stop-after-init --log-level=warn \
			$(if $(filter-out en_US,$(UI_LANG)),--load-language=$(UI_LANG)) \
		&& $(VENV)/bin/python tools/demo_company.py $(CONF) $(DB) $(UI_LANG) \
		&& $(ODOO) -d $(DB) -i $(MODULE) --stop-after-init --log-level=warn \
		|| { echo "Creating $(DB) failed: drop it (dropdb $(DB)) and run again"; exit 1; }; \
	fi
endef

# Serve the web client on http://localhost:8069 (admin / admin) with the demo
# database, in Dutch; make run UI_LANG=en_US keeps English.
run: setup
	$(create_demo_db)
	$(ODOO) -d $(DB) --http-interface=0.0.0.0

# Fresh database, module installed with demo data, every test (browser tours
# included), then upgrade and uninstall of the module.
test: setup
	dropdb --if-exists $(TEST_DB)
	$(ODOO) -d $(TEST_DB) -i $(MODULE) --stop-after-init --log-level=warn
	$(PYTEST) $(MODULE)/tests $(PYTEST_ARGS)
	$(ODOO) -d $(TEST_DB) -u $(MODULE) --stop-after-init --log-level=warn
	@# The uninstall check runs on a copy: $(TEST_DB) stays for make pytest.
	dropdb --if-exists $(TEST_DB)_lifecycle
	createdb -T $(TEST_DB) $(TEST_DB)_lifecycle
	$(VENV)/bin/python tools/lifecycle_check.py $(CONF) $(TEST_DB)_lifecycle
	dropdb $(TEST_DB)_lifecycle

# Odoo's own test suites of the modules the add-on extends, on a fresh database
# with the module and demo data (as Odoo's test runner has), with pytest-odoo.
# Fails on any failure not in tools/test_odoo_known_failures.txt (the tests
# that fail in this environment without the module too); see
# tools/pytest_odoo_suites.py. Its own database: TEST_DB stays for make pytest.
ODOO_SUITES ?= crm sale_crm sale_project project contacts base_vat calendar partner_multi_relation
TEST_ODOO_DB ?= $(TEST_DB)_odoo
test-odoo: PYTEST_DB = $(TEST_ODOO_DB)
test-odoo: setup
	dropdb --if-exists $(TEST_ODOO_DB)
	$(ODOO) -d $(TEST_ODOO_DB) -i $(MODULE) --stop-after-init --log-level=warn
	@addons=$$(sed -n 's/^addons_path *= *//p' $(CONF) | tr , ' '); \
	paths=""; for m in $(ODOO_SUITES); do \
		found=""; for d in $$addons; do \
			if [ -d "$$d/$$m/tests" ]; then found="$$d/$$m/tests"; break; fi; \
		done; \
		[ -n "$$found" ] || { echo "No tests of $$m in the addons path"; exit 1; }; \
		paths="$$paths $$found"; \
	done; \
	set -x; $(PYTEST) -p pytest_odoo_suites \
		--odoo-known-failures=$(CURDIR)/tools/test_odoo_known_failures.txt \
		-q -rfE $$paths $(PYTEST_ARGS)

# Run (some) tests again on the existing test database, e.g.
# make pytest PYTEST_ARGS="-k fiscal", or only some files:
# make pytest TESTS="accountancy_crm/tests/test_capacity.py"
TESTS ?= $(MODULE)/tests
pytest: setup
	$(PYTEST) $(TESTS) $(PYTEST_ARGS)

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	cd $(BUILD)/addons && $(VENV)/bin/pylint --rcfile=$(CURDIR)/.pylintrc-mandatory $(MODULE)

# Time and query counts of the module's hot paths on their own database; on a
# generated firm (make seed-firm) also the read paths on its data, e.g.
# make bench BENCH_DB=firm_large BENCH_ARGS=--firm-only
bench: setup
	@if ! psql -lqt | cut -d'|' -f1 | grep -qw "$(BENCH_DB)"; then \
		$(ODOO) -d $(BENCH_DB) -i $(MODULE) --stop-after-init --log-level=warn --without-demo=all; \
	else \
		$(ODOO) -d $(BENCH_DB) -u $(MODULE) --stop-after-init --log-level=warn; \
	fi
	$(VENV)/bin/python tools/bench.py $(CONF) $(BENCH_DB) $(BENCH_ARGS)

# A generated firm for the benchmarks: make seed-firm SIZE=small|large [DB=...]
# (large: 6,000 clients, 30,000 invoices; about half an hour on 2 cores).
SIZE ?= small
seed-firm: setup
	@db="$(if $(filter command line,$(origin DB)),$(DB),firm_$(SIZE))"; \
	if ! psql -lqt | cut -d'|' -f1 | grep -qw "$$db"; then \
		$(ODOO) -d $$db -i $(MODULE) --stop-after-init --log-level=warn --without-demo=all || exit 1; \
	fi; \
	$(VENV)/bin/python tools/seed_firm.py $(CONF) $$db $(SIZE)

# Regenerate the translation template from the test database and merge it into nl.po.
i18n: setup
	$(ODOO) -d $(TEST_DB) --i18n-export=$(CURDIR)/i18n/$(MODULE).pot --modules=$(MODULE) --stop-after-init --log-level=warn
	msgmerge --quiet --update --no-fuzzy-matching --backup=none i18n/nl.po i18n/$(MODULE).pot

# README screenshots (static/description/*.png) of the demo database, taken in
# Dutch with headless Chromium on a server of their own (not port 8069).
screenshots: setup
	$(create_demo_db)
	$(VENV)/bin/python tools/screenshots.py $(CONF) $(DB)

clean:
	rm -rf $(BUILD)
