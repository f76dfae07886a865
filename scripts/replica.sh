#!/usr/bin/env bash
# A PostgreSQL streaming replica of the local primary, for the replica tests and the scaled load test.
#
#   scripts/replica.sh start   # base backup of 127.0.0.1:5432 into $REPLICA_DIR, served on :5433
#   scripts/replica.sh stop
#
# The primary must accept replication connections from loopback: when it does not, this adds one
# `host replication` line (trust, 127.0.0.1 only, like the machine's other loopback lines) to its
# pg_hba.conf and reloads it. Run as root (the cluster runs as the postgres user) or as postgres.
set -euo pipefail
PRIMARY_PORT=${PRIMARY_PORT:-5432}
PORT=${REPLICA_PORT:-5433}
DIR=${REPLICA_DIR:-/var/tmp/kokudo-replica}
VERSION=$(ls /usr/lib/postgresql | sort -n | tail -1)
BIN=/usr/lib/postgresql/$VERSION/bin
PSQL=(psql -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -d postgres -qtAX)

as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

stop() {
  if [ -f "$DIR/data/postmaster.pid" ]; then
    as_postgres "$BIN/pg_ctl" -D "$DIR/data" -m fast -w stop >/dev/null
  fi
}

start() {
  if pg_isready -q -h 127.0.0.1 -p "$PORT"; then
    echo "replica: already serving on 127.0.0.1:$PORT"
    return
  fi
  hba=$("${PSQL[@]}" -c "SHOW hba_file")
  if ! grep -Eq '^host[[:space:]]+replication[[:space:]]+all[[:space:]]+127\.0\.0\.1/32' "$hba"; then
    echo "host replication all 127.0.0.1/32 trust" >>"$hba"
    "${PSQL[@]}" -c "SELECT pg_reload_conf()" >/dev/null
  fi
  stop
  rm -rf "$DIR"
  install -d -m 700 "$DIR"
  [ "$(id -u)" = 0 ] && chown postgres:postgres "$DIR"
  # -R writes standby.signal and primary_conninfo: the copy starts as a hot standby that streams.
  as_postgres "$BIN/pg_basebackup" -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -D "$DIR/data" \
    -R -X stream -c fast
  # Debian keeps the primary's configuration outside its data directory: give the copy its own.
  as_postgres sh -c "cat > '$DIR/data/postgresql.conf'" <<CONF
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$DIR'
hot_standby = on
CONF
  as_postgres sh -c "printf 'local all all trust\nhost all all 127.0.0.1/32 trust\n' > '$DIR/data/pg_hba.conf'"
  as_postgres touch "$DIR/data/pg_ident.conf"
  as_postgres "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w start >/dev/null
  in_recovery=$(psql -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -qtAX \
    -c "SELECT pg_is_in_recovery()")
  [ "$in_recovery" = t ] || { echo "replica: not in recovery" >&2; exit 1; }
  echo "replica: streaming from 127.0.0.1:$PRIMARY_PORT, serving on 127.0.0.1:$PORT ($DIR)"
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
