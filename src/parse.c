/*
 * Parsers for option values shared by several options.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "parse.h"

int
parse_duration(const char *s, uint64_t *ns, const char **errstr)
{
	const char *p = s;
	char num[64];
	double total = 0, v, mult;
	size_t len;

	*errstr = "not a duration (seconds, or a sum of terms with s, m, h, d)";
	if (*s == '\0')
		return -1;
	while (*p != '\0') {
		/* Plain decimals only: no sign, exponent, hex, inf or nan. */
		len = strspn(p, "0123456789.");
		if (len == 0 || len >= sizeof(num) ||
		    (strspn(p, "0123456789") == 0 && len == 1))
			return -1;
		memcpy(num, p, len);
		num[len] = '\0';
		if (strchr(num, '.') != strrchr(num, '.'))
			return -1;
		v = strtod(num, NULL);
		p += len;
		switch (*p) {
		case 's':
			mult = 1;
			break;
		case 'm':
			mult = 60;
			break;
		case 'h':
			mult = 3600;
			break;
		case 'd':
			mult = 86400;
			break;
		case '\0':
			mult = 1;
			break;
		default:
			return -1;
		}
		if (*p != '\0')
			p++;
		total += v * mult;
	}
	if (total > PARSE_DURATION_MAX_S) {
		*errstr = "too long";
		return -1;
	}
	*ns = (uint64_t)(total * 1e9 + 0.5);
	return 0;
}

int
parse_signal(const char *s)
{
	const char *abbrev;
	char *end;
	long n;
	int i;

	if (*s == '\0')
		return -1;
	if (isdigit((unsigned char)*s)) {
		errno = 0;
		n = strtol(s, &end, 10);
		if (*end != '\0' || errno != 0 || n < 1 || n >= NSIG)
			return -1;
		return (int)n;
	}
	if (strncasecmp(s, "SIG", 3) == 0)
		s += 3;
	for (i = 1; i < NSIG; i++) {
		if ((abbrev = sigabbrev_np(i)) != NULL &&
		    strcasecmp(abbrev, s) == 0)
			return i;
	}
	return -1;
}

void
termseq_default(struct termseq *ts)
{
	static const struct termseq_step def[] = { { SIGTERM, 200 },
		{ SIGTERM, 100 }, { SIGTERM, 50 }, { SIGKILL, 25 } };

	memset(ts, 0, sizeof(*ts));
	memcpy(ts->step, def, sizeof(def));
	ts->n = sizeof(def) / sizeof(def[0]);
}

int
parse_termseq(const char *s, struct termseq *ts, const char **errstr)
{
	char buf[1024], *tok, *save = NULL;
	char *end;
	long ms;
	int want_sig = 1;

	memset(ts, 0, sizeof(*ts));
	if (strlcpy(buf, s, sizeof(buf)) >= sizeof(buf)) {
		*errstr = "too long";
		return -1;
	}
	if (*s == '\0' || s[strlen(s) - 1] == ',' || strstr(s, ",,") ||
	    *s == ',') {
		*errstr = "expected SIG,MS[,SIG,MS...]";
		return -1;
	}
	for (tok = strtok_r(buf, ",", &save); tok != NULL;
	     tok = strtok_r(NULL, ",", &save)) {
		if (want_sig) {
			if (ts->n == PRUN_TERMSEQ_MAX) {
				*errstr = "too many steps";
				return -1;
			}
			if ((ts->step[ts->n].sig = parse_signal(tok)) == -1) {
				*errstr = "unknown signal";
				return -1;
			}
			ts->step[ts->n++].ms = 0;
		} else {
			errno = 0;
			ms = strtol(tok, &end, 10);
			if (!isdigit((unsigned char)*tok) || *end != '\0' ||
			    errno != 0 || ms < 0 || ms > 86400000L) {
				*errstr = "not a wait in milliseconds";
				return -1;
			}
			ts->step[ts->n - 1].ms = (uint32_t)ms;
		}
		want_sig = !want_sig;
	}
	return 0;
}
