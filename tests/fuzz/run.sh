#!/bin/sh
# tests/fuzz/run.sh BUILD SECONDS NAME... — runs each harness of
# BUILD/fuzz for SECONDS, from its seeds (tests/fuzz/corpus/NAME) and
# what earlier runs found (BUILD/fuzz-corpus/NAME, where new inputs go).
# Prints each harness's executions; exits non-zero on any finding (kept in
# BUILD/findings/NAME-*).
set -u
build=$1 secs=$2
shift 2
mkdir -p "$build/findings"
bad=""
for name in "$@"; do
	mkdir -p "$build/fuzz-corpus/$name"
	seeds="tests/fuzz/corpus/$name"
	[ -d "$seeds" ] || seeds=""
	log="$build/fuzz-$name.log"
	"$build/fuzz/$name" -max_total_time="$secs" -print_final_stats=1 \
	    -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
	    -artifact_prefix="$build/findings/$name-" \
	    "$build/fuzz-corpus/$name" $seeds > "$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	printf '%-8s %12s executions in %ss' "$name" "${execs:-?}" "$secs"
	if [ "$rc" -ne 0 ]; then
		echo "  FINDING (see $log)"
		grep -E 'ERROR|SUMMARY|deadly|Test unit written' "$log" | head -5
		bad="$bad $name"
	else
		echo
	fi
done
[ -z "$bad" ] || { echo "fuzz findings:$bad"; exit 1; }
echo "fuzz: no finding"
