#!/bin/sh
# layout.sh CC CFLAGS... - the source tree's structural rules, one check each,
# reported in cmocka's "[  PASSED  ] 1 test(s)." form so run.sh counts them:
#   - every header compiles on its own (and twice: its guard works);
#   - dependencies run one way: workloads include nothing from models/ or
#     harness/, models nothing from harness/;
#   - no include cycle among the project's own headers;
#   - one event loop: nothing outside models/ calls epoll_create;
#   - harness/ holds only main.c beside its concept folders;
#   - a header declares only functions its own .c defines;
#   - no source file over 450 lines.
# Run from the repository's root.
cc=$1
shift
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
CHECKS_PREFIX="layout: "
. tests/checks.sh
headers=$(ls harness/*/*.h models/*.h workloads/*.h workloads/*/*.h 2>/dev/null)
sources=$(ls harness/*.c harness/*/*.c models/*.[cS] workloads/*.c workloads/*/*.c tests/*.[ch] tests/fuzz/*.c 2>/dev/null)

# 1. Headers stand alone.
: >"$tmp/hdr"
for h in $headers; do
	printf '#include "%s"\n#include "%s"\n' "$h" "$h" >"$tmp/one.c"
	"$cc" "$@" -fsyntax-only "$tmp/one.c" >>"$tmp/hdr" 2>&1 || echo "$h does not compile alone" >>"$tmp/hdr"
done
! grep -q 'does not compile alone' "$tmp/hdr"
check "every header compiles on its own" $? "$tmp/hdr"

# 2. Dependencies run one way: harness -> models -> workloads.
grep -n '#include "\(models\|harness\)/' workloads/*.[ch] workloads/*/*.[ch] >"$tmp/dir" 2>/dev/null
grep -n '#include "harness/' models/*.[ch] >>"$tmp/dir" 2>/dev/null
! [ -s "$tmp/dir" ]
check "dependencies run harness -> models -> workloads" $? "$tmp/dir"

# 3. No include cycle: the graph of header -> header edges sorts topologically.
: >"$tmp/edges"
for f in $headers $sources; do
	sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f" | while read -r inc; do
		[ -f "$inc" ] && echo "$f $inc" >>"$tmp/edges"
	done
done
tsort "$tmp/edges" >/dev/null 2>"$tmp/cyc"
! [ -s "$tmp/cyc" ]
check "no include cycle" $? "$tmp/cyc"

# 4. One event loop. The exception is the bench's fetch floor, a bare client
# and server with nothing of concbench in them, on purpose: the reference.
grep -ln 'epoll_create' $sources | grep -v '^models/\|^tests/\|^harness/bench/fetchfloor.c$' >"$tmp/ep"
! [ -s "$tmp/ep" ]
check "nothing outside models/ calls epoll_create" $? "$tmp/ep"

# 5. harness/ root: main.c and folders only.
find harness -maxdepth 1 -type f ! -name main.c >"$tmp/root"
! [ -s "$tmp/root" ]
check "harness/ holds only main.c beside its folders" $? "$tmp/root"

# 6. A header declares only what its own .c defines: every function a header
# declares (a line at column 0 ending "name(") is defined in the .c of the
# same name beside it.
: >"$tmp/own"
for h in $headers; do
	own=${h%.h}.c
	grep -E '^[A-Za-z_]' "$h" | grep -vE '^(static|typedef|#)' |
		sed -n 's/^[^(]*[^A-Za-z0-9_]\([a-z_][a-z0-9_]*\)(.*/\1/p' | sort -u |
		while read -r n; do
			defs=$(grep -lE "^[A-Za-z_][^;]*[^A-Za-z0-9_]$n\([^;]*$" harness/*.c harness/*/*.c \
				models/*.c models/*.S workloads/*.c workloads/*/*.c 2>/dev/null | tr '\n' ' ')
			case " $defs" in
			*" $own "*) ;;
			*) echo "$h declares $n(), which ${defs:-no file} defines" >>"$tmp/own" ;;
			esac
		done
done
! [ -s "$tmp/own" ]
check "a header declares only what its own .c defines" $? "$tmp/own"

# 7. Small files.
wc -l $headers $sources | awk '$2 != "total" && $1 > 450' >"$tmp/long"
! [ -s "$tmp/long" ]
check "no source file over 450 lines" $? "$tmp/long"

checks_finish
