#!/usr/bin/env bash
# Builds everything `make run` and `make test` need, idempotently:
# Debian packages, PostgreSQL, a virtualenv with Odoo (editable) and the module's
# Python and OCA dependencies, and an addons folder that names the module.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
ODOO_SRC=${ODOO_SRC:-/opt/odoo/18.0}
# The repository root is the module, and Odoo walks a module's folder (e.g. to
# export translations), so the virtualenv and the build folder live outside it.
CACHE=${CACHE:-$HOME/.cache/accountancy_crm}
VENV=${VENV:-$CACHE/venv}
BUILD=${BUILD:-$CACHE/build-$(printf %s "$here" | sha1sum | cut -c1-10)}
PYTHON=${PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3
mkdir -p "$BUILD"

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
# psql as the postgres superuser over the local socket, ignoring the caller's PG* settings.
as_postgres() { as_root runuser -u postgres -- env -u PGHOST -u PGUSER -u PGPASSWORD -u PGPORT "$@"; }

# 1. Odoo's source (outside the repository).
if [ ! -f "$ODOO_SRC/odoo-bin" ]; then
    echo "Odoo 18.0 not found at $ODOO_SRC: cloning branch 18.0 shallowly"
    as_root mkdir -p "$(dirname "$ODOO_SRC")"
    as_root git clone --depth 1 --branch 18.0 https://github.com/odoo/odoo.git "$ODOO_SRC"
fi

# 2. Debian packages.
debs="postgresql postgresql-contrib wkhtmltopdf chromium gettext libldap2-dev libsasl2-dev libpq-dev build-essential"
missing=""
for p in $debs; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
if [ -n "$missing" ]; then
    echo "Installing Debian packages:$missing"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >"$BUILD/apt.log" 2>&1 \
        || { tail -20 "$BUILD/apt.log"; exit 1; }
fi

# 3. Python environment; a stamp keyed on the requirement files skips it when nothing changed.
stamp_key=$(cat "$ODOO_SRC/requirements.txt" "$here/requirements.txt" "$here/requirements-dev.txt" "$0" | sha1sum | cut -c1-12)
if [ ! -f "$VENV/.stamp-$stamp_key" ]; then
    [ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
    # Some of Odoo's pinned sdists still import pkg_resources in setup.py.
    echo "setuptools<70" > "$BUILD/constraints.txt"
    export PIP_CONSTRAINT=$BUILD/constraints.txt PIP_DISABLE_PIP_VERSION_CHECK=1
    "$VENV/bin/pip" install -q "setuptools<70" wheel
    "$VENV/bin/pip" install -q -r "$ODOO_SRC/requirements.txt"
    "$VENV/bin/pip" install -q -e "$ODOO_SRC"
    "$VENV/bin/pip" install -q -r "$here/requirements.txt" -r "$here/requirements-dev.txt"
    rm -f "$VENV"/.stamp-*
    touch "$VENV/.stamp-$stamp_key"
fi

# 4. The repository root is the module; Odoo finds it by its folder name.
mkdir -p "$BUILD/addons"
ln -sfn "$here" "$BUILD/addons/accountancy_crm"

# 5. PostgreSQL: start a local cluster when none answers, and a role for Odoo.
PGHOST=${PGHOST:-127.0.0.1}
if ! pg_isready -q -h "$PGHOST"; then
    cluster=$(pg_lsclusters -h | awk 'NR==1 {print $1" "$2}')
    if [ -z "$cluster" ]; then as_root pg_createcluster 15 main; cluster="15 main"; fi
    as_root pg_ctlcluster $cluster start
    for _ in $(seq 30); do pg_isready -q -h "$PGHOST" && break; sleep 1; done
fi
DB_USER=${DB_USER:-odoo}
if ! as_postgres psql -tAc "SELECT 1 FROM pg_roles WHERE rolname='$DB_USER'" | grep -q 1; then
    as_postgres psql -qc "CREATE ROLE $DB_USER LOGIN SUPERUSER PASSWORD '${DB_PASSWORD:-odoo}'"
fi

# 6. The websocket process of a multi-worker server (gevent) loads its plug-ins
# with pkg_resources, which (setuptools < 70) does not find distributions
# whose dist-info folder has the normalised name (zope_interface-*.dist-info):
# the process would die at start and be started again in a loop. A copy of
# their metadata under the dotted name, on the PYTHONPATH of make serve, lets
# pkg_resources find them. Brought up to date each time (it follows the
# virtualenv), in place: a running server may read it at any moment.
purelib=$("$VENV/bin/python" -c "import sysconfig; print(sysconfig.get_paths()['purelib'])")
mkdir -p "$BUILD/pkg_metadata"
for d in "$purelib"/zope_*.dist-info; do
    [ -d "$d" ] || continue
    name=$(basename "$d" | sed 's/^zope_/zope./')
    mkdir -p "$BUILD/pkg_metadata/$name"
    cp -p "$d/METADATA" "$BUILD/pkg_metadata/$name/"
done
for d in "$BUILD"/pkg_metadata/zope.*.dist-info; do
    [ -d "$d" ] || continue
    [ -d "$purelib/$(basename "$d" | sed 's/^zope\./zope_/')" ] || rm -rf "$d"
done

# 7. Odoo configuration used by run, test and bench.
site_addons=$("$VENV/bin/python" -c "import odoo.addons, os; print(','.join(p for p in odoo.addons.__path__ if 'site-packages' in p))")
cat > "$BUILD/odoo.conf" <<CONF
[options]
addons_path = $BUILD/addons,$ODOO_SRC/addons,$ODOO_SRC/odoo/addons${site_addons:+,$site_addons}
data_dir = $BUILD/data
db_host = $PGHOST
db_port = ${PGPORT:-5432}
db_user = $DB_USER
db_password = ${DB_PASSWORD:-odoo}
admin_passwd = admin
http_interface = ${HTTP_INTERFACE:-127.0.0.1}
http_port = ${HTTP_PORT:-8069}
without_demo = False
# queue_job's job runner runs inside every server started with this file.
server_wide_modules = base,web,queue_job

[queue_job]
channels = ${QUEUE_JOB_CHANNELS:-root:2}
CONF
