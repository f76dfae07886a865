#!/usr/bin/env bash
# Bounded load test on loopback: gunicorn serves the site (production settings) against the
# benchmark PostgreSQL database, and locust runs 50 clients for 60 seconds, then both stop.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
PORT=${PORT:-8765}
USERS=${USERS:-50}
DURATION=${DURATION:-60s}
export DATABASE_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/kokudo_bench}
export DEBUG=0 ALLOWED_HOSTS=127.0.0.1 SECURE_SSL_REDIRECT=0 SECURE_HSTS_SECONDS=0
export SECRET_KEY=${SECRET_KEY:-$($PY -c 'import secrets; print(secrets.token_urlsafe(50))')}
OUT=${OUT:-loadtest/results}
mkdir -p "$OUT"

$PY manage.py collectstatic --noinput -v0
# Workers share rendered case pages through Redis (REDIS_URL= for one in-memory cache each).
export REDIS_URL=${REDIS_URL-redis://127.0.0.1:6379/1}
.venv/bin/gunicorn kokudo.wsgi -c python:kokudo.gunicorn --bind "127.0.0.1:$PORT" \
  --error-logfile "$OUT/gunicorn.log" &
GUNICORN=$!
trap 'kill $GUNICORN 2>/dev/null; wait $GUNICORN 2>/dev/null || true' EXIT
# The master builds the facet index before it forks the workers: allow it some time.
for _ in $(seq 120); do
  curl -sf -o /dev/null "http://127.0.0.1:$PORT/cases/" && break
  sleep 0.5
done

.venv/bin/locust -f loadtest/locustfile.py --headless --host "http://127.0.0.1:$PORT" \
  --users "$USERS" --spawn-rate "$USERS" --run-time "$DURATION" --stop-timeout 5 \
  --csv "$OUT/locust" --only-summary

$PY - "$OUT/locust_stats.csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8")))
total = next(r for r in rows if r["Name"] == "Aggregated")
print(f"requests: {total['Request Count']}  failures: {total['Failure Count']}  "
      f"rps: {float(total['Requests/s']):.1f}  median: {total['50%']} ms  p95: {total['95%']} ms")
PY
