#!/usr/bin/env bats
#
# --timeout (a duration or N% of the median runtime), --termseq and
# --deadline: timers in the event loop that stop a job's whole process
# group.

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

@test "--timeout 1 on a job with a background child: back in under 5 s, nothing left" {
	jobs=$(mk_jobs j "sh -c 'sleep 100 & sleep 100' $MARK")
	SECONDS=0
	run_prun --timeout 1 --joblog "$T/log" "$jobs"
	[[ $SECONDS -lt 5 ]] || fail "took $SECONDS s"
	assert_equal "$status" 1
	assert_no_leftovers
	run pgrep -f "sleep 100' $MARK"
	assert_failure
	assert_equal "$(joblog_field "$T/log" 1 7)/$(joblog_field "$T/log" 1 8)" "-1/15"
}

@test "--timeout fires within 100 ms of the bound" {
	jobs=$(mk_jobs j 'sleep 30' 'sleep 30')
	run_prun -j 2 --timeout 0.5 --joblog "$T/log" "$jobs"
	assert_equal "$status" 2
	for s in 1 2; do
		rt=$(joblog_field "$T/log" "$s" 4)
		awk -v r="$rt" 'BEGIN { exit !(r >= 0.5 && r < 0.6) }' ||
			fail "job $s ran $rt s for a 0.5 s timeout"
	done
}

@test "jobs that end in time are not touched by --timeout" {
	jobs=$(mk_jobs j 'sleep 0.1; echo done')
	run_prun --timeout 5 "$jobs"
	assert_success
	assert_output "done"
}

@test "--termseq: a job that ignores TERM gets the next signal, then KILL" {
	jobs=$(mk_jobs j "trap '' TERM; sleep 30")
	run_prun --timeout 0.3 --termseq TERM,300,KILL,25 --joblog "$T/log" \
	    "$jobs"
	assert_equal "$status" 1
	assert_equal "$(joblog_field "$T/log" 1 7)/$(joblog_field "$T/log" 1 8)" "-1/9"
	rt=$(joblog_field "$T/log" 1 4)
	awk -v r="$rt" 'BEGIN { exit !(r >= 0.6 && r < 3) }' ||
		fail "ran $rt s"
	# Another first signal: the job dies of it.
	jobs=$(mk_jobs k 'sleep 30')
	run_prun --timeout 0.3 --termseq SIGINT,1000 --joblog "$T/log2" "$jobs"
	assert_equal "$(joblog_field "$T/log2" 1 7)/$(joblog_field "$T/log2" 1 8)" "-1/2"
	# A sequence that ends without KILL: SIGKILL still follows.
	jobs=$(mk_jobs l "trap '' TERM; sleep 30")
	run_prun --timeout 0.3 --termseq TERM,200 --joblog "$T/log3" "$jobs"
	assert_equal "$(joblog_field "$T/log3" 1 7)/$(joblog_field "$T/log3" 1 8)" "-1/9"
}

@test "--timeout N% is a share of the median runtime of succeeded jobs" {
	jobs=$(mk_jobs j 'sleep 0.2' 'sleep 0.2' 'sleep 0.2' 'sleep 30')
	SECONDS=0
	run_prun -j 1 --timeout 300% --joblog "$T/log" "$jobs"
	[[ $SECONDS -lt 10 ]] || fail "took $SECONDS s"
	assert_equal "$status" 1
	assert_equal "$(joblog_field "$T/log" 4 7)" "-1"
	rt=$(joblog_field "$T/log" 4 4)
	awk -v r="$rt" 'BEGIN { exit !(r >= 0.55 && r < 2) }' ||
		fail "ran $rt s for 300% of 0.2 s"
}

@test "--deadline bounds the whole run" {
	jobs=$(mk_jobs j 'true' "sleep 30 # $MARK" "sleep 30 # $MARK" \
	    "touch '$T/late'")
	SECONDS=0
	run_prun --separate-stderr -j 2 --deadline 1 --joblog "$T/log" "$jobs"
	[[ $SECONDS -lt 5 ]] || fail "took $SECONDS s"
	assert_equal "$status" 2
	assert_no_leftovers
	assert [ ! -e "$T/late" ]
	assert_equal "$(joblog_field "$T/log" 2 7)/$(joblog_field "$T/log" 2 8)" "-1/15"
	assert_equal "$(joblog_field "$T/log" 3 7)/$(joblog_field "$T/log" 3 8)" "-1/15"
	assert_equal "${stderr_lines[-1]}" "prun: 2 of 3 jobs failed: 2 3"
	# Cut short with no job failed: still not a success.
	jobs=$(mk_jobs k 'true' "touch '$T/late'")
	run_prun -j 1 --delay 5 --deadline 0.5 "$jobs"
	assert_equal "$status" 1
	assert [ ! -e "$T/late" ]
}

@test "--timeout, --termseq, --deadline: bad values give one line and exit 255" {
	jobs=$(mk_jobs j 'touch ran')
	for bad in abc 0 -1 1x 1e3 '' 0% %; do
		run_prun --separate-stderr --timeout "$bad" "$jobs"
		assert_prun_error '^prun: --timeout'
	done
	for bad in FOO TERM, TERM,x ,TERM TERM,-1 TERM,,KILL 100 ''; do
		run_prun --separate-stderr --termseq "$bad" "$jobs"
		assert_prun_error '^prun: --termseq'
	done
	for bad in abc 0 -5 10%; do
		run_prun --separate-stderr --deadline "$bad" "$jobs"
		assert_prun_error '^prun: --deadline'
	done
	assert [ ! -e "$T/ran" ]
}
