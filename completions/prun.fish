# fish completion for prun(1).
#
# One line per option of prun's option table (src/main.c); the test
# tests/45-docs.bats compares them with `prun --list-options`: the names,
# whether each takes an argument (-r or -x), and the fixed values (-a).

complete -c prun -s a -l arg-file -r -F -d 'read commands from FILE'
complete -c prun -l ci-groups -x -a 'github gitlab' -d 'fold each job'"'"'s output in a CI log section'
complete -c prun -l deadline -x -d 'stop the whole run after DURATION'
complete -c prun -l delay -x -d 'wait DURATION between job starts'
complete -c prun -l dry-run -d 'print the commands that would run; run nothing'
complete -c prun -l halt -x -a 'never now,fail=1 soon,fail=1 now,success=1 soon,success=1 now,done=1 soon,done=1' -d 'stop early'
complete -c prun -l halt-on-error -x -a '0 1 2' -d 'older --halt'
complete -c prun -s h -l help -d 'print help and exit'
complete -c prun -s j -l jobs -x -d 'run N jobs at once (N, N%, +N, -N, 0)'
complete -c prun -l joblog -r -F -d 'log each finished job to FILE (+FILE appends)'
complete -c prun -l json -r -F -d 'write JSON events, one a line, to FILE (- is stdout)'
complete -c prun -l junit -r -F -d 'write a JUnit XML report to FILE at the end'
complete -c prun -s k -l keep-order -d 'print output in input order'
complete -c prun -l max-jobs-per-worker -x -d 'replace a worker after it ran N jobs'
complete -c prun -l no-ci-groups -d 'no CI log sections, even in CI'
complete -c prun -s q -l quiet -d 'no failure summary on stderr'
complete -c prun -l results -x -a '(__fish_complete_directories)' -d 'store each job'"'"'s files in DIR/SEQ/'
complete -c prun -l resume -d 'skip the jobs already in --joblog'
complete -c prun -l resume-failed -d 'skip the jobs that succeeded in --joblog'
complete -c prun -l retries -x -d 'try a failing job up to N times in all'
complete -c prun -l retry-delay -x -d 'wait DURATION before a retry, doubling'
complete -c prun -l shell -x -a '(__fish_complete_command)' -d 'run each line with PATH -c LINE'
complete -c prun -l termseq -x -d 'signals and waits that stop a job'
complete -c prun -l timeout -x -d 'stop a job running longer than DURATION or N%'
complete -c prun -l tmpdir -x -a '(__fish_complete_directories)' -d 'spool job output in DIR'
complete -c prun -s u -l ungroup -d 'pass output through as it comes'
complete -c prun -s V -l version -d 'print the version and exit'
