#!/usr/bin/env bats
#
# Plain commands run without the shell: whatever the path, a job must end
# with the same output, error text and exit status as under sh -c, and
# --shell-always or another --shell must keep every line on the shell.

# shellcheck disable=SC2016,SC2154

bats_require_minimum_version 1.5.0

setup() {
	load helpers/common
	common_setup
}

teardown() {
	common_teardown
}

# A job file that exercises each way a plain command can end.
plain_jobs() {
	printf '#!/bin/sh\necho from-script "$@"\n' >"$T/noshebang"
	sed -i 1d "$T/noshebang"
	chmod +x "$T/noshebang"
	printf 'echo x\n' >"$T/notexec"
	chmod -x "$T/notexec"
	mk_jobs jobs \
	    '/bin/echo plain words, ok' \
	    'printenv PRUN_SEQ' \
	    'no-such-command-xyz a b' \
	    "$T/notexec" \
	    "$T/noshebang arg1" \
	    'ls /no/such/dir' \
	    'env -u PATH /bin/true' >/dev/null
}

@test "plain commands end the same with and without the shell" {
	plain_jobs
	run_prun --separate-stderr -k -j 2 "$T/jobs"
	local direct_status=$status direct_out=$output direct_err=$stderr
	run_prun --separate-stderr -k -j 2 --shell-always "$T/jobs"
	assert_equal "$direct_status" "$status"
	assert_equal "$direct_out" "$output"
	assert_equal "$direct_err" "$stderr"
	# And what that is, spelled out.
	assert_equal "$direct_status" 3
	assert_equal "$direct_out" "plain words, ok
2
from-script arg1"
	assert_equal "$(sed -n 1,2p <<<"$direct_err")" "/bin/sh: 1: no-such-command-xyz: not found
/bin/sh: 1: $T/notexec: Permission denied"
	assert_no_leftovers
}

@test "exit statuses 127 and 126 are the shell's, in the joblog too" {
	plain_jobs
	run_prun -k --joblog "$T/direct.log" -j 1 "$T/jobs"
	run_prun -k --joblog "$T/shell.log" -j 1 --shell-always "$T/jobs"
	run diff <(cut -f 1,7,8 "$T/direct.log") <(cut -f 1,7,8 "$T/shell.log")
	assert_success
	assert_equal "$(awk -F'\t' '$1 == 3 { print $7 }' "$T/direct.log")" 127
	assert_equal "$(awk -F'\t' '$1 == 4 { print $7 }' "$T/direct.log")" 126
}

@test "another --shell runs every line, plain ones too" {
	printf '#!/bin/sh\necho "$@" >>"%s/shell.calls"\nexec /bin/sh "$@"\n' \
	    "$T" >"$T/logsh"
	chmod +x "$T/logsh"
	mk_jobs jobs '/bin/echo one' '/bin/true' 'echo three' >/dev/null
	run_prun -k --shell "$T/logsh" "$T/jobs"
	assert_success
	assert_output "one
three"
	assert_equal "$(wc -l <"$T/shell.calls")" 3
	assert_equal "$(grep -c -x -e '-c /bin/echo one' -e '-c /bin/true' "$T/shell.calls")" 2
}

@test "lines with shell syntax or builtins still go through the shell" {
	mk_jobs jobs 'echo $PRUN_SEQ' 'x=1; echo "$x"' 'cd / && pwd' \
	    'echo a* | wc -w' 'true && echo after-true' 'exit 0' \
	    '/bin/echo "quoted  spaces"' '/bin/echo a\ b' >/dev/null
	touch "$T/a1" "$T/a2"
	run_prun -k -j 2 "$T/jobs"
	assert_success
	assert_output "1
1
/
2
after-true
quoted  spaces
a b"
}
