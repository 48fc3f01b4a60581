# checks.sh - sourced by the shell test scripts (layout.sh, notebooks.sh):
# `check NAME STATUS [DETAILS-FILE]` counts one check and prints it in
# cmocka's form, so run.sh counts shell checks as it counts C tests;
# `checks_finish` prints the totals and returns nonzero if any failed.
# The caller sets CHECKS_PREFIX ("layout: ").
pass=0
fail=0
check() { # NAME STATUS [DETAILS-FILE]
	if [ "$2" = 0 ]; then
		pass=$((pass + 1))
		echo "[       OK ] ${CHECKS_PREFIX}$1"
	else
		fail=$((fail + 1))
		[ -s "${3:-}" ] && sed 's/^/    /' "$3" | tail -n 40
		echo "[  FAILED  ] ${CHECKS_PREFIX}$1"
	fi
}
checks_finish() {
	echo "[  PASSED  ] $pass test(s)."
	[ "$fail" = 0 ] || echo "[  FAILED  ] $fail test(s), listed above"
	[ "$fail" = 0 ]
}
