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
# PostgreSQL: PGHOST/PGPORT, and the role Odoo connects as (DB_USER, DB_PASSWORD;
# tools/setup_env.sh creates it and writes it into odoo.conf). psql, createdb
# and dropdb here connect as that same role, whatever PGUSER the caller has.
export PGHOST ?= 127.0.0.1
export DB_USER ?= odoo
export DB_PASSWORD ?= odoo
export PGUSER := $(DB_USER)
export PGPASSWORD := $(DB_PASSWORD)

PYTEST_DB = $(TEST_DB)
# pytest runs from the addons folder so that the module is imported as
# odoo.addons.accountancy_crm whatever this clone's folder is called.
PYTEST = cd $(BUILD)/addons && PYTHONPATH=$(CURDIR)/tools $(VENV)/bin/pytest \
	-p pytest_http_required -p no:cacheprovider --rootdir=. \
	--odoo-config=$(CONF) --odoo-database=$(PYTEST_DB) --odoo-http

.PHONY: setup run test test-odoo test-native pytest lint bench seed-firm i18n screenshots clean

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
		&& $(VENV)/bin/python tools/demo_company.py $(CONF) $(DB) $(UI_LANG) pipeline \
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

# The module's tests under Odoo's own runner, as OCA's CI, runbot and Odoo.sh
# run them: a fresh database, odoo-bin -i with --test-enable (this module's
# tests only, at_install and post_install). Fails on a non-zero exit, on any
# ERROR or CRITICAL line of the log (Odoo logs failing tests as ERROR ... FAIL)
# or when no test ran. The log stays in $(BUILD)/test-native.log.
TEST_NATIVE_DB ?= $(TEST_DB)_native
test-native: setup
	dropdb --if-exists $(TEST_NATIVE_DB)
	@log=$(BUILD)/test-native.log; start=$$(date +%s); \
	echo "odoo-bin -i $(MODULE) --test-enable on $(TEST_NATIVE_DB), log in $$log"; \
	$(ODOO) -d $(TEST_NATIVE_DB) -i $(MODULE) --test-enable --test-tags=/$(MODULE) \
		--stop-after-init --log-level=info > $$log 2>&1; rc=$$?; \
	grep -E '^[0-9-]+ [0-9:,]+ [0-9]+ (ERROR|CRITICAL) ' $$log; \
	grep -E ' (post-)?tests in [0-9.]+s|when loading database' $$log; \
	echo "test-native: exit $$rc in $$(( $$(date +%s) - start )) s"; \
	[ $$rc -eq 0 ] || exit 1; \
	! grep -qE '^[0-9-]+ [0-9:,]+ [0-9]+ (ERROR|CRITICAL) ' $$log || exit 1; \
	grep -qE '[1-9][0-9]* post-tests in' $$log || { echo "no test ran"; exit 1; }
	dropdb $(TEST_NATIVE_DB)

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

# A production-like server of $(DB) (see docs/production.md): multi-worker
# (WORKERS, default 2 x cores + 1), one cron thread, Odoo's default time and
# memory limits, proxy_mode (it runs behind a reverse proxy), the websocket on
# GEVENT_PORT, and queue_job's job runner (a process of its own), which calls
# the jobs on this node's HTTP port. Other Odoo options: SERVE_ARGS="...".
WORKERS ?= $(shell echo $$((2 * $$(nproc) + 1)))
SERVE_PORT ?= 8069
GEVENT_PORT ?= 8072
SERVE_ARGS ?=
# The websocket process (gevent) finds zope.interface and zope.event through
# the copy of their metadata that tools/setup_env.sh (make setup) makes in
# PKG_METADATA, on its PYTHONPATH (see there why).
PKG_METADATA := $(BUILD)/pkg_metadata
SERVE_CMD = PYTHONPATH=$(PKG_METADATA) ODOO_QUEUE_JOB_HOST=127.0.0.1 ODOO_QUEUE_JOB_PORT=$(SERVE_PORT) \
	$(ODOO) -d $(DB) --db-filter='^$(DB)$$' --load=base,web,queue_job \
	--workers=$(WORKERS) --max-cron-threads=1 --proxy-mode \
	--http-port=$(SERVE_PORT) --gevent-port=$(GEVENT_PORT) $(SERVE_ARGS)
.PHONY: serve serve-only loadtest two-nodes pkg-metadata
# Made by make setup; kept as a name for the targets that list it.
pkg-metadata: setup
serve: setup
	@if ! psql -lqt | cut -d'|' -f1 | grep -qw "$(DB)"; then \
		echo "Creating database $(DB) with $(MODULE) and demo data"; \
		$(ODOO) -d $(DB) -i $(MODULE) --stop-after-init --log-level=warn; \
	fi
	$(SERVE_CMD)

# Locust, headless, against a production-like server on a generated firm
# (make seed-firm), e.g. make loadtest LOAD_DB=firm_large USERS=25 WORKERS=4.
# Starts its own server on SERVE_PORT (or uses LOAD_URL when given); the
# reports go to $(BUILD)/loadtest. Locust has a virtualenv of its own: it
# needs newer Werkzeug and gevent than Odoo 18.
LOCUST_VENV ?= $(CACHE)/locust-venv
LOAD_DB ?= firm_small
USERS ?= 10
DURATION ?= 90
LOAD_URL ?=
loadtest: setup pkg-metadata
	@[ -x $(LOCUST_VENV)/bin/locust ] || { python3 -m venv $(LOCUST_VENV) && \
		$(LOCUST_VENV)/bin/pip install -q -r tools/loadtest/requirements.txt; }
	$(VENV)/bin/python tools/loadtest/run.py --conf $(CONF) --db $(LOAD_DB) \
		--users $(USERS) --duration $(DURATION) --workers $(WORKERS) \
		--locust $(LOCUST_VENV)/bin/locust --out $(BUILD)/loadtest \
		--serve-cmd "$(MAKE) --no-print-directory -s serve-only DB=$(LOAD_DB) WORKERS=$(WORKERS) SERVE_PORT=$(SERVE_PORT) GEVENT_PORT=$(GEVENT_PORT)" \
		--port $(SERVE_PORT) $(if $(LOAD_URL),--url $(LOAD_URL))

# The server of make serve without creating the database (for the tools).
serve-only:
	$(SERVE_CMD)

# Two production-like nodes on one database at once, each with cron and job
# runner: every queued relation change reaches a loopback receiver exactly
# once and every queued job runs exactly once (tools/two_nodes.py asserts it).
TWO_NODES_DB ?= $(TEST_DB)_two_nodes
two-nodes: setup
	dropdb --if-exists $(TWO_NODES_DB)
	createdb -T $(TEST_DB) $(TWO_NODES_DB)
	$(VENV)/bin/python tools/two_nodes.py --conf $(CONF) --db $(TWO_NODES_DB) \
		--serve-cmd "$(MAKE) --no-print-directory -s serve-only DB=$(TWO_NODES_DB) WORKERS=2" \
		--ports $(SERVE_PORT),$(shell echo $$(($(SERVE_PORT) + 1))) \
		--gevent-ports $(GEVENT_PORT),$(shell echo $$(($(GEVENT_PORT) + 1)))
	dropdb $(TWO_NODES_DB)
