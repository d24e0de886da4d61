#!/usr/bin/env bats
#
# --json FILE: one JSON object per line for each event of the run (schema
# version 1, documented in prun(1)), every line parsed by jq whatever bytes
# the commands hold; "-" puts the events on stdout and job output on stderr.

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

# each_line_parses FILE: every line of FILE is one JSON object on its own.
each_line_parses() {
	local n=0 line
	while IFS= read -r line; do
		n=$((n + 1))
		jq -e 'type == "object" and .v == 1' <<<"$line" >/dev/null ||
		    fail "line $n is not a version 1 JSON object: $line"
	done <"$1"
	[[ $n -gt 0 ]] || fail "$1 has no events"
}

# ev FILE FILTER: jq -r FILTER over the events of FILE, as one array.
ev() {
	jq -rs "$2" "$1"
}

@test "events for passes, failures, a signal and a timeout, with their fields" {
	jobs="$(mk_jobs mix.jobs 'echo ok' 'echo bad >&2; exit 3' 'kill -9 $$' \
	    'sleep 30')"
	prun_files -j 4 --timeout 1 --json "$T/ev.json" "$jobs"
	assert_equal "$status" 3
	each_line_parses "$T/ev.json"
	run ev "$T/ev.json" 'map(.event) | join(" ")'
	assert_output --regexp '^run_start (job_(start|end) ){8}run_end$'
	run ev "$T/ev.json" '.[0] | [.version, .jobs, .workers, .total,
	    (.host | length > 0), (.pid | type)] | map(tostring) | join(" ")'
	assert_output "$("$PRUN" --version | cut -d' ' -f2) 4 4 4 true number"
	run ev "$T/ev.json" 'map(select(.event == "job_start")) | sort_by(.seq) |
	    map("\(.seq) \(.slot >= 1) \(.attempt) \(.pid > 0) \(.command)")[]'
	assert_output $'1 true 1 true echo ok\n2 true 1 true echo bad >&2; exit 3\n3 true 1 true kill -9 $$\n4 true 1 true sleep 30'
	run ev "$T/ev.json" 'map(select(.event == "job_end")) | sort_by(.seq) |
	    map("\(.seq) \(.result) \(.exit) \(.signal) \(.signal_name) \(.out_bytes) \(.err_bytes) \(.retry)")[]'
	assert_line --index 0 '1 ok 0 null null 3 0 false'
	assert_line --index 1 '2 failed 3 null null 0 4 false'
	assert_line --index 2 '3 signal null 9 SIGKILL 0 0 false'
	assert_line --index 3 --regexp '^4 timeout null [0-9]+ SIG[A-Z]+ 0 0 false$'
	run ev "$T/ev.json" 'map(select(.event == "job_end") |
	    (.runtime >= 0 and .start > 1e9 and .time >= .start)) | all'
	assert_output true
	run ev "$T/ev.json" '.[-1] | "\(.total) \(.ok) \(.failed) \(.skipped) \(.exit) \(.signal) \(.stopped) \(.wall > 0)"'
	assert_output '4 1 3 0 3 null null true'
	assert_no_leftovers
}

@test "the event stream changes neither stdout, stderr nor the exit status" {
	jobs="$(mk_jobs same.jobs 'echo a; echo e >&2' 'exit 4' 'echo b')"
	prun_files -k -j 2 "$jobs"
	want_status=$status
	cp "$OUT" "$T/want.out"
	cp "$ERR" "$T/want.err"
	prun_files -k -j 2 --json "$T/ev.json" "$jobs"
	assert_equal "$status" "$want_status"
	run cmp "$OUT" "$T/want.out"
	assert_success
	run cmp "$ERR" "$T/want.err"
	assert_success
	each_line_parses "$T/ev.json"
}

@test "hostile bytes in commands: every string parses and keeps what it can" {
	# Raw bytes in the job lines: quote, backslash, tab, ESC, ^A, DEL,
	# valid UTF-8, and invalid UTF-8 (a lone 0xff, a cut sequence, a
	# surrogate).
	printf 'true "q" \\ \t \033[1m \001 \177 caf\303\251 \377 \342\202 \355\240\200\n' \
	    >"$T/bytes.jobs"
	printf 'echo "</x>]]>&amp;"\n' >>"$T/bytes.jobs"
	prun_files -j 1 --json "$T/ev.json" "$T/bytes.jobs"
	assert_equal "$status" 0
	each_line_parses "$T/ev.json"
	run ev "$T/ev.json" '.[] | select(.event == "job_start" and .seq == 1) |
	    .command'
	assert_output "$(utf8 'true "q" \\ \t \e[1m \001 \177 caf\u00e9 \ufffd \ufffd \ufffd\ufffd\ufffd')"
	run ev "$T/ev.json" '.[] | select(.event == "job_start" and .seq == 2) |
	    .command'
	assert_output 'echo "</x>]]>&amp;"'
	# Control bytes are escaped, never raw, on the line itself.
	run grep -c $'\e' "$T/ev.json"
	assert_output 0
	run grep -c '\\u001b\[1m' "$T/ev.json"
	assert_output 1
}

@test "--json -: stdout holds only events, job output goes to stderr" {
	jobs="$(mk_jobs out.jobs 'echo to-stdout' 'echo to-stderr >&2')"
	prun_files -k -j 2 --json - "$jobs"
	assert_equal "$status" 0
	each_line_parses "$OUT"
	run ev "$OUT" 'map(.event) | join(" ")'
	assert_output --regexp '^run_start (job_(start|end) ){4}run_end$'
	assert_equal "$(cat "$ERR")" $'to-stdout\nto-stderr'
}

@test "--json - with -u: ungrouped jobs write to stderr too" {
	jobs="$(mk_jobs ug.jobs 'echo direct')"
	prun_files -u --json - "$jobs"
	assert_equal "$status" 0
	each_line_parses "$OUT"
	assert_equal "$(cat "$ERR")" 'direct'
}

@test "--halt: a job_skip for each job not run, and why the run stopped" {
	jobs="$(mk_jobs halt.jobs 'exit 2' 'echo never1' 'echo never2')"
	prun_files -j 1 --halt soon,fail=1 --json "$T/ev.json" "$jobs"
	assert_equal "$status" 2
	each_line_parses "$T/ev.json"
	run ev "$T/ev.json" '.[] | select(.event == "job_skip") |
	    "\(.seq) \(.reason) \(.command)"'
	assert_output $'2 halted by --halt echo never1\n3 halted by --halt echo never2'
	run ev "$T/ev.json" '.[-1] | "\(.ok) \(.failed) \(.skipped) \(.exit) \(.stopped)"'
	assert_output '0 1 2 2 halted by --halt'
}

@test "interrupted: run_end carries the signal and prun's exit status" {
	jobs="$(mk_jobs int.jobs "touch $T/running; sleep 30" 'echo later')"
	start_prun_bg -j 1 --json "$T/ev.json" "$jobs" </dev/null
	wait_for_file "$T/running"
	# Events are flushed as they happen: the job's start is there now.
	wait_until 10 grep -q '"event":"job_start"' "$T/ev.json"
	kill -TERM "$PRUN_PID"
	wait_prun
	assert_equal "$status" 143
	each_line_parses "$T/ev.json"
	run ev "$T/ev.json" '.[-1] | "\(.event) \(.exit) \(.signal) \(.signal_name) \(.skipped) \(.stopped)"'
	assert_output 'run_end 143 15 SIGTERM 1 interrupted by SIGTERM'
	assert_no_leftovers
}

@test "--retries: one job_end per try, retry true on all but the last" {
	jobs="$(mk_jobs retry.jobs \
	    "if [ -e $T/once ]; then echo 2nd; else touch $T/once; exit 1; fi")"
	prun_files --retries 3 --json "$T/ev.json" "$jobs"
	assert_equal "$status" 0
	run ev "$T/ev.json" '.[] | select(.event == "job_end") |
	    "\(.seq) \(.attempt) \(.result) \(.retry)"'
	assert_output $'1 1 failed true\n1 2 ok false'
	run ev "$T/ev.json" '.[-1] | "\(.total) \(.ok) \(.failed)"'
	assert_output '1 1 0'
}

@test "a JSON path that cannot be written is an error before any job runs" {
	jobs="$(mk_jobs one.jobs "touch $T/ran")"
	run_prun --separate-stderr --json "$T/no/such/dir/ev.json" "$jobs"
	assert_prun_error "^prun: --json $T/no/such/dir/ev.json: No such file or directory$"
	assert [ ! -e "$T/ran" ]
	run_prun --separate-stderr --json - --joblog - "$jobs"
	assert_prun_error '^prun: --json - and --joblog -: '
	assert [ ! -e "$T/ran" ]
}

@test "--tagstring: job_start carries the job's tag" {
	jobs="$(mk_jobs tag.jobs 'echo a' 'echo b')"
	prun_files -j 1 --tagstring '{#}/{%}' --json "$T/ev.json" "$jobs"
	assert_equal "$status" 0
	run ev "$T/ev.json" '.[] | select(.event == "job_start") | .tag'
	assert_output $'1/1\n2/1'
	prun_files -j 1 --json "$T/ev.json" "$jobs"
	run ev "$T/ev.json" '.[] | select(.event == "job_start") | has("tag")'
	assert_output $'false\nfalse'
}

@test "--json - | head -1: the run stops as a filter does when its reader goes" {
	jobs="$(mk_jobs pipe.jobs 'sleep 0.3' 'sleep 30' 'sleep 30')"
	env "PRUN_TEST_MARK=$MARK" timeout -k 5 20 in-session "$SIDS" \
	    "$PRUN" -j 1 --json - "$jobs" 2>"$ERR" | head -n 1 >"$T/first"
	rc=${PIPESTATUS[0]}
	assert_equal "$rc" 141
	run jq -r .event "$T/first"
	assert_output run_start
	assert_no_leftovers
}
