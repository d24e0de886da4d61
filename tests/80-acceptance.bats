#!/usr/bin/env bats
#
# Gaps found by reading the core and accounting issues sentence by
# sentence against the binary and GNU parallel: -j N% rounds up, refused
# options are named as typed, --help and --version fail on a write error,
# and a timed-out job that exits non-zero of its own keeps its status in
# the joblog.

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

@test "-j N% of the CPUs is rounded up, as GNU parallel: 1.5 CPUs give 2 workers" {
	# A percentage that makes one and a half CPUs on any machine.
	pct=$(awk -v n="$NCPU" 'BEGIN { printf "%.6f", 150 / n }')
	mkdir "$T/started"
	jobs=$(for i in 1 2 3 4 5 6; do
		echo 'mkdir started/$PRUN_SEQ; waitfor go'
	done | mk_jobs j)
	start_prun_bg -j "$pct%" "$jobs" </dev/null
	wait_for_count "$T/started" 2
	# Workers are forked up front: prun's children are all of them.
	assert_equal "$(pgrep -P "$PRUN_PID" | wc -l)" 2
	touch "$T/go"
	wait_prun
	assert_equal "$status" 0
}

@test "-j 1% still runs one worker" {
	jobs=$(mk_jobs j 'echo $PRUN_SLOT' 'echo $PRUN_SLOT' 'echo $PRUN_SLOT')
	run_prun -j 1% "$jobs"
	assert_success
	assert_equal "$(sort -u <<<"$output")" 1
}

@test "a value given to an option that takes none is named as typed" {
	jobs=$(mk_jobs j true)
	run_prun --separate-stderr --keep-order=1 "$jobs"
	assert_prun_error '^prun: option --keep-order takes no argument$'
	run_prun --separate-stderr --dry-run=yes "$jobs"
	assert_prun_error '^prun: option --dry-run takes no argument$'
}

@test "an abbreviation that fits several options is refused, naming them" {
	jobs=$(mk_jobs j true)
	run_prun --separate-stderr --res "$jobs"
	assert_prun_error '^prun: option --res is ambiguous: .*--resume.*--results'
}

@test "unknown options and missing values: one line naming the option" {
	jobs=$(mk_jobs j true)
	run_prun --separate-stderr --bogus=1 "$jobs"
	assert_prun_error '^prun: unknown option --bogus '
	run_prun --separate-stderr --dry-run -Zk "$jobs"
	assert_prun_error '^prun: unknown option -Z '
	run_prun --separate-stderr "$jobs" --jobs
	assert_prun_error '^prun: option --jobs needs an argument$'
	run_prun --separate-stderr "$jobs" --timeout
	assert_prun_error '^prun: option --timeout needs an argument$'
}

@test "--help and --version that cannot be written exit 255 with one line" {
	[[ -w /dev/full ]] || skip "no /dev/full"
	for opt in --help --version; do
		run -255 --separate-stderr sh -c '"$1" "$2" >/dev/full' sh \
		    "$PRUN" "$opt"
		assert_equal "${#stderr_lines[@]}" 1
		assert_regex "${stderr_lines[0]}" '^prun: writing to stdout: '
	done
	run_prun --version
	assert_success
	assert_output --regexp '^prun [0-9]'
}

@test "--timeout: a job that catches TERM and exits 7 is logged 7, as GNU parallel" {
	jobs=$(mk_jobs j 'trap "exit 7" TERM; sleep 30 & wait' 'sleep 30')
	run_prun -q -j 2 --timeout 0.3 --joblog "$T/log" "$jobs"
	assert_equal "$status" 2
	assert_equal "$(joblog_field "$T/log" 1 7)/$(joblog_field "$T/log" 1 8)" "7/0"
	assert_equal "$(joblog_field "$T/log" 2 7)/$(joblog_field "$T/log" 2 8)" "-1/15"
	assert_no_leftovers
	command -v parallel >/dev/null || skip "GNU parallel is not installed"
	SHELL=/bin/sh timeout 60 parallel --will-cite -j 2 --timeout 0.3 \
	    --joblog "$T/glog" <"$jobs" >/dev/null 2>&1 || true
	assert_equal "$(joblog_field "$T/glog" 1 7)/$(joblog_field "$T/glog" 1 8)" "7/0"
	assert_equal "$(joblog_field "$T/glog" 2 7)/$(joblog_field "$T/glog" 2 8)" "-1/15"
}

@test "--halt now,fail=1 on such a job exits with its status, as GNU parallel" {
	jobs=$(mk_jobs j 'trap "exit 7" TERM; sleep 30 & wait')
	run_prun -q --timeout 0.3 --halt now,fail=1 "$jobs"
	assert_equal "$status" 7
}
