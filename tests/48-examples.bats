#!/usr/bin/env bats
#
# Every example in examples/ runs as its header says ("# Run:  prun ...")
# and gives the result the header promises.  The command lines are taken
# from the files themselves, so the documentation cannot drift from what
# is tested.  An example that needs an option prun does not have yet is
# skipped, naming the option.

# shellcheck disable=SC2154,SC2016 # bats sets output; single quotes are meant

bats_require_minimum_version 1.5.0

# The examples this file knows how to check; a new one needs a test here.
KNOWN_EXAMPLES="ci-shards convert demo flaky resume ci/ci"

setup() {
	load helpers/common
	common_setup
	EX="$REPO_DIR/examples"
	# The examples write in the current directory: give them an empty one
	# (out and err in $T are prun's own output).
	mkdir "$T/work" || fail "cannot make $T/work"
	cd "$T/work" || fail "cannot cd to $T/work"
}

teardown() {
	common_teardown
}

# example_runs NAME: set RUNS to the prun command lines the header of
# examples/NAME.jobs documents ("# Run:  prun examples/NAME.jobs ARGS",
# and further "#   prun examples/NAME.jobs ARGS" lines), one per element,
# with the path made absolute.  Skip the test when one of them uses an
# option that is not in prun's option table.
example_runs() {
	local name=$1 line opt
	RUNS=()
	while IFS= read -r line; do
		RUNS+=("${line/examples\/$name.jobs/$EX/$name.jobs}")
	done < <(sed -n "s|^#\( Run:\)\{0,1\} *prun \(examples/$name\.jobs\b.*\)$|\2|p" \
	    "$EX/$name.jobs")
	[[ ${#RUNS[@]} -gt 0 ]] || fail "examples/$name.jobs has no '# Run:  prun examples/$name.jobs ...' line"
	"$PRUN" --list-options | cut -f1,2 | tr '\t' '\n' >"$T/opts"
	for line in "${RUNS[@]}"; do
		for opt in $line; do
			[[ $opt == -* ]] || continue
			grep -qx -- "$opt" "$T/opts" ||
				skip "$opt (used by examples/$name.jobs) is not in prun on this branch yet"
		done
	done
}

# run_example I: run the I-th documented command line of the example with
# stdout in $OUT and stderr in $ERR; sets $status.
run_example() {
	local -a argv
	read -r -a argv <<<"${RUNS[$1]}"
	prun_files "${argv[@]}"
}

# log_rows_at_least FILE N: FILE has at least N lines.
log_rows_at_least() {
	[[ -f $1 && $(wc -l <"$1") -ge $2 ]]
}

@test "every example has a Run line, a README line and a test here" {
	local f name
	for f in "$EX"/*.jobs "$EX"/*/*.jobs; do
		name=${f#"$EX"/}
		name=${name%.jobs}
		grep -Eq "^# Run: +prun examples/$name\.jobs" "$f" ||
			fail "examples/$name.jobs has no '# Run:  prun examples/$name.jobs ...' line"
		grep -q "(${name%%/*}[./]" "$EX/README.md" ||
			fail "examples/README.md does not describe $name.jobs"
		[[ " $KNOWN_EXAMPLES " == *" $name "* ]] ||
			fail "examples/$name.jobs is not checked by tests/48-examples.bats"
	done
}

@test "demo.jobs: eight jobs, each job's lines together" {
	example_runs demo
	run_example 0
	assert_equal "$status" 0
	run cat "$OUT"
	assert_equal "${#lines[@]}" 11
	assert_line --regexp '^job 2 ran on slot [1-8]$'
	assert_line --regexp '^job 3 \(slow\) ran on slot [1-8]$'
	# Job 5's two lines are adjacent.
	grep -A1 -x 'job 5: the sum of 1..100000 is' "$OUT" | tail -n 1 |
	    grep -qx 5000050000 || fail "job 5's output is split: $(cat "$OUT")"
	assert_no_leftovers
}

@test "convert.jobs: eight files converted, through per-slot scratch dirs" {
	example_runs convert
	run_example 0
	assert_equal "$status" 0
	assert_equal "$(wc -l <"$OUT")" 8
	local f n=0
	for f in Apache-2.0 Artistic BSD GFDL-1.3 GPL-2 GPL-3 LGPL-2.1 MPL-2.0; do
		grep -q "^out/$f.txt.gz: [0-9]* bytes, made in scratch/[1-4]$" "$OUT" ||
			fail "no line for $f: $(cat "$OUT")"
		cmp <(gzip -dc "out/$f.txt.gz") \
		    <(fold -s -w 72 "/usr/share/common-licenses/$f") ||
			fail "out/$f.txt.gz is not the reflowed licence"
		n=$((n + 1))
	done
	assert_equal "$(find out -type f | wc -l)" "$n"
	# Only the worker slots' scratch dirs, all empty again.
	run find scratch -mindepth 1
	[[ ${#lines[@]} -ge 1 && ${#lines[@]} -le 4 ]] || fail "scratch: $output"
	assert_equal "$(find scratch -type f | wc -l)" 0
}

@test "ci-shards.jobs: 24 tests in 4 shards, in shard order, with a joblog" {
	example_runs ci-shards
	run_example 0
	assert_equal "$status" 0
	assert_equal "$(grep -c '^ok ' "$OUT")" 24
	assert_equal "$(grep -c 'not ok' "$OUT")" 0
	# -k: shard 1's tests first (1 5 9 ...), shard 4's last.
	assert_equal "$(head -n 1 "$OUT")" "ok 1 - gzip round trip of 997 lines"
	assert_equal "$(tail -n 1 "$OUT")" "ok 24 - gzip round trip of 23928 lines"
	run cat shards.log
	assert_equal "${#lines[@]}" 5
	assert_line --index 0 "$(printf 'Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand')"
	assert_equal "$(awk -F'\t' 'NR > 1 && $7 == 0' shards.log | wc -l)" 4
}

@test "ci-shards.jobs: a failing shard is counted and found in the joblog" {
	example_runs ci-shards
	# Break one test of shard 3 (test 11).
	sed 's/^k=3; \(.*\)grep -qx \$n/k=3; \1grep -qx $((n + (i == 11)))/' \
	    "$EX/ci-shards.jobs" >broken.jobs
	grep -q 'i == 11' broken.jobs || fail "could not break shard 3"
	read -r -a argv <<<"${RUNS[0]/$EX\/ci-shards.jobs/broken.jobs}"
	prun_files "${argv[@]}"
	assert_equal "$status" 1
	grep -qx 'not ok 11 - gzip round trip of 10967 lines' "$OUT" ||
		fail "no 'not ok 11': $(cat "$OUT")"
	# The header's own awk line names the failed shard.
	run awk -F'\t' 'NR > 1 && $7 != 0 { print "shard " $1 " failed" }' shards.log
	assert_output "shard 3 failed"
}

@test "flaky.jobs without --retries: three jobs fail, exit 3" {
	prun_files "$EX/flaky.jobs"
	assert_equal "$status" 3
	assert_equal "$(grep -c 'connection reset' "$ERR")" 3
	assert_equal "$(cat flaky/libfoo.tar.gz)" 1
}

@test "flaky.jobs with --retries 3: every fetch succeeds on its third try" {
	example_runs flaky
	run_example 0
	assert_equal "$status" 0
	run cat "$OUT"
	assert_equal "${#lines[@]}" 3
	local a
	for a in libfoo libbar libbaz; do
		assert_line "fetched $a.tar.gz after 3 tries"
		assert_equal "$(cat "flaky/$a.tar.gz")" 3
	done
}

@test "resume.jobs: interrupted with SIGINT, resumed, every step done once" {
	example_runs resume
	[[ ${#RUNS[@]} -eq 2 ]] || fail "expected two Run lines: ${RUNS[*]}"
	local -a argv
	read -r -a argv <<<"${RUNS[0]}"
	start_prun_bg "${argv[@]}" </dev/null
	# Ctrl-C once some steps have finished (their joblog rows are there).
	wait_until 30 log_rows_at_least resume.log 5
	kill -INT "$PRUN_PID"
	wait_prun 30
	assert_equal "$status" 130
	local done1
	done1=$(wc -l <finished.txt)
	[[ $done1 -ge 4 && $done1 -lt 40 ]] || fail "$done1 steps done before the interrupt"
	assert_no_leftovers

	run_example 1
	assert_equal "$status" 0
	# Every step finished exactly once over the two runs.
	assert_equal "$(sort -n finished.txt | uniq | wc -l)" 40
	assert_equal "$(wc -l <finished.txt)" 40
	assert_equal "$(sort -n finished.txt | head -n 1)" 1
	assert_equal "$(sort -n finished.txt | tail -n 1)" 40
	# The second run ran only what the first had not finished.
	assert_equal "$(wc -l <"$OUT")" $((40 - done1))
}

@test "ci/ci.jobs: the checks pass and the JUnit report has a case per job" {
	example_runs ci/ci
	# It checks files of the source tree, from its top.
	cp -R "$REPO_DIR/man" "$REPO_DIR/completions" "$REPO_DIR/README.md" .
	run_example 0
	assert_equal "$status" 0
	command -v xmllint >/dev/null || skip "xmllint is not installed"
	run xmllint --xpath 'count(//testcase)' report.xml
	assert_output "$(grep -cv '^#' "$EX/ci/ci.jobs")"
	run xmllint --xpath 'count(//failure)' report.xml
	assert_output 0
}
