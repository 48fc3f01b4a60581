#!/bin/sh
# deps.sh PKG... - make sure these Debian packages are installed.
# Installs the missing ones with apt-get (as root, or through passwordless
# sudo); otherwise prints the exact command to run and fails.
missing=""
for p in "$@"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
	echo "concbench: missing packages:$missing (not a Debian system: install them by hand)" >&2
	exit 1
fi
if [ "$(id -u)" = 0 ]; then
	sudo=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
	sudo="sudo"
else
	echo "concbench: missing packages:$missing" >&2
	echo "concbench: run: sudo apt-get update && sudo apt-get install -y$missing" >&2
	exit 1
fi
echo "concbench: installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq >&2 &&
	$sudo apt-get install -y -qq --no-install-recommends $missing >&2 || {
	echo "concbench: apt-get failed; run: sudo apt-get install -y$missing" >&2
	exit 1
}
