/*
 * Supervisor: forks the worker pool, reads the command file, hands each
 * idle worker the next job, collects results, and shuts everything down
 * in order.  One event loop; no busy waiting; no scan over all workers on
 * the way of a job (idle workers wait on a list).
 */
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "prun.h"
#include "admit.h"
#include "cmdfile.h"
#include "evloop.h"
#include "fd.h"
#include "job.h"
#include "joblog.h"
#include "jobserver.h"
#include "limits.h"
#include "output.h"
#include "policy.h"
#include "progress.h"
#include "proto.h"
#include "results.h"
#include "scan.h"
#include "report.h"
#include "sig.h"
#include "spawn.h"
#include "supervisor.h"
#include "worker.h"
#include "xmalloc.h"

#define FDQ_MAX 8
/*
 * A pipe on stdout is grown to this (the unprivileged maximum): a job's
 * spool then goes out in a few large splices instead of many 64 KiB ones,
 * each of which waits for the reader.
 */
#define STDOUT_PIPE_SZ (1024 * 1024)

struct supervisor;

struct wslot {
	struct supervisor *sup;
	int slot; /* 1..N */
	pid_t pid;
	int pidfd; /* signals and waits that a recycled pid can't misdirect */
	int reaped; /* its process is waited for: pid means nothing now */
	int alive; /* has a process and a socket */
	int retiring; /* sent SHUTDOWN; replace it when it goes */
	int last; /* runs the last job, then exits unasked */
	int hello;
	struct ev_io io;
	struct framebuf in;
	struct framebuf out;
	int fdq[FDQ_MAX]; /* descriptors received, not yet claimed */
	int nfdq;
	struct job *job;
	unsigned long njobs;
	TAILQ_ENTRY(wslot) idle_entry;
};

struct supervisor {
	const struct prun_opts *o;
	struct evloop *loop;
	struct output *out;
	struct report *rep;
	struct progress *prog;

	struct cmdfile *cf;
	struct ev_io in_io;
	int in_eof;

	struct wslot *w;
	int nw;
	int nalive;
	TAILQ_HEAD(, wslot) idle;

	struct jobq pending; /* read ahead, not yet dispatched */
	struct jobq running;
	int nrunning;
	uint64_t next_seq;
	uint64_t next_ord;

	uint64_t ndone;
	uint64_t nfailed;
	uint64_t nskipped; /* not run: the run stopped before them */
	uint64_t naborted; /* killed by --halt now */
	uint64_t start_mono;

	/* Failure policy and accounting. */
	struct policy *pol;
	struct joblog *jl;
	struct results *res;
	struct seqset *skip; /* --resume: seqs not to run again */
	struct jobq retrywait; /* failed, waiting for --retry-delay */
	int nretrywait;
	uint64_t last_start; /* ev_now() of the last job start */
	struct job *delay_job; /* --delay: started, its start not confirmed */
	struct ev_timer delay_timer; /* --delay */
	struct ev_timer deadline_timer; /* --deadline */
	int joblog_failed;

	struct admit *admit; /* --load, --memfree, jobserver... */
	struct cgroup_run *cg; /* job cgroups, when limits use them */
	struct worker_setup wsetup; /* what workers inherit */
	int nevicting; /* jobs killed for memory, not done yet */

	struct ev_io sig_io;
	struct ev_io out_io; /* stdout, a pipe: its reader going away */
	int out_pipe; /* stdout is a pipe or a socket */
	int stopping; /* start no new job */
	const char *stop_why; /* what stopped it, when not a signal */
	int exit_signal; /* the signal that stopped the run */
	int interrupted; /* running jobs were told to stop */
	int out_broken; /* stdout or stderr failed: print nothing more */
	int nopidfd; /* pidfd_open failed: reap() tracks workers itself */
	int fatal; /* a prun error: exit 255 */
	int done;
	pid_t self;
	char errbuf[1024];
};

static void dispatch(struct supervisor *);
static void say(struct supervisor *, int, const char *, ...)
    __attribute__((format(printf, 3, 4)));
static void stop_now(struct supervisor *, int);
static void job_finish(struct supervisor *, struct job *);
static void job_timer_cb(struct ev_timer *);
static void worker_lost(struct wslot *);
static int worker_start(struct supervisor *, struct wslot *);

/* Parse one command off the input into a new job; NULL when none is ready. */
static struct job *
read_job(struct supervisor *sup)
{
	struct cmdline line;
	struct job *j;

	while (!sup->in_eof) {
		switch (cmdfile_next(sup->cf, &line, sup->errbuf,
		    sizeof(sup->errbuf))) {
		case CMD_OK:
			if (seqset_has(sup->skip, ++sup->next_seq)) {
				/* --resume: already in the joblog */
				progress_job_skipped(sup->prog);
				break;
			}
			j = job_new(sup->next_seq, line.cmd, line.len);
			return j;
		case CMD_AGAIN:
			if (sup->in_io.added)
				return NULL;
			if (ev_io_add(sup->loop, &sup->in_io,
				cmdfile_fd(sup->cf), EPOLLIN) == 0)
				return NULL;
			/* A file or /dev/null: reads never block. */
			cmdfile_always_readable(sup->cf);
			break;
		case CMD_EOF:
			sup->in_eof = 1;
			if (sup->in_io.added)
				ev_io_del(sup->loop, &sup->in_io);
			break;
		case CMD_ERROR:
			say(sup, 0, "%s", sup->errbuf);
			sup->fatal = 1;
			break;
		}
	}
	return NULL;
}

static void
input_cb(struct ev_io *io, uint32_t events __unused)
{
	struct supervisor *sup = io->arg;

	cmdfile_readable(sup->cf);
	ev_io_del(sup->loop, &sup->in_io);
	dispatch(sup);
}

/* Write what is queued for a worker; wait for EPOLLOUT if it won't take it. */
static void
worker_flush(struct wslot *w)
{
	ssize_t n;

	while (fb_len(&w->out) > 0) {
		n = send(w->io.fd, w->out.buf + w->out.rpos, fb_len(&w->out),
		    MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				break;
			return; /* EPIPE: its EOF will follow */
		}
		fb_consume(&w->out, (size_t)n);
	}
	ev_io_mod(w->sup->loop, &w->io,
	    EPOLLIN | (fb_len(&w->out) > 0 ? EPOLLOUT : 0));
}

static int
can_start(struct supervisor *sup)
{
	const char *why;
	uint64_t next;

	if (sup->stopping || sup->done)
		return 0;
	/*
	 * --delay: the next start waits on a timer, the loop runs on.  It
	 * counts from when the worker said the last job started, so that
	 * jobs really start at least that far apart however slow a worker
	 * is to pick its job up.
	 */
	if (sup->delay_job != NULL)
		return 0;
	if (sup->o->delay_ns > 0 && sup->last_start > 0 &&
	    (next = sup->last_start + sup->o->delay_ns) > ev_now()) {
		if (!ev_timer_armed(&sup->delay_timer))
			ev_timer_at(sup->loop, &sup->delay_timer, next);
		return 0;
	}
	/* Last: a "yes" may have taken a jobserver token. */
	if (admit_try(sup->admit, sup->nrunning))
		return 1;
	if ((why = admit_notice(sup->admit)) != NULL)
		say(sup, 0, "waiting to start jobs: %s", why);
	return 0;
}

/*
 * prun's own message on stderr, as warnc(3) (error 0: as warnx(3)); a
 * progress line on the terminal is taken off first, so that the message
 * never lands behind it.
 */
static void
say(struct supervisor *sup, int error, const char *fmt, ...)
{
	va_list ap;

	progress_prewrite(sup->prog, STDERR_FILENO);
	va_start(ap, fmt);
	if (error != 0)
		vwarnc(error, fmt, ap);
	else
		vwarnx(fmt, ap);
	va_end(ap);
}

/* Hand job j to idle worker w. */
static void
start_job(struct supervisor *sup, struct wslot *w, struct job *j)
{
	struct msg_job m;

	TAILQ_REMOVE(&sup->idle, w, idle_entry);
	if (j->attempt == 1 && !j->requeued) {
		j->ord = sup->next_ord++;
		policy_job_started(sup->pol);
	} else
		job_reset_result(j); /* a retry: the failed try is forgotten */
	j->state = JOB_RUNNING;
	j->w = w;
	j->slot = w->slot;
	j->pid = 0;
	j->start_mono = sup->last_start = ev_now();
	if (sup->o->delay_ns > 0)
		sup->delay_job = j;
	j->timer.cb = job_timer_cb;
	j->timer.arg = sup;
	w->job = j;
	TAILQ_INSERT_TAIL(&sup->running, j, entry);
	sup->nrunning++;
	progress_job_started(sup->prog);

	memset(&m, 0, sizeof(m));
	m.seq = j->seq;
	m.slot = (uint32_t)w->slot;
	m.outmode = (uint32_t)sup->o->outmode;
	/* Only sh's rules are known well enough to skip it. */
	m.flags =
	    !sup->o->shell_always && strcmp(sup->o->shell, "/bin/sh") == 0 ?
	    JOB_DIRECT :
	    0;
	m.attempt = (uint32_t)j->attempt;
	if (sup->o->nice_set) {
		m.flags |= JOB_F_NICE;
		m.nice = sup->o->nice;
	}
	/*
	 * Nothing can come after it (no input left, no retry, no eviction):
	 * the worker exits as soon as it has reported, sparing the run's end
	 * a round trip.  Should a job come after all, a new worker runs it.
	 * The end of the input is known only once a read found it: for an
	 * input shorter than -j, from the start; not reading ahead for it
	 * otherwise keeps a job from waiting on a long read (comment lines).
	 */
	if (sup->in_eof && TAILQ_EMPTY(&sup->pending) && sup->nretrywait == 0 &&
	    !sup->o->retries_set && sup->o->memfree == 0) {
		m.flags |= JOB_F_LAST;
		w->last = 1;
	}
	m.lim_mem = sup->o->limit_mem;
	m.lim_cpu = sup->o->limit_cpu;
	m.lim_procs = sup->o->limit_procs;
	m.lim_files = sup->o->limit_files;
	m.shell = sup->o->shell;
	m.shell_len = (uint32_t)strlen(sup->o->shell);
	m.cmd = j->cmd;
	m.cmd_len = (uint32_t)j->cmdlen;
	proto_enc_job(&w->out, &m);
	worker_flush(w);
}

/* Is there, or may there still be, a job to run? */
static int
work_left(struct supervisor *sup)
{
	return !sup->stopping &&
	    (!sup->in_eof || !TAILQ_EMPTY(&sup->pending) ||
		sup->nretrywait > 0);
}

/* Stopping: jobs waiting for another try end with their last one. */
static void
flush_retries(struct supervisor *sup)
{
	struct job *j;

	while ((j = TAILQ_FIRST(&sup->retrywait)) != NULL) {
		TAILQ_REMOVE(&sup->retrywait, j, entry);
		sup->nretrywait--;
		ev_timer_del(sup->loop, &j->timer);
		j->tkind = JT_NONE;
		job_finish(sup, j);
	}
}

static void
check_done(struct supervisor *sup)
{
	if (sup->stopping && sup->nretrywait > 0)
		flush_retries(sup);
	if (sup->nrunning == 0 && sup->nretrywait == 0 &&
	    (sup->stopping || (sup->in_eof && TAILQ_EMPTY(&sup->pending))))
		sup->done = 1;
	else if (sup->nrunning == 0 && sup->nalive == 0 && work_left(sup)) {
		say(sup, 0, "no worker could be started; stopping");
		sup->fatal = 1;
		sup->stopping = 1;
		sup->done = 1;
	}
}

static void
dispatch(struct supervisor *sup)
{
	struct wslot *w;
	struct job *j;

	while ((w = TAILQ_FIRST(&sup->idle)) != NULL && !sup->stopping &&
	    !sup->done) {
		/* Ask admission only when there is a job to start. */
		if ((j = TAILQ_FIRST(&sup->pending)) == NULL) {
			/* Memory: as many wait for a retry as there are
			 * workers, then no more input is read. */
			if (sup->nretrywait >= sup->nw)
				break;
			if ((j = read_job(sup)) == NULL)
				break;
			TAILQ_INSERT_HEAD(&sup->pending, j, entry);
		}
		if (!can_start(sup))
			break;
		TAILQ_REMOVE(&sup->pending, j, entry);
		start_job(sup, w, j);
	}
	admit_settle(sup->admit, sup->nrunning);
	check_done(sup);
}

/* Say why a job could not start. */
static void
warn_not_started(struct supervisor *sup, const struct job *j)
{
	static const char *what[] = { "", "creating a spool file in",
		"creating a pipe", "forking", "executing",
		"applying the limits of" };
	const char *arg = "";

	if (j->stage == STAGE_SPOOL)
		arg = sup->o->tmpdir;
	else if (j->stage == STAGE_EXEC || j->stage == STAGE_LIMIT)
		arg = sup->o->shell;
	say(sup, 0, "job %" PRIu64 ": %s%s%s: %s", j->seq, what[j->stage],
	    *arg ? " " : "", arg, strerror(j->spawn_errno));
	if (j->stage == STAGE_SPOOL) {
		/* Every job after it would fail the same way. */
		sup->fatal = 1;
		if (!sup->stopping) {
			sup->stopping = 1;
			sup->stop_why = "no spool file could be created";
		}
	}
}

/*
 * stdout or stderr failed: nothing more can be printed.  EPIPE (the reader
 * went away, as with `prun ... | head`) ends the run quietly, the way
 * SIGPIPE ends a filter; any other error is prun's own and is reported.
 */
static void
output_failed(struct supervisor *sup, int errnum)
{
	if (sup->out_broken)
		return;
	sup->out_broken = 1;
	if (errnum == EPIPE) {
		if (sup->exit_signal == 0)
			sup->exit_signal = SIGPIPE;
	} else {
		char path[PATH_MAX];
		ssize_t n;

		/* Name stdout's file: ENOSPC, EIO or EFBIG are about it. */
		n = -1;
		if (errnum != EBADF)
			n = readlink("/proc/self/fd/1", path, sizeof(path) - 1);
		path[n > 0 ? n : 0] = '\0';
		say(sup, 0, "writing output%s%s: %s", n > 0 ? " to " : "", path,
		    strerror(errnum));
		sup->fatal = 1;
	}
	if (!sup->interrupted)
		stop_now(sup, sup->o->termseq.step[0].sig);
}

/*
 * A report could not be written: prun's own error (said once by report.c).
 * A reader that went away (--json - | head) ends the run as output's does.
 */
static void
report_failed(struct supervisor *sup)
{
	if (errno == EPIPE)
		output_failed(sup, EPIPE);
	else
		sup->fatal = 1;
}

/* --timeout: from the moment the job runs, so it gets all its time. */
static void
arm_timeout(struct supervisor *sup, struct job *j)
{
	uint64_t tmo;

	if ((tmo = policy_timeout_ns(sup->pol)) > 0 && j->tkind == JT_NONE) {
		j->tkind = JT_TIMEOUT;
		ev_timer_at(sup->loop, &j->timer, ev_now() + tmo);
	}
}

/* Send sig to a running job's process group and its escapees. */
static void
send_kill(struct job *j, int sig)
{
	struct msg_kill k;

	k.seq = j->seq;
	k.signal = (uint32_t)sig;
	proto_enc_kill(&j->w->out, &k);
	worker_flush(j->w);
}

/*
 * Stop a running job by --termseq: send the first signal now (sig, when
 * not 0, in place of the sequence's own), the next ones from the job's
 * timer while it still runs.  Its DONE frame ends it.
 */
static void
term_job_with(struct supervisor *sup, struct job *j, int sig)
{
	const struct termseq *ts = &sup->o->termseq;

	if (j->state != JOB_RUNNING || j->tkind == JT_TERMSEQ)
		return;
	j->tkind = JT_TERMSEQ;
	j->termstep = 0;
	j->killed_sig = sig != 0 ? sig : ts->step[0].sig;
	send_kill(j, j->killed_sig);
	ev_timer_at(sup->loop, &j->timer,
	    ev_now() + (uint64_t)ts->step[0].ms * 1000000);
}

static void
term_job(struct supervisor *sup, struct job *j)
{
	term_job_with(sup, j, 0);
}

/*
 * Start no new job and stop every running one: sig first, then the rest
 * of --termseq (the grace); SIGKILL skips the grace.
 */
static void
stop_now(struct supervisor *sup, int sig)
{
	struct job *j;

	sup->stopping = 1;
	sup->interrupted = 1;
	TAILQ_FOREACH(j, &sup->running, entry) {
		if (sig != SIGKILL) {
			term_job_with(sup, j, sig);
			continue;
		}
		if (j->tkind == JT_TERMSEQ) {
			ev_timer_del(sup->loop, &j->timer);
			j->tkind = JT_NONE;
		}
		j->killed_sig = SIGKILL;
		send_kill(j, SIGKILL);
	}
}

static struct job *
timer_job(struct ev_timer *t)
{
	return (struct job *)(void *)((char *)t - offsetof(struct job, timer));
}

static void
job_timer_cb(struct ev_timer *t)
{
	struct supervisor *sup = t->arg;
	struct job *j = timer_job(t);
	const struct termseq *ts = &sup->o->termseq;
	char vis[256];

	switch (j->tkind) {
	case JT_TIMEOUT:
		j->tkind = JT_NONE;
		j->timed_out = 1;
		if (!sup->o->quiet)
			say(sup, 0, "job %" PRIu64 " timed out: %s", j->seq,
			    job_cmd_vis(j, vis, sizeof(vis)));
		term_job(sup, j);
		break;
	case JT_TERMSEQ:
		if (++j->termstep < ts->n) {
			j->killed_sig = ts->step[j->termstep].sig;
			send_kill(j, j->killed_sig);
			ev_timer_at(sup->loop, &j->timer,
			    ev_now() +
				(uint64_t)ts->step[j->termstep].ms * 1000000);
		} else {
			/* The sequence is spent: nothing may outlive it. */
			j->tkind = JT_NONE;
			if (ts->step[ts->n - 1].sig != SIGKILL ||
			    ts->step[ts->n - 1].ms > 0)
				send_kill(j, SIGKILL);
		}
		break;
	case JT_RETRY:
		j->tkind = JT_NONE;
		TAILQ_REMOVE(&sup->retrywait, j, entry);
		sup->nretrywait--;
		TAILQ_INSERT_HEAD(&sup->pending, j, entry);
		dispatch(sup);
		break;
	default:
		break;
	}
}

/* --delay: job j started, or will not: the next start counts from now. */
static void
delay_confirm(struct supervisor *sup, const struct job *j)
{
	if (sup->delay_job == j) {
		sup->delay_job = NULL;
		sup->last_start = ev_now();
	}
}

static void
delay_cb(struct ev_timer *t)
{
	dispatch(t->arg);
}

/* --deadline: the whole run is out of time; stop it as --timeout would. */
static void
deadline_cb(struct ev_timer *t)
{
	struct supervisor *sup = t->arg;
	struct job *j;

	say(sup, 0, "--deadline reached: stopping %d running job%s",
	    sup->nrunning, sup->nrunning == 1 ? "" : "s");
	policy_deadline(sup->pol);
	sup->stopping = 1;
	sup->stop_why = "--deadline reached";
	TAILQ_FOREACH(j, &sup->running, entry) {
		j->timed_out = 1;
		term_job(sup, j);
	}
	check_done(sup);
}

/* --halt triggered. */
static void
halt(struct supervisor *sup, enum halt_when when)
{
	struct job *j;

	sup->stopping = 1;
	sup->stop_why = "halted by --halt";
	if (when == HALT_NOW) {
		TAILQ_FOREACH(j, &sup->running, entry) {
			j->aborted = 1;
			term_job(sup, j);
		}
		if (sup->nrunning > 0)
			say(sup, 0, "--halt: stopping %d running job%s",
			    sup->nrunning, sup->nrunning == 1 ? "" : "s");
	} else if (sup->nrunning > 0)
		say(sup, 0,
		    "--halt: starting no more jobs, waiting for %d running",
		    sup->nrunning);
}

/* Run a failed job again (--retries), now or after --retry-delay. */
static int
retry_job(struct supervisor *sup, struct job *j)
{
	const struct prun_opts *o = sup->o;
	uint64_t wait;
	int shift;

	if (!o->retries_set || j->aborted || sup->stopping ||
	    j->stage == STAGE_SPOOL ||
	    (o->retries > 0 && j->attempt >= o->retries))
		return 0;
	/* The reports see each try; the next one replaces this one. */
	if (report_job_end(sup->rep, j, 1) == -1)
		report_failed(sup);
	/* Only the last try counts: this one's output is dropped. */
	if (j->outfd != -1)
		close(j->outfd);
	if (j->errfd != -1)
		close(j->errfd);
	j->outfd = j->errfd = -1;
	j->attempt++;
	j->state = JOB_QUEUED;
	if (o->retry_delay_ns == 0) {
		TAILQ_INSERT_HEAD(&sup->pending, j, entry);
		return 1;
	}
	/* Backoff: the delay doubles with each try. */
	shift = j->attempt - 2 < 20 ? j->attempt - 2 : 20;
	wait = o->retry_delay_ns << shift;
	j->tkind = JT_RETRY;
	ev_timer_at(sup->loop, &j->timer, ev_now() + wait);
	TAILQ_INSERT_TAIL(&sup->retrywait, j, entry);
	sup->nretrywait++;
	return 1;
}

/* Job output is about to be written to fd. */
static void
output_prewrite(void *arg, int fd)
{
	struct supervisor *sup = arg;

	progress_prewrite(sup->prog, fd);
}

/* Output failed while a job ran (--line-buffer): as in job_finish(). */
static void
output_error(void *arg, const char *what, int error)
{
	struct supervisor *sup = arg;

	if (error != EPIPE)
		say(sup, error, "%s", what);
	sup->fatal = 1;
	stop_now(sup, SIGKILL);
}

static void
output_write_failed(void *arg, int errnum)
{
	output_failed(arg, errnum);
}

/* Say when a limit prun set is what ended a job. */
static void
warn_limit(struct supervisor *sup, const struct job *j)
{
	if (j->oom)
		say(sup, 0,
		    "job %" PRIu64 ": killed by the OOM killer: its memory "
		    "reached --limit-mem %s (cgroup memory.max)",
		    j->seq, sup->o->limit_mem_arg);
	else if (sup->o->limit_cpu > 0 &&
	    (job_termsig(j) == SIGXCPU || job_exitval(j) == 128 + SIGXCPU))
		say(sup, 0,
		    "job %" PRIu64 ": killed by SIGXCPU: its CPU time "
		    "reached --limit-cpu %" PRIu64,
		    j->seq, sup->o->limit_cpu);
	else if (sup->o->limit_mem > 0 || sup->o->limit_cpu > 0 ||
	    sup->o->limit_procs > 0 || sup->o->limit_files > 0) {
		char lim[256];
		int n = 0;

		lim[0] = '\0';
		if (sup->o->limit_mem > 0)
			n += snprintf(lim + n, sizeof(lim) - (size_t)n,
			    " --limit-mem %s", sup->o->limit_mem_arg);
		if (sup->o->limit_cpu > 0)
			n += snprintf(lim + n, sizeof(lim) - (size_t)n,
			    " --limit-cpu %" PRIu64, sup->o->limit_cpu);
		if (sup->o->limit_procs > 0)
			n += snprintf(lim + n, sizeof(lim) - (size_t)n,
			    " --limit-procs %" PRIu64, sup->o->limit_procs);
		if (sup->o->limit_files > 0)
			snprintf(lim + n, sizeof(lim) - (size_t)n,
			    " --limit-files %" PRIu64, sup->o->limit_files);
		if (job_termsig(j) != 0)
			say(sup, 0,
			    "job %" PRIu64 ": killed by signal %d under%s",
			    j->seq, job_termsig(j), lim);
		else
			say(sup, 0,
			    "job %" PRIu64 ": failed with exit %d under%s",
			    j->seq, job_exitval(j), lim);
	}
}

/* The job is over for good: log it, count it, report it and print it. */
static void
job_finish(struct supervisor *sup, struct job *j)
{
	enum halt_when h = HALT_NEVER;

	/* Its --line-buffer pipes hold the last of its output: count it. */
	output_job_exited(sup->out, j);
	j->tkind = JT_NONE;
	if (job_failed(j) && retry_job(sup, j)) {
		output_job_retry(sup->out, j);
		progress_job_requeued(sup->prog);
		return;
	}
	j->state = JOB_DONE;
	sup->ndone++;
	if (job_failed(j))
		sup->nfailed++;
	progress_job_done(sup->prog, job_failed(j));
	if (j->stage != STAGE_RAN)
		warn_not_started(sup, j);
	else if (job_failed(j))
		warn_limit(sup, j);
	if (!j->aborted) {
		if (joblog_write(sup->jl, j) == -1 && !sup->joblog_failed) {
			say(sup, errno, "--joblog %s", sup->o->joblog);
			sup->joblog_failed = 1;
			sup->fatal = 1;
		}
		if (results_write(sup->res, j) == -1)
			sup->fatal = 1;
		h = policy_job_done(sup->pol, j);
	}
	if (j->aborted)
		sup->naborted++;
	if (report_job_end(sup->rep, j, 0) == -1)
		report_failed(sup);
	/*
	 * Stdout is a pipe and this job printed: hand its worker the next
	 * job before printing, since writing a large spool to the reader
	 * blocks and the workers should be running jobs meanwhile.  (To a
	 * file, where a failed write must stop any new job, not before.)
	 */
	if (h == HALT_NEVER && sup->out_pipe && j->outfd != -1)
		dispatch(sup);
	if (output_job_done(sup->out, j) == -1)
		output_failed(sup, errno);
	if (h != HALT_NEVER)
		halt(sup, h);
}

/* Take a received descriptor off w's queue; -1 if none came. */
static int
fdq_pop(struct wslot *w)
{
	int fd;

	if (w->nfdq == 0)
		return -1;
	fd = w->fdq[0];
	memmove(w->fdq, w->fdq + 1, sizeof(int) * (size_t)--w->nfdq);
	return fd;
}

/*
 * A job killed for want of memory goes back to the head of the queue, to
 * run again from scratch when memory allows; its output is dropped.
 */
static void
requeue(struct supervisor *sup, struct job *j)
{
	if (j->outfd != -1)
		close(j->outfd);
	if (j->errfd != -1)
		close(j->errfd);
	j->outfd = j->errfd = -1;
	/* The reports see this try end, as a retry's. */
	if (report_job_end(sup->rep, j, 1) == -1)
		report_failed(sup);
	job_reset_result(j);
	j->state = JOB_QUEUED;
	j->requeued = 1; /* keeps its place in -k's order */
	j->evicted = 0;
	j->oom = 0;
	j->w = NULL;
	TAILQ_INSERT_HEAD(&sup->pending, j, entry);
}

/*
 * --memfree: with memory below half of it, kill the youngest job, and run
 * it again later (as GNU parallel).  One at a time: the next only once
 * that one is gone and memory is still short.
 */
static void
evict_youngest(struct supervisor *sup)
{
	struct job *j;
	char why[256];

	if (sup->nevicting > 0 || sup->stopping ||
	    (j = TAILQ_LAST(&sup->running, jobq)) == NULL ||
	    j->tkind == JT_TERMSEQ ||
	    !admit_memory_low(sup->admit, why, sizeof(why)))
		return;
	say(sup, 0, "stopping job %" PRIu64 ", to run again later: %s", j->seq,
	    why);
	j->evicted = 1;
	sup->nevicting++;
	term_job(sup, j);
}

/* Admission's answer may have changed. */
static void
admit_wake(void *arg)
{
	struct supervisor *sup = arg;

	evict_youngest(sup);
	dispatch(sup);
}

/*
 * j ended with its spool's file system full: what it wrote may be cut
 * short.  Say so, count it failed, and start no new job, whose output
 * would meet the same fate; prun then exits 255.
 */
static void
spool_full(struct supervisor *sup, struct job *j)
{
	j->spool_full = 1;
	sup->fatal = 1;
	say(sup, 0,
	    "job %" PRIu64 ": no space left in spool directory %s: its "
	    "output may be incomplete%s",
	    j->seq, sup->o->tmpdir,
	    sup->stopping ? "" : "; starting no new jobs");
	if (!sup->stopping) {
		sup->stopping = 1;
		sup->stop_why = "spool directory full";
	}
}

static void
worker_done(struct wslot *w, const struct msg_done *d)
{
	struct supervisor *sup = w->sup;
	struct job *j = w->job;

	j->wstatus = d->wstatus;
	j->spawn_errno = d->spawn_errno;
	j->stage = (int)d->stage;
	j->start_real_ns = d->start_real_ns;
	j->runtime_ns = d->runtime_ns;
	/* --line-buffer output went through the supervisor: it counted. */
	if (sup->o->outmode != OUT_LINE) {
		j->out_bytes = d->out_bytes;
		j->err_bytes = d->err_bytes;
	}
	j->oom = (d->dflags & DONE_F_OOM) != 0;
	delay_confirm(sup, j); /* when it could not start */
	if (d->fdmask & PROTO_FD_OUT)
		j->outfd = fdq_pop(w);
	if (d->fdmask & PROTO_FD_ERR)
		j->errfd = fdq_pop(w);
	if (d->dflags & DONE_F_SPOOL_FULL)
		spool_full(sup, j);

	TAILQ_REMOVE(&sup->running, j, entry);
	sup->nrunning--;
	ev_timer_del(sup->loop, &j->timer);
	w->job = NULL;
	w->njobs++;
	if (w->last)
		w->retiring = 1; /* it is exiting */
	else if (sup->o->max_jobs_per_worker > 0 &&
	    w->njobs >= (unsigned long)sup->o->max_jobs_per_worker) {
		w->retiring = 1;
		proto_enc_shutdown(&w->out);
		worker_flush(w);
	} else
		TAILQ_INSERT_HEAD(&sup->idle, w, idle_entry);
	if (j->evicted) {
		sup->nevicting--;
		/* Unless it succeeded before the signal came. */
		if (!sup->stopping && j->stage == STAGE_RAN &&
		    !(WIFEXITED(j->wstatus) && WEXITSTATUS(j->wstatus) == 0)) {
			requeue(sup, j);
			return;
		}
	}
	job_finish(sup, j);
}

/* Handle every whole frame in w's input; -1 on a protocol error. */
static int
worker_frames(struct wslot *w)
{
	struct proto_hdr hdr;
	struct msg_hello hello;
	struct msg_started st;
	struct msg_done d;
	const unsigned char *p;
	const char *errstr = NULL;
	int r, ofd, efd;

	while ((r = proto_frame(w->in.buf + w->in.rpos, fb_len(&w->in), &hdr,
		    &p, &errstr)) == 1) {
		switch (hdr.type) {
		case MSG_HELLO:
			if (proto_dec_hello(p, hdr.len, &hello, &errstr) == -1)
				goto bad;
			if (hello.version != PROTO_VERSION) {
				errstr = "protocol version mismatch";
				goto bad;
			}
			w->hello = 1;
			break;
		case MSG_STARTED:
			if (proto_dec_started(p, hdr.len, &st, &errstr) == -1)
				goto bad;
			if (w->job == NULL || st.seq != w->job->seq) {
				errstr = "STARTED for a job it does not run";
				goto bad;
			}
			w->job->pid = (pid_t)st.pid;
			w->job->start_real_ns = st.start_real_ns;
			delay_confirm(w->sup, w->job);
			arm_timeout(w->sup, w->job);
			if (report_job_start(w->sup->rep, w->job) == -1)
				report_failed(w->sup);
			/* --line-buffer pipes: output reads them from now. */
			ofd = hdr.flags & PROTO_FD_OUT ? fdq_pop(w) : -1;
			efd = hdr.flags & PROTO_FD_ERR ? fdq_pop(w) : -1;
			output_job_started(w->sup->out, w->job, ofd, efd);
			break;
		case MSG_DONE:
			if (proto_dec_done(p, hdr.len, &d, &errstr) == -1)
				goto bad;
			if (w->job == NULL || d.seq != w->job->seq) {
				errstr = "DONE for a job it does not run";
				goto bad;
			}
			fb_consume(&w->in, PROTO_HDR_LEN + hdr.len);
			worker_done(w, &d);
			continue;
		default:
			errstr = "unexpected frame";
			goto bad;
		}
		fb_consume(&w->in, PROTO_HDR_LEN + hdr.len);
	}
	if (r == 0)
		return 0;
bad:
	say(w->sup, 0, "worker %d (pid %d): %s", w->slot, (int)w->pid, errstr);
	return -1;
}

static void
worker_cb(struct ev_io *io, uint32_t events)
{
	struct wslot *w = io->arg;
	int fds[FD_MAX_PASS], nfds, i, eof = 0;
	ssize_t n;

	if (events & EPOLLOUT)
		worker_flush(w);
	if (!(events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
		return;
	for (;;) {
		n = fd_recv_with_fds(io->fd, fb_reserve(&w->in, 65536), 65536,
		    fds, &nfds);
		for (i = 0; i < nfds; i++) {
			if (w->nfdq < FDQ_MAX)
				w->fdq[w->nfdq++] = fds[i];
			else
				close(fds[i]);
		}
		if (n > 0) {
			fb_commit(&w->in, (size_t)n);
			if (n < 65536)
				break;
			continue;
		}
		if (n == -1 && errno == EAGAIN)
			break;
		eof = 1;
		break;
	}
	if (worker_frames(w) == -1) {
		kill(w->pid, SIGKILL);
		eof = 1;
	}
	if (eof)
		worker_lost(w);
	dispatch(w->sup);
}

/*
 * Make sure w's process is gone and reaped (reap() may have done it), so
 * that everything it left is reparented to us before we look.
 */
static void
worker_wait(struct wslot *w, int kill_it)
{
	siginfo_t si;

	if (w->reaped)
		return;
	if (w->pidfd != -1) {
		if (kill_it)
			syscall(SYS_pidfd_send_signal, w->pidfd, SIGKILL, NULL,
			    0);
		while (waitid(P_PIDFD, (id_t)w->pidfd, &si, WEXITED) == -1 &&
		    errno == EINTR)
			;
		close(w->pidfd);
		w->pidfd = -1;
	} else {
		/* No pidfd, but reap() tells us when pid is no longer ours. */
		if (kill_it)
			kill(w->pid, SIGKILL);
		while (waitpid(w->pid, NULL, 0) == -1 && errno == EINTR)
			;
	}
	w->reaped = 1;
}

/* w's process is gone (or must go): fail its job, and replace it. */
static void
worker_lost(struct wslot *w)
{
	struct supervisor *sup = w->sup;
	struct job *j = w->job;
	int fd;

	ev_io_del(sup->loop, &w->io);
	close(w->io.fd);
	w->alive = 0;
	sup->nalive--;
	worker_wait(w, 1);
	while ((fd = fdq_pop(w)) != -1)
		close(fd);
	fb_consume(&w->in, fb_len(&w->in));
	fb_consume(&w->out, fb_len(&w->out));
	if (j == NULL) {
		if (!w->retiring && !sup->done)
			TAILQ_REMOVE(&sup->idle, w, idle_entry);
	} else {
		/*
		 * The job and whatever it started are our children now (we
		 * are their subreaper): kill them all, escapees included.
		 */
		spawn_kill_orphans(getpgrp());
		delay_confirm(sup, j);
		if (!w->retiring)
			say(sup, 0,
			    "worker %d (pid %d) died while running job %" PRIu64,
			    w->slot, (int)w->pid, j->seq);
		TAILQ_REMOVE(&sup->running, j, entry);
		sup->nrunning--;
		ev_timer_del(sup->loop, &j->timer);
		w->job = NULL;
		if (j->evicted) {
			j->evicted = 0;
			sup->nevicting--;
		}
		j->lost = 1;
		j->wstatus = SIGKILL; /* as if killed: it was */
		j->runtime_ns = ev_now() - j->start_mono;
		job_finish(sup, j);
	}
	w->retiring = 0;
	if (work_left(sup) && !sup->done)
		worker_start(sup, w);
}

/* Fork a worker process into slot w; 0 on success. */
static int
worker_start(struct supervisor *sup, struct wslot *w)
{
	int sv[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1) {
		say(sup, errno, "socketpair");
		return -1;
	}
	fflush(NULL);
	if ((pid = fork()) == -1) {
		say(sup, errno, "fork");
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	if (pid == 0) {
		close(sv[0]);
		worker_main(sv[1], w->slot, sup->self, sup->o, &sup->wsetup);
		/* NOTREACHED */
	}
	close(sv[1]);
	/*
	 * pidfds are close-on-exec; the child is unreaped, so pid is its.
	 * Without them (kernels before 5.3, seccomp filters, valgrind),
	 * reap() notes which workers it reaps.
	 */
	if ((w->pidfd = (int)syscall(SYS_pidfd_open, pid, 0)) == -1)
		sup->nopidfd = 1;
	fd_set_nonblock(sv[0], 1);
	w->pid = pid;
	w->reaped = 0;
	w->alive = 1;
	w->hello = 0;
	w->job = NULL;
	w->njobs = 0;
	w->last = 0;
	w->nfdq = 0;
	w->io.cb = worker_cb;
	w->io.arg = w;
	if (ev_io_add(sup->loop, &w->io, sv[0], EPOLLIN) == -1)
		err(PRUN_EXIT_ERROR, "epoll_ctl");
	sup->nalive++;
	TAILQ_INSERT_TAIL(&sup->idle, w, idle_entry);
	return 0;
}

/* Reap whatever has exited: workers, and orphans adopted as subreaper. */
static void
reap(struct supervisor *sup)
{
	pid_t pid;
	int i;

	while ((pid = waitpid(-1, NULL, WNOHANG)) > 0) {
		if (!sup->nopidfd)
			continue;
		/* Only without pidfds, which is rare: a scan is fine. */
		for (i = 0; i < sup->nw; i++)
			if (sup->w[i].pid == pid && sup->w[i].pidfd == -1)
				sup->w[i].reaped = 1;
	}
}

/* "SIGINT" for SIGINT. */
static const char *
signame(int sig, char *buf, size_t len)
{
	const char *abbrev = sigabbrev_np(sig);

	if (abbrev != NULL)
		snprintf(buf, len, "SIG%s", abbrev);
	else
		snprintf(buf, len, "signal %d", sig);
	return buf;
}

/* Send sig to every running job, without stopping them. */
static void
signal_running(struct supervisor *sup, int sig)
{
	struct job *j;

	TAILQ_FOREACH(j, &sup->running, entry)
		send_kill(j, sig);
}

/*
 * SIGHUP drains: no new job, running ones finish.  SIGINT, SIGTERM and
 * SIGQUIT, or a second SIGHUP, stop: no new job, and each running job gets
 * that signal, then the rest of --termseq; any signal after that kills
 * them at once.  prun exits 128 + the first signal that stopped it.
 */
static void
on_signal(struct supervisor *sup, int sig)
{
	char name[32];

	switch (sig) {
	case SIGCHLD:
		reap(sup);
		break;
	case SIGHUP:
		if (!sup->interrupted && sup->exit_signal != SIGHUP) {
			sup->stopping = 1;
			if (sup->exit_signal == 0)
				sup->exit_signal = SIGHUP;
			say(sup, 0,
			    "SIGHUP: starting no new jobs, waiting for %d "
			    "running",
			    sup->nrunning);
			break;
		}
		/* FALLTHROUGH */
	case SIGINT:
	case SIGTERM:
	case SIGQUIT:
		if (sup->exit_signal == 0 ||
		    (sup->exit_signal == SIGHUP && sig != SIGHUP))
			sup->exit_signal = sig;
		signame(sig, name, sizeof(name));
		if (sup->interrupted) {
			if (sup->nrunning > 0)
				say(sup, 0, "%s again: killing %d running",
				    name, sup->nrunning);
			stop_now(sup, SIGKILL);
		} else {
			say(sup, 0,
			    "%s: starting no new jobs, stopping %d running",
			    name, sup->nrunning);
			stop_now(sup, sig);
		}
		break;
	case SIGTSTP:
		/*
		 * Jobs are in process groups of their own, which the
		 * terminal's SIGTSTP does not reach: stop them, then
		 * ourselves.  The workers keep running, idle.
		 */
		signal_running(sup, SIGSTOP);
		raise(SIGSTOP);
		break;
	case SIGCONT:
		signal_running(sup, SIGCONT);
		break;
	case SIGWINCH:
		progress_resize(sup->prog);
		break;
	default:
		break;
	}
}

static void
sig_cb(struct ev_io *io, uint32_t events __unused)
{
	struct supervisor *sup = io->arg;
	int sig;

	while ((sig = sig_next(io->fd)) != 0)
		on_signal(sup, sig);
	check_done(sup);
}

/* How many workers -j 0 may have: what process and descriptor limits allow. */
static int
unlimited_workers(void)
{
	struct rlimit rl;
	long n = PRUN_MAX_WORKERS;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
		n = ((long)rl.rlim_cur - 16) / 4;
	if (getrlimit(RLIMIT_NPROC, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    (long)rl.rlim_cur / 2 < n)
		n = (long)rl.rlim_cur / 2;
	return n < 1 ? 1 : (int)n;
}

/* Raise the descriptor limit: -k may hold two spools per waiting job. */
static void
raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* Why the run stopped before its end, for the reports; NULL if it didn't. */
static const char *
stop_reason(const struct supervisor *sup, char *buf, size_t size)
{
	const char *name;

	if (!sup->stopping)
		return NULL;
	if (sup->exit_signal != 0) {
		name = sigabbrev_np(sup->exit_signal);
		snprintf(buf, size, "interrupted by SIG%s", name ? name : "?");
	} else if (sup->stop_why != NULL)
		strlcpy(buf, sup->stop_why, size);
	else
		snprintf(buf, size, "stopped by an error");
	return buf;
}

static void
skip_job(struct supervisor *sup, struct job *j, const char *why)
{
	sup->nskipped++;
	if (report_job_skip(sup->rep, j, why) == -1)
		sup->fatal = 1;
	job_free(j);
}

/*
 * Free the jobs never started.  When the run stopped early and a report
 * lists them, report them as skipped: those read ahead, then the rest of
 * the command files when they are regular files (a pipe's rest may never
 * end, and is not waited for).
 */
static void
skip_rest(struct supervisor *sup, const char *why)
{
	struct cmdline line;
	struct job *j;
	int again = 0;

	if (why == NULL || !report_active(sup->rep)) {
		while ((j = TAILQ_FIRST(&sup->pending)) != NULL) {
			TAILQ_REMOVE(&sup->pending, j, entry);
			job_free(j);
		}
		return;
	}
	while ((j = TAILQ_FIRST(&sup->pending)) != NULL) {
		TAILQ_REMOVE(&sup->pending, j, entry);
		skip_job(sup, j, why);
	}
	if (!cmdfile_all_regular(sup->cf))
		return;
	while (!sup->in_eof) {
		switch (cmdfile_next(sup->cf, &line, sup->errbuf,
		    sizeof(sup->errbuf))) {
		case CMD_OK:
			skip_job(sup,
			    job_new(++sup->next_seq, line.cmd, line.len), why);
			break;
		case CMD_AGAIN:
			if (again++)
				return;
			cmdfile_always_readable(sup->cf);
			break;
		case CMD_EOF:
			sup->in_eof = 1;
			break;
		case CMD_ERROR:
			break; /* a bad line: it would not have run either */
		}
	}
}

/* Stop every worker and wait for all of them. */
static void
shutdown_workers(struct supervisor *sup)
{
	int i;

	for (i = 0; i < sup->nw; i++) {
		struct wslot *w = &sup->w[i];

		if (!w->alive)
			continue;
		ev_io_del(sup->loop, &w->io);
		close(w->io.fd); /* EOF: the worker kills its job and exits */
		w->alive = 0;
	}
	for (i = 0; i < sup->nw; i++)
		worker_wait(&sup->w[i], 0);
	/* Whatever is left was orphaned to us by a worker that died. */
	spawn_kill_orphans(0);
	reap(sup);
}

static void
out_cb(struct ev_io *io, uint32_t events __unused)
{
	struct supervisor *sup = io->arg;

	ev_io_del(sup->loop, io);
	output_failed(sup, EPIPE);
	check_done(sup);
}

/*
 * When stdout is a pipe, notice its reader going away (`prun | head -1`)
 * at once, not at the next write, which may be long in coming: epoll
 * reports EPOLLERR on a pipe with no reader left.
 */
static void
watch_stdout(struct supervisor *sup)
{
	struct stat st;

	if (fstat(STDOUT_FILENO, &st) == -1 ||
	    !(S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)))
		return;
	if (S_ISFIFO(st.st_mode) &&
	    fcntl(STDOUT_FILENO, F_GETPIPE_SZ) < STDOUT_PIPE_SZ)
		(void)fcntl(STDOUT_FILENO, F_SETPIPE_SZ, STDOUT_PIPE_SZ);
	sup->out_pipe = 1;
	sup->out_io.cb = out_cb;
	sup->out_io.arg = sup;
	ev_io_add(sup->loop, &sup->out_io, STDOUT_FILENO, 0);
}

/*
 * End as the signal that stopped the run would have: a shell waiting for
 * prun then knows it was interrupted (for SIGINT, it stops a loop around
 * prun), and says nothing of a SIGPIPE, as for any filter.
 */
static void
die_by_signal(int sig)
{
	sigset_t set;

	signal(sig, SIG_DFL);
	sigemptyset(&set);
	sigaddset(&set, sig);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	raise(sig);
}

/*
 * Before any worker is forked: the make jobserver (which may set the
 * jobs' MAKEFLAGS), admission, and the cgroup subtree the limits use.
 */
static void
setup_machine(struct supervisor *sup, int nw)
{
	struct jobserver *js;
	char msg[512];
	int fatal;

	/* -j's budget, though a short input may need fewer workers. */
	js = jobserver_open(sup->o,
	    sup->o->jobs_unlimited || nw < 1 ? (nw > 0 ? nw : 1) : sup->o->jobs,
	    msg, sizeof(msg), &fatal);
	if (fatal)
		errx(PRUN_EXIT_ERROR, "%s", msg);
	if (msg[0] != '\0')
		say(sup, 0, "%s; running without it", msg);
	sup->wsetup.js_fds[0] = sup->wsetup.js_fds[1] = -1;
	if (js != NULL)
		jobserver_job_fds(js, sup->wsetup.js_fds);
	sup->admit = admit_new(sup->o, sup->loop, js, admit_wake, sup);
	sup->cg = cgroup_run_new(sup->o);
	cgroup_run_env(sup->cg, &sup->wsetup.lenv);
	spawn_sigs_init(&sup->wsetup.sigs);
}

int
supervisor_run(const struct prun_opts *o)
{
	struct supervisor sup;
	struct output_hooks hooks;
	struct job *j;
	struct report_run run;
	struct report_end end;
	char why[64];
	int i, nw, status, nstarted = 0;

	memset(&sup, 0, sizeof(sup));
	memset(&run, 0, sizeof(run));
	sup.o = o;
	sup.self = getpid();
	TAILQ_INIT(&sup.idle);
	TAILQ_INIT(&sup.pending);
	TAILQ_INIT(&sup.running);
	TAILQ_INIT(&sup.retrywait);
	sup.skip = joblog_resume_set(o);
	if (o->dry_run) {
		status = scan_dry_run(o, sup.skip);
		seqset_free(sup.skip);
		return status;
	}
	sup.pol = policy_new(o);
	run.total = -1;
	if (policy_needs_total(sup.pol)) {
		run.total = (int64_t)scan_count(o);
		policy_set_total(sup.pol, (uint64_t)run.total);
	}
	sup.jl = joblog_open(o);
	if (o->results != NULL)
		sup.res = results_open(o->results);
	sup.start_mono = ev_now();
	sup.loop = ev_new();
	sup.delay_timer.cb = delay_cb;
	sup.delay_timer.arg = &sup;
	sup.deadline_timer.cb = deadline_cb;
	sup.deadline_timer.arg = &sup;
	if (o->deadline_ns > 0)
		ev_timer_at(sup.loop, &sup.deadline_timer,
		    ev_now() + o->deadline_ns);
	sup.cf = cmdfile_open(o->files, o->nfiles);
	sup.rep = report_open(o);
	/*
	 * The progress line and the run_start event show the total: it costs
	 * a pass over the files; a pipe has none.
	 */
	if ((o->progress || o->json != NULL) && run.total < 0 &&
	    cmdfile_all_regular(sup.cf))
		run.total = (int64_t)scan_count(o);
	if (o->progress)
		sup.prog = progress_new(o, sup.loop, run.total);
	hooks.prewrite = output_prewrite;
	hooks.error = output_error;
	hooks.write_failed = output_write_failed;
	hooks.arg = &sup;
	sup.out = output_new(o, sup.loop, &hooks);
	sup.in_io.cb = input_cb;
	sup.in_io.arg = &sup;

	nw = o->jobs_unlimited ? unlimited_workers() : o->jobs;
	run.jobs = nw;
	run.start_real_ns = ev_realtime();
	raise_nofile();
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) == -1)
		say(&sup, errno, "PR_SET_CHILD_SUBREAPER");
	sup.sig_io.cb = sig_cb;
	sup.sig_io.arg = &sup;
	if (ev_io_add(sup.loop, &sup.sig_io, sig_init(), EPOLLIN) == -1)
		err(PRUN_EXIT_ERROR, "epoll_ctl");
	watch_stdout(&sup);

	/*
	 * Read ahead up to one job per worker without blocking: a short
	 * input needs no more workers than it has jobs.
	 */
	for (i = 0; i < nw; i++) {
		if ((j = read_job(&sup)) == NULL)
			break;
		TAILQ_INSERT_TAIL(&sup.pending, j, entry);
	}
	/* One more, so that an input of exactly nw jobs is known whole. */
	if (i == nw && report_active(sup.rep) && (j = read_job(&sup)) != NULL)
		TAILQ_INSERT_TAIL(&sup.pending, j, entry);
	if (sup.in_eof && i < nw)
		nw = i;
	setup_machine(&sup, nw);

	sup.nw = nw;
	sup.w = xcalloc(nw > 0 ? (size_t)nw : 1, sizeof(*sup.w));
	for (i = 0; i < nw; i++) {
		sup.w[i].sup = &sup;
		sup.w[i].slot = i + 1;
		sup.w[i].pidfd = -1;
		sup.w[i].reaped = 1;
		fb_init(&sup.w[i].in);
		fb_init(&sup.w[i].out);
		if (worker_start(&sup, &sup.w[i]) == 0)
			nstarted++;
		else if (nstarted == 0)
			errx(PRUN_EXIT_ERROR, "could not start any worker");
	}

	run.workers = nw;
	if (run.total < 0 && sup.in_eof)
		run.total = (int64_t)sup.next_seq;
	if (report_run_start(sup.rep, &run) == -1)
		report_failed(&sup);

	dispatch(&sup);
	while (!sup.done)
		ev_run_once(sup.loop);
	if (output_flush(sup.out) == -1)
		output_failed(&sup, errno);
	progress_finish(sup.prog);

	shutdown_workers(&sup);
	memset(&end, 0, sizeof(end));
	end.stopped = stop_reason(&sup, why, sizeof(why));
	skip_rest(&sup, end.stopped);
	admit_free(sup.admit);
	cgroup_run_free(sup.cg);
	for (i = 0; i < nw; i++) {
		fb_free(&sup.w[i].in);
		fb_free(&sup.w[i].out);
	}
	free(sup.w);
	output_free(sup.out);
	progress_free(sup.prog);
	cmdfile_close(sup.cf);
	ev_free(sup.loop);

	if (sup.exit_signal != 0)
		status = 128 + sup.exit_signal;
	else if (sup.fatal)
		status = PRUN_EXIT_ERROR;
	else
		status = policy_exit_status(sup.pol);
	/* The failure summary is the last thing on stderr. */
	if (!o->quiet)
		policy_summary(sup.pol, stderr);
	joblog_close(sup.jl);
	results_close(sup.res);
	seqset_free(sup.skip);
	policy_free(sup.pol);

	/* Jobs --halt now killed count as not run, as in the joblog. */
	end.ok = sup.ndone - sup.nfailed;
	end.failed = sup.nfailed - sup.naborted;
	end.skipped = sup.nskipped + sup.naborted;
	end.wall_ns = ev_now() - sup.start_mono;
	end.exit_status = status;
	end.signal = sup.exit_signal;
	if (report_run_end(sup.rep, &end) == -1 && sup.exit_signal == 0)
		end.exit_status = PRUN_EXIT_ERROR;
	report_free(sup.rep);
	if (sup.exit_signal == SIGINT || sup.exit_signal == SIGPIPE)
		die_by_signal(sup.exit_signal);
	return end.exit_status;
}
