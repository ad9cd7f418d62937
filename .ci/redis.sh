# A throw-away Redis server on loopback for the test suite (sourced by .ci/run; usable by hand too):
#   source .ci/redis.sh && start_redis && REDIS_URL="$REDIS_BASE_URL/2" make test; stop_redis
# Nothing is written to disk (no RDB snapshots, no append-only file); the pidfile and log live in REDIS_DIR.
REDIS_PORT=${REDIS_PORT:-63790}
REDIS_DIR=${REDIS_DIR:-$(mktemp -d /tmp/conference-redis.XXXXXX)}
REDIS_BASE_URL="redis://127.0.0.1:${REDIS_PORT}"

start_redis() {
  command -v redis-server >/dev/null || { echo "Redis not found: apt-get install redis-server" >&2; return 1; }
  if redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping >/dev/null 2>&1; then
    echo "Port $REDIS_PORT already has a Redis server: stop it or pick another REDIS_PORT" >&2; return 1
  fi
  mkdir -p "$REDIS_DIR"  # a REDIS_DIR given by hand may not exist yet
  redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save '' --appendonly no --daemonize yes \
    --dir "$REDIS_DIR" --pidfile "$REDIS_DIR/redis.pid" --logfile "$REDIS_DIR/log" || return 1
  local i
  for i in $(seq 50); do  # up to 5 s
    redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping >/dev/null 2>&1 && [ -s "$REDIS_DIR/redis.pid" ] && {
      echo "Redis on 127.0.0.1:$REDIS_PORT (pid $(cat "$REDIS_DIR/redis.pid"), $REDIS_DIR)"; return 0; }
    sleep 0.1
  done
  echo "Redis did not start on 127.0.0.1:$REDIS_PORT:" >&2; cat "$REDIS_DIR/log" >&2 2>/dev/null; return 1
}

stop_redis() {
  local pid i
  pid=$(cat "$REDIS_DIR/redis.pid" 2>/dev/null) || pid=
  if [ -n "$pid" ] && kill "$pid" 2>/dev/null; then
    for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done  # up to 5 s for a clean exit
  fi
  rm -rf "$REDIS_DIR"
}
