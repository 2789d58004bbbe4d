#!/usr/bin/env bash
# supctl with its state in PostgreSQL, as pipelines run it: every job on a fresh clone, one state
# that every job shares, one apply at a time, and runners that die. Against the tests' own cluster
# (tests/support/postgres_cluster.sh) and the lab estate, which stands for the servers: it outlives
# the runners, so each clone is given the same estate.
#   postgres_cli_test.sh SUPCTL SOURCE_DIR CLUSTER_ENV [KILLS]
set -euo pipefail

supctl=${1:?the supctl program}
source_dir=${2:?the source tree}
cluster_env=${3:?the cluster.env of the test cluster}
kills=${4:-20}
# shellcheck disable=SC1090
. "$cluster_env"

work=$(mktemp -d "${TMPDIR:-/tmp}/supctl-pg-cli-XXXXXX")
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

psql_state() {  # psql_state NAME SQL: one value from the state NAME's schema
  PGPASSWORD=$SUPCTL_TEST_PG_PASSWORD "$SUPCTL_TEST_PG_BIN/psql" -X -q -At "$SUPCTL_TEST_PG_URL" \
    -c "SET search_path TO \"supctl_$1\"" -c "$2" 2>/dev/null | tail -n 1
}

export CONTOSO_WSUS_CONNECT_PASSWORD=wsus-connect-pw CONTOSO_PROXY_PASSWORD=proxy-pw SUPCTL_WINRM_PASSWORD=unused
unset PGPASSWORD PGPASSFILE SUPCTL_STATE_KEY
export PGPASSFILE=/nonexistent  # only what each command is given

# clone NAME: a fresh checkout of examples/contoso whose hierarchy names the state's password.
clone() {
  local dir=$work/$1
  cp -r "$source_dir/examples/contoso" "$dir"
  rm -rf "$dir/.supctl"
  sed -i 's/^configmgr = "current-branch"$/&\nstate_password = { env = "PIPELINE_PG_PASSWORD" }/' "$dir/hierarchy.toml"
  grep -q '^state_password' "$dir/hierarchy.toml" || fail "could not name the state password in $dir/hierarchy.toml"
  echo "$dir"
}
# servers FROM TO: TO's lab estate is FROM's (the same servers seen from another runner).
servers() {
  mkdir -p "$2/.supctl"
  ln -s "$1/.supctl/lab" "$2/.supctl/lab"
}

export PIPELINE_PG_PASSWORD=$SUPCTL_TEST_PG_PASSWORD

# --- 1. A second job on a fresh clone plans no changes after the first applied. -----------------
export SUPCTL_STATE="$SUPCTL_TEST_PG_URL?state=contoso_$$"
first=$(clone first)
"$supctl" lab init "$first" >/dev/null
"$supctl" apply "$first" --lab --auto-approve >"$work/apply.out" 2>&1 || { cat "$work/apply.out"; fail "the first job's apply"; }
second=$(clone second)
servers "$first" "$second"
set +e
"$supctl" plan "$second" --lab --detailed-exitcode >"$work/plan.out" 2>&1
code=$?
set -e
[ "$code" = 0 ] || { cat "$work/plan.out"; fail "a fresh clone's plan on the shared state exited $code, not 0"; }
# The same clone with a state of its own (what a runner has without a shared one) sees changes:
# the test above can fail.
control=$(clone control)
servers "$first" "$control"
set +e
SUPCTL_STATE= "$supctl" plan "$control" --lab --detailed-exitcode >"$work/control.out" 2>&1
code=$?
set -e
[ "$code" = 2 ] || { cat "$work/control.out"; fail "a fresh clone with a state of its own exited $code, not 2"; }
grep -q 'password' "$work/control.out" || fail "the control plan does not show the passwords as changed"
# A saved plan carries the reference of the state's password (never the password): apply --plan
# logs in as the plan did, with no manifests read.
"$supctl" plan "$second" --lab --out "$work/saved.json" >/dev/null 2>&1 || fail "plan --out on the shared state"
grep -q '"state_password": {' "$work/saved.json" || fail "the saved plan does not name the state's password"
! grep -q "$SUPCTL_TEST_PG_PASSWORD" "$work/saved.json" || fail "the saved plan holds the state's password"
"$supctl" apply --plan "$work/saved.json" "$second" --lab >"$work/saved.out" 2>&1 || { cat "$work/saved.out"; fail "apply --plan on the shared state"; }
echo "ok: a fresh clone plans no changes on the shared state (and changes without it); apply --plan logs in as its plan did"

# --- 2. Bad logins are exit 1 with the reason, never the password. ------------------------------
port=$SUPCTL_TEST_PG_PORT
set +e
SUPCTL_STATE="postgresql://supctl:url-pw-0d41@127.0.0.1:$port/postgres?state=contoso_$$" PIPELINE_PG_PASSWORD=wrong-pw-77e3 \
  "$supctl" plan "$second" --lab >"$work/wrong.out" 2>&1
code=$?
set -e
[ "$code" = 1 ] || fail "a wrong password exited $code, not 1"
grep -q 'password authentication failed' "$work/wrong.out" || { cat "$work/wrong.out"; fail "no reason for the refused login"; }
! grep -q -e 'wrong-pw-77e3' -e 'url-pw-0d41' "$work/wrong.out" || fail "a password was printed: $(cat "$work/wrong.out")"
set +e
SUPCTL_STATE="postgresql://supctl@127.0.0.1:1/postgres?state=contoso_$$" "$supctl" plan "$second" --lab >"$work/down.out" 2>&1
code=$?
set -e
[ "$code" = 1 ] || fail "a server that is down exited $code, not 1"
grep -q 'cannot open the state' "$work/down.out" || { cat "$work/down.out"; fail "no reason for the server that is down"; }
set +e
PIPELINE_PG_PASSWORD= "$supctl" plan "$second" --lab >"$work/unset.out" 2>&1
code=$?
set -e
[ "$code" = 1 ] || fail "an unset state_password exited $code, not 1"
grep -q 'hierarchy.state_password' "$work/unset.out" || { cat "$work/unset.out"; fail "no word of the unset state_password"; }
echo "ok: a wrong password, a server that is down and an unset password are exit 1, with no password shown"

# --- 3. Two applies at once on two clones: one runs, the other fails at once naming it. ----------
# Enough values that the first apply is still running when the second starts.
bulk() {  # bulk DIR VALUE: 4000 registry values set to VALUE
  local file=$1/bulk.toml i
  : >"$file"
  for ((i = 0; i < 4000; i++)); do
    printf '[registry_value.bulk%04d]\nhost = "pr1wsus.contoso.com"\nkey = '"'"'HKLM\\SOFTWARE\\Bulk\\K%02d'"'"'\nname = "V%04d"\ntype = "dword"\ndata = %d\n\n' \
      "$i" $((i / 100)) "$i" "$2" >>"$file"
  done
}
export SUPCTL_STATE="$SUPCTL_TEST_PG_URL?state=race_$$"
bulk "$first" 1
bulk "$second" 1
"$supctl" apply "$first" --lab --auto-approve --parallelism 1 >"$work/race1.out" 2>&1 &
racer=$!
pids+=("$racer")
for _ in $(seq 1 500); do
  [ "$(psql_state race_$$ 'SELECT count(*) FROM lock')" = 1 ] && break
  kill -0 "$racer" 2>/dev/null || break
  sleep 0.01
done
[ "$(psql_state race_$$ 'SELECT count(*) FROM lock')" = 1 ] || fail "the first apply never held the lock"
set +e
"$supctl" apply "$second" --lab --auto-approve >"$work/race2.out" 2>&1
code=$?
set -e
racing=$(kill -0 "$racer" 2>/dev/null && echo yes || echo no)
[ "$code" = 1 ] || { cat "$work/race2.out"; fail "the second apply exited $code, not 1"; }
grep -q "(pid $racer) for apply" "$work/race2.out" || { cat "$work/race2.out"; fail "the second apply does not name the holder"; }
[ "$racing" = yes ] || fail "the first apply ended before the second was refused: the test proved nothing"
# A third waits for it with --lock-timeout, then finds everything in place.
"$supctl" apply "$second" --lab --auto-approve --lock-timeout 120s >"$work/race3.out" 2>&1 || { cat "$work/race3.out"; fail "the waiting apply"; }
wait "$racer" || { cat "$work/race1.out"; fail "the first apply failed"; }
pids=()
grep -q 'No changes' "$work/race3.out" || { cat "$work/race3.out"; fail "the apply that waited found changes"; }
succeeded=$(psql_state race_$$ "SELECT count(*) FROM journal WHERE status = 'succeeded'")
resources=$(psql_state race_$$ "SELECT count(*) FROM resources")
[ "$succeeded" -ge 4000 ] || fail "the journal has $succeeded succeeded steps for $resources resources"
[ "$(psql_state race_$$ "SELECT count(*) FROM runs WHERE status <> 'succeeded'")" = 0 ] || fail "a run did not succeed"
echo "ok: of two applies at once one ran and the other was refused naming it; one with --lock-timeout waited"

# --- 3b. An apply whose database session is ended mid-run fails saying so (between waves it stops
# before the next change; within one, at its next record), and the next apply finishes the work.
bulk "$first" 2
runs_before=$(psql_state race_$$ "SELECT count(*) FROM runs")
"$supctl" apply "$first" --lab --auto-approve --parallelism 1 >"$work/cut.out" 2>&1 &
cut=$!
pids+=("$cut")
for _ in $(seq 1 500); do
  [ "$(psql_state race_$$ "SELECT count(*) FROM runs")" -gt "$runs_before" ] &&
    [ "$(psql_state race_$$ "SELECT count(*) FROM journal WHERE status = 'succeeded' AND run_id = (SELECT id FROM runs ORDER BY rowid DESC LIMIT 1)")" -ge 1 ] && break
  kill -0 "$cut" 2>/dev/null || break
  sleep 0.01
done
# Sessions are named after their state; the server ends the apply's as a dropped connection would.
psql_state race_$$ "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'supctl_race_$$'" >/dev/null
set +e
wait "$cut"
code=$?
set -e
pids=()
[ "$code" != 0 ] || { cat "$work/cut.out"; fail "an apply whose session was ended exited 0"; }
grep -q -e "lock was lost" -e "connection to the server was lost" "$work/cut.out" || { cat "$work/cut.out"; fail "the cut apply does not say it lost the state"; }
"$supctl" apply "$first" --lab --auto-approve >"$work/after-cut.out" 2>&1 || { cat "$work/after-cut.out"; fail "the apply after the cut one"; }
echo "ok: an apply whose database session was ended failed saying so, and the next apply finished the work"

# --- 4. Applies killed with SIGKILL at random moments: the next proceeds without force-unlock. ---
export SUPCTL_STATE="$SUPCTL_TEST_PG_URL?state=kills_$$"
"$supctl" apply "$first" --lab --auto-approve >/dev/null 2>&1 || fail "the kill test's first apply"
mid_run=0
outside_run=0
finished=0
for ((k = 1; k <= kills; k++)); do
  bulk "$first" $((k + 1))
  delay_ms=$((RANDOM % 900))
  runs_before=$(psql_state kills_$$ "SELECT count(*) FROM runs")
  # --lock-timeout: the server ends a dead runner's session a moment after it dies.
  "$supctl" apply "$first" --lab --auto-approve --parallelism 1 --lock-timeout 10s >"$work/kill.out" 2>&1 &
  victim=$!
  pids+=("$victim")
  sleep "$(printf '0.%03d' "$delay_ms")"
  killed=no
  if kill -9 "$victim" 2>/dev/null; then killed=yes; fi
  set +e
  { wait "$victim"; } 2>/dev/null  # not the shell's "Killed"
  code=$?
  set -e
  pids=()
  if [ "$killed" = no ] || [ "$code" = 0 ]; then
    [ "$code" = 0 ] || { cat "$work/kill.out"; fail "apply $k failed before it could be killed"; }
    finished=$((finished + 1))
  elif [ "$(psql_state kills_$$ "SELECT count(*) FROM runs")" -gt "$runs_before" ]; then  # it had begun its run
    mid_run=$((mid_run + 1))
  else
    outside_run=$((outside_run + 1))
  fi
  # The next apply takes the lock the dead one held, without force-unlock.
done
bulk "$first" $((kills + 2))
"$supctl" apply "$first" --lab --auto-approve >"$work/after.out" 2>&1 || { cat "$work/after.out"; fail "the apply after the kills"; }
grep -q 'force-unlock' "$work/after.out" && fail "the apply after the kills mentions force-unlock"
set +e
"$supctl" plan "$first" --lab --detailed-exitcode >"$work/converged.out" 2>&1
code=$?
set -e
[ "$code" = 0 ] || { cat "$work/converged.out"; fail "the plan after the kills exited $code, not 0"; }
interrupted=$(psql_state kills_$$ "SELECT count(*) FROM runs WHERE status = 'interrupted'")
still_running=$(psql_state kills_$$ "SELECT count(*) FROM runs WHERE status = 'running'")
[ "$still_running" = 0 ] || fail "$still_running runs still read running"
[ "$interrupted" = "$mid_run" ] || fail "$interrupted runs read interrupted, but $mid_run were killed mid-run"
"$supctl" state journal --dir "$first" >"$work/journal.out"
[ "$(grep -c ', interrupted' "$work/journal.out")" = "$interrupted" ] || fail "state journal does not show the interrupted runs"
[ "$(psql_state kills_$$ 'SELECT count(*) FROM lock')" = 0 ] || fail "a lock was left behind"
echo "ok: $kills applies killed at random moments (0-900 ms): $mid_run mid-run (journal: interrupted), $outside_run outside their run (loading, planning or leaving), $finished finished first; the next apply proceeded each time and the plan converged"
