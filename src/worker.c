/*
 * Worker: runs jobs handed over the socket, one at a time, and reports
 * each one's status, timing and output.
 */
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "prun.h"
#include "direct.h"
#include "evloop.h"
#include "fd.h"
#include "jobserver.h"
#include "limits.h"
#include "proto.h"
#include "spawn.h"
#include "worker.h"
#include "xmalloc.h"

#define SOCK_FD 3
#define FORK_TRIES 6 /* fork(2) EAGAIN: tries, 10 ms apart, doubling */
#define GIVEN_HOLD_MS 100 /* an idle worker keeps handed-over spools */

extern char **environ;

struct worker {
	int sock;
	int slot;
	const struct prun_opts *opts;
	struct framebuf in;
	struct framebuf out;
	int spool_out; /* -1 until needed; kept while jobs leave it empty */
	int spool_err;
	/*
	 * Spools handed over with the last DONE, closed once the next job
	 * runs, or after GIVEN_HOLD_MS idle: whichever process closes an
	 * unlinked file last frees its pages, and that work is better done
	 * here, while a job runs, than in the supervisor's loop.
	 */
	int given[2];
	int sigfd;
	char **envp;
	char *env_seq; /* "PRUN_SEQ=..." inside envp */
	char *env_slot;
	pid_t job; /* running job's pid, or 0 */
	uint64_t seq;
	struct limits_env lenv;
	struct job_limits lim; /* the running job's */
	struct spawn_sigs sigs;
};

static __dead void
worker_exit(struct worker *w, int status)
{
	if (w->job > 0) {
		spawn_signal_tree(w->job, SIGKILL);
		while (waitpid(w->job, NULL, 0) == -1 && errno == EINTR)
			;
		w->job = 0;
	}
	spawn_reap_orphans();
	limits_finish(&w->lim);
	_exit(status);
}

/* Build the job environment once: ours, less PRUN_SEQ/PRUN_SLOT, plus them. */
static void
build_env(struct worker *w)
{
	size_t n = 0, i, k = 0;

	while (environ[n] != NULL)
		n++;
	w->envp = xcalloc(n + 3, sizeof(*w->envp));
	for (i = 0; i < n; i++) {
		if (strncmp(environ[i], "PRUN_SEQ=", 9) == 0 ||
		    strncmp(environ[i], "PRUN_SLOT=", 10) == 0)
			continue;
		w->envp[k++] = environ[i];
	}
	w->env_seq = xmalloc(32);
	w->env_slot = xmalloc(32);
	snprintf(w->env_slot, 32, "PRUN_SLOT=%d", w->slot);
	w->envp[k++] = w->env_seq;
	w->envp[k++] = w->env_slot;
	w->envp[k] = NULL;
}

/*
 * Set the title ps shows: "prun: worker 3: job 17".  setproctitle(3)
 * leaves a '.' where the original argv[0] ended when the title is shorter
 * than the path prun was started by; end the title there instead.
 */
static void set_title(struct worker *, const char *, ...)
    __attribute__((__format__(__printf__, 2, 3)));

static void
set_title(struct worker *w, const char *fmt, ...)
{
	char what[64];
	va_list ap;
	size_t len;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	setproctitle("worker %d: %s", w->slot, what);
	len = strlen(getprogname()) + strlen(": worker : ") + strlen(what) +
	    (size_t)snprintf(NULL, 0, "%d", w->slot);
	if (w->opts->argv0 != NULL && len <= w->opts->argv0_len)
		w->opts->argv0[w->opts->argv0_len] = '\0';
}

static void
send_frame(struct worker *w, const int *fds, int nfds)
{
	if (fd_send_with_fds(w->sock, w->out.buf + w->out.rpos, fb_len(&w->out),
		fds, nfds) == -1)
		worker_exit(w, 1); /* the supervisor is gone */
	fb_consume(&w->out, fb_len(&w->out));
}

/* Read more bytes from the supervisor; exits on EOF. */
static void
read_socket(struct worker *w)
{
	ssize_t n;

	n = read(w->sock, fb_reserve(&w->in, 65536), 65536);
	if (n == -1 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0)
		worker_exit(w, 0);
	fb_commit(&w->in, (size_t)n);
}

/* Act on a KILL or SHUTDOWN that arrives while a job runs. */
static void
handle_busy_frames(struct worker *w)
{
	struct proto_hdr hdr;
	struct msg_kill k;
	const unsigned char *payload;
	const char *errstr;
	int r;

	while ((r = proto_frame(w->in.buf + w->in.rpos, fb_len(&w->in), &hdr,
		    &payload, &errstr)) == 1) {
		if (hdr.type == MSG_KILL) {
			if (proto_dec_kill(payload, hdr.len, &k, &errstr) == -1)
				worker_exit(w, 1);
			if (k.seq == w->seq && w->job > 0)
				spawn_signal_tree(w->job, (int)k.signal);
		} else if (hdr.type == MSG_SHUTDOWN)
			worker_exit(w, 0);
		else
			worker_exit(w, 1); /* a second JOB while busy */
		fb_consume(&w->in, PROTO_HDR_LEN + hdr.len);
	}
	if (r == -1)
		worker_exit(w, 1);
}

/*
 * Read every pending signal: SIGTERM (the supervisor died) ends the
 * worker; returns whether a SIGCHLD came.
 */
static int
handle_signal(struct worker *w)
{
	struct signalfd_siginfo si;
	int chld = 0;

	while (read(w->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGTERM)
			worker_exit(w, 0);
		if (si.ssi_signo == SIGCHLD)
			chld = 1;
	}
	return chld;
}

/* Has the job's main process exited (not reaped yet)? */
static int
job_exited(const struct worker *w)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	if (waitid(P_PID, (id_t)w->job, &si, WEXITED | WNOHANG | WNOWAIT) == -1)
		return 0;
	return si.si_pid == w->job;
}

/*
 * Is the spool's file system full?  A job's write to a full one fails with
 * ENOSPC, which the job may ignore or not report, and prun can't see its
 * system calls: so when a job ends on a file system without a free block
 * (for us: root may use the reserved ones), its output may be incomplete.
 * A file system that filled up during the job and was freed again before
 * it ended goes unnoticed.
 */
static int
spool_full(int fd)
{
	struct statvfs sv;

	if (fstatvfs(fd, &sv) == -1)
		return 0;
	return (geteuid() == 0 ? sv.f_bfree : sv.f_bavail) == 0;
}

static void
close_given(struct worker *w)
{
	int i;

	for (i = 0; i < 2; i++)
		if (w->given[i] != -1) {
			close(w->given[i]);
			w->given[i] = -1;
		}
}

/* Run one job to its end and report it; m's strings are NUL-terminated. */
static void
run_job(struct worker *w, const struct msg_job *m)
{
	struct spawn_req req;
	char dbuf[4096], *dargv[DIRECT_MAX_ARGS + 1];
	struct msg_started st;
	struct msg_done d;
	struct pollfd pfd[3];
	struct stat sb;
	siginfo_t si;
	uint64_t t0;
	int fds[2], nfds = 0, pidfd = -1, status = 0, tries;
	int pout[2] = { -1, -1 }, perr[2] = { -1, -1 };

	memset(&d, 0, sizeof(d));
	memset(&w->lim, 0, sizeof(w->lim));
	w->lim.cg_procs_fd = -1;
	w->lim.cg1_procs_fd = -1;
	d.seq = m->seq;
	w->seq = m->seq;
	set_title(w, "job %" PRIu64, m->seq);
	snprintf(w->env_seq, 32, "PRUN_SEQ=%" PRIu64, m->seq);

	memset(&req, 0, sizeof(req));
	req.shell = m->shell;
	req.cmd = m->cmd;
	req.cmdlen = m->cmd_len;
	req.envp = w->envp;
	req.sigs = &w->sigs;
	/* Plain words run without the shell, as under sh -c but faster. */
	if ((m->flags & JOB_DIRECT) && m->cmd_len < sizeof(dbuf) &&
	    direct_split(m->cmd, m->cmd_len, dbuf, dargv) > 0)
		req.argv = dargv;
	if (m->outmode == OUT_GROUP) {
		if (w->spool_out == -1 &&
		    (w->spool_out = fd_spool_open(w->opts->tmpdir)) == -1)
			goto spoolfail;
		if (w->spool_err == -1 &&
		    (w->spool_err = fd_spool_open(w->opts->tmpdir)) == -1)
			goto spoolfail;
		req.fd_out = w->spool_out;
		req.fd_err = w->spool_err;
	} else if (m->outmode == OUT_LINE) {
		if (pipe2(pout, O_CLOEXEC) == -1 ||
		    pipe2(perr, O_CLOEXEC) == -1) {
			d.spawn_errno = errno;
			d.stage = STAGE_PIPE;
			goto report;
		}
		req.fd_out = pout[1];
		req.fd_err = perr[1];
	} else {
		req.fd_out = w->opts->out_fd; /* stderr with --json - */
		req.fd_err = STDERR_FILENO;
	}

	if (limits_prepare(&w->lenv, m, &w->lim) == -1) {
		d.spawn_errno = errno;
		d.stage = STAGE_LIMIT;
		goto report;
	}
	if (w->lim.nice_set || w->lim.nrl > 0 || w->lim.cg_procs_fd != -1 ||
	    w->lim.cg1_procs_fd != -1)
		req.lim = &w->lim;

	for (tries = 0;; tries++) {
		t0 = ev_now();
		d.start_real_ns = ev_realtime();
		w->job = spawn_job(&req, &d.spawn_errno, (int *)&d.stage);
		if (w->job != -1 || d.stage != STAGE_FORK ||
		    d.spawn_errno != EAGAIN || tries == FORK_TRIES - 1)
			break;
		/* A process limit: wait for other jobs to end, then retry. */
		poll(NULL, 0, 10 << tries);
	}
	if (w->job == -1) {
		w->job = 0;
		goto report;
	}
	st.seq = m->seq;
	st.pid = (uint32_t)w->job;
	st.start_real_ns = d.start_real_ns;
	if (m->outmode == OUT_LINE) {
		close(pout[1]);
		close(perr[1]);
		pout[1] = perr[1] = -1;
		fds[0] = pout[0];
		fds[1] = perr[0];
		proto_enc_started(&w->out, &st, PROTO_FD_OUT | PROTO_FD_ERR);
		send_frame(w, fds, 2);
		close(pout[0]);
		close(perr[0]);
		pout[0] = perr[0] = -1;
	} else {
		proto_enc_started(&w->out, &st, 0);
		send_frame(w, NULL, 0);
	}

	/*
	 * A pidfd tells when the job ends.  Where there is none (kernels
	 * before 5.3, seccomp filters, valgrind), SIGCHLD does: poll ignores
	 * the -1.
	 */
	pidfd = (int)syscall(SYS_pidfd_open, w->job, 0);
	close_given(w);
	for (;;) {
		pfd[0].fd = w->sock;
		pfd[0].events = POLLIN;
		pfd[1].fd = pidfd;
		pfd[1].events = POLLIN;
		pfd[2].fd = w->sigfd;
		pfd[2].events = POLLIN;
		if (poll(pfd, 3, -1) == -1) {
			if (errno == EINTR)
				continue;
			worker_exit(w, 1);
		}
		if (pfd[2].revents && handle_signal(w) && pidfd == -1 &&
		    job_exited(w))
			break;
		if (pfd[0].revents) {
			read_socket(w);
			handle_busy_frames(w);
		}
		if (pidfd != -1 && pfd[1].revents)
			break;
	}
	if (pidfd != -1)
		close(pidfd);
	/*
	 * The main process has exited but is not reaped yet, so its process
	 * group can't be recycled: kill what it left behind in the group,
	 * then reap it, then whatever escaped the group.
	 */
	memset(&si, 0, sizeof(si));
	while (waitid(P_PID, (id_t)w->job, &si, WEXITED | WNOWAIT) == -1 &&
	    errno == EINTR)
		;
	kill(-w->job, SIGKILL);
	while (waitpid(w->job, &status, 0) == -1 && errno == EINTR)
		;
	d.runtime_ns = ev_now() - t0;
	d.wstatus = status;
	w->job = 0;
	spawn_reap_orphans();

report:
	d.dflags |= limits_finish(&w->lim);
	if (m->outmode == OUT_GROUP && w->spool_out != -1 &&
	    w->spool_err != -1) {
		if (fstat(w->spool_out, &sb) == 0)
			d.out_bytes = (uint64_t)sb.st_size;
		if (fstat(w->spool_err, &sb) == 0)
			d.err_bytes = (uint64_t)sb.st_size;
		if (d.out_bytes > 0) {
			fds[nfds++] = w->spool_out;
			d.fdmask |= PROTO_FD_OUT;
		}
		if (d.err_bytes > 0) {
			fds[nfds++] = w->spool_err;
			d.fdmask |= PROTO_FD_ERR;
		}
		if (d.stage == STAGE_RAN && spool_full(w->spool_out))
			d.dflags |= DONE_F_SPOOL_FULL;
	}
	proto_enc_done(&w->out, &d);
	send_frame(w, fds, nfds);
	close_given(w); /* when the job did not start */
	/* Spools that went to the supervisor are its now; empty ones stay. */
	if (d.fdmask & PROTO_FD_OUT) {
		w->given[0] = w->spool_out;
		w->spool_out = -1;
	} else if (w->spool_out != -1)
		lseek(w->spool_out, 0, SEEK_SET);
	if (d.fdmask & PROTO_FD_ERR) {
		w->given[1] = w->spool_err;
		w->spool_err = -1;
	} else if (w->spool_err != -1)
		lseek(w->spool_err, 0, SEEK_SET);
	if (pout[0] != -1)
		close(pout[0]);
	if (pout[1] != -1)
		close(pout[1]);
	if (perr[0] != -1)
		close(perr[0]);
	if (perr[1] != -1)
		close(perr[1]);
	set_title(w, "idle");
	return;

spoolfail:
	d.spawn_errno = errno;
	d.stage = STAGE_SPOOL;
	goto report;
}

/* --pin: bind to the slot-th of the CPUs we may use, round robin. */
static void
pin_slot(int slot)
{
	cpu_set_t set, one;
	int i, n = 0, k;

	if (sched_getaffinity(0, sizeof(set), &set) == -1 ||
	    CPU_COUNT(&set) == 0)
		return;
	k = (slot - 1) % CPU_COUNT(&set);
	for (i = 0; i < CPU_SETSIZE; i++) {
		if (!CPU_ISSET(i, &set) || n++ != k)
			continue;
		CPU_ZERO(&one);
		CPU_SET(i, &one);
		sched_setaffinity(0, sizeof(one), &one);
		return;
	}
}

void
worker_main(int sock, int slot, pid_t parent, const struct prun_opts *opts,
    const struct worker_setup *setup)
{
	struct worker w;
	struct proto_hdr hdr;
	struct msg_hello hello;
	struct msg_job job;
	const unsigned char *payload;
	const char *errstr;
	struct pollfd pfd[2];
	sigset_t mask;
	char *shell, *cmd;
	int r, nullfd, js[2] = { -1, -1 };

	memset(&w, 0, sizeof(w));
	w.slot = slot;
	w.opts = opts;
	w.spool_out = w.spool_err = -1;
	w.given[0] = w.given[1] = -1;
	w.lenv = setup->lenv;
	w.sigs = setup->sigs;
	w.lim.cg_procs_fd = -1;
	w.lim.cg1_procs_fd = -1;
	fb_init(&w.in);
	fb_init(&w.out);

	/* Die with the supervisor, and adopt what our jobs orphan. */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)
		_exit(1);
	prctl(PR_SET_CHILD_SUBREAPER, 1);

	/*
	 * Keep the socket, stdout and stderr; nothing else of prun's but a
	 * jobserver pipe, which the jobs inherit at fixed numbers.
	 */
	if (setup->js_fds[0] != -1 &&
	    ((js[0] = fcntl(setup->js_fds[0], F_DUPFD_CLOEXEC, 10)) == -1 ||
		(js[1] = fcntl(setup->js_fds[1], F_DUPFD_CLOEXEC, 10)) == -1))
		_exit(1);
	if (sock != SOCK_FD) {
		if (dup2(sock, SOCK_FD) == -1)
			_exit(1);
		close(sock);
	}
	w.sock = SOCK_FD;
	if (js[0] != -1) {
		if (dup2(js[0], JOBSERVER_JOB_RFD) == -1 ||
		    dup2(js[1], JOBSERVER_JOB_WFD) == -1)
			_exit(1);
		closefrom(JOBSERVER_JOB_WFD + 1);
	} else
		closefrom(SOCK_FD + 1);
	if (opts->pin)
		pin_slot(slot);
	fcntl(w.sock, F_SETFD, FD_CLOEXEC);
	fd_set_nonblock(w.sock, 0);
	if ((nullfd = open("/dev/null", O_RDONLY | O_CLOEXEC)) != -1) {
		dup2(nullfd, STDIN_FILENO);
		close(nullfd);
	}

	/* The supervisor's mask is inherited: all its signals stay blocked. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	if ((w.sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK)) == -1)
		_exit(1);
	signal(SIGPIPE, SIG_IGN);

	build_env(&w);
	set_title(&w, "idle");
	hello.version = PROTO_VERSION;
	hello.pid = (uint32_t)getpid();
	hello.slot = (uint32_t)slot;
	proto_enc_hello(&w.out, &hello);
	send_frame(&w, NULL, 0);

	for (;;) {
		while ((r = proto_frame(w.in.buf + w.in.rpos, fb_len(&w.in),
			    &hdr, &payload, &errstr)) == 1) {
			switch (hdr.type) {
			case MSG_JOB:
				if (proto_dec_job(payload, hdr.len, &job,
					&errstr) == -1)
					worker_exit(&w, 1);
				/* Frames that come while it runs go after it. */
				shell = xmemdup(job.shell, job.shell_len);
				cmd = xmemdup(job.cmd, job.cmd_len);
				job.shell = shell;
				job.cmd = cmd;
				fb_consume(&w.in, PROTO_HDR_LEN + hdr.len);
				run_job(&w, &job);
				free(shell);
				free(cmd);
				if (job.flags & JOB_F_LAST)
					worker_exit(&w, 0);
				continue;
			case MSG_KILL:
				break; /* its job has already ended */
			case MSG_SHUTDOWN:
				worker_exit(&w, 0);
			default:
				worker_exit(&w, 1);
			}
			fb_consume(&w.in, PROTO_HDR_LEN + hdr.len);
		}
		if (r == -1)
			worker_exit(&w, 1);
		pfd[0].fd = w.sock;
		pfd[0].events = POLLIN;
		pfd[1].fd = w.sigfd;
		pfd[1].events = POLLIN;
		/* Idle: give the supervisor a moment, then free the spools. */
		r = poll(pfd, 2,
		    w.given[0] != -1 || w.given[1] != -1 ? GIVEN_HOLD_MS : -1);
		if (r == -1) {
			if (errno == EINTR)
				continue;
			worker_exit(&w, 1);
		}
		if (r == 0) {
			close_given(&w);
			continue;
		}
		if (pfd[1].revents)
			handle_signal(&w);
		if (pfd[0].revents)
			read_socket(&w);
	}
}
