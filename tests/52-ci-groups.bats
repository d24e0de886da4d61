#!/usr/bin/env bats
#
# --ci-groups: each job's grouped output wrapped in the CI system's
# collapsible log section, GitHub Actions' ::group:: or GitLab CI's
# section_start/section_end, detected from GITHUB_ACTIONS / GITLAB_CI;
# failed jobs' GitLab sections left expanded.

# Job lines are written in single quotes, for the jobs' shell to expand;
# bats' run sets output, lines, stderr and stderr_lines.
# shellcheck disable=SC2016,SC2154

bats_require_minimum_version 1.5.0

setup() {
	load helpers/common
	common_setup
	# The suite itself may run in CI: start from no detection.
	unset GITHUB_ACTIONS GITLAB_CI
}

teardown() {
	common_teardown
}

@test "github: each job between ::group:: and ::endgroup::, failures titled" {
	jobs="$(mk_jobs gh.jobs 'echo a' 'echo b; echo e >&2; exit 2' \
	    'printf no-newline' 'true')"
	prun_files -k -j 2 --ci-groups github "$jobs"
	assert_equal "$status" 1
	cat >"$T/want" <<-'EOF'
	::group::echo a
	a
	::endgroup::
	::group::echo b; echo e >&2; exit 2 (failed: exit status 2)
	b
	::endgroup::
	::group::printf no-newline
	no-newline
	::endgroup::
	::group::true
	::endgroup::
	EOF
	run diff "$T/want" "$OUT"
	assert_success
	assert_equal "$(cat "$ERR")" $'e\nprun: 1 of 4 jobs failed: 2'
}

@test "gitlab: section_start/section_end, collapsed only when the job passed" {
	jobs="$(mk_jobs gl.jobs 'echo a' 'echo b; exit 3')"
	prun_files -k -j 2 --ci-groups gitlab "$jobs"
	assert_equal "$status" 1
	run cat -v "$OUT"
	assert_line --index 0 --regexp '^\^\[\[0Ksection_start:[0-9]{10}:prun_[0-9]+_1\[collapsed=true\]\^M\^\[\[0Kecho a$'
	assert_line --index 1 'a'
	assert_line --index 2 --regexp '^\^\[\[0Ksection_end:[0-9]{10}:prun_[0-9]+_1\^M\^\[\[0K$'
	assert_line --index 3 --regexp '^\^\[\[0Ksection_start:[0-9]{10}:prun_[0-9]+_2\^M\^\[\[0Kecho b; exit 3 \(failed: exit status 3\)$'
	assert_line --index 4 'b'
	assert_line --index 5 --regexp '^\^\[\[0Ksection_end:[0-9]{10}:prun_[0-9]+_2\^M\^\[\[0K$'
	assert_equal "${#lines[@]}" 6
	# A section's name is the same at both ends, its end not before its start.
	run awk -F: '{ n = $3; sub(/[[\r].*/, "", n) }
	    /section_start/ { s[n] = $2; ns++ }
	    /section_end/ { if (!(n in s) || $2 < s[n]) bad = 1; ne++ }
	    END { exit bad || ns != 2 || ne != 2 }' "$OUT"
	assert_success
}

@test "detected from GITHUB_ACTIONS and GITLAB_CI; --no-ci-groups turns it off" {
	jobs="$(mk_jobs det.jobs 'echo x')"
	GITHUB_ACTIONS=true prun_files "$jobs"
	assert_equal "$(cat "$OUT")" $'::group::echo x\nx\n::endgroup::'
	GITLAB_CI=true prun_files "$jobs"
	run grep -c 'section_start:' "$OUT"
	assert_output 1
	GITHUB_ACTIONS=true prun_files --no-ci-groups "$jobs"
	assert_equal "$(cat "$OUT")" 'x'
	GITHUB_ACTIONS=false prun_files "$jobs"
	assert_equal "$(cat "$OUT")" 'x'
	prun_files "$jobs"
	assert_equal "$(cat "$OUT")" 'x'
	# An explicit choice wins over detection.
	GITLAB_CI=true prun_files --ci-groups github "$jobs"
	assert_equal "$(cat "$OUT")" $'::group::echo x\nx\n::endgroup::'
}

@test "titles are one line: control characters in a command become spaces" {
	printf 'echo t # a\tb\033c\n' >"$T/ctl.jobs"
	prun_files --ci-groups github "$T/ctl.jobs"
	assert_equal "$status" 0
	assert_equal "$(head -n 1 "$OUT")" '::group::echo t # a b c'
	assert_equal "$(wc -l <"$OUT")" 3
}

@test "-u: sections need grouped output; detection just turns them off" {
	jobs="$(mk_jobs u.jobs 'echo u')"
	run_prun --separate-stderr -u --ci-groups github "$jobs"
	assert_prun_error '^prun: --ci-groups: needs grouped output'
	GITHUB_ACTIONS=true prun_files -u "$jobs"
	assert_equal "$status" 0
	assert_equal "$(cat "$OUT")" 'u'
	run_prun --separate-stderr --ci-groups circleci "$jobs"
	assert_prun_error "^prun: --ci-groups 'circleci': not github or gitlab$"
}

@test "with --json -, the markers go with the job output to stderr" {
	jobs="$(mk_jobs js.jobs 'echo j')"
	prun_files --json - --ci-groups github "$jobs"
	assert_equal "$status" 0
	run grep -c '::group::' "$OUT"
	assert_output 0
	assert_equal "$(cat "$ERR")" $'::group::echo j\nj\n::endgroup::'
}

@test "--tagstring titles the sections" {
	jobs="$(mk_jobs tag.jobs 'echo a')"
	prun_files --tagstring 'lint {#}' --ci-groups github "$jobs"
	assert_equal "$status" 0
	assert_equal "$(cat "$OUT")" $'::group::lint 1\nlint 1\ta\n::endgroup::'
}
