#!/usr/bin/env bats
#
# --dry-run (print, in order, run nothing, stream in flat memory) and
# --delay (a timer between job starts, the loop running meanwhile).

# Job lines are written in single quotes, for the jobs' shell to expand;
# bats' run sets output, lines, stderr and stderr_lines.
# shellcheck disable=SC2016,SC2154

bats_require_minimum_version 1.5.0

setup() {
	load helpers/common
	common_setup
}

teardown() {
	common_teardown
}

# start_gaps JOBLOG: the ms between consecutive job starts, one a line, as
# the workers saw them (Starttime is rounded to the ms: a gap of exactly
# the delay may show 1 ms short).
start_gaps() {
	tail -n +2 "$1" | sort -n |
	    awk -F'\t' 'NR > 1 { printf "%d\n", ($3 - p) * 1000 + 0.5 } { p = $3 }'
}

# worker_of PID: the pid of prun PID's worker (-j 1), if it has started.
worker_of() {
	pgrep -P "$1" | head -n 1 | grep .
}

has_worker() {
	worker_of "$1" >/dev/null
}

@test "--dry-run prints the commands in order and runs nothing" {
	jobs=$(mk_jobs j "touch '$T/a'" '# a comment' '' "touch '$T/b' \\" \
	    "  '$T/c'" 'exit 3')
	run_prun --separate-stderr -j 4 --dry-run --joblog "$T/log" "$jobs"
	assert_success
	assert_equal "$stderr" ""
	assert_output "$(printf '%s\n' "touch '$T/a'" "touch '$T/b'   '$T/c'" \
	    'exit 3')"
	assert [ ! -e "$T/a" ]
	assert [ ! -e "$T/b" ]
	assert [ ! -e "$T/log" ]
}

@test "--dry-run with --resume leaves out the jobs already logged" {
	jobs=$(mk_jobs j 'true' 'false' 'true')
	printf 'Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand\n' >"$T/log"
	printf '1\t:\t1.000\t     0.001\t0\t0\t0\t0\ttrue\n2\t:\t1.000\t     0.001\t0\t0\t1\t0\tfalse\n' >>"$T/log"
	run_prun --dry-run --resume --joblog "$T/log" "$jobs"
	assert_success
	assert_output 'true'
	run_prun --dry-run --resume-failed --joblog "$T/log" "$jobs"
	assert_output $'false\ntrue'
	assert_equal "$(wc -l <"$T/log")" 3
}

@test "--dry-run streams a 1,000,000-line file in flat memory" {
	seq 1000000 | sed 's/^/echo /' >"$T/big"
	head -n 10000 "$T/big" >"$T/small"
	prun_rss "$T/rss.small" --dry-run "$T/small"
	prun_rss "$T/rss.big" --dry-run "$T/big"
	assert_equal "$status" 0
	cmp "$T/big" "$OUT"
	small=$(tail -n 1 "$T/rss.small")
	big=$(tail -n 1 "$T/rss.big")
	[[ $((big - small)) -lt 1024 ]] ||
		fail "peak RSS $small KiB for 10,000 lines, $big KiB for 1,000,000"
	# The same from a pipe.
	prun_rss "$T/rss.pipe" --dry-run < <(cat "$T/big")
	cmp "$T/big" "$OUT"
	pipe=$(tail -n 1 "$T/rss.pipe")
	[[ $((pipe - small)) -lt 1024 ]] ||
		fail "peak RSS $pipe KiB for 1,000,000 lines from a pipe"
}

@test "--delay spaces job starts" {
	jobs=$(mk_jobs j 'true' 'true' 'true')
	run_prun -j 3 --delay 0.3 --joblog "$T/log" "$jobs"
	assert_success
	# Start times as the workers saw them: 0.3 s apart, give or take the
	# time a worker takes to pick its job up.
	run start_gaps "$T/log"
	[[ ${#lines[@]} -eq 2 && ${lines[0]} -ge 299 && ${lines[1]} -ge 299 ]] ||
		fail "starts ${lines[*]} ms apart"
}

@test "--delay counts from when the last job started, however late its worker picked it up" {
	# Job 1 goes to a worker held stopped for longer than the delay: job 2
	# must still start 0.3 s after job 1 really did, not at once.
	mkfifo "$T/fifo"
	exec {w}<>"$T/fifo"
	start_prun_bg -j 1 --delay 0.3 --joblog "$T/log" "$T/fifo" </dev/null {w}>&-
	wait_until 30 has_worker "$PRUN_PID"
	kill -STOP "$(worker_of "$PRUN_PID")"
	printf 'true\ntrue\n' >&"$w"
	exec {w}>&-
	# What is measured here is a worker slow to start its job: hold it.
	sleep 0.6
	kill -CONT "$(worker_of "$PRUN_PID")"
	wait_prun 30
	assert_equal "$status" 0
	run start_gaps "$T/log"
	[[ ${#lines[@]} -eq 1 && ${lines[0]} -ge 299 ]] ||
		fail "starts ${lines[*]} ms apart"
	assert_no_leftovers
}

@test "--delay waits on a timer: finished jobs are collected meanwhile" {
	# Job 2 starts 1.5 s after job 1, and finds job 1's output printed.
	jobs=$(mk_jobs j 'echo first' "grep -q first '$OUT' && touch '$T/seen'")
	prun_files -j 2 --delay 1.5 "$jobs"
	assert_equal "$status" 0
	assert [ -e "$T/seen" ]
}

@test "--delay and --dry-run: bad values give one line and exit 255" {
	jobs=$(mk_jobs j "touch '$T/ran'")
	for bad in abc -1 1x '' 1e2 5%; do
		run_prun --separate-stderr --delay "$bad" "$jobs"
		assert_prun_error '^prun: --delay'
	done
	run_prun --separate-stderr --dry-run=yes "$jobs"
	assert_prun_error 'dry-run'
	assert [ ! -e "$T/ran" ]
}
