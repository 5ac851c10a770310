#!/bin/sh
# tests/run.sh BUILD — runs every test binary of BUILD (unit tests, then
# scenario tests in name order) and ends with one line over all of them:
#   N passed, N failed
# Exits non-zero on any failure, any crash, any sanitizer report, or when
# no test ran at all.
set -u
build=${1:-build}
logs="$build/test-logs"
san="$build/test-logs/sanitizer"
rm -rf "$logs"
mkdir -p "$logs" "$san"
# Sanitizer reports from every process (supd and children included) land
# in files here; Criterion does not see them, so this script does.
export ASAN_OPTIONS="log_path=$PWD/$san/asan:abort_on_error=0:${ASAN_OPTIONS:-}"
export UBSAN_OPTIONS="log_path=$PWD/$san/ubsan:print_stacktrace=1:${UBSAN_OPTIONS:-}"
export LSAN_OPTIONS="suppressions=$PWD/tests/lsan.supp:print_suppressions=0:${LSAN_OPTIONS:-}"

passed=0 failed=0 bins=0 bad=""
list=$( (ls "$build"/tests/unit/*/* 2>/dev/null | sort;
	ls "$build"/tests/scenario/* 2>/dev/null | sort) | grep -v '\.d$')
for t in $list; do
	[ -x "$t" ] || continue
	bins=$((bins + 1))
	name=$(echo "$t" | sed "s|^$build/tests/||; s|/|_|g")
	printf '%-40s ' "$name"
	"$t" --jobs 2 > "$logs/$name.log" 2>&1
	rc=$?
	line=$(grep 'Synthesis:' "$logs/$name.log" | tail -1)
	tested=$(echo "$line" | sed -n 's/.*Tested: \([0-9]*\).*/\1/p')
	pass=$(echo "$line" | sed -n 's/.*Passing: \([0-9]*\).*/\1/p')
	fail=$(echo "$line" | sed -n 's/.*Failing: \([0-9]*\).*/\1/p')
	crash=$(echo "$line" | sed -n 's/.*Crashing: \([0-9]*\).*/\1/p')
	tested=${tested:-0} pass=${pass:-0} fail=${fail:-0} crash=${crash:-0}
	passed=$((passed + pass))
	failed=$((failed + fail))
	echo "$pass/$tested passed"
	if [ "$rc" -ne 0 ] || [ "$fail" -ne 0 ] || [ "$tested" -eq 0 ]; then
		bad="$bad $name"
		[ "$fail" -eq 0 ] && failed=$((failed + 1))
		grep -E '\[FAIL\]|\[----\]|CRASH|Timed out|Assertion' "$logs/$name.log" | head -40
	fi
done

reports=$(grep -l -E 'ERROR: |runtime error|SUMMARY: ' "$san"/* 2>/dev/null)
if [ -n "$reports" ]; then
	echo "sanitizer reports: $(echo "$reports" | wc -l) (in $san)"
	for f in $reports; do echo "== $f"; head -40 "$f"; done
	bad="$bad sanitizer"
fi
echo "$passed passed, $failed failed"
if [ "$bins" -eq 0 ] || [ "$passed" -eq 0 ]; then
	echo "no test ran"
	exit 1
fi
[ -z "$bad" ] || { echo "failing:$bad (logs in $logs)"; exit 1; }
exit 0
