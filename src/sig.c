/*
 * Signals as events: block the ones prun acts on and read them from a
 * signalfd.  SIGPIPE is ignored so that a closed reader shows up as EPIPE
 * where prun writes.
 */
#include <sys/signalfd.h>

#include <err.h>
#include <errno.h>
#include <signal.h>
#include <unistd.h>

#include "prun.h"
#include "sig.h"

static const int handled[] = { SIGCHLD, SIGINT, SIGTERM, SIGHUP, SIGQUIT,
	SIGWINCH, SIGTSTP, SIGCONT, SIGALRM, SIGUSR1, SIGUSR2 };

/* Block prun's signals; return a non-blocking signalfd that reads them. */
int
sig_init(void)
{
	sigset_t set;
	size_t i;
	int fd;

	sigemptyset(&set);
	for (i = 0; i < sizeof(handled) / sizeof(handled[0]); i++)
		sigaddset(&set, handled[i]);
	if (sigprocmask(SIG_BLOCK, &set, NULL) == -1)
		err(PRUN_EXIT_ERROR, "sigprocmask");
	if ((fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC)) == -1)
		err(PRUN_EXIT_ERROR, "signalfd");
	signal(SIGPIPE, SIG_IGN);
	return fd;
}

/* The next pending signal, or 0 when none is. */
int
sig_next(int fd)
{
	struct signalfd_siginfo si;
	ssize_t n;

	do
		n = read(fd, &si, sizeof(si));
	while (n == -1 && errno == EINTR);
	if (n != (ssize_t)sizeof(si))
		return 0;
	return (int)si.ssi_signo;
}
