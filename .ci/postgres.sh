# A throw-away PostgreSQL server on loopback for the test suite (sourced by .ci/run; usable by hand too):
#   source .ci/postgres.sh && start_postgres && DATABASE_URL="$POSTGRES_URL" make test; stop_postgres
PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
PG_PORT=${PG_PORT:-54329}
PG_DIR=${PG_DIR:-$(mktemp -d /tmp/conference-pg.XXXXXX)}
POSTGRES_URL="postgresql://postgres@127.0.0.1:${PG_PORT}/postgres"

as_postgres() {
  # PostgreSQL refuses to run as root: use the postgres account when we are root.
  if [ "$(id -u)" = 0 ]; then su postgres -s /bin/sh -c "$*"; else sh -c "$*"; fi
}

start_postgres() {
  [ -x "$PG_BIN/initdb" ] || { echo "PostgreSQL not found: apt-get install postgresql" >&2; return 1; }
  mkdir -p "$PG_DIR"  # a PG_DIR given by hand may not exist yet
  [ "$(id -u)" = 0 ] && chown postgres "$PG_DIR"
  as_postgres "$PG_BIN/initdb -D $PG_DIR/data -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null"
  as_postgres "$PG_BIN/pg_ctl -D $PG_DIR/data -l $PG_DIR/log -w -o '-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off' start >/dev/null"
  echo "PostgreSQL on 127.0.0.1:$PG_PORT ($PG_DIR)"
}

stop_postgres() {
  as_postgres "$PG_BIN/pg_ctl -D $PG_DIR/data -m fast stop >/dev/null" || true
  rm -rf "$PG_DIR"
}
