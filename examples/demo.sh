#!/bin/sh
# examples/demo.sh BUILD — runs the demo tree in the foreground (make demo).
set -eu
build=${1:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
bin="$top/$build/bin"
cat <<TXT
sup demo: supd runs examples/demo.conf in the foreground; its log follows.
Children's output is in run/log/NAME.log. In another terminal, try:

  export PATH=$bin:\$PATH
  supctl -r ./run status              # children, pids, restarts, status, last exit
  supctl -r ./run status --json
  supctl -r ./run tree                # groups, strategies, states
  kill -9 \$(supctl -r ./run pid db)  # any child: it comes back
  supctl -r ./run stop db             # rest_for_one: db stays stopped
  supctl -r ./run start db
  supctl -r ./run restart api         # api alone: a person's restart is no failure
  kill -9 \$(supctl -r ./run pid api) # a failure: one_for_all restarts metrics too
  supctl -r ./run call kv "put user:1 alice"    # -> ok
  supctl -r ./run call kv "get user:1"          # -> alice
  kill -9 \$(supctl -r ./run pid kv); supctl -r ./run call kv "get user:1"   # -> alice (after kv's 2 s load)
  supctl -r ./run state kv            # kv's checkpointed fields and its table
  $build/examples/kv-read -r ./run user:1        # kv's table, read without calling kv
  supctl -r ./run call slow "work 3000" & supctl -r ./run call slow ping
  supctl -r ./run call counter --key user:1 "incr user:1"   # one shard of 4
  $build/examples/counter-client -r ./run count user:1       # all 4, summed
  supctl -r ./run events kv           # live: kv's calls, checkpoints, restarts
  supctl -r ./run logs flaky -f       # a child's output, followed
  supctl -r ./run metrics             # Prometheus text format
  supctl -r ./run call memo "load 100"; supctl -r ./run status memo    # RSS ~100M
  supctl -r ./run call memo hibernate; supctl -r ./run status memo     # RSS drops
  supctl -r ./run reexec              # supd execs itself anew: same pids, no restart
  supctl -r ./run reload --dry-run    # after editing examples/demo.conf: what would change
  supctl -r ./run stop                # orderly shutdown; supd exits 0

Ctrl-C here stops everything too.

TXT
exec "$bin/supd" -c examples/demo.conf
