/*
 * probe: the measuring helper of bench/run.
 *
 * usage: probe -o FILE [-m] [-t SECS] -- COMMAND [ARG ...]
 *	Run COMMAND and write what it cost to FILE, one "key value" a line:
 *	  start_ns    CLOCK_REALTIME just before the fork, in ns
 *	  wall_s      from just before the fork until COMMAND has exited
 *	  status      its exit status (128+N if killed by signal N)
 *	  maxrss_kb   ru_maxrss from wait4(2): the peak RSS of COMMAND or of
 *	              its largest descendant (what GNU time's %M shows)
 *	  cpu_s       user+sys of COMMAND and all its reaped descendants
 *	              (GNU time's %U+%S)
 *	  own_cpu_s   CPU time of COMMAND's own process only, its children
 *	              not counted: read from /proc/PID/schedstat (its main
 *	              thread, in ns) or else /proc/PID/stat (user+sys, in
 *	              ticks) while it is a zombie, before reaping it
 *	  hwm_kb      with -m: COMMAND's own VmHWM, sampled every 5 ms
 *	              (so a lower bound); 0 without -m
 *	COMMAND runs in its own process group; with -t, or when probe gets
 *	SIGINT or SIGTERM, that group is sent SIGTERM, then SIGKILL 2 s later.
 *	probe exits with COMMAND's status.
 *
 * usage: probe -T FILE [COMMAND [ARG ...]]
 *	Write CLOCK_REALTIME in ns to FILE, then exec COMMAND if given.  A
 *	job that runs this marks when it started.
 *
 * usage: probe -b MS [-a FILE]
 *	Spin until this process has used MS ms of CPU time, then append the
 *	CPU time it used in all (user+sys, seconds), when it began spinning,
 *	when it stopped, and when its process was created (CLOCK_REALTIME,
 *	ns) to FILE as one line.  The process's creation (the runner's fork)
 *	is when it began spinning less the CPU time it had used and the time
 *	it had waited for a CPU (/proc/self/schedstat): it never sleeps, so
 *	that is all the time it has lived.
 */

#include <sys/types.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t got_signal;

static void
usage(void)
{
	fprintf(stderr,
	    "usage: probe -o FILE [-m] [-t SECS] -- COMMAND [ARG ...]\n"
	    "       probe -T FILE [COMMAND [ARG ...]]\n"
	    "       probe -b MS [-a FILE]\n");
	exit(2);
}

static long
number(const char *s, long min, long max)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || n < min || n > max)
		errx(2, "%s: invalid number", s);
	return n;
}

static double
tv_sec(struct timeval tv)
{
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

static double
ts_sec(struct timespec ts)
{
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long long
realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void
on_signal(int sig)
{
	got_signal = sig;
}

/* Read a file of /proc/PID into buf; returns 0 on success. */
static int
read_proc(pid_t pid, const char *name, char *buf, size_t size)
{
	char path[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof path, "/proc/%ld/%s", (long)pid, name);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return 0;
}

/*
 * The CPU time a zombie used itself, not counting its children, or -1.
 * /proc/PID/schedstat gives the main thread's time on CPU in ns;
 * /proc/PID/stat gives user+sys in clock ticks (10 ms), the fallback.
 */
static double
read_own_cpu(pid_t pid)
{
	char buf[4096], *p;
	unsigned long long ns;
	unsigned long utime, stime;
	int i;

	if (read_proc(pid, "schedstat", buf, sizeof buf) == 0 &&
	    sscanf(buf, "%llu", &ns) == 1)
		return (double)ns / 1e9;
	if (read_proc(pid, "stat", buf, sizeof buf) == -1)
		return -1;
	/* The command name may hold spaces and parentheses: skip past it. */
	if ((p = strrchr(buf, ')')) == NULL)
		return -1;
	/* Field 3 (state) follows ") "; utime and stime are fields 14, 15. */
	for (i = 0; i < 12 && p != NULL; i++)
		p = strchr(p + 1, ' ');
	if (p == NULL || sscanf(p, " %lu %lu", &utime, &stime) != 2)
		return -1;
	return (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
}

/* Read the peak RSS of a live process from /proc/PID/status, or 0. */
static long
read_hwm(pid_t pid)
{
	char buf[4096], *p;

	if (read_proc(pid, "status", buf, sizeof buf) == -1)
		return 0;
	if ((p = strstr(buf, "\nVmHWM:")) == NULL)
		return 0;
	return strtol(p + 7, NULL, 10);
}

static int
measure(const char *out, int sample, long timeout, char **cmd)
{
	struct sigaction sa;
	struct timespec t0, t1, nap = { 0, 5000000 };
	struct rusage ru;
	siginfo_t si;
	long long start;
	long hwm = 0, h;
	double own;
	pid_t pid;
	int status, code, killed = 0;
	FILE *fp;

	if ((fp = fopen(out, "we")) == NULL)
		err(2, "%s", out);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGALRM, &sa, NULL);

	start = realtime_ns();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if ((pid = fork()) == -1)
		err(2, "fork");
	if (pid == 0) {
		setpgid(0, 0);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGALRM, SIG_DFL);
		execvp(cmd[0], cmd);
		warn("%s", cmd[0]);
		_exit(errno == ENOENT ? 127 : 126);
	}
	setpgid(pid, pid);
	if (timeout > 0)
		alarm((unsigned)timeout);

	/* Wait without reaping, so that /proc/PID/stat is still there. */
	for (;;) {
		memset(&si, 0, sizeof si);
		if (waitid(P_PID, (id_t)pid, &si,
			WEXITED | WNOWAIT | (sample ? WNOHANG : 0)) == -1) {
			if (errno != EINTR)
				err(2, "waitid");
		} else if (si.si_pid == pid) {
			break;
		} else if (sample) {
			if ((h = read_hwm(pid)) > hwm)
				hwm = h;
			nanosleep(&nap, NULL);
		}
		if (got_signal != 0) {
			if (killed == 0)
				warnx("%s: %s, stopping it", cmd[0],
				    got_signal == SIGALRM ? "timed out" :
							    "interrupted");
			kill(-pid, killed == 0 ? SIGTERM : SIGKILL);
			killed++;
			got_signal = 0;
			alarm(2);
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	own = read_own_cpu(pid);
	while (wait4(pid, &status, 0, &ru) == -1) {
		if (errno != EINTR)
			err(2, "wait4");
	}
	if (WIFEXITED(status))
		code = WEXITSTATUS(status);
	else
		code = 128 + WTERMSIG(status);

	fprintf(fp, "start_ns %lld\n", start);
	fprintf(fp, "wall_s %.6f\n", ts_sec(t1) - ts_sec(t0));
	fprintf(fp, "status %d\n", code);
	fprintf(fp, "maxrss_kb %ld\n", ru.ru_maxrss);
	fprintf(fp, "cpu_s %.6f\n", tv_sec(ru.ru_utime) + tv_sec(ru.ru_stime));
	fprintf(fp, "own_cpu_s %.6f\n", own);
	fprintf(fp, "hwm_kb %ld\n", hwm);
	if (fclose(fp) == EOF)
		err(2, "%s", out);
	return code;
}

static void
stamp(const char *out)
{
	char buf[32];
	int fd, n;

	n = snprintf(buf, sizeof buf, "%lld\n", realtime_ns());
	fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (fd == -1)
		err(2, "%s", out);
	if (write(fd, buf, (size_t)n) != n)
		err(2, "%s", out);
	close(fd);
}

static void
burn(long ms, const char *out)
{
	struct timespec ts, t0, t1, c0;
	struct rusage ru;
	char buf[128], ss[128];
	double goal = (double)ms / 1000;
	long long born, waited = 0, ran;
	int fd, n;

	clock_gettime(CLOCK_REALTIME, &t0);
	/* This brings the CPU time up to date; schedstat's may lag. */
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c0);
	if ((fd = open("/proc/self/schedstat", O_RDONLY | O_CLOEXEC)) != -1) {
		if ((n = (int)read(fd, ss, sizeof ss - 1)) > 0) {
			ss[n] = '\0';
			if (sscanf(ss, "%lld %lld", &ran, &waited) != 2)
				waited = 0;
		}
		close(fd);
	}
	ran = (long long)c0.tv_sec * 1000000000 + c0.tv_nsec;
	born = (long long)t0.tv_sec * 1000000000 + t0.tv_nsec - ran - waited;
	do {
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	} while (ts_sec(ts) < goal);
	if (out == NULL)
		return;
	getrusage(RUSAGE_SELF, &ru);
	clock_gettime(CLOCK_REALTIME, &t1);
	n = snprintf(buf, sizeof buf, "%.6f %lld %lld %lld\n",
	    tv_sec(ru.ru_utime) + tv_sec(ru.ru_stime),
	    (long long)t0.tv_sec * 1000000000 + t0.tv_nsec,
	    (long long)t1.tv_sec * 1000000000 + t1.tv_nsec, born);
	/* One write with O_APPEND: jobs running at once do not mix lines. */
	fd = open(out, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
	if (fd == -1)
		err(2, "%s", out);
	if (write(fd, buf, (size_t)n) != n)
		err(2, "%s", out);
	close(fd);
}

int
main(int argc, char *argv[])
{
	const char *out = NULL, *stampfile = NULL, *append = NULL;
	long ms = -1, timeout = 0;
	int ch, sample = 0;

	while ((ch = getopt(argc, argv, "+a:b:mo:t:T:")) != -1) {
		switch (ch) {
		case 'a':
			append = optarg;
			break;
		case 'b':
			ms = number(optarg, 0, LONG_MAX / 2);
			break;
		case 'm':
			sample = 1;
			break;
		case 'o':
			out = optarg;
			break;
		case 't':
			timeout = number(optarg, 0, INT_MAX);
			break;
		case 'T':
			stampfile = optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;

	if (stampfile != NULL) {
		stamp(stampfile);
		if (argc > 0) {
			execvp(argv[0], argv);
			err(errno == ENOENT ? 127 : 126, "%s", argv[0]);
		}
		return 0;
	}
	if (ms >= 0) {
		burn(ms, append);
		return 0;
	}
	if (out == NULL || argc == 0)
		usage();
	return measure(out, sample, timeout, argv);
}
