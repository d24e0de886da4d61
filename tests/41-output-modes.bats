#!/usr/bin/env bats
#
# The output modes side by side: --group (the default), -u and
# --line-buffer on the same jobs, and the combinations prun refuses.

# Job lines are written in single quotes, for the jobs' shell to expand.
# shellcheck disable=SC2016,SC2154

bats_require_minimum_version 1.5.0

setup() {
	load helpers/common
	common_setup
}

teardown() {
	common_teardown
}

# ping_pong: A and B take turns, each line waiting for the other's line in
# prun's output; B ends first and leaves half a line behind, which A waits
# for (grep takes an unended last line for a line) and then continues.
ping_pong() {
	mk_jobs pingpong.jobs \
	    'echo A1; waitgrep B1 "$OUT" 20; echo A2; waitgrep B2 "$OUT" 20; echo A3' \
	    'waitgrep A1 "$OUT" 20; echo B1; waitgrep A2 "$OUT" 20; printf B2'
}

@test "--lb: lines of two jobs alternate as they are written" {
	jobs="$(ping_pong)"
	prun_files --lb -j 2 "$jobs"
	assert_equal "$status" 0
	printf 'A1\nB1\nA2\nB2A3\n' >"$T/want"
	run cmp "$OUT" "$T/want"
	assert_success
	assert_no_leftovers
}

@test "-u: lines of two jobs alternate as they are written" {
	jobs="$(ping_pong)"
	prun_files -u -j 2 "$jobs"
	assert_equal "$status" 0
	printf 'A1\nB1\nA2\nB2A3\n' >"$T/want"
	run cmp "$OUT" "$T/want"
	assert_success
}

@test "--group: each job's output is whole, printed when it ends" {
	# A's half line is not printed when B's whole output is: A waits for
	# B's line in prun's output, which comes only once B has ended.
	jobs="$(mk_jobs grouped.jobs \
	    'printf "a1-"; touch "$T/a"; waitgrep b1 "$OUT" 20; echo a2; echo ae >&2' \
	    'waitfor "$T/a" 20; echo b1; echo be >&2')"
	prun_files --group -j 2 "$jobs"
	assert_equal "$status" 0
	printf 'b1\na1-a2\n' >"$T/want"
	run cmp "$OUT" "$T/want"
	assert_success
	assert_equal "$(cat "$ERR")" $'be\nae'
}

@test "-u: jobs write straight to prun's stdout and stderr" {
	jobs="$(mk_jobs direct.jobs 'echo out; echo err >&2; printf tail')"
	prun_files -u "$jobs"
	assert_equal "$status" 0
	assert_equal "$(cat "$OUT")" $'out\ntail'
	assert_equal "$(cat "$ERR")" 'err'
}

@test "-u and --lb need no spool directory; --group and -k --lb do" {
	jobs="$(mk_jobs spool.jobs 'echo ok')"
	run_prun --separate-stderr -u --tmpdir "$T/nonexistent" "$jobs"
	assert_success
	assert_output ok
	run_prun --separate-stderr --lb --tmpdir "$T/nonexistent" "$jobs"
	assert_success
	assert_output ok
	run_prun --separate-stderr --group --tmpdir "$T/nonexistent" "$jobs"
	assert_prun_error 'nonexistent'
	run_prun --separate-stderr -k --lb --tmpdir "$T/nonexistent" "$jobs"
	assert_prun_error 'nonexistent'
}

@test "contradicting modes are refused before any job runs" {
	jobs="$(mk_jobs never.jobs 'touch "$T/ran"')"
	for pair in '-u --lb' '--line-buffer -u' '--group -u' '-u --group' \
	    '--group --lb' '--lb --group'; do
		# shellcheck disable=SC2086 # two options
		run_prun --separate-stderr $pair "$jobs"
		assert_prun_error 'cannot be combined with'
	done
	run_prun --separate-stderr -u --tag "$jobs"
	assert_prun_error '^prun: --tag and --tagstring cannot be used with -u'
	run_prun --separate-stderr --tagstring '{#}' -u "$jobs"
	assert_prun_error '^prun: --tag and --tagstring cannot be used with -u'
	run_prun --separate-stderr -k -u "$jobs"
	assert_prun_error '^prun: -k cannot be used with -u'
	assert [ ! -e "$T/ran" ]
}

@test "GNU parallel refuses the same mode pairs" {
	command -v parallel >/dev/null || skip "GNU parallel is not installed"
	for pair in '-u --lb' '--group -u' '--group --lb'; do
		# shellcheck disable=SC2086 # two options
		run parallel --will-cite $pair echo ::: x
		assert_failure
		assert_output --partial 'cannot be combined with'
	done
}

@test "a mode given twice is no contradiction" {
	jobs="$(mk_jobs twice.jobs 'echo ok')"
	run_prun --separate-stderr --lb --line-buffer "$jobs"
	assert_success
	assert_output ok
	run_prun --separate-stderr -u -u "$jobs"
	assert_success
	assert_output ok
}
