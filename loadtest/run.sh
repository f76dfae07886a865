#!/usr/bin/env bash
# Bounded load test on loopback; prints one table. Each URL gets `wrk -t1 -c16 -d10s`, one after the
# other, against gunicorn as the README serves it (production settings, Redis as the shared cache).
#
#   loadtest/run.sh                 # one gunicorn, clients straight to it
#   FRONT=nginx loadtest/run.sh     # nginx in front as a caching reverse proxy (deploy/nginx.conf's
#                                   # caching, on loopback)
#   APPS=2 FRONT=nginx REPLICA_DATABASE_URL=postgres://postgres@127.0.0.1:5433/kokudo_bench \
#     loadtest/run.sh               # two gunicorn instances, round-robin, reads from the replica
#
# wrk (Debian's package), not locust: wrk is one C thread that needs a fraction of a core, where
# locust's Python clients took one of this machine's two cores from the server they measured.
# The static file's rate is the stack's own ceiling on this machine: each URL is reported as a
# share of it, which compares across machines better than requests per second.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
FRONT=${FRONT:-direct}
APPS=${APPS:-1}
CONNECTIONS=${CONNECTIONS:-16}
DURATION=${DURATION:-10s}
BASE_PORT=${PORT:-8765}
FRONT_PORT=${FRONT_PORT:-8780}
OUT=${OUT:-loadtest/results}
export DATABASE_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/kokudo_bench}
export DEBUG=0 ALLOWED_HOSTS=127.0.0.1,localhost SECURE_SSL_REDIRECT=0 SECURE_HSTS_SECONDS=0
export SECRET_KEY=${SECRET_KEY:-$($PY -c 'import secrets; print(secrets.token_urlsafe(50))')}
export REDIS_URL=${REDIS_URL-redis://127.0.0.1:6379/1}
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
mkdir -p "$OUT"
$PY manage.py collectstatic --noinput -v0

PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT

wait_for() {  # the master builds the facet index before it forks: allow it time
  for _ in $(seq 600); do
    curl -sf -o /dev/null "$1" && return
    sleep 0.5
  done
  echo "no answer from $1" >&2
  exit 1
}

UPSTREAMS=""
for i in $(seq "$APPS"); do
  port=$((BASE_PORT + i - 1))
  .venv/bin/gunicorn kokudo.wsgi -c python:kokudo.gunicorn --bind "127.0.0.1:$port" \
    --error-logfile "$OUT/gunicorn-$i.log" &
  PIDS+=($!)
  UPSTREAMS+="server 127.0.0.1:$port;"
done
for i in $(seq "$APPS"); do wait_for "http://127.0.0.1:$((BASE_PORT + i - 1))/cases/"; done

TARGET="http://127.0.0.1:$BASE_PORT"
if [ "$FRONT" = nginx ] || [ "$APPS" -gt 1 ]; then
  command -v nginx >/dev/null || { echo "nginx is missing: apt-get install nginx" >&2; exit 1; }
  prefix=$(mktemp -d)
  mkdir -p "$prefix/logs" "$prefix/cache"
  CACHE=kokudo  # the cache zone's name, or off: round-robin only
  [ "$FRONT" = nginx ] || CACHE=off
  sed -e "s|@UPSTREAMS@|$UPSTREAMS|" -e "s|@PORT@|$FRONT_PORT|" -e "s|@PREFIX@|$prefix|" \
    -e "s|@CACHE@|$CACHE|" loadtest/nginx.conf.template >"$prefix/nginx.conf"
  nginx -p "$prefix" -c "$prefix/nginx.conf" -g "daemon off;" &
  PIDS+=($!)
  TARGET="http://127.0.0.1:$FRONT_PORT"
  wait_for "$TARGET/cases/"
fi

# A case that exists in every database the bench uses (curated).
CASE_SLUG=${CASE_SLUG:-ina-city}
URLS=(
  "/static/css/kokudo.css"
  "/cases/$CASE_SLUG/"
  "/cases/"
  "/cases/?theme=transport-redesign&region=chubu"
  "/cases/?q=%E4%BA%A4%E9%80%9A"
  "/cases/?theme=transport-redesign&format=json"
)
LABELS=(
  "a static CSS file (the stack's own limit)"
  "a case page (cached)"
  "/cases/"
  "/cases/?theme=transport-redesign&region=chubu"
  "/cases/?q=交通"
  "/cases/?theme=transport-redesign&format=json"
)
: >"$OUT/wrk.txt"
for i in "${!URLS[@]}"; do
  curl -sf -o /dev/null "$TARGET${URLS[$i]}"  # warm: the first request of a page is not the load
  echo "== ${LABELS[$i]}" >>"$OUT/wrk.txt"
  wrk -t1 -c"$CONNECTIONS" -d"$DURATION" --timeout 2s --latency "$TARGET${URLS[$i]}" \
    >>"$OUT/wrk.txt"
done

echo "front: $FRONT, app servers: $APPS, replica: ${REPLICA_DATABASE_URL:-none}, $CONNECTIONS connections, $DURATION per URL"
$PY loadtest/report.py "$OUT/wrk.txt"
