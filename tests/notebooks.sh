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
#     handout with embedded figures and the verdicts of its suites, and
#     those verdicts are the rows of the REPORT.md `concbench reproduce`
#     wrote for its lessons (and the check does catch one changed).
# The binary is $CONCBENCH (run.sh sets it); the runs go to a temp dir, and
# a suite runs no extra rounds of reps (CONCBENCH_NB_MAX_REPS), so the whole
# takes a minute or two. Run from the repository's root.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
CHECKS_PREFIX="notebooks: "
. tests/checks.sh
finish() {
	checks_finish
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

# 4. Every notebook runs headless, into a handout with figures and verdicts,
# and those verdicts are `concbench reproduce`'s: the handout's summary
# table holds exactly the lessons the notebook's Summary names, each with the
# verdict of the REPORT.md its run wrote (the check catches a doctored one).
cat >"$tmp/agree.py" <<'PYEOF'
import glob, html, json, re, sys
nb, page, runs = sys.argv[1:4]
sys.path.insert(0, "notebooks")
import concbench
report = {}
for md in glob.glob(f"{runs}/reproduce/*/REPORT.md"):
	for row in concbench.report_rows(md):
		report[row["id"]] = row["verdict"]
text = "".join("".join(c["source"]) for c in json.load(open(nb))["cells"] if c["cell_type"] == "markdown")
summary = text[text.index("## Summary"):] if "## Summary" in text else ""
named = set(re.findall(r"^\| (L\w+) \|", summary, re.M))
shown = {}
for tr in re.findall(r"<tr>(.*?)</tr>", open(page).read(), re.S):
	cells = [html.unescape(re.sub(r"<[^>]+>", "", c)).strip()
		 for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", tr, re.S)]
	if cells and re.fullmatch(r"L\w+", cells[0]) and len(cells) == 5:
		shown[cells[0]] = cells[3]
bad = []
if not named:
	bad.append("the notebook has no ## Summary table of lessons")
for lesson in sorted(named | set(shown) | set(report)):
	want, got = report.get(lesson), shown.get(lesson)
	if lesson not in named:
		bad.append(f"{lesson}: run or shown, but not in the notebook's Summary")
	elif want is None:
		bad.append(f"{lesson}: no REPORT.md row: its suite did not run as concbench reproduce")
	elif got != want:
		bad.append(f"{lesson}: the handout's summary says {got!r}, reproduce's REPORT.md {want!r}")
print("\n".join(bad))
sys.exit(1 if bad else 0)
PYEOF
CONCBENCH_NB_MAX_REPS=${CONCBENCH_NB_MAX_REPS:-5}
export CONCBENCH_NB_OUT CONCBENCH_NB_MAX_REPS
for nb in notebooks/*.ipynb; do
	base=$(basename "$nb" .ipynb)
	CONCBENCH_NB_OUT=$tmp/runs/$base
	sh notebooks/render.sh "$tmp/html" "$nb" >"$tmp/out" 2>&1
	rc=$?
	html=$tmp/html/$base.html
	[ "$rc" = 0 ] && [ -s "$html" ] &&
		grep -q 'data:image/png;base64' "$html" &&
		grep -Eq '\[(reproduced|not reproduced|inconclusive|n/a)\]' "$html" &&
		! grep -q 'Traceback (most recent call last)' "$html"
	check "$base executes headless into a handout with figures and verdicts ($(sed -n 's/.*(\([0-9]* s\))$/\1/p' "$tmp/out"))" $? "$tmp/out"
	[ "$rc" = 0 ] || continue
	$py "$tmp/agree.py" "$nb" "$html" "$CONCBENCH_NB_OUT" >"$tmp/agree" 2>&1
	check "$base: its summary's verdicts are concbench reproduce's" $? "$tmp/agree"
	if [ -z "${doctored:-}" ]; then # once: the check sees a verdict changed
		doctored=1
		$py - "$html" "$tmp/doctored.html" <<'PYEOF'
import re, sys
page = open(sys.argv[1]).read()
flip = {"reproduced": "not reproduced", "not reproduced": "reproduced", "inconclusive": "reproduced", "n/a": "reproduced"}
def one(m):
	return m.group(1) + flip.get(m.group(2), "reproduced") + m.group(3)
page = re.sub(r"(<tr>\s*<th>L\w+</th>(?:\s*<td>.*?</td>){2}\s*<td>)(.*?)(</td>)", one, page, count=1, flags=re.S)
open(sys.argv[2], "w").write(page)
PYEOF
		! $py "$tmp/agree.py" "$nb" "$tmp/doctored.html" "$CONCBENCH_NB_OUT" >"$tmp/out" 2>&1 &&
			grep -q "the handout's summary says" "$tmp/out"
		check "the agreement check catches a summary verdict changed by hand" $? "$tmp/out"
	fi
done
finish
