#!/usr/bin/env bats
#
# Exit status, GNU parallel's convention: 0 when every job succeeded, 1-100
# the number of failed jobs, 101 when more than 100 failed, 255 for prun's
# own errors.  A job fails when it exits non-zero or is killed by a signal.

# Job lines are written in single quotes, for the jobs' shell to expand;
# bats' run sets output, lines, stderr and stderr_lines.
# shellcheck disable=SC2016,SC2030,SC2031,SC2154

bats_require_minimum_version 1.5.0

setup() {
	load helpers/common
	common_setup
}

teardown() {
	common_teardown
}

# jobs_with FAILED OK: write $T/f.jobs with FAILED failing and OK succeeding
# jobs, mixed.
jobs_with() {
	# One awk, not a loop in bash: bats traces every command of a test.
	awk -v f="$1" -v o="$2" 'BEGIN {
		for (i = 0; i < f || i < o; i++) {
			if (i < f)
				print "false"
			if (i < o)
				print "true"
		}
	}' >"$T/f.jobs"
}

@test "exit 0 when every job succeeds" {
	jobs_with 0 20
	run_prun -j 4 "$T/f.jobs"
	assert_success
	assert_output ""
	assert_no_leftovers
}

@test "exit 3 when 3 jobs fail" {
	jobs="$(mk_jobs three.jobs 'true' 'exit 1' 'true' 'true' 'exit 2' \
	    'echo out; exit 7' 'true')"
	run_prun --separate-stderr -j 3 "$jobs"
	assert_failure 3
	assert_output "out"
	assert_no_leftovers
}

@test "the exit status is the number of failed jobs, for every count 0 to 100" {
	for n in $(seq 0 100); do
		jobs_with "$n" 2
		run_prun -j 4 "$T/f.jobs"
		[[ $status -eq $n ]] ||
			fail "$n failed jobs gave exit status $status"
	done
	assert_no_leftovers
}

@test "exit 101 when 101 or more jobs fail" {
	for n in 101 102 150 257; do
		jobs_with "$n" 3
		run_prun -j 4 "$T/f.jobs"
		[[ $status -eq 101 ]] ||
			fail "$n failed jobs gave exit status $status"
	done
	assert_no_leftovers
}

@test "every non-zero exit code of a job counts as one failure" {
	for range in "1 100" "101 200" "201 255"; do
		# shellcheck disable=SC2086 # two numbers
		seq $range | sed 's/^/exit /' >"$T/codes.jobs"
		echo 'exit 0' >>"$T/codes.jobs"
		# shellcheck disable=SC2086
		set -- $range
		run_prun -j 4 "$T/codes.jobs"
		assert_failure $(($2 - $1 + 1))
	done
	assert_no_leftovers
}

@test "a job killed by a signal counts as failed, for each common signal" {
	for sig in HUP INT QUIT ILL TRAP ABRT BUS FPE KILL USR1 SEGV USR2 \
	    PIPE ALRM TERM; do
		jobs="$(mk_jobs sig.jobs 'true' "kill -$sig \$\$; sleep 5" 'true')"
		run_prun -j 2 "$jobs"
		[[ $status -eq 1 ]] ||
			fail "a job killed by SIG$sig gave exit status $status"
	done
	assert_no_leftovers
}

@test "jobs killed by signals and jobs exiting non-zero add up" {
	jobs="$(mk_jobs mixed.jobs 'kill -TERM $$; sleep 5' 'exit 3' 'true' \
	    'kill -KILL $$; sleep 5' 'kill -SEGV $$; sleep 5' 'exit 255' \
	    'exit 0')"
	run_prun -j 3 "$jobs"
	assert_failure 5
	assert_no_leftovers
}

@test "a command that cannot be found or run fails" {
	: >"$T/notexec"
	chmod 644 "$T/notexec"
	jobs="$(mk_jobs nf.jobs 'prun-no-such-command-xyzzy' \
	    '/nonexistent/prun-no-such-program' "$T/notexec" 'true')"
	run_prun -j 2 "$jobs"
	assert_failure 3
	assert_no_leftovers
}

@test "exit 255 for prun's own errors, whatever the jobs would do" {
	jobs_with 0 2
	good="$T/f.jobs"
	run_prun -j abc "$good"
	assert_failure 255
	run_prun --no-such-option "$good"
	assert_failure 255
	run_prun "$good" "$T/missing.jobs"
	assert_failure 255
	run_prun "$T"
	assert_failure 255
	jobs_with 3 0
	run_prun -j '' "$T/f.jobs"
	assert_failure 255
	assert_no_leftovers
}
