#!/bin/sh
# render.sh OUTDIR NOTEBOOK... - execute each notebook headless and write its
# HTML handout (figures embedded) to OUTDIR; `make notebooks` runs it.
#
# Debian's Jupyter stack only, run by /usr/bin/python3 by name: the python3
# first on PATH may be another one (pyenv, a venv) that cannot see Debian's
# modules. The kernel is named python3 and is pinned through a kernelspec in
# a temporary JUPYTER_PATH (searched before the user's and the system's), so
# a user's own "python3" kernelspec cannot swap the interpreter either. A
# cell that raises fails its notebook (nbconvert exits nonzero); every
# notebook is tried, and the script exits 1 if any failed.
set -u
out=$1
shift
py=/usr/bin/python3
if ! [ -x /usr/bin/jupyter-nbconvert ] ||
	! $py -c 'import nbclient, nbformat, ipykernel, pandas, matplotlib' 2>/dev/null; then
	echo "notebooks: Debian's Jupyter stack is missing (jupyter-nbconvert, python3-nbclient," >&2
	echo "notebooks: python3-ipykernel, python3-pandas, python3-matplotlib): \`make deps\` installs it" >&2
	exit 1
fi
mkdir -p "$out" || exit 1
jp=$(mktemp -d) || exit 1
trap 'rm -rf "$jp"' EXIT
mkdir -p "$jp/kernels/python3"
cat >"$jp/kernels/python3/kernel.json" <<EOF
{"argv": ["$py", "-m", "ipykernel_launcher", "-f", "{connection_file}"],
 "display_name": "Python 3 (Debian)", "language": "python"}
EOF
JUPYTER_PATH=$jp
export JUPYTER_PATH
# no stray interpreter settings into the kernel; matplotlib's inline
# backend, which draws without a display and hands each figure to the
# notebook (Agg alone would draw them nowhere: no figure in the handout)
unset PYTHONHOME PYTHONPATH
MPLBACKEND=module://matplotlib_inline.backend_inline
export MPLBACKEND
fail=0
for nb in "$@"; do
	start=$(date +%s)
	if $py /usr/bin/jupyter-nbconvert --to html --execute \
		--ExecutePreprocessor.kernel_name=python3 \
		--ExecutePreprocessor.timeout=900 \
		--output-dir "$out" "$nb" 2>"$jp/log"; then
		echo "notebooks: $nb -> $out/$(basename "$nb" .ipynb).html ($(($(date +%s) - start)) s)"
	else
		fail=1
		# from nbconvert's log, the failing cell and its error, without colours
		sed -n '/CellExecutionError/,$p' "$jp/log" | sed 's/\x1b\[[0-9;]*m//g' | tail -n 40 >&2
		grep -q CellExecutionError "$jp/log" || tail -n 20 "$jp/log" >&2
		echo "notebooks: $nb FAILED ($(($(date +%s) - start)) s)" >&2
	fi
done
exit $fail
