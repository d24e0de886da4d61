#!/usr/bin/env bats
#
# --junit FILE: a JUnit XML report of the run, valid against the JUnit
# schema Jenkins validates with (tests/junit.xsd, checked by xmllint) and
# read back by a real consumer (junitparser, through helpers/junit-read),
# whatever the jobs did or printed; written also when the run is halted or
# interrupted; memory flat in the number of jobs.

# Job lines are written in single quotes, for the jobs' shell to expand;
# bats' run sets output, lines, stderr and stderr_lines.
# shellcheck disable=SC2016,SC2154

bats_require_minimum_version 1.5.0

setup() {
	load helpers/common
	common_setup
	XSD="$TESTS_DIR/junit.xsd"
	READ="$TESTS_DIR/helpers/junit-read"
}

teardown() {
	common_teardown
}

# valid FILE: FILE is well-formed XML and valid against the JUnit schema.
valid() {
	run xmllint --noout --schema "$XSD" "$1"
	assert_success
	assert_output --partial "validates"
}

# junit FILE: what the consumer read from FILE, as JSON in $J; its counts
# attributes must agree with the test cases it found.
junit() {
	J="$("$READ" "$1")" || fail "junit-read could not read $1"
	assert_equal "$(jq -c '[.tests, .failures, .errors, .skipped]' <<<"$J")" \
	    "$(jq -c '.counted | [.tests, .failures, .errors, .skipped]' <<<"$J")"
	assert_equal "$(jq .suites <<<"$J")" 1
}

# counts: "tests failures errors skipped" as the report's suite says.
counts() {
	jq -r '"\(.tests) \(.failures) \(.errors) \(.skipped)"' <<<"$J"
}

# case N FIELD: FIELD of the Nth test case (1-based), raw.
case_field() {
	jq -r --argjson n "$1" ".cases[\$n - 1].$2" <<<"$J"
}

@test "passes, failures and a signal: valid, counted, each job one test case" {
	jobs="$(mk_jobs mix.jobs 'echo ok' 'echo bad >&2; exit 3' \
	    'kill -9 $$' 'echo fine; echo warn >&2')"
	prun_files -k -j 4 --junit "$T/r.xml" "$jobs"
	assert_equal "$status" 2
	valid "$T/r.xml"
	junit "$T/r.xml"
	assert_equal "$(counts)" "4 2 0 0"
	# Input order is not guaranteed: find each case by name.
	run jq -r '.cases[] | [.name, .result, .type // "-",
	    .message // "-"] | join("|")' <<<"$J"
	assert_line 'echo ok|pass|-|-'
	assert_line 'echo bad >&2; exit 3|failure|exit|exit status 3'
	assert_line 'kill -9 $$|failure|signal|killed by signal 9 (SIGKILL)'
	assert_line 'echo fine; echo warn >&2|pass|-|-'
	run jq -r '.cases[] | select(.name == "echo bad >&2; exit 3") |
	    .text, .err' <<<"$J"
	assert_output $'bad\n\nbad'
	run jq -r '.cases[] | select(.name | startswith("echo fine")) |
	    .out, .err, .classname' <<<"$J"
	assert_output "$(printf 'fine\n\nwarn\n\n%s' "$jobs")"
	run jq -r '.cases[] | .time' <<<"$J"
	refute_output --regexp '(^|\n)(null|-)'
	assert [ ! -e "$T/r.xml.tmp" ]
}

@test "the report changes neither stdout, stderr nor the exit status" {
	jobs="$(mk_jobs same.jobs 'echo a; echo e >&2' 'exit 4' 'echo b')"
	prun_files -k -j 2 "$jobs"
	want_status=$status
	cp "$OUT" "$T/want.out"
	cp "$ERR" "$T/want.err"
	prun_files -k -j 2 --junit "$T/r.xml" "$jobs"
	assert_equal "$status" "$want_status"
	run cmp "$OUT" "$T/want.out"
	assert_success
	run cmp "$ERR" "$T/want.err"
	assert_success
	valid "$T/r.xml"
}

@test "a timed-out job is a failure of type timeout" {
	jobs="$(mk_jobs tmo.jobs 'sleep 30' 'true')"
	prun_files -j 2 --timeout 0.3 --junit "$T/r.xml" "$jobs"
	assert_equal "$status" 1
	valid "$T/r.xml"
	junit "$T/r.xml"
	assert_equal "$(counts)" "2 1 0 0"
	run jq -r '.cases[] | select(.name == "sleep 30") |
	    "\(.result)|\(.type)|\(.message)"' <<<"$J"
	assert_output --regexp '^failure\|timeout\|timed out: killed by signal [0-9]+'
	assert_no_leftovers
}

@test "a job that cannot be started is an error" {
	jobs="$(mk_jobs err.jobs 'true')"
	# A shell whose interpreter is missing: exec fails with ENOENT.
	printf '#!/nonexistent/interpreter\n' >"$T/badsh"
	chmod +x "$T/badsh"
	prun_files --shell "$T/badsh" --junit "$T/r.xml" "$jobs"
	assert_equal "$status" 1
	valid "$T/r.xml"
	junit "$T/r.xml"
	assert_equal "$(counts)" "1 0 1 0"
	assert_equal "$(case_field 1 result)|$(case_field 1 type)" \
	    "error|not-started"
}

@test "--halt now: the job it stops and the jobs it never starts are skipped" {
	jobs="$(mk_jobs halt.jobs "waitfor $T/started; exit 1" \
	    "touch $T/started; sleep 30" 'echo never1' 'echo never2')"
	prun_files -j 2 --halt now,fail=1 --junit "$T/r.xml" "$jobs"
	assert_equal "$status" 1
	run grep -c never "$OUT"
	assert_output 0
	valid "$T/r.xml"
	junit "$T/r.xml"
	assert_equal "$(counts)" "4 1 0 3"
	run jq -r '.cases[] | "\(.name)|\(.result)|\(.message)"' <<<"$J"
	assert_line "waitfor $T/started; exit 1|failure|exit status 1"
	assert_line --regexp "^touch $T/started; sleep 30\|skipped\|stopped: the run halted: killed by signal"
	assert_line 'echo never1|skipped|not run: halted by --halt'
	assert_line 'echo never2|skipped|not run: halted by --halt'
	assert_no_leftovers
}

@test "interrupted: the report is still written, jobs not run are skipped" {
	jobs="$(mk_jobs int.jobs 'echo first' "touch $T/running; sleep 30" \
	    'echo later1' 'echo later2' 'echo later3')"
	start_prun_bg -j 1 --junit "$T/r.xml" "$jobs" </dev/null
	wait_for_file "$T/running"
	assert [ -e "$T/r.xml.tmp" ]
	kill -INT "$PRUN_PID"
	wait_prun
	assert_equal "$status" 130
	valid "$T/r.xml"
	junit "$T/r.xml"
	assert_equal "$(counts)" "5 1 0 3"
	run jq -r '.cases[] | "\(.name)|\(.result)|\(.message)"' <<<"$J"
	assert_line 'echo first|pass|null'
	# SIGINT, or the SIGTERM that --termseq sends next if it survived.
	assert_line --regexp "^touch $T/running; sleep 30\|failure\|killed by signal (2 \(SIGINT\)|15 \(SIGTERM\))\$"
	assert_line 'echo later3|skipped|not run: interrupted by SIGINT'
	assert [ ! -e "$T/r.xml.tmp" ]
	grep -q '<property name="prun.exit" value="130"/>' "$T/r.xml"
	assert_no_leftovers
}

@test "hostile bytes in output and command: ]]> < & control bytes, bad UTF-8" {
	# The job line itself holds raw bytes: ESC, ^A, CR, 0xff, ']]>', '&'.
	printf 'printf %s; printf %s >&2; exit 1 # \033[1m\001\377 ]]> &<\n' \
	    "'a]]>b<c&d\\001\\033[31m\\377\\376\\303\\251 \"q\"\\r\\n'" \
	    "'e\\002\\355\\240\\200\\357\\277\\276\\tx\\n'" >"$T/bytes.jobs"
	prun_files --junit "$T/r.xml" "$T/bytes.jobs"
	assert_equal "$status" 1
	valid "$T/r.xml"
	run grep -c ']]>' "$T/r.xml"
	assert_output 0
	junit "$T/r.xml"
	assert_equal "$(counts)" "1 1 0 0"
	# Control bytes become control pictures (U+2400 + byte), bad UTF-8
	# becomes U+FFFD (one per ill-formed sequence), CR is kept.
	run jq -j '.cases[0].out' <<<"$J"
	assert_output "$(utf8 'a]]>b<c&d\u2401\u241b[31m\ufffd\ufffd\u00e9 "q"\r')"
	run jq -r '.cases[0].err == .cases[0].text, .cases[0].err' <<<"$J"
	assert_output "$(utf8 'true\ne\u2402\ufffd\ufffd\ufffd\ufffd\tx')"
	run jq -r '.cases[0].name' <<<"$J"
	assert_output --partial "$(utf8 'exit 1 # \u241b[1m\u2401\ufffd ]]> &<')"
}

@test "long output: the last 64 KiB is kept, after a note of what was cut" {
	jobs="$(mk_jobs long.jobs \
	    'head -c 100000 /dev/zero | tr "\0" x; echo; echo END')"
	prun_files --junit "$T/r.xml" "$jobs" >/dev/null
	assert_equal "$status" 0
	valid "$T/r.xml"
	junit "$T/r.xml"
	note="[prun: output cut: the first 34469 of 100005 bytes are not shown]"
	run jq -r '.cases[0].out | split("\n")[0]' <<<"$J"
	assert_output "$note"
	# The note, its newline, then exactly the last 65536 bytes.
	run jq -r '.cases[0].out | length' <<<"$J"
	assert_output $((${#note} + 1 + 65536))
	run jq -r '.cases[0].out | endswith("xxx\nEND\n")' <<<"$J"
	assert_output true
}

@test "a report path that cannot be written is an error before any job runs" {
	jobs="$(mk_jobs one.jobs "touch $T/ran")"
	run_prun --separate-stderr --junit "$T/no/such/dir/r.xml" "$jobs"
	assert_prun_error "^prun: --junit $T/no/such/dir/r.xml.tmp: No such file or directory$"
	assert [ ! -e "$T/ran" ]
	run_prun --separate-stderr --junit - "$jobs"
	assert_prun_error '^prun: --junit -: '
	assert [ ! -e "$T/ran" ]
}

@test "an old report is replaced whole, and only when the run ends" {
	echo 'old report' >"$T/r.xml"
	jobs="$(mk_jobs repl.jobs "waitfor $T/go" 'true')"
	start_prun_bg -j 2 --junit "$T/r.xml" "$jobs" </dev/null
	wait_for_file "$T/r.xml.tmp"
	assert_equal "$(cat "$T/r.xml")" 'old report'
	touch "$T/go"
	wait_prun
	assert_equal "$status" 0
	valid "$T/r.xml"
	assert [ ! -e "$T/r.xml.tmp" ]
}

@test "memory stays flat: 200,000 test cases take what 2,000 do" {
	# A halt at the first job: every other line of the file becomes a
	# skipped test case, streamed through the same writer as the others.
	# A sanitizer build keeps freed memory in quarantine: not here.
	export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0"
	{ echo 'exit 1'; seq 1 2000 | sed 's/^/echo /'; } >"$T/small.jobs"
	{ echo 'exit 1'; seq 1 200000 | sed 's/^/echo /'; } >"$T/big.jobs"
	prun_rss "$T/small.rss" -j 1 --halt now,fail=1 --junit "$T/small.xml" \
	    "$T/small.jobs"
	assert_equal "$status" 1
	prun_rss "$T/big.rss" -j 1 --halt now,fail=1 --junit "$T/big.xml" \
	    "$T/big.jobs"
	assert_equal "$status" 1
	small=$(tail -n 1 "$T/small.rss")
	big=$(tail -n 1 "$T/big.rss")
	echo "peak RSS: ${small} KiB for 2,001 test cases, ${big} KiB for 200,001"
	assert [ $((big - small)) -lt 2048 ]
	valid "$T/big.xml"
	run grep -c '<skipped ' "$T/big.xml"
	assert_output 200000
}

@test "--tagstring names the test cases" {
	jobs="$(mk_jobs tag.jobs 'echo a' 'exit 1')"
	prun_files -j 1 --tagstring 'step {#}: {}' --junit "$T/r.xml" "$jobs"
	assert_equal "$status" 1
	valid "$T/r.xml"
	junit "$T/r.xml"
	run jq -r '.cases[] | "\(.name)|\(.result)"' <<<"$J"
	assert_output $'step 1: echo a|pass\nstep 2: exit 1|failure'
}
