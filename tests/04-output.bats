#!/usr/bin/env bats
#
# Output: grouped per job, stdout and stderr kept apart, never interleaved,
# written when the job finishes, spooled; completion order by default and
# input order with -k.

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

# prun_stdout_unread FILE... -- ARG...: run prun ARG... in the background
# with its stdout a pipe held open but not read until every FILE exists;
# then read it all into $T/got, and wait for prun (its exit in $status).
prun_stdout_unread() {
	local files=() f hold reader
	while [[ $1 != -- ]]; do
		files+=("$1")
		shift
	done
	shift
	rm -f "$T/pipe"
	mkfifo "$T/pipe"
	exec {hold}<>"$T/pipe"
	BG_STDOUT="$T/pipe" start_prun_bg "$@" </dev/null {hold}>&-
	for f in "${files[@]}"; do
		wait_for_file "$f"
	done
	cat <"$T/pipe" >"$T/got" 3>&- {hold}>&- &
	reader=$!
	exec {hold}>&-
	wait_prun
	wait "$reader"
}

@test "200 jobs: each job's output appears exactly once" {
	for i in $(seq 1 200); do
		echo "echo out-$i; echo err-$i >&2"
	done >"$T/many.jobs"
	prun_files -j 4 "$T/many.jobs"
	assert_equal "$status" 0
	seq 1 200 | sed 's/^/out-/' | sort >"$T/want.out"
	seq 1 200 | sed 's/^/err-/' | sort >"$T/want.err"
	run diff <(sort "$OUT") "$T/want.out"
	assert_success
	run diff <(sort "$ERR") "$T/want.err"
	assert_success
	assert_no_leftovers
}

@test "stdout goes to stdout and stderr to stderr" {
	jobs="$(mk_jobs sep.jobs 'echo o1; echo e1 >&2; echo o2' \
	    'echo e2 >&2; exit 1' 'echo o3')"
	prun_files -k -j 3 "$jobs"
	assert_equal "$status" 1
	assert_equal "$(cat "$OUT")" $'o1\no2\no3'
	# prun may add its own lines (a summary of the failures), not the jobs'.
	assert_equal "$(grep -v '^prun: ' "$ERR")" $'e1\ne2'
	assert_no_leftovers
}

@test "output is passed on as is: nothing added, no newline appended" {
	jobs="$(mk_jobs raw.jobs "printf 'abc'" 'true' "printf 'def'" \
	    "printf 'x\n\n'")"
	prun_files -k -j 3 "$jobs"
	assert_equal "$status" 0
	printf 'abcdefx\n\n' >"$T/want"
	run cmp "$OUT" "$T/want"
	assert_success
	assert [ ! -s "$ERR" ]
}

# burst_jobs N BURSTS: N jobs that each print BURSTS bursts on stdout and on
# stderr, sleeping between bursts, with half lines and a long line in each.
burst_jobs() {
	local n=$1 bursts=$2 j b
	for j in $(seq 1 "$n"); do
		printf 'for b in'
		for b in $(seq 1 "$bursts"); do printf ' %s' "$b"; done
		printf '; do printf "J%s-B%%s-" $b; sleep 0.05; ' "$j"
		printf 'echo "half"; printf "J%s-B%%s-long-%%s\\n" $b $(head -c 70000 /dev/zero | tr "\\0" x); ' "$j"
		printf 'echo "J%s-B$b-err" >&2; sleep 0.05; done\n' "$j"
	done
}

# assert_grouped FILE N: FILE holds the lines of jobs J1..JN, and the lines
# of each job form one contiguous block, complete and in order.
assert_grouped() {
	local file=$1 n=$2 runs j
	# The job of each line, with consecutive repeats folded: one entry per
	# block.  Each job must appear exactly once.
	runs="$(sed 's/^J\([0-9]*\)-.*/\1/' "$file" | uniq)"
	assert_equal "$(sort -n <<<"$runs")" "$(seq 1 "$n")"
	for j in $(seq 1 "$n"); do
		# Within its block, each job's lines are all there, in order.
		run diff <(grep "^J$j-" "$file") "$T/want.$j.$(basename "$file")"
		assert_success
	done
}

@test "jobs printing in bursts are never interleaved" {
	burst_jobs 8 4 >"$T/burst.jobs"
	for j in $(seq 1 8); do
		for b in 1 2 3 4; do
			echo "J$j-B$b-half"
			printf 'J%s-B%s-long-%s\n' "$j" "$b" \
			    "$(head -c 70000 /dev/zero | tr '\0' x)"
		done >"$T/want.$j.out"
		for b in 1 2 3 4; do echo "J$j-B$b-err"; done >"$T/want.$j.err"
	done
	prun_files -j 4 "$T/burst.jobs"
	assert_equal "$status" 0
	assert_grouped "$OUT" 8
	assert_grouped "$ERR" 8
	assert_no_leftovers
}

@test "a job's output is written when the job finishes, not before" {
	jobs="$(mk_jobs late.jobs \
	    "echo early; echo early-err >&2; touch '$T/printed'; waitfor '$T/release'; echo late")"
	start_prun_bg "$jobs" </dev/null
	wait_for_file "$T/printed"
	# The job has printed and is still running: nothing may be out yet.
	assert [ ! -s "$OUT" ]
	assert [ ! -s "$ERR" ]
	touch "$T/release"
	wait_prun
	assert_equal "$status" 0
	assert_equal "$(cat "$OUT")" $'early\nlate'
	assert_equal "$(cat "$ERR")" 'early-err'
	assert_no_leftovers
}

@test "default order is completion order: a fast job listed second comes first" {
	jobs="$(mk_jobs order.jobs \
	    "waitgrep fast '$OUT' && echo slow" \
	    "echo fast")"
	prun_files -j 2 "$jobs"
	assert_equal "$status" 0
	assert_equal "$(cat "$OUT")" $'fast\nslow'
	assert_no_leftovers
}

@test "default order follows completion, in reverse of input" {
	# Job i finishes only once prun has printed job i+1's output.
	: >"$T/rev.jobs"
	for i in 1 2 3; do
		echo "waitgrep out-$((i + 1)) '$OUT' && echo out-$i" >>"$T/rev.jobs"
	done
	echo "echo out-4" >>"$T/rev.jobs"
	prun_files -j 4 "$T/rev.jobs"
	assert_equal "$status" 0
	assert_equal "$(cat "$OUT")" $'out-4\nout-3\nout-2\nout-1'
	assert_no_leftovers
}

@test "-k prints in input order while the jobs run in parallel" {
	# Job i waits until job i+1 has finished, so the jobs finish in reverse
	# order, and all four must run at once (with fewer workers they would
	# wait for one another until waitfor gives up).
	: >"$T/k.jobs"
	for i in 1 2 3; do
		echo "waitfor '$T/done.$((i + 1))' && echo out-$i && echo err-$i >&2 && touch '$T/done.$i'" >>"$T/k.jobs"
	done
	echo "echo out-4; echo err-4 >&2; touch '$T/done.4'" >>"$T/k.jobs"
	prun_files -k -j 4 "$T/k.jobs"
	assert_equal "$status" 0
	assert_equal "$(cat "$OUT")" $'out-1\nout-2\nout-3\nout-4'
	assert_equal "$(cat "$ERR")" $'err-1\nerr-2\nerr-3\nerr-4'
	rm -f "$T"/done.*
	prun_files --keep-order -j 4 "$T/k.jobs"
	assert_equal "$status" 0
	assert_equal "$(cat "$OUT")" $'out-1\nout-2\nout-3\nout-4'
	assert_no_leftovers
}

@test "-k keeps input order over many jobs of varied length" {
	for i in $(seq 1 60); do
		if ((i % 7 == 1)); then
			echo "sleep 0.1; echo line-$i; echo err-$i >&2"
		else
			echo "echo line-$i; echo err-$i >&2"
		fi
	done >"$T/many.jobs"
	prun_files -k -j 4 "$T/many.jobs"
	assert_equal "$status" 0
	assert_equal "$(cat "$OUT")" "$(seq 1 60 | sed 's/^/line-/')"
	assert_equal "$(cat "$ERR")" "$(seq 1 60 | sed 's/^/err-/')"
	assert_no_leftovers
}

@test "the output of failed jobs is printed too" {
	jobs="$(mk_jobs fail.jobs 'echo out-a; echo err-a >&2; exit 4' \
	    'echo out-b; kill -KILL $$')"
	prun_files -k -j 2 "$jobs"
	assert_equal "$status" 2
	assert_equal "$(cat "$OUT")" $'out-a\nout-b'
	assert_equal "$(grep -v '^prun: ' "$ERR")" 'err-a'
}

@test "a job printing a lot is not held up while prun's stdout is not read" {
	# prun's stdout is a pipe that nobody reads until both jobs have
	# finished: their output must go to the spool, not wait on the pipe.
	head -c 3000000 /dev/urandom >"$T/blob"
	jobs="$(mk_jobs big.jobs "cat '$T/blob' && touch '$T/fin.1'" \
	    "cat '$T/blob' && touch '$T/fin.2'")"
	prun_stdout_unread "$T/fin.1" "$T/fin.2" -- -j 2 "$jobs"
	assert_equal "$status" 0
	cat "$T/blob" "$T/blob" >"$T/want"
	run cmp "$T/got" "$T/want"
	assert_success
	assert_no_leftovers
}

@test "a reader slow to take stdout holds up no later job; the output comes whole, in order" {
	# Job 1 prints more than a pipe holds and nobody reads prun's stdout
	# until job 4 has run: the jobs after job 1 must not wait for that.
	head -c 3000000 /dev/urandom >"$T/blob"
	local keep
	for keep in "" -k; do
		rm -f "$T/r2" "$T/r3" "$T/r4"
		jobs="$(mk_jobs slow.jobs "cat '$T/blob'" "echo two; touch '$T/r2'" \
		    "echo three; touch '$T/r3'" "echo four; touch '$T/r4'")"
		prun_stdout_unread "$T/r4" -- -j 1 ${keep:+"$keep"} "$jobs"
		assert_equal "$status" 0
		{ cat "$T/blob"; printf '%s\n' two three four; } >"$T/want"
		run cmp "$T/got" "$T/want"
		assert_success
	done
	assert_no_leftovers
}

@test "a job's output of 20 MB arrives intact" {
	head -c 20000000 /dev/urandom >"$T/blob"
	jobs="$(mk_jobs big.jobs "cat '$T/blob'" 'echo small')"
	prun_files -k -j 2 "$jobs"
	assert_equal "$status" 0
	{ cat "$T/blob"; echo small; } >"$T/want"
	run cmp "$OUT" "$T/want"
	assert_success
}

@test "spool files do not outlive the run" {
	mkdir "$T/tmp"
	for i in $(seq 1 20); do
		echo "head -c 100000 /dev/zero; echo err-$i >&2"
	done >"$T/spool.jobs"
	TMPDIR="$T/tmp" prun_files -j 4 "$T/spool.jobs"
	assert_equal "$status" 0
	assert_equal "$(wc -c <"$OUT")" 2000000
	run ls -A "$T/tmp"
	assert_output ""
}
