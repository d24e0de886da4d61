/*
 * prun: run the lines of a command file on a pool of prefork workers.
 *
 * main() parses the command line into struct prun_opts, checks what can be
 * checked before any job runs, and hands over to the supervisor.  The
 * option table below is the one list of options: --help is printed from
 * it, and the man page and completions are checked against it.
 */
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "prun.h"
#include "fd.h"
#include "limits.h"
#include "parse.h"
#include "supervisor.h"
#include "xmalloc.h"

extern char **environ;

enum {
	OPT_SHELL = 256,
	OPT_SHELL_ALWAYS,
	OPT_TMPDIR,
	OPT_MAX_JOBS_PER_WORKER,
	OPT_TERMSEQ,
	OPT_JOBLOG,
	OPT_RESUME,
	OPT_RESUME_FAILED,
	OPT_RETRIES,
	OPT_RETRY_DELAY,
	OPT_TIMEOUT,
	OPT_DEADLINE,
	OPT_HALT,
	OPT_HALT_ON_ERROR,
	OPT_RESULTS,
	OPT_DRY_RUN,
	OPT_DELAY,
	OPT_JUNIT,
	OPT_JSON,
	OPT_CI_GROUPS,
	OPT_NO_CI_GROUPS,
	OPT_GROUP,
	OPT_LINE_BUFFER,
	OPT_LB,
	OPT_TAG,
	OPT_TAGSTRING,
	OPT_BAR,
	OPT_PROGRESS,
	OPT_ETA,
	OPT_LOAD,
	OPT_MEMFREE,
	OPT_NOSWAP,
	OPT_NICE,
	OPT_LIMIT_MEM,
	OPT_LIMIT_CPU,
	OPT_LIMIT_PROCS,
	OPT_LIMIT_FILES,
	OPT_NO_CGROUP,
	OPT_PIN,
	OPT_JOBSERVER,
	OPT_NO_JOBSERVER,
	OPT_JOBSERVER_SERVE,
	OPT_HELP,
	OPT_VERSION,
	OPT_LIST_OPTIONS
};

struct optdef {
	const char *name;
	int val; /* short letter, or OPT_* */
	int has_arg;
	const char *arg;
	const char *topic;
	const char *help;
};

static const struct optdef optdefs[] = {
	{ "jobs", 'j', required_argument, "N", "Running jobs",
	    "run N jobs at once: N, N% of CPUs, +N, -N, 0 (max)" },
	{ "shell", OPT_SHELL, required_argument, "PATH", "Running jobs",
	    "run each line with PATH -c LINE (default /bin/sh)" },
	{ "shell-always", OPT_SHELL_ALWAYS, no_argument, NULL, "Running jobs",
	    "run every line through the shell, even plain commands" },
	{ "max-jobs-per-worker", OPT_MAX_JOBS_PER_WORKER, required_argument,
	    "N", "Running jobs", "replace a worker after it ran N jobs" },
	{ "tmpdir", OPT_TMPDIR, required_argument, "DIR", "Running jobs",
	    "spool job output in DIR (default $TMPDIR or /tmp)" },
	{ "delay", OPT_DELAY, required_argument, "DURATION", "Running jobs",
	    "wait DURATION between job starts" },
	{ "dry-run", OPT_DRY_RUN, no_argument, NULL, "Running jobs",
	    "print the commands that would run; run nothing" },
	{ "retries", OPT_RETRIES, required_argument, "N", "Failure policy",
	    "try a failing job up to N times in all (0: no limit)" },
	{ "retry-delay", OPT_RETRY_DELAY, required_argument, "DURATION",
	    "Failure policy",
	    "wait DURATION before a retry, doubling at each one" },
	{ "timeout", OPT_TIMEOUT, required_argument, "DURATION",
	    "Failure policy",
	    "stop a job running longer than DURATION, or N% of the median "
	    "runtime" },
	{ "termseq", OPT_TERMSEQ, required_argument, "SEQ", "Failure policy",
	    "signals and waits (ms) that stop a job "
	    "(default TERM,200,TERM,100,TERM,50,KILL,25)" },
	{ "deadline", OPT_DEADLINE, required_argument, "DURATION",
	    "Failure policy",
	    "stop the whole run after DURATION, as --timeout stops a job" },
	{ "halt", OPT_HALT, required_argument, "POLICY", "Failure policy",
	    "stop early: now|soon,fail|success|done=N|N% (default never)" },
	{ "halt-on-error", OPT_HALT_ON_ERROR, required_argument, "N",
	    "Failure policy",
	    "older --halt: 0 never, 1 soon,fail=1, 2 now,fail=1" },
	{ "joblog", OPT_JOBLOG, required_argument, "FILE", "Accounting",
	    "log each finished job to FILE as GNU parallel (+FILE appends)" },
	{ "resume", OPT_RESUME, no_argument, NULL, "Accounting",
	    "skip the jobs already in --joblog" },
	{ "resume-failed", OPT_RESUME_FAILED, no_argument, NULL, "Accounting",
	    "skip the jobs that succeeded in --joblog; rerun failed ones" },
	{ "results", OPT_RESULTS, required_argument, "DIR", "Accounting",
	    "store each job's output, status and timing in DIR/SEQ/" },
	{ "arg-file", 'a', required_argument, "FILE", "Input",
	    "read commands from FILE (as a file operand)" },
	{ "keep-order", 'k', no_argument, NULL, "Output",
	    "print output in input order, not completion order" },
	{ "group", OPT_GROUP, no_argument, NULL, "Output",
	    "print each job's output whole when it ends (default)" },
	{ "line-buffer", OPT_LINE_BUFFER, no_argument, NULL, "Output",
	    "print whole lines as they come (also --lb)" },
	{ "ungroup", 'u', no_argument, NULL, "Output",
	    "pass output through as it comes (may interleave)" },
	{ "tag", OPT_TAG, no_argument, NULL, "Output",
	    "prefix each output line with its command and a tab" },
	{ "tagstring", OPT_TAGSTRING, required_argument, "STR", "Output",
	    "prefix each output line with STR and a tab; {} is the command, "
	    "{#} its sequence number, {%} its slot" },
	{ "bar", OPT_BAR, no_argument, NULL, "Progress",
	    "show a progress bar on stderr" },
	{ "progress", OPT_PROGRESS, no_argument, NULL, "Progress",
	    "show running and done jobs on stderr" },
	{ "eta", OPT_ETA, no_argument, NULL, "Progress",
	    "show jobs left and the estimated time left on stderr" },
	{ "quiet", 'q', no_argument, NULL, "Output",
	    "no failure summary on stderr" },
	{ "junit", OPT_JUNIT, required_argument, "FILE", "Reports",
	    "write a JUnit XML report to FILE at the end" },
	{ "json", OPT_JSON, required_argument, "FILE", "Reports",
	    "write JSON events, one a line, to FILE (- is stdout)" },
	{ "ci-groups", OPT_CI_GROUPS, required_argument, "CI", "Reports",
	    "fold each job's output in a log section of CI: github or gitlab "
	    "(default: the CI prun runs in, if either)" },
	{ "no-ci-groups", OPT_NO_CI_GROUPS, no_argument, NULL, "Reports",
	    "no CI log sections, even in CI" },
	{ "load", OPT_LOAD, required_argument, "MAX", "Admission and limits",
	    "start jobs only while fewer than MAX tasks run (N, or N% of the "
	    "CPUs)" },
	{ "memfree", OPT_MEMFREE, required_argument, "SIZE",
	    "Admission and limits",
	    "start jobs only while more than SIZE of memory is available; "
	    "below SIZE/2 stop the youngest job and run it again later" },
	{ "noswap", OPT_NOSWAP, no_argument, NULL, "Admission and limits",
	    "start no job while the machine swaps in and out" },
	{ "nice", OPT_NICE, required_argument, "N", "Admission and limits",
	    "run jobs with niceness N added, as nice -n N" },
	{ "limit-mem", OPT_LIMIT_MEM, required_argument, "SIZE",
	    "Admission and limits", "limit each job's memory to SIZE" },
	{ "limit-cpu", OPT_LIMIT_CPU, required_argument, "SECONDS",
	    "Admission and limits",
	    "limit each process of a job to SECONDS of CPU time" },
	{ "limit-procs", OPT_LIMIT_PROCS, required_argument, "N",
	    "Admission and limits", "limit each job to N processes" },
	{ "limit-files", OPT_LIMIT_FILES, required_argument, "N",
	    "Admission and limits",
	    "limit each process of a job to N open files" },
	{ "no-cgroup", OPT_NO_CGROUP, no_argument, NULL, "Admission and limits",
	    "enforce the limits with setrlimit even where cgroups could" },
	{ "pin", OPT_PIN, no_argument, NULL, "Admission and limits",
	    "pin each worker and its jobs to one CPU, round robin" },
	{ "jobserver", OPT_JOBSERVER, no_argument, NULL, "Admission and limits",
	    "take a make -j token for each job beyond the first (default: "
	    "when MAKEFLAGS offers a jobserver)" },
	{ "no-jobserver", OPT_NO_JOBSERVER, no_argument, NULL,
	    "Admission and limits", "ignore make's jobserver" },
	{ "jobserver-serve", OPT_JOBSERVER_SERVE, no_argument, NULL,
	    "Admission and limits",
	    "give the jobs a jobserver, so make in a job shares -j" },
	{ "help", 'h', no_argument, NULL, "Other", "print this help and exit" },
	{ "version", 'V', no_argument, NULL, "Other",
	    "print the version and exit" },
	/* Hidden (no topic): GNU parallel's short name for --line-buffer. */
	{ "lb", OPT_LB, no_argument, NULL, NULL, NULL },
	/* Hidden (no topic): for completion scripts and the drift test. */
	{ "list-options", OPT_LIST_OPTIONS, no_argument, NULL, NULL, NULL },
	/* GNU parallel's other spelling. */
	{ "term-seq", OPT_TERMSEQ, required_argument, NULL, NULL, NULL },
};

#define NOPTS (sizeof(optdefs) / sizeof(optdefs[0]))

/*
 * The order of the topics in --help.  An option whose topic is not here is
 * still printed, under its topic, after these.
 */
static const char *topics[] = { "Input", "Running jobs", "Failure policy",
	"Accounting", "Admission and limits", "Output", "Progress", "Reports",
	"Other" };

/*
 * Fixed values an option's argument may take, for the completions: the
 * completion files must offer exactly these (the drift test checks).
 */
static const struct {
	const char *name;
	const char *choices; /* space-separated */
} optchoices[] = {
	{ "halt",
	    "never now,fail=1 soon,fail=1 now,success=1 soon,success=1 "
	    "now,done=1 soon,done=1" },
	{ "halt-on-error", "0 1 2" },
	{ "ci-groups", "github gitlab" },
};

#define HELP_WIDTH 80
#define HELP_LEFT 28 /* the option column, indent included */

/*
 * Exit 0 after --help, --version or --list-options, once their text has
 * reached stdout: a write that failed (a full disk, a closed pipe) is an
 * error, not a silent success.
 */
static __dead void
exit_flushed(void)
{
	if (fflush(stdout) == EOF || ferror(stdout))
		err(PRUN_EXIT_ERROR, "writing to stdout");
	exit(0);
}

static void
usage(FILE *fp)
{
	fprintf(fp, "usage: prun [options] [file ...]\n");
}

/* Format an option as "-j, --jobs N" or "    --shell PATH". */
static void
optleft(const struct optdef *d, char *buf, size_t len)
{
	if (d->val < 256)
		snprintf(buf, len, "-%c, --%s%s%s", d->val, d->name,
		    d->arg ? " " : "", d->arg ? d->arg : "");
	else
		snprintf(buf, len, "    --%s%s%s", d->name, d->arg ? " " : "",
		    d->arg ? d->arg : "");
}

/* Print help text from column HELP_LEFT, wrapped at word boundaries. */
static void
helptext(const char *s, size_t col)
{
	size_t room = HELP_WIDTH - HELP_LEFT, n;

	for (;;) {
		for (; col < HELP_LEFT; col++)
			putchar(' ');
		while (*s == ' ')
			s++;
		n = strlen(s);
		if (n > room) {
			for (n = room; n > 0 && s[n] != ' '; n--)
				continue;
			if (n == 0)
				n = strcspn(s, " ");
		}
		printf("%.*s\n", (int)n, s);
		s += n;
		if (*s == '\0')
			break;
		col = 0;
	}
}

static int
known_topic(const char *topic)
{
	size_t t;

	for (t = 0; t < sizeof(topics) / sizeof(topics[0]); t++)
		if (strcmp(topics[t], topic) == 0)
			return 1;
	return 0;
}

static void
help_topic(const char *topic)
{
	char left[64];
	size_t i;

	for (i = 0; i < NOPTS; i++)
		if (optdefs[i].topic != NULL &&
		    strcmp(optdefs[i].topic, topic) == 0)
			break;
	if (i == NOPTS)
		return;
	printf("\n%s:\n", topic);
	for (i = 0; i < NOPTS; i++) {
		const struct optdef *d = &optdefs[i];

		if (d->topic == NULL || strcmp(d->topic, topic) != 0)
			continue;
		optleft(d, left, sizeof(left));
		printf("  %s", left);
		if (2 + strlen(left) + 1 > HELP_LEFT) {
			putchar('\n');
			helptext(d->help, 0);
		} else
			helptext(d->help, 2 + strlen(left));
	}
}

/* Under the limits: what SIZE means, and which mechanism works here. */
static void
help_limits(void)
{
	char mech[PATH_MAX + 256];
	const char *p;
	size_t n, col;

	printf(
	    "  SIZE: bytes, or with K, M, G, T (powers of 1024) or k, m, g, t "
	    "(of 1000).\n");
	limits_describe(mech, sizeof(mech));
	printf("  Limits:");
	col = 9;
	for (p = mech; *p != '\0'; p += n) {
		while (*p == ' ')
			p++;
		n = strcspn(p, " ");
		if (col + 1 + n > HELP_WIDTH - 2) {
			printf("\n   ");
			col = 3;
		}
		printf(" %.*s", (int)n, p);
		col += 1 + n;
	}
	putchar('\n');
}

static __dead void
help(void)
{
	size_t t, i, j;

	usage(stdout);
	printf("Run each line of the files (or stdin) as a shell command, "
	       "N at a time.\n");
	for (t = 0; t < sizeof(topics) / sizeof(topics[0]); t++) {
		help_topic(topics[t]);
		if (strcmp(topics[t], "Admission and limits") == 0)
			help_limits();
	}
	/* Topics not in topics[], in the order they first appear. */
	for (i = 0; i < NOPTS; i++) {
		if (optdefs[i].topic == NULL || known_topic(optdefs[i].topic))
			continue;
		for (j = 0; j < i; j++)
			if (optdefs[j].topic != NULL &&
			    strcmp(optdefs[j].topic, optdefs[i].topic) == 0)
				break;
		if (j == i)
			help_topic(optdefs[i].topic);
	}
	printf("\nExit status: 0 all jobs succeeded, 1-100 that many failed, "
	       "101 more than\n100 failed, 255 prun's own error.  "
	       "See prun(1).\n");
	exit_flushed();
}

/*
 * --list-options: one line per documented option, tab-separated: long name,
 * short letter (or empty), argument name (or empty), topic, help, and the
 * space-separated fixed values of its argument (or empty).  For completion
 * scripts and for the test that keeps the docs in step with this table.
 */
static __dead void
list_options(void)
{
	const char *choices;
	char shortopt[3];
	size_t i, k;

	for (i = 0; i < NOPTS; i++) {
		const struct optdef *d = &optdefs[i];

		if (d->topic == NULL)
			continue;
		choices = "";
		for (k = 0; k < sizeof(optchoices) / sizeof(optchoices[0]); k++)
			if (strcmp(optchoices[k].name, d->name) == 0)
				choices = optchoices[k].choices;
		shortopt[0] = '\0';
		if (d->val < 256)
			snprintf(shortopt, sizeof(shortopt), "-%c", d->val);
		printf("--%s\t%s\t%s\t%s\t%s\t%s\n", d->name, shortopt,
		    d->arg ? d->arg : "", d->topic, d->help, choices);
	}
	exit_flushed();
}

/*
 * What getopt_long refused, in one line naming what was typed: an unknown
 * option, an abbreviation that fits several, a value given to an option
 * that takes none, or a missing value.  typed is argv[optind - 1], which
 * is the refused word whenever it is a long option.
 */
static __dead void
bad_option(int c, const char *shortopts, const char *typed)
{
	const struct optdef *d, *hit = NULL;
	char names[512] = "";
	size_t len, k, m;
	int nhit = 0;

	/* A short option: its letter, unless it is one we know. */
	if (optopt != 0 && optopt < 256 &&
	    (strchr(shortopts, optopt) == NULL ||
		strncmp(typed, "--", 2) != 0)) {
		if (c == ':')
			errx(PRUN_EXIT_ERROR, "option -%c needs an argument",
			    optopt);
		errx(PRUN_EXIT_ERROR, "unknown option -%c (see prun --help)",
		    optopt);
	}
	typed += 2;
	len = strcspn(typed, "=");
	for (k = 0; k < NOPTS; k++) {
		d = &optdefs[k];
		if (strncmp(d->name, typed, len) != 0)
			continue;
		if (d->name[len] == '\0') {
			hit = d;
			nhit = 1;
			break;
		}
		for (m = 0; m < k; m++)
			if (optdefs[m].val == d->val &&
			    strncmp(optdefs[m].name, typed, len) == 0)
				break;
		if (m < k)
			continue; /* another name of an option already seen */
		hit = d;
		nhit++;
		if (names[0] != '\0')
			strlcat(names, ", ", sizeof(names));
		strlcat(names, "--", sizeof(names));
		strlcat(names, d->name, sizeof(names));
	}
	if (nhit > 1)
		errx(PRUN_EXIT_ERROR, "option --%.*s is ambiguous: %s",
		    (int)len, typed, names);
	if (nhit == 0)
		errx(PRUN_EXIT_ERROR, "unknown option --%.*s (see prun --help)",
		    (int)len, typed);
	if (c == ':')
		errx(PRUN_EXIT_ERROR, "option --%s needs an argument",
		    hit->name);
	errx(PRUN_EXIT_ERROR, "option --%s takes no argument", hit->name);
}

/* Resolve -j's argument against the number of online CPUs. */
static void
parse_jobs(const char *arg, struct prun_opts *o)
{
	const char *errstr = NULL;
	long ncpu, n;
	char *end;
	double pct;

	ncpu = o->ncpu;
	o->jobs_unlimited = 0; /* the last -j wins, as in GNU parallel */
	if (*arg == '\0')
		goto bad;
	if (arg[strlen(arg) - 1] == '%') {
		errno = 0;
		pct = strtod(arg, &end);
		if (errno != 0 || end != arg + strlen(arg) - 1 || end == arg ||
		    !(pct >= 0) || pct > 1e6 || *arg == '+' || *arg == '-' ||
		    *arg == ' ')
			goto bad;
		/* Rounded up, as GNU parallel: 75% of 2 CPUs is 2. */
		pct = ncpu * pct / 100.0;
		n = (long)pct;
		if (n < pct)
			n++;
	} else if (*arg == '+' || *arg == '-') {
		n = strtonum(arg + 1, 0, PRUN_MAX_WORKERS, &errstr);
		if (errstr != NULL || arg[1] == '+' || arg[1] == '-' ||
		    arg[1] == ' ' || arg[1] == '\0')
			goto bad;
		n = *arg == '+' ? ncpu + n : ncpu - n;
	} else {
		n = strtonum(arg, 0, PRUN_MAX_WORKERS, &errstr);
		if (errstr != NULL || *arg == ' ')
			goto bad;
		if (n == 0) {
			o->jobs_unlimited = 1;
			n = 1;
		}
	}
	if (n < 1)
		n = 1;
	if (n > PRUN_MAX_WORKERS)
		n = PRUN_MAX_WORKERS;
	o->jobs = (int)n;
	return;
bad:
	errx(PRUN_EXIT_ERROR, "-j '%s': not a job count (N, N%%, +N, -N or 0)",
	    arg);
}

static int
parse_count(const char *opt, const char *arg, long long min, long long max)
{
	const char *errstr, *digits;
	long long n;

	n = strtonum(arg, min, max, &errstr);
	if (errstr == NULL)
		return (int)n;
	/* A number out of range, or not a number at all. */
	digits = arg + (*arg == '-');
	if (*digits != '\0' && digits[strspn(digits, "0123456789")] == '\0')
		errx(PRUN_EXIT_ERROR, "%s '%s': must be %lld to %lld", opt, arg,
		    min, max);
	errx(PRUN_EXIT_ERROR, "%s '%s': not a whole number", opt, arg);
}

/* A size option's value, or exit naming the option. */
static uint64_t
size_arg(const char *opt, const char *arg)
{
	const char *errstr;
	uint64_t v;

	if (parse_size(arg, &v, &errstr) == -1)
		errx(PRUN_EXIT_ERROR, "%s '%s': %s", opt, arg, errstr);
	return v;
}

/* --load MAX: a number of runnable tasks, or N% of the CPUs. */
static double
parse_load(const char *arg, long ncpu)
{
	double v;
	char *end;

	errno = 0;
	v = strtod(arg, &end);
	if (end == arg || errno != 0 || !(v > 0) || v > 1e9 || *arg == ' ')
		goto bad;
	if (*end == '%' && end[1] == '\0')
		v = (double)ncpu * v / 100.0;
	else if (*end != '\0')
		goto bad;
	return v;
bad:
	errx(PRUN_EXIT_ERROR,
	    "--load '%s': not a load (a number above 0, or "
	    "N%% of the CPUs)",
	    arg);
}

/* --nice N: the niceness jobs get, as nice(1) would give it. */
static int
parse_nice(const char *arg)
{
	const char *errstr;
	int n, cur, target, status;
	pid_t pid;

	n = (int)strtonum(arg, -40, 40, &errstr);
	if (errstr != NULL)
		errx(PRUN_EXIT_ERROR, "--nice '%s': %s (-20 to 19)", arg,
		    errstr);
	errno = 0;
	cur = getpriority(PRIO_PROCESS, 0);
	if (errno != 0)
		cur = 0;
	target = cur + n;
	if (target < -20)
		target = -20;
	if (target > 19)
		target = 19;
	if (target >= cur)
		return target;
	/* Raising priority needs a privilege: try it where it is harmless. */
	if ((pid = fork()) == -1)
		err(PRUN_EXIT_ERROR, "fork");
	if (pid == 0)
		_exit(setpriority(PRIO_PROCESS, 0, target) == -1 ? errno : 0);
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		errx(PRUN_EXIT_ERROR,
		    "--nice %s: cannot raise the jobs' "
		    "priority to niceness %d: %s",
		    arg, target,
		    strerror(WIFEXITED(status) ? WEXITSTATUS(status) : EPERM));
	return target;
}

/* A limit above the hard limit can only be set with privilege. */
static void
check_rlimit(const char *opt, const char *arg, int res, uint64_t v)
{
	struct rlimit rl;

	if (geteuid() == 0 || getrlimit(res, &rl) == -1 ||
	    rl.rlim_max == RLIM_INFINITY || v <= (uint64_t)rl.rlim_max)
		return;
	errx(PRUN_EXIT_ERROR, "%s %s: above the hard limit of %llu", opt, arg,
	    (unsigned long long)rl.rlim_max);
}

static uint64_t
duration_arg(const char *opt, const char *arg)
{
	const char *errstr;
	uint64_t ns;

	if (parse_duration(arg, &ns, &errstr) == -1)
		errx(PRUN_EXIT_ERROR, "%s '%s': %s", opt, arg, errstr);
	return ns;
}

/* Find the shell: a path, or a name looked up in $PATH. */
static const char *
find_shell(const char *name)
{
	char buf[PATH_MAX], *path, *dir, *save = NULL;
	struct stat st;

	if (*name == '\0')
		errx(PRUN_EXIT_ERROR, "--shell '': empty path");
	if (strchr(name, '/') != NULL) {
		if (access(name, X_OK) == -1)
			err(PRUN_EXIT_ERROR, "--shell %s", name);
		if (stat(name, &st) == 0 && S_ISDIR(st.st_mode))
			errx(PRUN_EXIT_ERROR, "--shell %s: Is a directory",
			    name);
		return name;
	}
	path = xstrdup(getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin");
	for (dir = strtok_r(path, ":", &save); dir != NULL;
	     dir = strtok_r(NULL, ":", &save)) {
		snprintf(buf, sizeof(buf), "%s/%s", dir, name);
		if (access(buf, X_OK) == 0 && stat(buf, &st) == 0 &&
		    !S_ISDIR(st.st_mode)) {
			free(path);
			return xstrdup(buf);
		}
	}
	errx(PRUN_EXIT_ERROR, "--shell %s: not found in PATH", name);
}

/* Which CI system prun runs in, from the variables each one sets. */
static enum prun_ci
detect_ci(void)
{
	const char *v;

	if ((v = getenv("GITHUB_ACTIONS")) != NULL && strcmp(v, "true") == 0)
		return CI_GITHUB;
	if ((v = getenv("GITLAB_CI")) != NULL && strcmp(v, "true") == 0)
		return CI_GITLAB;
	return CI_NONE;
}

static enum prun_ci
parse_ci(const char *arg)
{
	if (strcmp(arg, "github") == 0)
		return CI_GITHUB;
	if (strcmp(arg, "gitlab") == 0)
		return CI_GITLAB;
	errx(PRUN_EXIT_ERROR, "--ci-groups '%s': not github or gitlab", arg);
}

/* The spool directory must take a file now, not after the jobs ran. */
static void
check_tmpdir(const char *dir, const char *how)
{
	struct stat st;
	int fd;

	if (stat(dir, &st) == -1)
		err(PRUN_EXIT_ERROR, "%s %s", how, dir);
	if (!S_ISDIR(st.st_mode))
		errx(PRUN_EXIT_ERROR, "%s %s: Not a directory", how, dir);
	if ((fd = fd_spool_open(dir)) == -1)
		err(PRUN_EXIT_ERROR, "%s %s: cannot create spool files", how,
		    dir);
	close(fd);
}

/*
 * Refuse output options that contradict each other, as GNU parallel does
 * for the modes.  Where GNU parallel silently drops one of them (-u with
 * --tag or -k), prun says so instead of printing something unexpected.
 */
static void
check_output_opts(const struct prun_opts *o, unsigned int modes)
{
	static const char *names[] = { "--group", "--line-buffer", "-u" };
	int m, first = -1;

	for (m = 0; m < 3; m++) {
		if (!(modes & (1u << m)))
			continue;
		if (first != -1)
			errx(PRUN_EXIT_ERROR, "%s cannot be combined with %s",
			    names[first], names[m]);
		first = m;
	}
	if (o->outmode != OUT_UNGROUP)
		return;
	if (o->tagstring != NULL)
		errx(PRUN_EXIT_ERROR,
		    "--tag and --tagstring cannot be used "
		    "with -u: ungrouped output is not split "
		    "into lines");
	if (o->keep_order)
		errx(PRUN_EXIT_ERROR,
		    "-k cannot be used with -u: ungrouped "
		    "output is printed as the jobs write it");
}

/*
 * A closed 0, 1 or 2 would be handed out by the next open(): a socket or
 * the epoll descriptor would then take job output or warnings.  Hold each
 * with /dev/null, read-only, so that writes to a closed stdout still fail
 * (EBADF) as they would have.
 */
static void
hold_std_fds(void)
{
	int fd;

	for (fd = 0; fd <= 2; fd++)
		if (fcntl(fd, F_GETFD) == -1 &&
		    open("/dev/null", O_RDONLY) != fd)
			_exit(PRUN_EXIT_ERROR);
}

int
main(int argc, char *argv[])
{
	struct option longopts[NOPTS + 1];
	char shortopts[3 * NOPTS + 2], *p = shortopts;
	struct prun_opts o;
	const char *tmpdir_how = "--tmpdir";
	unsigned int modes = 0;
	int tag = 0;
	const char *errstr;
	/* static: a root for LeakSanitizer when an error exits mid-parse */
	static char **files;
	char *shell_found = NULL;
	int c, nfiles = 0, i, ci_set = 0;
	size_t k;

	hold_std_fds();
	memset(&o, 0, sizeof(o));
	o.argv0 = argv[0];
	o.argv0_len = strlen(argv[0]);
	setproctitle_init(argc, argv, environ);
	o.shell = "/bin/sh";
	o.outmode = OUT_GROUP;
	termseq_default(&o.termseq);
	o.out_fd = STDOUT_FILENO;
	if ((o.ncpu = sysconf(_SC_NPROCESSORS_ONLN)) < 1)
		o.ncpu = 1;
	o.jobs = (int)o.ncpu;
	files = xcalloc((size_t)argc + 1, sizeof(*files));

	*p++ = ':'; /* report a missing argument as ':' */
	for (k = 0; k < NOPTS; k++) {
		longopts[k].name = optdefs[k].name;
		longopts[k].has_arg = optdefs[k].has_arg;
		longopts[k].flag = NULL;
		longopts[k].val = optdefs[k].val;
		if (optdefs[k].val < 256) {
			*p++ = (char)optdefs[k].val;
			if (optdefs[k].has_arg == required_argument)
				*p++ = ':';
		}
	}
	*p = '\0';
	memset(&longopts[NOPTS], 0, sizeof(longopts[NOPTS]));

	opterr = 0;
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			parse_jobs(optarg, &o);
			break;
		case 'a':
			files[nfiles++] = optarg;
			break;
		case 'k':
			o.keep_order = 1;
			break;
		case 'u':
			o.outmode = OUT_UNGROUP;
			modes |= 1u << OUT_UNGROUP;
			break;
		case OPT_GROUP:
			o.outmode = OUT_GROUP;
			modes |= 1u << OUT_GROUP;
			break;
		case OPT_LINE_BUFFER:
		case OPT_LB:
			o.outmode = OUT_LINE;
			modes |= 1u << OUT_LINE;
			break;
		case OPT_TAG:
			tag = 1;
			break;
		case OPT_TAGSTRING:
			o.tagstring = optarg;
			break;
		case OPT_BAR:
			o.progress |= PROGRESS_BAR;
			break;
		case OPT_PROGRESS:
			o.progress |= PROGRESS_LIST;
			break;
		case OPT_ETA:
			o.progress |= PROGRESS_ETA;
			break;
		case 'q':
			o.quiet = 1;
			break;
		case OPT_SHELL:
			free(shell_found);
			o.shell = find_shell(optarg);
			/* Looked up in $PATH: ours to free. */
			if (o.shell != optarg)
				shell_found = (char *)(uintptr_t)o.shell;
			break;
		case OPT_SHELL_ALWAYS:
			o.shell_always = 1;
			break;
		case OPT_TMPDIR:
			o.tmpdir = optarg;
			break;
		case OPT_MAX_JOBS_PER_WORKER:
			o.max_jobs_per_worker =
			    parse_count("--max-jobs-per-worker", optarg, 1,
				INT_MAX);
			break;
		case OPT_LOAD:
			o.load_max = parse_load(optarg, o.ncpu);
			break;
		case OPT_MEMFREE:
			o.memfree = size_arg("--memfree", optarg);
			break;
		case OPT_NOSWAP:
			o.noswap = 1;
			break;
		case OPT_NICE:
			o.nice = parse_nice(optarg);
			o.nice_set = 1;
			break;
		case OPT_LIMIT_MEM:
			o.limit_mem = size_arg("--limit-mem", optarg);
			o.limit_mem_arg = optarg;
			break;
		case OPT_LIMIT_CPU:
			/* RLIMIT_CPU counts whole seconds: round up. */
			o.limit_cpu =
			    (duration_arg("--limit-cpu", optarg) + 999999999) /
			    1000000000;
			if (o.limit_cpu == 0)
				errx(PRUN_EXIT_ERROR,
				    "--limit-cpu '%s': must be above 0",
				    optarg);
			check_rlimit("--limit-cpu", optarg, RLIMIT_CPU,
			    o.limit_cpu + 1);
			break;
		case OPT_LIMIT_PROCS:
			o.limit_procs = (uint64_t)parse_count("--limit-procs",
			    optarg, 1, INT_MAX);
			check_rlimit("--limit-procs", optarg, RLIMIT_NPROC,
			    o.limit_procs);
			break;
		case OPT_LIMIT_FILES:
			o.limit_files = (uint64_t)parse_count("--limit-files",
			    optarg, 3, INT_MAX);
			check_rlimit("--limit-files", optarg, RLIMIT_NOFILE,
			    o.limit_files);
			break;
		case OPT_NO_CGROUP:
			o.no_cgroup = 1;
			break;
		case OPT_PIN:
			o.pin = 1;
			break;
		case OPT_JOBSERVER:
			o.jobserver = JS_ON;
			break;
		case OPT_NO_JOBSERVER:
			o.jobserver = JS_OFF;
			break;
		case OPT_JOBSERVER_SERVE:
			o.jobserver_serve = 1;
			break;
		case OPT_TERMSEQ:
			if (parse_termseq(optarg, &o.termseq, &errstr) == -1)
				errx(PRUN_EXIT_ERROR, "--termseq '%s': %s",
				    optarg, errstr);
			break;
		case OPT_JOBLOG:
			o.joblog_append = optarg[0] == '+';
			o.joblog = optarg + o.joblog_append;
			if (*o.joblog == '\0')
				errx(PRUN_EXIT_ERROR,
				    "--joblog '%s': empty file name", optarg);
			break;
		case OPT_RESUME:
			o.resume = 1;
			break;
		case OPT_RESUME_FAILED:
			o.resume_failed = 1;
			break;
		case OPT_RETRIES:
			o.retries =
			    parse_count("--retries", optarg, 0, INT_MAX);
			o.retries_set = 1;
			break;
		case OPT_RETRY_DELAY:
			o.retry_delay_ns =
			    duration_arg("--retry-delay", optarg);
			break;
		case OPT_TIMEOUT:
			if (parse_timeout(optarg, &o.timeout_ns, &o.timeout_pct,
				&errstr) == -1)
				errx(PRUN_EXIT_ERROR, "--timeout '%s': %s",
				    optarg, errstr);
			break;
		case OPT_DEADLINE:
			o.deadline_ns = duration_arg("--deadline", optarg);
			if (o.deadline_ns == 0)
				errx(PRUN_EXIT_ERROR,
				    "--deadline '%s': must be more than 0",
				    optarg);
			break;
		case OPT_DELAY:
			o.delay_ns = duration_arg("--delay", optarg);
			break;
		case OPT_HALT:
		case OPT_HALT_ON_ERROR:
			if (parse_halt(optarg, &o.halt, &errstr) == -1)
				errx(PRUN_EXIT_ERROR, "%s '%s': %s",
				    c == OPT_HALT ? "--halt" :
						    "--halt-on-error",
				    optarg, errstr);
			break;
		case OPT_RESULTS:
			o.results = optarg;
			break;
		case OPT_DRY_RUN:
			o.dry_run = 1;
			break;
		case OPT_JUNIT:
			o.junit = optarg;
			break;
		case OPT_JSON:
			if (*optarg == '\0')
				errx(PRUN_EXIT_ERROR,
				    "--json '': empty file name (- is stdout)");
			o.json = optarg;
			break;
		case OPT_CI_GROUPS:
			o.ci_groups = parse_ci(optarg);
			ci_set = 1;
			break;
		case OPT_NO_CI_GROUPS:
			o.ci_groups = CI_NONE;
			ci_set = 1;
			break;
		case 'h':
			help();
		case 'V':
			printf("prun %s\n", PRUN_VERSION);
			exit_flushed();
		case OPT_LIST_OPTIONS:
			list_options();
		default:
			bad_option(c, shortopts, argv[optind - 1]);
		}
	}
	for (i = optind; i < argc; i++)
		files[nfiles++] = argv[i];
	/* --tagstring wins over --tag, as in GNU parallel. */
	if (tag && o.tagstring == NULL)
		o.tagstring = "{}";
	check_output_opts(&o, modes);
	o.files = files;
	o.nfiles = nfiles;

	if (o.json != NULL && strcmp(o.json, "-") == 0) {
		if (o.joblog != NULL && strcmp(o.joblog, "-") == 0)
			errx(PRUN_EXIT_ERROR,
			    "--json - and --joblog -: only one "
			    "of them can have stdout");
		o.out_fd = STDERR_FILENO; /* stdout is the event stream */
	}
	if (o.ci_groups != CI_NONE && o.outmode != OUT_GROUP)
		errx(PRUN_EXIT_ERROR,
		    "--ci-groups: needs grouped output "
		    "(not -u or --line-buffer)");
	if (!ci_set && o.outmode == OUT_GROUP)
		o.ci_groups = detect_ci();

	if (o.tmpdir == NULL) {
		o.tmpdir = getenv("TMPDIR");
		tmpdir_how = "TMPDIR";
		if (o.tmpdir == NULL || *o.tmpdir == '\0') {
			o.tmpdir = "/tmp";
			tmpdir_how = "spool directory";
		}
	}
	if ((o.resume || o.resume_failed) &&
	    (o.joblog == NULL || strcmp(o.joblog, "-") == 0))
		errx(PRUN_EXIT_ERROR,
		    "--resume and --resume-failed need --joblog FILE");
	if (o.results != NULL && o.outmode != OUT_GROUP)
		errx(PRUN_EXIT_ERROR,
		    "--results needs grouped output (not -u or --line-buffer)");
	/* -k --line-buffer spools the jobs that are not first in line. */
	if ((o.outmode == OUT_GROUP ||
		(o.outmode == OUT_LINE && o.keep_order) || o.junit != NULL) &&
	    !o.dry_run)
		check_tmpdir(o.tmpdir, tmpdir_how);

	c = supervisor_run(&o);
	free(files);
	free(shell_found);
	return c;
}
