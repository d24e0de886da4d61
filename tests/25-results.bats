#!/usr/bin/env bats
#
# --results DIR: each job's output, status, command and timing under
# DIR/<seq>/, created safely whatever the command lines hold.

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

@test "each job's files are stored under DIR/SEQ/" {
	jobs=$(mk_jobs j 'printf "out\n1"; printf err >&2' 'exit 3' \
	    'kill -TERM $$')
	run_prun -j 3 --results "$T/res" "$jobs"
	assert_equal "$status" 2
	assert_equal "$(ls "$T/res" | sort -n | tr '\n' ' ')" "1 2 3 "
	assert_equal "$(ls "$T/res/1" | sort | tr '\n' ' ')" \
	    "cmd exitval runtime seq signal starttime stderr stdout "
	printf 'out\n1' | cmp - "$T/res/1/stdout"
	printf 'err' | cmp - "$T/res/1/stderr"
	assert_equal "$(cat "$T/res/1/cmd")" 'printf "out\n1"; printf err >&2'
	assert_equal "$(cat "$T/res/1/seq")" 1
	assert_equal "$(cat "$T/res/1/exitval") $(cat "$T/res/1/signal")" "0 0"
	assert_equal "$(cat "$T/res/2/exitval") $(cat "$T/res/2/signal")" "3 0"
	assert_equal "$(cat "$T/res/3/exitval") $(cat "$T/res/3/signal")" "0 15"
	assert [ ! -s "$T/res/2/stdout" ]
	[[ $(cat "$T/res/1/starttime") =~ ^[0-9]{10}\.[0-9]{3}$ ]]
	[[ $(cat "$T/res/1/runtime") =~ ^[0-9]+\.[0-9]{3}$ ]]
	# The output is still printed as usual, from the same spool.
	assert_line --index 0 "out"
}

@test "command lines with ../ and / write nothing outside DIR" {
	mkdir -p "$T/box/res" "$T/box/etc"
	jobs=$(mk_jobs j 'echo ../../etc/passwd /tmp/x ../x/../../y' \
	    'echo /; echo ..' 'printf "%s\n" ../../../../../../../tmp/z')
	find "$T/box" | sort >"$T/before"
	run_prun -j 2 --results "$T/box/res" "$jobs"
	assert_success
	# Only DIR/1..3 and their files are new.
	find "$T/box" | sort >"$T/after"
	run bash -c "comm -13 '$T/before' '$T/after' | sed 's|^$T/box/res/||' | grep -v '^[123]\(/[a-z]*\)\?$'"
	assert_output ""
	assert_equal "$(cat "$T/box/res/1/cmd")" \
	    'echo ../../etc/passwd /tmp/x ../x/../../y'
	assert_equal "$(cat "$T/box/res/1/stdout")" \
	    '../../etc/passwd /tmp/x ../x/../../y'
	assert_equal "$(cat "$T/box/res/2/stdout")" $'/\n..'
}

@test "symlinks planted in DIR are not followed" {
	mkdir -p "$T/res/1" "$T/elsewhere"
	echo precious >"$T/victim"
	ln -s "$T/victim" "$T/res/1/stdout"
	ln -s "$T/victim" "$T/res/1/cmd"
	ln -s "$T/elsewhere" "$T/res/2"
	jobs=$(mk_jobs j 'echo one' 'echo two')
	run_prun --separate-stderr -j 1 --results "$T/res" "$jobs"
	# Files are replaced, never written through.
	assert_equal "$(cat "$T/victim")" precious
	assert [ -f "$T/res/1/stdout" ] && assert [ ! -L "$T/res/1/stdout" ]
	assert_equal "$(cat "$T/res/1/stdout")" one
	# A directory that is a symlink is refused, and said so.
	assert_equal "$(ls -A "$T/elsewhere")" ""
	assert_equal "$status" 255
	[[ $stderr == *"res/2"* ]] || fail "stderr: $stderr"
	# The jobs' output itself still goes out.
	assert_output $'one\ntwo'
}

@test "--results keeps only the last try, and works with -k" {
	jobs=$(mk_jobs j "echo x >>'$T/runs'; echo \"try \$(wc -l <'$T/runs')\"; [ \$(wc -l <'$T/runs') -ge 2 ]" \
	    'sleep 0.2; echo slow')
	run_prun -j 2 -k --retries 2 --results "$T/res" "$jobs"
	assert_success
	assert_equal "$(cat "$T/res/1/stdout")" "try 2"
	assert_equal "$(cat "$T/res/1/exitval")" 0
	assert_equal "$(cat "$T/res/2/stdout")" "slow"
	assert_output $'try 2\nslow'
}

@test "--results: bad values give one line and exit 255 before any job" {
	jobs=$(mk_jobs j "touch '$T/ran'")
	: >"$T/afile"
	for bad in '' "$T/afile" "$T/afile/sub"; do
		run_prun --separate-stderr --results "$bad" "$jobs"
		assert_prun_error '^prun: --results'
	done
	run_prun --separate-stderr -u --results "$T/res" "$jobs"
	assert_prun_error '^prun: --results'
	assert [ ! -e "$T/ran" ]
}
