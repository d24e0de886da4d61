#!/usr/bin/env bats
#
# The failure summary: the last line on stderr, how many failed of how
# many and the first ten sequence numbers; -q leaves it out.

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

# jobs_failing N SEQ...: N jobs; those numbered SEQ fail and write stderr.
jobs_failing() {
	local n=$1 i
	shift
	for ((i = 1; i <= n; i++)); do
		if [[ " $* " == *" $i "* ]]; then
			echo "echo oops $i >&2; exit 1"
		else
			echo 'true'
		fi
	done >"$T/jobs"
}

@test "the summary names the failed jobs: prun: 3 of 120 jobs failed: 4 17 99" {
	jobs_failing 120 99 4 17
	run_prun --separate-stderr -j 4 "$T/jobs"
	assert_equal "$status" 3
	assert_equal "${stderr_lines[-1]}" "prun: 3 of 120 jobs failed: 4 17 99"
	assert_equal "$(grep -c '^prun:' <<<"$stderr")" 1
	assert_equal "$(grep -c '^oops' <<<"$stderr")" 3
}

@test "only the first ten seqs are named" {
	jobs_failing 40 3 5 7 9 11 13 15 17 19 21 23 25 27 29 31
	run_prun --separate-stderr -j 4 "$T/jobs"
	assert_equal "$status" 15
	assert_equal "${stderr_lines[-1]}" \
	    "prun: 15 of 40 jobs failed: 3 5 7 9 11 13 15 17 19 21 ..."
}

@test "-q and --quiet leave the summary out; no failure, no summary" {
	jobs_failing 5 2
	run_prun --separate-stderr -q "$T/jobs"
	assert_equal "$status" 1
	assert_equal "$stderr" "oops 2"
	run_prun --separate-stderr --quiet "$T/jobs"
	assert_equal "$stderr" "oops 2"
	jobs_failing 5
	run_prun --separate-stderr "$T/jobs"
	assert_success
	assert_equal "$stderr" ""
}

@test "every failed job is counted, one or many" {
	jobs=$(mk_jobs j 'true' 'true')
	run_prun --separate-stderr --shell /bin/false "$jobs"
	assert_equal "$status" 2
	assert_equal "${stderr_lines[-1]}" "prun: 2 of 2 jobs failed: 1 2"
	jobs=$(mk_jobs k 'exit 1')
	run_prun --separate-stderr "$jobs"
	assert_equal "${stderr_lines[-1]}" "prun: 1 of 1 job failed: 1"
}
