"""concbench.py - what a lecture notebook needs from concbench, in a few calls.

    import concbench as cb
    d = cb.run("-w", "fib:n=30", "-m", "sequential,threads", "-n", "4", name="demo")
    df = cb.load(d)              # results.csv as a DataFrame, params split out
    cb.chart(d, "makespan")      # a chart concbench drew, shown inline
    s = cb.suite("L1")           # a built-in suite at its quick size, as reproduce runs it
    cb.verdicts(s)               # its verdict lines
    cb.summary([s])              # its REPORT.md row: claim, ours, verdict
    cb.check()                   # the machine check, as a dict
    ev = cb.events(d, "threads") # a --timeline run's state events; cb.segments(ev)

Each call runs the concbench binary and reads what it wrote; nothing here
measures anything itself. The binary is $CONCBENCH when set (the tests set
it), else the repository's ./concbench (built with `make` when missing), else
`concbench` on PATH. Results go under $CONCBENCH_NB_OUT, else the
repository's results/notebooks/runs/. $CONCBENCH_NB_MAX_REPS, when set, caps
a suite's extra rounds of reps (the tests keep them short with it).
"""
import glob
import os
import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parent.parent


def binary():
	"""The concbench binary to run: $CONCBENCH, ./concbench (built), or PATH."""
	if os.environ.get("CONCBENCH"):
		return os.environ["CONCBENCH"]
	local = REPO / "concbench"
	if not local.exists() and (REPO / "Makefile").exists():
		subprocess.run(["make", "-s", "-C", str(REPO), "concbench"], check=True)
	if local.exists():
		return str(local)
	found = shutil.which("concbench")
	if not found:
		raise RuntimeError("no concbench: run `make` in the repository")
	return found


def out_dir():
	"""Where the notebooks' results directories go."""
	d = os.environ.get("CONCBENCH_NB_OUT") or REPO / "results" / "notebooks" / "runs"
	Path(d).mkdir(parents=True, exist_ok=True)
	return str(d)


def _concbench(args, ok=(0,)):
	p = subprocess.run([binary(), *args], capture_output=True, text=True)
	if p.returncode not in ok:
		raise RuntimeError(f"concbench {' '.join(args)}: exit {p.returncode}\n"
				   f"{p.stdout[-2000:]}{p.stderr[-2000:]}")
	return p.stdout


def run(*args, name):
	"""`concbench run ARGS -o OUT --name NAME`; returns its results directory."""
	out = _concbench(["run", *args, "-o", out_dir(), "--name", name])
	dirs = re.findall(r"^results: (.+)$", out, re.M)
	if not dirs:
		raise RuntimeError("concbench run printed no results directory:\n" + out)
	return dirs[-1]


class Suite:
	"""A suite's run, as `concbench reproduce --quick --only NAME` made it:
	.name, .dirs (its results directories: the first one and any rounds of
	more reps), .report (the verdict lines it printed), .row (its row of the
	run's REPORT.md: id, claim, source, book, ours, expectation, verdict),
	.report_md (that file) and .exit (0; 1 when a claim was not reproduced,
	which a lecture shows rather than hides)."""

	def __init__(self, name, dirs, report, row, report_md, exit_status):
		self.name, self.dirs, self.report = name, dirs, report
		self.row, self.report_md, self.exit = row, report_md, exit_status

	def __repr__(self):
		return self.report


REPORT_COLUMNS = ["id", "claim", "source", "book", "ours", "expectation", "verdict", "charts"]


def report_rows(path):
	"""The claim rows of a REPORT.md that `concbench reproduce` wrote: a list
	of dicts keyed by REPORT_COLUMNS, the text as the report has it but for
	its Markdown (bold, code marks, <br>), and "verdict" the verdict alone
	(reproduced, not reproduced, inconclusive, n/a) with "why" beside it."""
	rows = []
	for line in Path(path).read_text().splitlines():
		cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
		if len(cells) != len(REPORT_COLUMNS) or cells[0] in ("id", "---"):
			continue
		row = {k: re.sub(r"\*\*|`", "", v).replace("\\|", "|").replace("<br>", "; ")
		       for k, v in zip(REPORT_COLUMNS, cells)}
		row["verdict"], _, row["why"] = row["verdict"].partition("; ")
		rows.append(row)
	return rows


def suite(name, quick=True):
	"""`concbench reproduce --only NAME [--quick] --out OUT`: the built-in
	suite NAME, run and judged as `concbench reproduce` does (it is that
	command), so a notebook's verdicts are reproduce's; returns a Suite."""
	args = ["reproduce", "--only", name, "--out", out_dir()] + (["--quick"] if quick else [])
	if os.environ.get("CONCBENCH_NB_MAX_REPS"):
		args += ["--max-reps", os.environ["CONCBENCH_NB_MAX_REPS"]]
	p = subprocess.run([binary(), *args], capture_output=True, text=True)
	if p.returncode not in (0, 1):
		raise RuntimeError(f"concbench {' '.join(args)}: exit {p.returncode}\n{p.stderr[-2000:]}")
	# each round of more reps is printed twice (its sweep's "results:", then
	# the suite's "  more reps:"): each directory once, in order
	dirs = list(dict.fromkeys(re.findall(r"^(?:results|  more reps): (.+)$", p.stdout, re.M)))
	md = re.findall(r"^report: (.+)$", p.stdout, re.M)
	if not md:
		raise RuntimeError(f"concbench {' '.join(args)} printed no report:\n{p.stdout[-2000:]}")
	rows = [r for r in report_rows(md[-1]) if r["id"] == name]
	# the suite's verdict lines: from its title line to its verdict line
	m = re.search(rf"^{re.escape(name)}: .*?^{re.escape(name)}: [^\n]*\(\d+ checks?[^\n]*$",
		      p.stdout, re.M | re.S)
	return Suite(name, dirs, m.group(0) if m else p.stdout, rows[0] if rows else None,
		     md[-1], p.returncode)


def check():
	"""`concbench check --json --quick`: this machine as a benchmark sees it
	(effective_cores delivered, load, switch and fork costs), as a dict."""
	import json
	return json.loads(_concbench(["check", "--json", "--quick"]))


def _num(v):
	try:
		return pd.to_numeric(v)
	except (ValueError, TypeError):
		return v


def load(where):
	"""results.csv of a results directory (or of a Suite, or a list of
	directories, concatenated) as a DataFrame: one row per run, the CSV's
	columns (seconds end in _s, memory in _kib, per second in _per_s), each
	workload parameter a column of its own (n, ms, delay_ms...; numeric where
	it is a number), and *_ms columns beside makespan and the latencies."""
	dirs = where.dirs if isinstance(where, Suite) else [where] if isinstance(where, (str, Path)) else where
	df = pd.concat([pd.read_csv(Path(d) / "results.csv", dtype={"digest": str, "params": str})
			for d in dirs], ignore_index=True)
	params = df["params"].fillna("").map(lambda s: dict(kv.split("=", 1) for kv in s.split(",") if "=" in kv))
	for key in sorted({k for p in params for k in p}):
		col = key if key not in df.columns else "param_" + key
		df[col] = _num(params.map(lambda p: p.get(key)))
	for c in ["makespan_s", "lat_p50_s", "lat_p99_s", "svc_mean_s"]:
		df[c[:-2] + "_ms"] = df[c] * 1000
	return df


def events(where, model, rep=1):
	"""The state events a --timeline run recorded (README.md, "Recording
	the state events"): model's run of rep `rep` in a results directory (the
	first such file, as the state chart picks), as a DataFrame with lane,
	t_ms (from t0), event, task, cpu and the lane's kind (thread or loop)."""
	d = Path(where.dirs[0] if isinstance(where, Suite) else where) / "tasks"
	safe = re.sub(r"[^A-Za-z0-9._+-]", "-", model)
	found = sorted(d.glob(f"{glob.escape(safe)}_*_r{rep}.events.csv"))
	if not found:
		raise FileNotFoundError(f"no state events of {model} rep {rep} in {d} (was the run made with --timeline?)")
	ev = pd.read_csv(found[0])
	lanes = pd.read_csv(str(found[0]).replace(".events.csv", ".lanes.csv"))
	ev["t_ms"] = ev.pop("t_ns") / 1e6
	return ev.merge(lanes[["lane", "kind"]], on="lane")


STATES = ["run", "ready", "gil", "io", "sched", "idle", "end"]


def segments(ev):
	"""A lane's states as segments from events(): lane, state, task, start_ms,
	end_ms (each state lasts until the lane's next one; the last until the
	run's last event). `end` is shown as the idle (or sched) it leads to."""
	st = ev[ev.event.isin(STATES)].sort_values(["lane", "t_ms"], kind="stable").copy()
	st["end_ms"] = st.groupby("lane").t_ms.shift(-1).fillna(ev.t_ms.max())
	st["state"] = st.event.where(st.event != "end", st.kind.map({"loop": "sched"}).fillna("idle"))
	return st.rename(columns={"t_ms": "start_ms"})[["lane", "state", "task", "start_ms", "end_ms"]]


def medians(df, metric="makespan_ms", by=("model", "concurrency")):
	"""The median of METRIC over the ok reps, per group: a Series."""
	ok = df[df["status"] == "ok"]
	return ok.groupby(list(by))[metric].median()


def chart(where, name, width=720):
	"""Show chart NAME (a PNG concbench drew) of a results directory or Suite
	inline, embedded in the notebook (and so in its HTML handout)."""
	from IPython.display import Image, display
	dirs = where.dirs[:1] if isinstance(where, Suite) else [where]
	path = Path(dirs[0]) / f"{name}.png"
	if not path.exists():
		have = sorted(p.stem for p in Path(dirs[0]).glob("*.png"))
		raise FileNotFoundError(f"no chart {name} in {dirs[0]}; it has {', '.join(have)}")
	display(Image(filename=str(path), width=width))


def verdicts(s):
	"""Show a Suite's verdict lines, as `concbench reproduce` printed them."""
	from IPython.display import Markdown, display
	display(Markdown(f"**Suite {s.name}** (`concbench reproduce --quick --only {s.name}`):"
			 f"\n\n```\n{s.report}\n```"))


def summary(suites):
	"""The REPORT.md rows of these suites' runs, as a DataFrame indexed by
	claim id: the claim, our figure with its 95 % interval, the verdict
	(and why, for n/a or inconclusive). These are `concbench reproduce`'s
	own rows, so the notebook's verdicts are the report's."""
	rows = [s.row for s in suites if s.row]
	missing = [s.name for s in suites if not s.row]
	if missing:
		raise RuntimeError(f"no REPORT.md row for {', '.join(missing)}")
	return pd.DataFrame(rows).set_index("id")[["claim", "ours", "verdict", "why"]]


def say(text):
	"""Show TEXT (Markdown, usually an f-string of figures from the run)."""
	from IPython.display import Markdown, display
	display(Markdown(text))
