#!/bin/sh
# notebooks.sh - the lecture notebooks' checks, reported in cmocka's
# "[  PASSED  ] N test(s)." form so run.sh counts them:
#   - Debian's Jupyter stack is there (else one failure that says `make deps`
#     installs it: CI runs `make deps` first);
#   - every committed notebook is clean: no outputs, no execution counts (and
#     the check does catch a notebook that has them);
#   - `make notebooks`' runner (notebooks/render.sh) fails on a notebook whose
#     cell raises (tests/fixtures/notebooks/broken.ipynb);
#   - every notebook executes headless at its quick sizes, into an HTML
#     handout with embedded figures and the verdicts of its suites.
# The binary is $CONCBENCH (run.sh sets it); the runs go to a temp dir, and
# a suite runs no extra rounds of reps (CONCBENCH_NB_MAX_REPS), so the whole
# takes a minute or two. Run from the repository's root.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
check() { # NAME STATUS [DETAILS-FILE]
	if [ "$2" = 0 ]; then
		pass=$((pass + 1))
		echo "[       OK ] notebooks: $1"
	else
		fail=$((fail + 1))
		[ -s "${3:-}" ] && sed 's/^/    /' "$3" | tail -n 40
		echo "[  FAILED  ] notebooks: $1"
	fi
}
finish() {
	echo "[  PASSED  ] $pass test(s)."
	[ "$fail" = 0 ] || echo "[  FAILED  ] $fail test(s), listed above"
	[ "$fail" = 0 ]
	exit
}
py=/usr/bin/python3

# 1. The stack. Without it nothing else can run: one clear failure.
if ! [ -x /usr/bin/jupyter-nbconvert ] ||
	! $py -c 'import nbclient, nbformat, ipykernel, pandas, matplotlib' 2>"$tmp/why"; then
	echo "Debian's Jupyter stack is missing (jupyter-nbconvert, python3-nbclient, python3-ipykernel," >"$tmp/why"
	echo "python3-pandas, python3-matplotlib): \`make deps\` installs it" >>"$tmp/why"
	check "Debian's Jupyter stack is installed (make deps)" 1 "$tmp/why"
	finish
fi
check "Debian's Jupyter stack is installed" 0

# 2. Clean in git: no outputs, no execution counts.
cat >"$tmp/clean.py" <<'EOF'
import json, sys
bad = []
for path in sys.argv[1:]:
	for i, c in enumerate(json.load(open(path))["cells"]):
		if c["cell_type"] == "code" and (c.get("outputs") or c.get("execution_count") is not None):
			bad.append(f"{path}: cell {i} has outputs or an execution count (clear them before committing)")
print("\n".join(bad))
sys.exit(1 if bad else 0)
EOF
ls notebooks/*.ipynb >/dev/null 2>&1
check "there are notebooks" $?
$py "$tmp/clean.py" notebooks/*.ipynb >"$tmp/dirty" 2>&1
check "committed notebooks have no outputs or execution counts" $? "$tmp/dirty"
$py -c '
import json, sys
nb = json.load(open(sys.argv[1]))
c = [c for c in nb["cells"] if c["cell_type"] == "code"][0]
c["execution_count"] = 1
c["outputs"] = [{"output_type": "stream", "name": "stdout", "text": ["1\n"]}]
json.dump(nb, open(sys.argv[2], "w"))' tests/fixtures/notebooks/broken.ipynb "$tmp/dirty.ipynb"
! $py "$tmp/clean.py" "$tmp/dirty.ipynb" >"$tmp/out" 2>&1 && grep -q 'cell 1 has outputs' "$tmp/out"
check "the cleanliness check catches a notebook with outputs" $? "$tmp/out"

# 3. A cell that raises fails the runner, which names the error.
sh notebooks/render.sh "$tmp/broken" tests/fixtures/notebooks/broken.ipynb >"$tmp/out" 2>&1
rc=$?
[ "$rc" != 0 ] && grep -q 'broken on purpose: concbench-notebook-fixture' "$tmp/out" &&
	grep -q 'broken.ipynb FAILED' "$tmp/out"
check "the runner fails on a notebook whose cell raises (exit $rc)" $? "$tmp/out"

# 4. Every notebook runs headless, into a handout with figures and verdicts.
CONCBENCH_NB_OUT=$tmp/runs
CONCBENCH_NB_MAX_REPS=${CONCBENCH_NB_MAX_REPS:-5}
export CONCBENCH_NB_OUT CONCBENCH_NB_MAX_REPS
for nb in notebooks/*.ipynb; do
	base=$(basename "$nb" .ipynb)
	sh notebooks/render.sh "$tmp/html" "$nb" >"$tmp/out" 2>&1
	rc=$?
	html=$tmp/html/$base.html
	[ "$rc" = 0 ] && [ -s "$html" ] &&
		grep -q 'data:image/png;base64' "$html" &&
		grep -Eq '\[(reproduced|not reproduced|inconclusive|n/a)\]' "$html" &&
		! grep -q 'Traceback (most recent call last)' "$html"
	check "$base executes headless into a handout with figures and verdicts ($(sed -n 's/.*(\([0-9]* s\))$/\1/p' "$tmp/out"))" $? "$tmp/out"
done
finish
