# fish completion for prun(1).
#
# One line per option of prun's option table (src/main.c); the test
# tests/45-docs.bats compares them with `prun --list-options`: the names,
# whether each takes an argument (-r or -x), and the fixed values (-a).

complete -c prun -s a -l arg-file -r -F -d 'read commands from FILE'
complete -c prun -s h -l help -d 'print help and exit'
complete -c prun -s j -l jobs -x -d 'run N jobs at once (N, N%, +N, -N, 0)'
complete -c prun -s k -l keep-order -d 'print output in input order'
complete -c prun -l max-jobs-per-worker -x -d 'replace a worker after it ran N jobs'
complete -c prun -s q -l quiet -d 'no failure summary on stderr'
complete -c prun -l shell -x -a '(__fish_complete_command)' -d 'run each line with PATH -c LINE'
complete -c prun -l termseq -x -d 'signals and waits that stop a job'
complete -c prun -l tmpdir -x -a '(__fish_complete_directories)' -d 'spool job output in DIR'
complete -c prun -s u -l ungroup -d 'pass output through as it comes'
complete -c prun -s V -l version -d 'print the version and exit'
