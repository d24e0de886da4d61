/*
 * Job spawning.  The worker is small and single-threaded, so vfork(2) is
 * both safe and the cheapest way to start a process: the child only makes
 * system calls on memory prepared before the fork, then execs or _exits,
 * as posix_spawn(3) does inside glibc.
 */
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "prun.h"
#include "limits.h"
#include "proto.h"
#include "spawn.h"

/* The kernel's limit on one argv string (MAX_ARG_STRLEN). */
#define ARG_STRLEN_MAX (32 * 4096 - 1)

/* A command too long for argv goes through a memfd the shell reads. */
static int
long_command_fd(const struct spawn_req *req)
{
	static const char pre[] = "exec 3<&-\n";
	int fd;

	if ((fd = memfd_create("prun-command", MFD_CLOEXEC)) == -1)
		return -1;
	if (write(fd, pre, sizeof(pre) - 1) != (ssize_t)sizeof(pre) - 1 ||
	    write(fd, req->cmd, req->cmdlen) != (ssize_t)req->cmdlen) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * Say why a directly exec'd command did not run, in the words sh would
 * use, so that skipping the shell changes nothing visible.  Runs in the
 * vfork child: async-signal-safe calls only.
 */
static void
exec_failed(const char *shell, const char *name, int errnum)
{
	const char *why =
	    errnum == ENOENT ? ": not found\n" : ": Permission denied\n";
	struct iovec iov[4];

	iov[0].iov_base = (void *)(uintptr_t)shell;
	iov[0].iov_len = strlen(shell);
	iov[1].iov_base = (void *)(uintptr_t) ": 1: ";
	iov[1].iov_len = 5;
	iov[2].iov_base = (void *)(uintptr_t)name;
	iov[2].iov_len = strlen(name);
	iov[3].iov_base = (void *)(uintptr_t)why;
	iov[3].iov_len = strlen(why);
	(void)!writev(STDERR_FILENO, iov, 4);
}

void
spawn_sigs_init(struct spawn_sigs *ss)
{
	struct sigaction sa;
	int sig;

	sigemptyset(&ss->reset);
	for (sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP &&
		    sigaction(sig, NULL, &sa) == 0 && sa.sa_handler != SIG_DFL)
			sigaddset(&ss->reset, sig);
}

pid_t
spawn_job(const struct spawn_req *req, int *errnum, int *stage)
{
	volatile int child_errno = 0, child_stage = STAGE_EXEC;
	const struct job_limits *lim = req->lim;
	char *argv[4];
	sigset_t all, old;
	volatile int memfd = -1;
	int sig;
	pid_t pid;

	*errnum = 0;
	*stage = STAGE_RAN;
	argv[0] = (char *)(uintptr_t)req->shell;
	if (req->cmdlen > ARG_STRLEN_MAX) {
		if ((memfd = long_command_fd(req)) == -1) {
			*errnum = errno;
			*stage = STAGE_EXEC;
			return -1;
		}
		argv[1] = (char *)(uintptr_t) "/dev/fd/3";
		argv[2] = NULL;
	} else {
		argv[1] = (char *)(uintptr_t) "-c";
		argv[2] = (char *)(uintptr_t)req->cmd;
		argv[3] = NULL;
	}

	/* No handler may run in the child while it shares our memory. */
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	pid = vfork();
	if (pid == 0) {
		struct sigaction sa;
		int nullfd;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = SIG_DFL;
		for (sig = 1; sig < NSIG; sig++)
			if (sigismember(&req->sigs->reset, sig) == 1)
				sigaction(sig, &sa, NULL);
		setpgid(0, 0);
		if (lim != NULL) {
			int i;

			child_stage = STAGE_LIMIT;
			if (lim->cg_procs_fd != -1 &&
			    write(lim->cg_procs_fd, "0", 1) != 1)
				goto fail;
			if (lim->cg1_procs_fd != -1 &&
			    write(lim->cg1_procs_fd, "0", 1) != 1)
				goto fail;
			if (lim->nice_set &&
			    setpriority(PRIO_PROCESS, 0, lim->nice) == -1)
				goto fail;
			for (i = 0; i < lim->nrl; i++)
				if (setrlimit(lim->rl_res[i], &lim->rl[i]) ==
				    -1)
					goto fail;
			child_stage = STAGE_EXEC;
		}
		/* Close-on-exec: only its copy as stdin reaches the job. */
		if ((nullfd = open("/dev/null", O_RDONLY | O_CLOEXEC)) == -1)
			goto fail;
		if (dup2(nullfd, 0) == -1 || dup2(req->fd_out, 1) == -1 ||
		    dup2(req->fd_err, 2) == -1)
			goto fail;
		if (memfd != -1 && dup2(memfd, 3) == -1)
			goto fail;
		/* Everything else of ours is close-on-exec. */
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		if (req->argv != NULL) {
			/* As sh would: a message, then 127 or 126. */
			execvpe(req->argv[0], req->argv, req->envp);
			exec_failed(req->shell, req->argv[0], errno);
			_exit(errno == ENOENT ? 127 : 126);
		}
		execve(req->shell, argv, req->envp);
	fail:
		child_errno = errno ? errno : EINVAL;
		_exit(errno == ENOENT ? 127 : 126);
	}
	if (pid == -1) {
		*errnum = errno;
		*stage = STAGE_FORK;
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (memfd != -1)
		close(memfd);
	if (pid != -1 && child_errno != 0) {
		/* The exec failed: reap the child, report why. */
		while (waitpid(pid, NULL, 0) == -1 && errno == EINTR)
			;
		*errnum = child_errno;
		*stage = child_stage;
		return -1;
	}
	return pid;
}

/* Append the pids listed in one /proc/PID/task/TID/children file. */
static size_t
read_children_file(const char *path, pid_t *buf, size_t n, size_t max)
{
	FILE *fp;
	long v;

	if ((fp = fopen(path, "re")) == NULL)
		return n;
	while (n < max && fscanf(fp, "%ld", &v) == 1)
		if (v > 0)
			buf[n++] = (pid_t)v;
	fclose(fp);
	return n;
}

/*
 * Read pid's children into buf: those of every thread, since a child
 * belongs to the thread that forked it.  Up to max of them.
 */
static size_t
read_children(pid_t pid, pid_t *buf, size_t max)
{
	char path[96];
	struct dirent *de;
	size_t n;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)pid,
	    (int)pid);
	n = read_children_file(path, buf, 0, max);
	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	if ((d = opendir(path)) == NULL)
		return n;
	while ((de = readdir(d)) != NULL && n < max) {
		if (de->d_name[0] == '.' || atoi(de->d_name) == (int)pid)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%.16s/children",
		    (int)pid, de->d_name);
		n = read_children_file(path, buf, n, max);
	}
	closedir(d);
	return n;
}

/* Signal pid's descendants that are not in process group pgid. */
static void
signal_escapees(pid_t pid, pid_t pgid, int sig, int depth)
{
	pid_t kids[256];
	size_t i, n;

	if (depth > 64)
		return;
	n = read_children(pid, kids, 256);
	for (i = 0; i < n; i++) {
		if (getpgid(kids[i]) != pgid) {
			kill(-kids[i], sig); /* a group leader after setsid() */
			kill(kids[i], sig);
		}
		signal_escapees(kids[i], pgid, sig, depth + 1);
	}
}

void
spawn_signal_tree(pid_t pid, int sig)
{
	signal_escapees(pid, pid, sig, 0);
	kill(-pid, sig);
}

void
spawn_kill_orphans(pid_t spare_pgid)
{
	pid_t self = getpid(), kids[256], pgid;
	siginfo_t si;
	size_t i, n, k;
	int round;

	/* No child at all, the usual case: nothing to look for in /proc. */
	memset(&si, 0, sizeof(si));
	if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) == -1 &&
	    errno == ECHILD)
		return;

	/* Killing one may orphan its children to us: go round a few times. */
	for (round = 0; round < 16; round++) {
		n = read_children(self, kids, 256);
		for (i = k = 0; i < n; i++) {
			pgid = getpgid(kids[i]);
			if (spare_pgid > 0 && pgid == spare_pgid)
				continue;
			signal_escapees(kids[i], pgid, SIGKILL, 0);
			kill(-kids[i], SIGKILL);
			kill(kids[i], SIGKILL);
			kids[k++] = kids[i];
		}
		if (k == 0)
			break;
		for (i = 0; i < k; i++)
			while (
			    waitpid(kids[i], NULL, 0) == -1 && errno == EINTR)
				;
	}
}

void
spawn_reap_orphans(void)
{
	spawn_kill_orphans(0);
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}
