#!/usr/bin/env bash
# Starts the loopback PostgreSQL (127.0.0.1:5432) and Redis (127.0.0.1:6379) that the tests use,
# if they are not already answering, and waits until both do. Idempotent: `make test` runs it
# every time. A service whose TEST_DATABASE_URL / TEST_VALKEY_URL points elsewhere is left alone.
set -euo pipefail

pg_up() { pg_isready -q -h 127.0.0.1 -p 5432; }
redis_up() { [ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" = "PONG" ]; }

# wait_for NAME CHECK: poll CHECK for up to 30 s.
wait_for() {
  local name=$1 check=$2
  for _ in $(seq 1 60); do
    if "$check"; then return 0; fi
    sleep 0.5
  done
  echo "services: $name is not answering after 30 s" >&2
  return 1
}

if [ -z "${TEST_DATABASE_URL:-}" ]; then
  if ! pg_up; then
    if ! command -v pg_ctlcluster >/dev/null; then
      echo "services: PostgreSQL is not answering on 127.0.0.1:5432 and pg_ctlcluster is not installed;" \
        "start one (docker compose up -d) or set TEST_DATABASE_URL" >&2
      exit 1
    fi
    echo "services: starting PostgreSQL"
    # shellcheck disable=SC2046 # one cluster version directory is expected
    pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start
  fi
  wait_for PostgreSQL pg_up
fi

if [ -z "${TEST_VALKEY_URL:-}" ]; then
  if ! redis_up; then
    if ! command -v redis-server >/dev/null; then
      echo "services: Redis is not answering on 127.0.0.1:6379 and redis-server is not installed;" \
        "start one (docker compose up -d) or set TEST_VALKEY_URL" >&2
      exit 1
    fi
    echo "services: starting Redis"
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no
  fi
  wait_for Redis redis_up
fi
