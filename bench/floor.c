/*
 * floor: the least a job runner can do, as a yardstick for bench/run.
 *
 * Reads a command file (one command per line) and runs each line as
 * "/bin/sh -c LINE", at most N at a time, reaping with waitpid(2).  There
 * is no output handling at all: jobs inherit stdout and stderr.  Whatever
 * a real runner spends beyond this is its own overhead.
 *
 * usage: floor [-dns] [-j N] FILE
 *
 *	-d	exec each line directly, its argv split on spaces, without a
 *		shell (the floor for a runner that skips the shell)
 *	-j N	run at most N jobs at a time (default 1)
 *	-n	dry run: print each command instead of running it
 *	-s	start jobs with posix_spawn(3) instead of fork(2) + exec
 *
 * Jobs get /dev/null as stdin.  Empty lines are skipped.  The exit status
 * is the number of failed jobs, at most 101, as with GNU parallel.
 */

#include <sys/types.h>
#include <sys/wait.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_ARGS 256

extern char **environ;

struct floor {
	int direct;
	int spawn;
	long running;
	long failed;
};

static void
usage(void)
{
	fprintf(stderr, "usage: floor [-dns] [-j N] FILE\n");
	exit(2);
}

/* Split line in place on spaces into argv; returns the argument count. */
static int
split(char *line, char **argv)
{
	int argc = 0;
	char *p = line;

	while (*p != '\0') {
		while (*p == ' ')
			*p++ = '\0';
		if (*p == '\0')
			break;
		if (argc == MAX_ARGS)
			errx(2, "too many arguments: %s", line);
		argv[argc++] = p;
		while (*p != '\0' && *p != ' ')
			p++;
	}
	argv[argc] = NULL;
	return argc;
}

static void
start(struct floor *fl, char *line)
{
	char *argv[MAX_ARGS + 1];
	char sh[] = "sh", dashc[] = "-c";
	char *shargv[] = { sh, dashc, line, NULL };
	char **av = shargv;
	const char *path = "/bin/sh";
	pid_t pid;
	int error;

	if (fl->direct) {
		if (split(line, argv) == 0)
			return;
		av = argv;
		path = argv[0];
	}
	if (fl->spawn) {
		if (fl->direct)
			error =
			    posix_spawnp(&pid, path, NULL, NULL, av, environ);
		else
			error =
			    posix_spawn(&pid, path, NULL, NULL, av, environ);
		if (error != 0) {
			/* The job failed to start: count it as failed. */
			warnx("posix_spawn %s: %s", path, strerror(error));
			fl->failed++;
			return;
		}
	} else {
		pid = fork();
		if (pid == -1)
			err(2, "fork");
		if (pid == 0) {
			if (fl->direct)
				execvp(path, av);
			else
				execv(path, av);
			warn("exec %s", path);
			_exit(errno == ENOENT ? 127 : 126);
		}
	}
	fl->running++;
}

/* Wait for one job to end. */
static void
reap(struct floor *fl)
{
	int status;

	while (waitpid(-1, &status, 0) == -1) {
		if (errno != EINTR)
			err(2, "waitpid");
	}
	fl->running--;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fl->failed++;
}

int
main(int argc, char *argv[])
{
	struct floor fl = { 0 };
	char *line = NULL, *end;
	size_t cap = 0;
	ssize_t len;
	long jobs = 1;
	int ch, dry = 0, fd;
	FILE *fp;

	while ((ch = getopt(argc, argv, "dj:ns")) != -1) {
		switch (ch) {
		case 'd':
			fl.direct = 1;
			break;
		case 'j':
			errno = 0;
			jobs = strtol(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || jobs < 1 ||
			    jobs > INT_MAX)
				errx(2, "-j %s: invalid", optarg);
			break;
		case 'n':
			dry = 1;
			break;
		case 's':
			fl.spawn = 1;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 1)
		usage();

	if ((fp = fopen(argv[0], "re")) == NULL)
		err(2, "%s", argv[0]);
	/* Jobs inherit stdin: make it /dev/null once, not once per job. */
	if ((fd = open("/dev/null", O_RDONLY)) == -1)
		err(2, "/dev/null");
	if (fd != STDIN_FILENO) {
		if (dup2(fd, STDIN_FILENO) == -1)
			err(2, "dup2");
		close(fd);
	}

	while ((len = getline(&line, &cap, fp)) != -1) {
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		if (len == 0)
			continue;
		if (dry) {
			puts(line);
			continue;
		}
		if (fl.running == jobs)
			reap(&fl);
		start(&fl, line);
	}
	if (ferror(fp))
		err(2, "%s", argv[0]);
	while (fl.running > 0)
		reap(&fl);
	free(line);
	fclose(fp);
	return fl.failed > 101 ? 101 : (int)fl.failed;
}
