# shellcheck shell=bash
#
# Shared helpers for prun's bats tests.  Every test file loads this from
# setup() and calls common_setup and common_teardown.
#
# Each test gets:
#   T      its scratch directory ($BATS_TEST_TMPDIR), also the working
#          directory, so job lines may write files there
#   OUT    and ERR, where prun_files and start_prun_bg put prun's output
#   MARK   a marker string unique to the test.  Every prun started through
#          these helpers carries PRUN_TEST_MARK=$MARK in its environment and
#          runs in a session of its own, so that assert_no_leftovers can find
#          anything it left behind: jobs (by environment, or by command line
#          when a job line contains $MARK) and workers (by session).

bats_load_library bats-support
bats_load_library bats-assert

TESTS_DIR="$(cd "$BATS_TEST_DIRNAME" && pwd)"
REPO_DIR="$(cd "$TESTS_DIR/.." && pwd)"
TESTBIN="$TESTS_DIR/bin"

# The binary under test: $PRUN (the Makefile passes it), else the repo's own.
: "${PRUN:=$REPO_DIR/prun}"
export PRUN

common_setup() {
	if [[ ! -x $PRUN ]]; then
		fail "no prun binary at $PRUN (run make first, or set PRUN)"
	fi
	PATH="$TESTBIN:${PRUN%/*}:$PATH"
	export PATH TESTBIN

	T="$BATS_TEST_TMPDIR"
	OUT="$T/out"
	ERR="$T/err"
	MARK="prunmark-$$-$RANDOM$RANDOM-$BATS_TEST_NUMBER"
	SIDS="$T/.sids"
	: >"$SIDS"
	NCPU="$(getconf _NPROCESSORS_ONLN)"
	PRUN_PID=
	export T OUT ERR MARK NCPU
	cd "$T" || fail "cannot cd to $T"
}

common_teardown() {
	local pids
	if [[ -n ${PUB_DIR:-} ]]; then
		rm -rf "$PUB_DIR"
	fi
	# Whatever a failed test left running is ended here, by pid, so that it
	# cannot disturb the tests after it.
	if [[ -n ${PRUN_PID:-} ]] && kill -0 "$PRUN_PID" 2>/dev/null; then
		kill -KILL "$PRUN_PID" 2>/dev/null || true
	fi
	pids="$(leftover_pids "${MARK:-}")"
	if [[ -n $pids ]]; then
		# shellcheck disable=SC2086
		kill -KILL $pids 2>/dev/null || true
	fi
}

# run_prun [-N|!] [--separate-stderr] ARGS...: bats' run on prun, under
# timeout(1).  stdin is whatever the caller redirects into run_prun.
run_prun() {
	local flags=()
	while [[ $# -gt 0 ]]; do
		case $1 in
		-[0-9]* | '!' | --separate-stderr | --keep-empty-lines)
			flags+=("$1")
			shift
			;;
		--)
			shift
			break
			;;
		*) break ;;
		esac
	done
	run "${flags[@]}" -- env "PRUN_TEST_MARK=$MARK" \
	    timeout -k 5 "${PRUN_TIMEOUT:-60}" \
	    in-session "$SIDS" "$PRUN" "$@"
}

# prun_files ARGS...: run prun with stdout in $OUT and stderr in $ERR, byte
# for byte (bats' run would drop NULs and trailing newlines); sets $status.
prun_files() {
	status=0
	env "PRUN_TEST_MARK=$MARK" timeout -k 5 "${PRUN_TIMEOUT:-60}" \
	    in-session "$SIDS" "$PRUN" "$@" \
	    >"$OUT" 2>"$ERR" || status=$?
}

# start_prun_bg ARGS...: start prun in the background, stdout to $OUT and
# stderr to $ERR (unless BG_STDOUT names another file), stdin from the
# caller's stdin.  Sets PRUN_PID, which is prun's own pid (the session id).
# fd 3 is closed: bats waits for whoever holds it.
#
# With BG_TIME=FILE, prun runs under /usr/bin/time, which writes prun's peak
# RSS in KiB to FILE; PRUN_PID is then time's pid, the parent of prun.
start_prun_bg() {
	local timed=()
	if [[ -n ${BG_TIME:-} ]]; then
		timed=(/usr/bin/time -f %M -o "$BG_TIME")
	fi
	env "PRUN_TEST_MARK=$MARK" in-session "$SIDS" "${timed[@]}" "$PRUN" "$@" <&0 \
	    >"${BG_STDOUT:-$OUT}" 2>"$ERR" 3>&- &
	PRUN_PID=$!
}

# wait_prun [SECONDS]: wait for the background prun to exit (default 60 s)
# and put its exit status in $status.
wait_prun() {
	local deadline=$((SECONDS + ${1:-60}))
	while kill -0 "$PRUN_PID" 2>/dev/null; do
		if [[ $SECONDS -ge $deadline ]]; then
			fail "prun (pid $PRUN_PID) still running after ${1:-60} s"
		fi
		sleep 0.05
	done
	status=0
	wait "$PRUN_PID" || status=$?
}

# wait_until SECONDS COMMAND...: poll COMMAND every 0.02 s until it succeeds;
# fail the test if it has not succeeded by the deadline.
wait_until() {
	local limit=$1
	shift
	local deadline=$((SECONDS + limit))
	until "$@"; do
		if [[ $SECONDS -ge $deadline ]]; then
			fail "timed out after $limit s waiting for: $*"
		fi
		sleep 0.02
	done
}

# wait_for_file FILE [SECONDS]: wait until FILE exists (default 30 s).
wait_for_file() {
	wait_until "${2:-30}" test -e "$1"
}

# wait_for_count DIR N [SECONDS]: wait until DIR holds at least N entries.
wait_for_count() {
	wait_until "${3:-30}" _has_count "$1" "$2"
}

_has_count() {
	local entries=("$1"/*)
	[[ -e ${entries[0]} && ${#entries[@]} -ge $2 ]]
}

# free_uid: a uid that no process runs as, for a test that needs a user
# other than root (root ignores permissions and most limits).  Each test
# gets its own, so that tests running side by side (bats --jobs) cannot
# count against one another's limits, as they would all as nobody.
free_uid() {
	local uid=$((60000 + ($$ * 7 + BATS_TEST_NUMBER) % 5000))
	while pgrep -u "$uid" >/dev/null; do
		uid=$((uid + 1))
	done
	echo "$uid"
}

# public_prun: set PUB_PRUN to a copy of $PRUN that any user may run (the
# repository may be where only root can go), in a directory PUB_DIR that
# teardown removes.
public_prun() {
	PUB_DIR=$(mktemp -d /tmp/prun-pub.XXXXXX) || fail "mktemp failed"
	chmod 755 "$PUB_DIR"
	cp "$PRUN" "$PUB_DIR/prun" || fail "cannot copy $PRUN"
	# shellcheck disable=SC2034 # for the test that called
	PUB_PRUN=$PUB_DIR/prun
}

# utf8 FORMAT: printf FORMAT, its \uHHHH escapes in UTF-8 whatever the
# locale (CI may have none).  bash's $'\uHHHH' is no help: it is expanded
# when the test file is read, in the locale of that moment.
utf8() {
	local LC_ALL=C.UTF-8
	# shellcheck disable=SC2059 # the format is the argument
	printf "$1"
}

# mk_jobs NAME [LINE...]: write a command file $T/NAME, one LINE per line,
# or stdin if no LINE is given, and print its path.
mk_jobs() {
	local f="$T/$1"
	shift
	if [[ $# -gt 0 ]]; then
		printf '%s\n' "$@" >"$f"
	else
		cat >"$f"
	fi
	printf '%s\n' "$f"
}

# session_pids SID: processes in session SID.
_session_pids() {
	ps -e -o pid=,sid= | awk -v s="$1" '$2 == s { print $1 }'
}

# leftover_pids MARKER: pids of live processes that carry MARKER in their
# command line or in their PRUN_TEST_MARK, or that are in a session of a prun
# this test started.  Zombies are not counted: they are gone, only unreaped.
leftover_pids() {
	local marker=$1 p sid state
	[[ -n $marker ]] || return 0
	{
		pgrep -f -- "$marker" || true
		grep -lzxF -- "PRUN_TEST_MARK=$marker" /proc/[0-9]*/environ \
		    2>/dev/null | sed 's|^/proc/\([0-9]*\)/environ$|\1|'
		if [[ -f ${SIDS:-} ]]; then
			while read -r sid; do
				[[ -n $sid ]] && _session_pids "$sid"
			done <"$SIDS"
		fi
	} | sort -un | while read -r p; do
		[[ $p == "$$" || $p == "$BASHPID" ]] && continue
		state=$(awk '{ print $3 }' "/proc/$p/stat" 2>/dev/null) || continue
		[[ $state == Z || -z $state ]] && continue
		echo "$p"
	done
}

# assert_no_leftovers [MARKER]: fail if any process this test started through
# prun (see leftover_pids; MARKER defaults to $MARK) is still alive a few
# seconds after prun has exited.
assert_no_leftovers() {
	local marker=${1:-$MARK} pids deadline=$((SECONDS + 5))
	while :; do
		pids="$(leftover_pids "$marker")"
		[[ -z $pids ]] && return 0
		[[ $SECONDS -ge $deadline ]] && break
		sleep 0.05
	done
	# shellcheck disable=SC2086
	fail "$(printf 'processes left running:\n'; ps -o pid,ppid,pgid,sid,args -p "$(echo $pids | tr ' ' ,)")"
}

# assert_prun_error PATTERN: the last run_prun --separate-stderr was refused
# with exit 255, nothing on stdout, and exactly one line on stderr that
# starts with "prun: " and matches the extended regex PATTERN.
# shellcheck disable=SC2154 # output and stderr_lines are set by bats' run
assert_prun_error() {
	assert_equal "$status" 255
	assert_equal "$output" ""
	assert_equal "${#stderr_lines[@]}" 1
	[[ ${stderr_lines[0]} == "prun: "* ]] ||
		fail "error does not start with 'prun: ': ${stderr_lines[0]}"
	[[ ${stderr_lines[0]} =~ $1 ]] ||
		fail "error does not match /$1/: ${stderr_lines[0]}"
}

# prun_rss FILE ARGS...: run prun under /usr/bin/time with stdout to $OUT (or
# BG_STDOUT) and write its peak RSS in KiB to FILE; sets $status.  The
# figure is the largest of prun's own and that of the descendants it reaped
# (getrusage's rule), so it bounds the supervisor's from above.
prun_rss() {
	local f=$1
	shift
	status=0
	env "PRUN_TEST_MARK=$MARK" timeout -k 5 "${PRUN_TIMEOUT:-120}" \
	    in-session "$SIDS" /usr/bin/time -f %M -o "$f" "$PRUN" "$@" \
	    >"${BG_STDOUT:-$OUT}" 2>"$ERR" || status=$?
}

# joblog_field LOG SEQ N: field N of SEQ's row in the joblog LOG.
joblog_field() {
	awk -F'\t' -v s="$2" -v n="$3" '$1 == s { print $n }' "$1"
}

# screen FILE: replay the bytes in FILE on an imaginary terminal and print
# what it shows at the end, one line per screen line, the cursor's line
# last.  Knows \r, \n, ESC[K and ESC[...m; any other escape is an error.
screen() {
	perl -e '
		local $/; $_ = <STDIN>; my @l; my $cur = ""; my $col = 0;
		while (length) {
			if (s/^\r//) { $col = 0; next }
			if (s/^\n//) { push @l, $cur; $cur = ""; $col = 0; next }
			if (s/^\e\[K//) { substr($cur, $col) = "" if $col < length $cur; next }
			if (s/^\e\[[0-9;]*m//) { next }
			die "unknown escape\n" if /^\e/;
			s/^([^\r\n\e]+)//; my $t = $1;
			$cur .= " " x ($col - length $cur) if $col > length $cur;
			substr($cur, $col, length $t) = $t; $col += length $t;
		}
		print "$_\n" for @l; print "$cur\n";' <"$1"
}
