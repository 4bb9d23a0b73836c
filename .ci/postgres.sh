#!/usr/bin/env bash
# Install (from Debian packages, when missing) and start PostgreSQL 15 with PostGIS 3 on
# 127.0.0.1 for the server-store tests; print the URL the tests use. Needs root.
set -euo pipefail
if [ ! -x /usr/lib/postgresql/15/bin/postgres ] || \
   [ ! -f /usr/share/postgresql/15/extension/postgis.control ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq postgresql-15 postgresql-15-postgis-3 >&2
fi
if ! pg_lsclusters -h | grep -q '^15 *main'; then
  pg_createcluster 15 main >&2
fi
pg_ctlcluster 15 main start >&2 2>/dev/null || true
for _ in $(seq 1 30); do
  pg_isready -q -h 127.0.0.1 -p 5432 && break
  sleep 1
done
su postgres -c "psql -q -v ON_ERROR_STOP=1" >&2 <<'SQL'
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'geo_era_test') THEN
    CREATE ROLE geo_era_test LOGIN SUPERUSER PASSWORD 'geo_era_test';
  END IF;
END $$;
SQL
echo "postgresql+psycopg://geo_era_test:geo_era_test@127.0.0.1:5432/postgres"
