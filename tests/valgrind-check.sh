#!/bin/bash
#
# valgrind-check.sh PRUN: run prun's supervisor and its workers under
# valgrind (memcheck) through the paths that matter most: normal runs,
# -k, reports, timeouts, signals, a worker killed with -9, recycled
# workers, a closed stdout.  Every process (workers are fork()ed, so
# valgrind follows them) writes a log; the check fails on any memcheck
# error or definitely/indirectly lost block, and on a wrong exit status.
# Jobs are other programs and are not traced.
#
# valgrind 3.19 has no pidfd_open(2): prun falls back to SIGCHLD and
# waitpid(2) there, so this also covers that fallback.

set -u
prun=$(realpath "${1:?usage: valgrind-check.sh PRUN}")
command -v valgrind >/dev/null || { echo "valgrind-check: valgrind is not installed" >&2; exit 1; }

dir=$(mktemp -d "${TMPDIR:-/tmp}/prun-valgrind.XXXXXX")
trap 'rm -rf "$dir"' EXIT
fails=0
n=0

# shellcheck disable=SC2054 # the commas are valgrind's
vg_cmd=(valgrind --quiet --leak-check=full --show-leak-kinds=definite,indirect
    --errors-for-leak-kinds=definite,indirect --track-origins=yes
    --child-silent-after-fork=no --trace-children=no
    --log-file="$dir/logs/vg.%p.log" "$prun")

vg() {
	"${vg_cmd[@]}" "$@"
}

# vg_bg ARGS...: in the background, as $pid itself (not a subshell), and
# with SIGINT not ignored (set -m: background jobs of a script would be).
vg_bg() {
	set -m
	"${vg_cmd[@]}" "$@" &
	pid=$!
	set +m
}

# check NAME WANT STATUS: the exit status, then every log of the scenario.
check() {
	local name=$1 want=$2 got=$3 bad=0 f
	n=$((n + 1))
	if [[ $got != "$want" ]]; then
		echo "not ok $n - $name: exit status $got, want $want"
		bad=1
	fi
	for f in "$dir"/logs/vg.*.log; do
		[[ -e $f ]] || continue
		# Whole-error lines only: pidfd_open's "unhandled syscall" is not one.
		if grep -qE '^==[0-9]+== (Invalid|Conditional|Syscall param|Mismatched|Source and destination|Use of uninit|.*(definitely|indirectly) lost in|.*Open file descriptor)' "$f" ||
		    grep -qE 'ERROR SUMMARY: [1-9]' "$f"; then
			echo "not ok $n - $name: valgrind found errors in $(basename "$f"):"
			grep -v 'unhandled amd64-linux syscall\|You may be able\|README_MISSING\|Nevertheless we\|it at http' "$f" | sed 's/^/#   /'
			bad=1
		fi
	done
	if [[ $bad -eq 0 ]]; then
		echo "ok $n - $name ($(find "$dir/logs" -type f | wc -l) processes checked)"
	fi
	fails=$((fails + bad))
	rm -rf "$dir/logs"
	mkdir "$dir/logs"
}

waitfile() {
	local _
	for _ in $(seq 1 600); do
		[[ -e $1 ]] && return 0
		sleep 0.1
	done
	echo "valgrind-check: timed out waiting for $1" >&2
	return 1
}

mkdir "$dir/logs"
cd "$dir" || exit 1

printf '%s\n' 'echo out' 'echo err >&2' 'exit 3' 'kill -TERM $$' \
    'printf "%s\n" a b c' 'true' >jobs1
vg -j 3 jobs1 >out 2>err
check "mixed jobs, -j 3" 2 $?

seq 1 30 | sed 's/^/echo /' >jobs2
vg -k -j 4 --joblog "$dir/log" --results "$dir/res" jobs2 >out 2>err
st=$?
[[ $(cat out) == "$(seq 1 30)" ]] || st="wrong -k output"
check "-k, --joblog, --results" 0 "$st"

printf '%s\n' 'sleep 30' "trap '' TERM; sleep 30" 'echo fast' >jobs3
vg -j 3 --timeout 1 --termseq TERM,300,KILL,25 jobs3 >out 2>err
check "--timeout and --termseq" 2 $?

printf '%s\n' 'echo one' "touch $dir/r2; sleep 60" "touch $dir/r3; sleep 60" 'echo never' >jobs4
vg_bg -j 3 jobs4 >out 2>err
waitfile "$dir/r2" && waitfile "$dir/r3"
kill -TERM "$pid"
wait "$pid"
check "SIGTERM stops the run" 143 $?

rm -f "$dir/r2" "$dir/r3"
vg_bg -j 3 jobs4 >out 2>err
waitfile "$dir/r2" && waitfile "$dir/r3"
kill -INT "$pid"
wait "$pid"
check "SIGINT stops the run (prun ends by it)" 130 $?

printf '%s\n' "echo \$\$ >$dir/p1; sleep 60" 'echo two' 'echo three' >jobs5
vg_bg -j 2 jobs5 >out 2>err
waitfile "$dir/p1"
kill -KILL "$(ps -o ppid= -p "$(cat "$dir/p1")")"
wait "$pid"
check "a worker killed with -9" 1 $?

seq 1 12 | sed 's/^/echo /' >jobs6
vg -j 2 --max-jobs-per-worker 3 jobs6 >out 2>err
check "--max-jobs-per-worker 3" 0 $?

printf '%s\n' 'echo first' 'sleep 60' 'sleep 60' >jobs7
vg -j 3 jobs7 2>err | head -1 >out
st=${PIPESTATUS[0]}
check "prun | head -1 (prun ends by SIGPIPE)" 141 "$st"

seq 1 5 | sed 's/^/echo /' | vg -j 2 >out 2>err
check "commands from a pipe" 0 $?

echo "1..$n"
if [[ $fails -gt 0 ]]; then
	echo "valgrind-check: $fails of $n scenarios failed" >&2
	exit 1
fi
