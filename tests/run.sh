#!/bin/sh
# run.sh BUILD BIN - run every test binary in BUILD/tests (under valgrind when
# MEMCHECK=1), and tests/layout.sh with the compiler command in LAYOUT_CC
# when it is set, and tests/notebooks.sh (not under valgrind: it tests no C),
# and close with one "tests: N passed, N failed" line.
build=$1
bin=$2
CONCBENCH=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
export CONCBENCH
# A sweep runs a rep again when the host slowed a CPU (harness/run/pace.h);
# tests count rows, so they switch that off (test_pace.c drives it itself).
CONCBENCH_NO_PACE=1
export CONCBENCH_NO_PACE
pass=0
fail=0
broken=""
vg=""
if [ "${MEMCHECK:-}" = 1 ]; then
	# --fair-sched=yes: valgrind runs one thread at a time, and its default
	# lock can hand the CPU back to a thread that spins through system calls
	# (a GIL holder waiting for a waiter to queue) for ever; the ticket lock
	# lets the other thread run, as a real scheduler would.
	vg="valgrind -q --fair-sched=yes --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite --trace-children=no"
	export CB_MEMCHECK=1
	# hwloc's x86 backend cannot work under valgrind and says so; skip it
	export HWLOC_COMPONENTS=-x86
fi
for t in layout notebooks "$build"/tests/test_*; do
	if [ "$t" = layout ]; then
		[ -n "${LAYOUT_CC:-}" ] || continue
		# shellcheck disable=SC2086 # the compiler command is words
		out=$(sh "$(dirname "$0")/layout.sh" $LAYOUT_CC 2>&1)
		rc=$?
	elif [ "$t" = notebooks ]; then
		[ -z "$vg" ] || continue
		out=$(sh "$(dirname "$0")/notebooks.sh" 2>&1)
		rc=$?
	else
		[ -x "$t" ] || continue
		# a binary left from a test file since deleted is not a test
		[ -f "$(dirname "$0")/$(basename "$t").c" ] || continue
		out=$($vg "$t" 2>&1)
		rc=$?
	fi
	printf '%s\n' "$out"
	p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | awk '{s+=$1} END {print s+0}')
	f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | awk '{s+=$1} END {print s+0}')
	pass=$((pass + p))
	fail=$((fail + f))
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		fail=$((fail + 1))
		broken="$broken $(basename "$t")(exit $rc)"
	fi
done
# Under memcheck, also one real sweep of the binary over every model, children
# traced: the tests above drive the binary without valgrind.
if [ -n "$vg" ]; then
	out=$(mktemp -d)
	if valgrind -q --fair-sched=yes --trace-children=yes --leak-check=full --errors-for-leak-kinds=definite \
		--error-exitcode=99 "$CONCBENCH" run -w hash:bytes=4k -m all -n 12 -c 1,3 --reps 1 \
		--timeline -o "$out" >"$out/log" 2>&1; then
		pass=$((pass + 1))
		echo "[  PASSED  ] valgrind sweep over every model"
	else
		fail=$((fail + 1))
		grep -v 'syscall: 434\|syscall: 441\|own handler\|README_MISSING\|consider this a bug\|bug_reports' "$out/log"
		echo "[  FAILED  ] valgrind sweep over every model"
	fi
	rm -rf "$out"
fi
[ -n "$broken" ] && echo "broken test programs:$broken"
echo "tests: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
