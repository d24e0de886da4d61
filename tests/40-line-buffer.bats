#!/usr/bin/env bats
#
# --line-buffer: output passed on as it comes, but only in whole lines, so
# that lines of different jobs never mix; an unfinished last line is still
# delivered when its job ends.  Jobs coordinate through files and through
# prun's own output ($OUT), so every ordering below is forced, not timed.

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

@test "--lb: a job's line reaches stdout while the job still runs" {
	# The job waits for its own first line in prun's output: grouped
	# output would hold it back until the job ends, and the job would
	# time out.
	jobs="$(mk_jobs live.jobs 'echo first; waitgrep first "$OUT" 20; echo second')"
	prun_files --line-buffer "$jobs"
	assert_equal "$status" 0
	printf 'first\nsecond\n' >"$T/want"
	run cmp "$OUT" "$T/want"
	assert_success
	assert_no_leftovers
}

@test "--lb: half a line waits while another job's whole line goes out" {
	# A prints half a line and tells B; B prints a whole line and ends;
	# A waits until B's line is out, then ends its own line.
	jobs="$(mk_jobs half.jobs \
	    'printf "a1-"; touch "$T/a"; waitgrep B1 "$OUT" 20; printf "a2\n"' \
	    'waitfor "$T/a" 20; echo B1')"
	prun_files --lb -j 2 "$jobs"
	assert_equal "$status" 0
	printf 'B1\na1-a2\n' >"$T/want"
	run cmp "$OUT" "$T/want"
	assert_success
}

@test "-u: the same jobs interleave within a line" {
	jobs="$(mk_jobs half.jobs \
	    'printf "a1-"; touch "$T/a"; waitgrep a1-B1 "$OUT" 20; printf "a2\n"' \
	    'waitfor "$T/a" 20; echo B1')"
	prun_files -u -j 2 "$jobs"
	assert_equal "$status" 0
	printf 'a1-B1\na2\n' >"$T/want"
	run cmp "$OUT" "$T/want"
	assert_success
}

@test "--lb: partial lines written with pauses never mix with other jobs' lines" {
	for j in 1 2 3 4; do
		printf 'for i in 1 2 3 4 5; do printf "J%s-$i-a"; sleep 0.05; printf "b"; sleep 0.02; printf "c\\n"; done\n' "$j"
	done >"$T/partial.jobs"
	prun_files --lb -j 4 "$T/partial.jobs"
	assert_equal "$status" 0
	# Every line whole, nothing else on stdout.
	run grep -cvE '^J[1-4]-[1-5]-abc$' "$OUT"
	assert_output 0
	assert_equal "$(wc -l <"$OUT")" 20
	# Each job's lines in its own order.
	for j in 1 2 3 4; do
		assert_equal "$(grep "^J$j-" "$OUT" | tr '\n' ' ')" \
		    "J$j-1-abc J$j-2-abc J$j-3-abc J$j-4-abc J$j-5-abc "
	done
}

@test "--lb: an unfinished last line is delivered when its job ends" {
	jobs="$(mk_jobs tail.jobs "printf 'x\\ny'" "printf 'lone'")"
	prun_files --lb -k "$jobs"
	assert_equal "$status" 0
	printf 'x\nylone' >"$T/want"
	run cmp "$OUT" "$T/want"
	assert_success
}

@test "--lb: stdout and stderr stay apart, each in whole lines" {
	jobs="$(mk_jobs streams.jobs \
	    'echo o1; printf "e1-" >&2; sleep 0.05; echo e2 >&2; printf "o2"')"
	prun_files --lb "$jobs"
	assert_equal "$status" 0
	printf 'o1\no2' >"$T/want.out"
	printf 'e1-e2\n' >"$T/want.err"
	run cmp "$OUT" "$T/want.out"
	assert_success
	run cmp "$ERR" "$T/want.err"
	assert_success
}

@test "--lb: a line longer than the buffer arrives whole when no one else writes" {
	jobs="$(mk_jobs long.jobs \
	    'head -c 300000 /dev/zero | tr "\0" x; sleep 0.05; head -c 1000 /dev/zero | tr "\0" y; echo')"
	prun_files --lb "$jobs"
	assert_equal "$status" 0
	{
		head -c 300000 /dev/zero | tr '\0' x
		head -c 1000 /dev/zero | tr '\0' y
		echo
	} >"$T/want"
	run cmp "$OUT" "$T/want"
	assert_success
}

@test "--lb: 40 jobs x 256 KiB of lines come through intact" {
	for j in $(seq 1 40); do
		echo "seq -f 'J$j-%06g-abcdefghijklmnopqrstuvwxyz' 1 8000"
	done >"$T/big.jobs"
	prun_files --lb -j 4 "$T/big.jobs"
	assert_equal "$status" 0
	for j in $(seq 1 40); do
		seq -f "J$j-%06g-abcdefghijklmnopqrstuvwxyz" 1 8000
	done | sort >"$T/want"
	sort "$OUT" >"$T/got"
	run cmp "$T/got" "$T/want"
	assert_success
	# Per job, its lines stay in order.
	run bash -c "grep '^J7-' '$OUT' | cmp - <(seq -f 'J7-%06g-abcdefghijklmnopqrstuvwxyz' 1 8000)"
	assert_success
}

@test "--lb: the joblog counts the bytes each job sent to stdout" {
	jobs="$(mk_jobs count.jobs "printf 'abc\\nde'; echo err >&2" 'head -c 100000 /dev/zero')"
	prun_files --lb -k --joblog "$T/log" "$jobs"
	assert_equal "$status" 0
	# Receive is the sixth column.
	assert_equal "$(awk -F'\t' 'NR > 1 { print $1, $6 }' "$T/log" | sort)" \
	    $'1 6\n2 100000'
}

@test "--lb: prun's stdout closing early stops the run" {
	jobs="$(mk_jobs closed.jobs 'yes' 'yes')"
	run -0 bash -c "env PRUN_TEST_MARK=$MARK timeout 30 '$PRUN' --lb -j 2 '$jobs' 2>/dev/null | head -n 5"
	assert_output $'y\ny\ny\ny\ny'
	assert_no_leftovers
}

@test "--line-buffer and --lb are the same option" {
	jobs="$(mk_jobs same.jobs 'echo first; waitgrep first "$OUT" 20; echo second')"
	prun_files --lb "$jobs"
	assert_equal "$status" 0
	assert_equal "$(cat "$OUT")" $'first\nsecond'
}
