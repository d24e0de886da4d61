#!/usr/bin/env bats
#
# Acceptance checks of the output, report, robustness and admission issues,
# from their text: gaps found by probing the built binary from outside.

# Job lines are written in single quotes, for the jobs' shell to expand.
# shellcheck disable=SC2016

bats_require_minimum_version 1.5.0

setup() {
	load helpers/common
	common_setup
}

teardown() {
	common_teardown
}

# on_tty CMD: run the shell command CMD on a fresh pseudo-terminal of 100
# columns, with prun's path in $P; what the terminal received goes to
# $T/tty.
on_tty() {
	command -v script >/dev/null || skip "script(1) is not installed"
	P=$PRUN timeout -k 5 60 script -qfec "stty cols 100; $1" /dev/null \
	    >"$T/tty" </dev/null || true
}

@test "--bar on a terminal: prun's messages during the run start a line of their own" {
	# A timeout, a --halt and the failure summary, each printed while the
	# bar is on the screen: the bar goes first, never ahead of the text.
	mk_jobs to.jobs 'sleep 30 # '"$MARK" 'sleep 0.3; exit 3' 'echo three' >/dev/null
	on_tty '$P --bar -j 2 --timeout 0.6 to.jobs >/dev/null'
	run screen "$T/tty"
	assert_success
	assert_line --regexp '^prun: job 1 timed out: sleep 30'
	assert_line --regexp '^prun: 2 of 3 jobs failed'
	refute_output --partial 'jobs/sprun:'
}

@test "--bar on a terminal: the SIGINT notice is not written behind the bar" {
	mk_jobs int.jobs 'touch "$T/s.$PRUN_SEQ"; sleep 30 # '"$MARK" \
	    'touch "$T/s.$PRUN_SEQ"; sleep 30 # '"$MARK" 'echo never' >/dev/null
	on_tty '$P --bar -j 2 int.jobs >/dev/null & p=$!
		while [ ! -e s.1 ] || [ ! -e s.2 ]; do sleep 0.05; done
		sleep 0.3; kill -INT $p; wait $p; echo "rc=$?"'
	run screen "$T/tty"
	assert_success
	assert_line --regexp '^prun: SIGINT: starting no new jobs, stopping 2 running$'
	assert_line 'rc=130'
	assert_no_leftovers
}

@test "--bar on a terminal: the --memfree waiting notice starts its own line" {
	on_tty '$P --bar --memfree 1000T --deadline 2.5 "'"$(mk_jobs m.jobs 'echo x')"'" >/dev/null'
	run screen "$T/tty"
	assert_success
	assert_line --regexp '^prun: waiting to start jobs: .*--memfree'
	assert_line --regexp '^prun: --deadline reached'
}

@test "--json: run_start gives the total of a regular command file, null for a pipe" {
	jobs="$(seq 10 | sed "s/^/echo /" | mk_jobs ten.jobs)"
	run_prun --separate-stderr -j 2 --json "$T/ev.json" "$jobs"
	assert_success
	run jq -c 'select(.event == "run_start") | [.total, .jobs]' "$T/ev.json"
	assert_output '[10,2]'
	run jq -c 'select(.event == "run_end") | .total' "$T/ev.json"
	assert_output 10
	run_prun --separate-stderr -j 2 --json "$T/ev2.json" < <(cat "$jobs")
	assert_success
	run jq -c 'select(.event == "run_start") | .total' "$T/ev2.json"
	assert_output null
}

@test "--help, as root without a pids cgroup: says --limit-procs binds nothing" {
	[[ $(id -u) -eq 0 ]] || skip "not root: RLIMIT_NPROC binds this user"
	run_prun --help
	assert_success
	if [[ $output =~ "--limit-procs (pids.max)" ||
	    $output =~ "--limit-procs goes through pids.max" ]]; then
		skip "a pids cgroup enforces --limit-procs here"
	fi
	[[ $(tr '\n' ' ' <<<"$output" | tr -s ' ') =~ "As root, --limit-procs (RLIMIT_NPROC) binds nothing." ]] ||
	    fail "--help does not say root is not bound: $output"
}

@test "--bar -u on a terminal: plain lines, never a redraw over the jobs' output" {
	# -u jobs write to the terminal whenever they like: a line redrawn
	# with \r would land on or over their text.
	mk_jobs u.jobs 'echo one; sleep 0.4; echo two' 'sleep 0.2; echo three' >/dev/null
	on_tty '$P --bar -u -j 2 u.jobs'
	run screen "$T/tty"
	assert_success
	assert_line one
	assert_line two
	assert_line three
	refute_output --partial $'\e'
	run perl -ne 'print if /\r(?!\n)/ || /\e/' "$T/tty"
	assert_output ''
	run screen "$T/tty"
	assert_line --regexp '^prun: 2/2 jobs done \(100%\)'
}
