/*
 * Parsers for option values shared by several options.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
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
parse_size(const char *s, uint64_t *bytes, const char **errstr)
{
	static const char up[] = "KMGTP", low[] = "kmgtp";
	const char *u;
	double v, mul = 1, base;
	char *end;
	int i, n;

	*errstr = "not a size (a number of bytes, maybe with K, M, G or T)";
	if (*s < '0' || *s > '9') {
		if (*s != '.')
			return -1;
	}
	errno = 0;
	v = strtod(s, &end);
	if (end == s || errno != 0 || !(v >= 0))
		return -1;
	if (*end != '\0') {
		if ((u = strchr(up, *end)) != NULL) {
			base = 1024;
			n = (int)(u - up) + 1;
		} else if ((u = strchr(low, *end)) != NULL) {
			base = end[1] == 'i' ? 1024 : 1000;
			n = (int)(u - low) + 1;
		} else
			return -1;
		for (i = 0; i < n; i++)
			mul *= base;
		end++;
		if (*end == 'i')
			end++;
		if (*end == 'B' || *end == 'b')
			end++;
		if (*end != '\0')
			return -1;
	}
	v *= mul;
	if (v < 1) {
		*errstr = "too small (less than a byte)";
		return -1;
	}
	if (v >= 1.8e19) {
		*errstr = "too large";
		return -1;
	}
	*bytes = (uint64_t)v;
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

/* A percentage "N%" or "N.M%", N > 0; the factor in *f. */
static int
parse_pct(const char *s, double *f)
{
	size_t len = strlen(s), n;
	char num[64];

	if (len < 2 || s[len - 1] != '%' || len > sizeof(num))
		return -1;
	n = strspn(s, "0123456789.");
	if (n != len - 1 || strspn(s, "0123456789") == 0 ||
	    strchr(s, '.') != strrchr(s, '.'))
		return -1;
	memcpy(num, s, n);
	num[n] = '\0';
	*f = strtod(num, NULL) / 100.0;
	return *f > 0 && *f <= 1e6 ? 0 : -1;
}

int
parse_timeout(const char *s, uint64_t *ns, double *pct, const char **errstr)
{
	*ns = 0;
	*pct = 0;
	if (*s != '\0' && s[strlen(s) - 1] == '%') {
		if (parse_pct(s, pct) == -1) {
			*errstr = "not a percentage of the median runtime";
			return -1;
		}
		return 0;
	}
	if (parse_duration(s, ns, errstr) == -1)
		return -1;
	if (*ns == 0) {
		*errstr = "must be more than 0";
		return -1;
	}
	return 0;
}

int
parse_halt(const char *s, struct halt_policy *h, const char **errstr)
{
	static const struct {
		const char *old, *now;
	} legacy[] = { { "0", "never" }, { "1", "soon,fail=1" },
		{ "2", "now,fail=1" }, { "-1", "soon,success=1" },
		{ "-2", "now,success=1" } };
	char buf[64], *why, *val;
	const char *errval = "expected never, or now|soon,fail|success|done=N "
			     "or N%";
	const char *cerr;
	size_t i;
	double f;

	memset(h, 0, sizeof(*h));
	for (i = 0; i < sizeof(legacy) / sizeof(legacy[0]); i++)
		if (strcmp(s, legacy[i].old) == 0)
			s = legacy[i].now;
	if (strcmp(s, "never") == 0)
		return 0;
	if (strlen(s) >= sizeof(buf) - 16) {
		*errstr = errval;
		return -1;
	}
	/* N% alone: soon,fail=N% */
	if (isdigit((unsigned char)*s) && parse_pct(s, &f) == 0)
		snprintf(buf, sizeof(buf), "soon,fail=%s", s);
	else
		strlcpy(buf, s, sizeof(buf));
	if ((why = strchr(buf, ',')) == NULL ||
	    (val = strchr(why, '=')) == NULL) {
		*errstr = errval;
		return -1;
	}
	*why++ = '\0';
	*val++ = '\0';
	if (strcmp(buf, "now") == 0)
		h->when = HALT_NOW;
	else if (strcmp(buf, "soon") == 0)
		h->when = HALT_SOON;
	else {
		*errstr = errval;
		return -1;
	}
	if (strcmp(why, "fail") == 0)
		h->why = HALT_FAIL;
	else if (strcmp(why, "success") == 0)
		h->why = HALT_SUCCESS;
	else if (strcmp(why, "done") == 0)
		h->why = HALT_DONE;
	else {
		*errstr = errval;
		return -1;
	}
	if (*val != '\0' && val[strlen(val) - 1] == '%') {
		if (parse_pct(val, &h->pct) == -1 || h->pct > 1) {
			*errstr = "percentage must be more than 0 and at most "
				  "100";
			return -1;
		}
		h->is_pct = 1;
		return 0;
	}
	h->count = (uint64_t)strtonum(val, 1, LLONG_MAX, &cerr);
	if (cerr != NULL || !isdigit((unsigned char)*val)) {
		*errstr = "count must be a whole number, 1 or more";
		return -1;
	}
	return 0;
}
