#!/bin/sh
# run.sh BUILD BIN - run every test binary in BUILD/tests (under valgrind when
# MEMCHECK=1) and close with one "tests: N passed, N failed" line.
build=$1
bin=$2
CONCBENCH=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
export CONCBENCH
pass=0
fail=0
broken=""
vg=""
if [ "${MEMCHECK:-}" = 1 ]; then
	vg="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite --trace-children=no"
	export CB_MEMCHECK=1
	# hwloc's x86 backend cannot work under valgrind and says so; skip it
	export HWLOC_COMPONENTS=-x86
fi
for t in "$build"/tests/test_*; do
	[ -x "$t" ] || continue
	out=$($vg "$t" 2>&1)
	rc=$?
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
[ -n "$broken" ] && echo "broken test programs:$broken"
echo "tests: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
