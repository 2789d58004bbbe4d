#!/usr/bin/env bash
# A PostgreSQL cluster of the tests' own, on loopback, in a directory of its own:
#   postgres_cluster.sh start DIR   initdb + pg_ctl start; writes DIR/cluster.env for the tests
#   postgres_cluster.sh stop DIR    pg_ctl stop, then removes DIR
# The server refuses to run as root, so as root the cluster belongs to 'nobody'. Logins need the
# superuser 'supctl' and its random password (scram-sha-256), which only cluster.env holds.
set -euo pipefail

action=${1:?start or stop}
dir=${2:?the cluster directory}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
  echo "postgres_cluster: no PostgreSQL server under /usr/lib/postgresql (scripts/setup installs it)" >&2
  exit 1
fi

as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u nobody -- "$@"; else "$@"; fi
}

stop() {
  if [ -f "$dir/data/postmaster.pid" ]; then
    as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
}

case $action in
  start)
    stop
    rm -rf "$dir"
    mkdir -p "$dir"
    password=$(od -An -tx1 -N 24 /dev/urandom | tr -d ' \n')
    printf '%s\n' "$password" > "$dir/pwfile"
    [ "$(id -u)" = 0 ] && chown -R nobody "$dir"
    chmod 700 "$dir"
    as_owner "$bin/initdb" -D "$dir/data" -U supctl --auth=scram-sha-256 --pwfile="$dir/pwfile" -E UTF8 \
      --no-sync >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
    rm -f "$dir/pwfile"
    started=
    for _ in 1 2 3 4 5 6 7 8 9 10; do
      port=$((20000 + RANDOM % 20000))
      if as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
           -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c max_connections=100" start >/dev/null 2>&1; then
        started=1
        break
      fi
    done
    if [ -z "$started" ]; then
      echo "postgres_cluster: the server did not start; its log:" >&2
      cat "$dir/server.log" >&2 || true
      exit 1
    fi
    {
      echo "SUPCTL_TEST_PG_URL=postgresql://supctl@127.0.0.1:$port/postgres"
      echo "SUPCTL_TEST_PG_PASSWORD=$password"
      echo "SUPCTL_TEST_PG_HOST=127.0.0.1"
      echo "SUPCTL_TEST_PG_PORT=$port"
      echo "SUPCTL_TEST_PG_BIN=$bin"
    } > "$dir/cluster.env.new"
    chmod 600 "$dir/cluster.env.new"
    mv "$dir/cluster.env.new" "$dir/cluster.env"
    echo "postgres_cluster: PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port in $dir"
    ;;
  stop)
    stop
    rm -rf "$dir"
    ;;
  *)
    echo "postgres_cluster: unknown action '$action' (start or stop)" >&2
    exit 1
    ;;
esac
