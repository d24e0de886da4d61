#!/usr/bin/env bats
#
# -k with the other output modes.  -k --line-buffer does what GNU parallel
# does: the oldest job prints live, the ones after it are spooled and
# printed when their turn comes, then live if they still run.

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

@test "-k --lb: the oldest job prints live, a later one waits its turn" {
	# Job 2 prints and ends while job 1 runs; job 1 then prints again.
	# Without -k the order would be 1a 2a 1b.
	jobs="$(mk_jobs order.jobs \
	    'echo 1a; waitfor "$T/two-done" 20; echo 1b' \
	    'waitgrep 1a "$OUT" 20; echo 2a; touch "$T/two-done"')"
	prun_files -k --lb -j 2 "$jobs"
	assert_equal "$status" 0
	printf '1a\n1b\n2a\n' >"$T/want"
	run cmp "$OUT" "$T/want"
	assert_success
	assert_no_leftovers
}

@test "--lb without -k: the same jobs print in the order they write" {
	jobs="$(mk_jobs order.jobs \
	    'echo 1a; waitgrep 2a "$OUT" 20; echo 1b' \
	    'waitgrep 1a "$OUT" 20; echo 2a')"
	prun_files --lb -j 2 "$jobs"
	assert_equal "$status" 0
	printf '1a\n2a\n1b\n' >"$T/want"
	run cmp "$OUT" "$T/want"
	assert_success
}

@test "-k --lb: a job that becomes the oldest prints what it spooled, then live" {
	# Job 2 writes a line and half a line while job 1 runs, and goes on
	# running after job 1 ends: its spooled output must come out then,
	# while it still runs (it waits for it), and the rest live after it.
	jobs="$(mk_jobs catchup.jobs \
	    'echo 1a; waitfor "$T/two-wrote" 20; echo 1b' \
	    'echo 2a; printf "2b-"; touch "$T/two-wrote"; waitgrep 2a "$OUT" 20; printf "rest\n"; waitgrep 2b-rest "$OUT" 20; echo 2c')"
	prun_files -k --lb -j 2 "$jobs"
	assert_equal "$status" 0
	printf '1a\n1b\n2a\n2b-rest\n2c\n' >"$T/want"
	run cmp "$OUT" "$T/want"
	assert_success
	assert_no_leftovers
}

@test "-k --lb: stderr is kept in order too" {
	jobs="$(mk_jobs err.jobs \
	    'echo 1e >&2; waitfor "$T/two-done" 20; echo 1f >&2' \
	    'echo 2e >&2; touch "$T/two-done"')"
	prun_files -k --lb -j 2 "$jobs"
	assert_equal "$status" 0
	assert_equal "$(cat "$ERR")" $'1e\n1f\n2e'
}

@test "-k --lb: many jobs, input order, every byte" {
	for j in $(seq 1 30); do
		echo "sleep 0.0$((j % 7)); seq -f 'J$j-%g' 1 2000; printf 'J$j-end'"
	done >"$T/many.jobs"
	prun_files -k --lb -j 4 "$T/many.jobs"
	assert_equal "$status" 0
	for j in $(seq 1 30); do
		seq -f "J$j-%g" 1 2000
		printf 'J%s-end' "$j"
	done >"$T/want"
	run cmp "$OUT" "$T/want"
	assert_success
}

@test "-k --lb --tag: spooled and live lines are all tagged once" {
	jobs="$(mk_jobs tagged.jobs \
	    'echo 1a; waitfor "$T/two-wrote" 20; echo 1b' \
	    'printf "2a\n2b-"; touch "$T/two-wrote"; waitgrep "B	2a" "$OUT" 20; echo rest')"
	prun_files -k --lb -j 2 --tagstring B "$jobs"
	assert_equal "$status" 0
	printf 'B\t1a\nB\t1b\nB\t2a\nB\t2b-rest\n' >"$T/want"
	run cmp "$OUT" "$T/want"
	assert_success
}

@test "-k --tag (grouped): input order, every line tagged" {
	jobs="$(mk_jobs grouped.jobs 'sleep 0.2; echo a; echo b' 'echo c')"
	prun_files -k -j 2 --tagstring '{#}' "$jobs"
	assert_equal "$status" 0
	printf '1\ta\n1\tb\n2\tc\n' >"$T/want"
	run cmp "$OUT" "$T/want"
	assert_success
}

@test "-k --lb: output from a failed try that is retried is not kept" {
	# Job 2 fails on its first try while job 1 runs, and job 1 runs until
	# the second try has started: what the first try spooled is dropped,
	# as grouped output drops it.
	jobs="$(mk_jobs retry.jobs \
	    'waitfor "$T/second" 20; echo one' \
	    'if [ -e "$T/t" ]; then touch "$T/second"; echo second-try; else touch "$T/t"; echo first-try; exit 1; fi')"
	prun_files -k --lb -j 2 --retries 2 "$jobs"
	assert_equal "$status" 0
	assert_equal "$(cat "$OUT")" $'one\nsecond-try'
}
