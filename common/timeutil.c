/* Durations ("90s", "15m", "12h", "30d", "2w") and RFC 3339 times, in UTC. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "rb.h"
#include "timeutil.h"

struct unit {
	char c;
	uint32_t secs;
};

/* Largest first, so time_format_duration can pick the first that divides. */
static const struct unit units[] = {
	{ 'w', 7 * 86400 },
	{ 'd', 86400 },
	{ 'h', 3600 },
	{ 'm', 60 },
	{ 's', 1 },
};

int
time_parse_duration(const char *s, uint32_t *secs)
{
	uint64_t n = 0, mult = 1;
	const char *p = s;
	size_t i;

	if (*p < '0' || *p > '9')
		return RB_ESYNTAX;
	for (; *p >= '0' && *p <= '9'; p++) {
		n = n * 10 + (uint64_t)(*p - '0');
		if (n > UINT32_MAX)
			return RB_ESYNTAX;
	}
	if (*p != '\0') {
		/* Lower case only: "30M" could be read as months. */
		for (i = 0; i < RB_ARRAY_LEN(units); i++)
			if (*p == units[i].c)
				break;
		if (i == RB_ARRAY_LEN(units) || p[1] != '\0')
			return RB_ESYNTAX;
		mult = units[i].secs;
	}
	/* A lifetime of zero would list nothing; the store wants > 0. */
	if (n == 0 || n * mult > UINT32_MAX)
		return RB_ESYNTAX;
	*secs = (uint32_t)(n * mult);
	return 0;
}

/* Read exactly N decimal digits at *P into *V and move *P past them. */
static bool
digits(const char **p, int n, int *v)
{
	int i, r = 0;

	for (i = 0; i < n; i++) {
		if ((*p)[i] < '0' || (*p)[i] > '9')
			return false;
		r = r * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*v = r;
	return true;
}

/* Read the character C at *P and move past it. */
static bool
expect(const char **p, char c)
{
	if (**p != c)
		return false;
	(*p)++;
	return true;
}

static bool
leap_year(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/*
 * RFC 3339 s5.6 date-time: full-date "T" full-time, where s5.6's note lets
 * "T" be lower case or, by agreement, a space, and "Z" be lower case.
 * time-secfrac is accepted and dropped; time-offset is Z or +hh:mm/-hh:mm.
 */
int
time_parse_rfc3339(const char *s, int64_t *t)
{
	static const int mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int year, mon, day, hour, min, sec, oh = 0, om = 0, sign = 0, dim;
	const char *p = s;
	struct tm tm;
	time_t base;

	if (!digits(&p, 4, &year) || !expect(&p, '-') || !digits(&p, 2, &mon) ||
	    !expect(&p, '-') || !digits(&p, 2, &day))
		return RB_ESYNTAX;
	if (*p != 'T' && *p != 't' && *p != ' ')
		return RB_ESYNTAX;
	p++;
	if (!digits(&p, 2, &hour) || !expect(&p, ':') || !digits(&p, 2, &min) ||
	    !expect(&p, ':') || !digits(&p, 2, &sec))
		return RB_ESYNTAX;
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return RB_ESYNTAX;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p++ == '+' ? 1 : -1;
		if (!digits(&p, 2, &oh) || !expect(&p, ':') || !digits(&p, 2, &om))
			return RB_ESYNTAX;
		if (oh > 23 || om > 59)
			return RB_ESYNTAX;
	} else {
		return RB_ESYNTAX;
	}
	if (*p != '\0')
		return RB_ESYNTAX;

	if (mon < 1 || mon > 12)
		return RB_ESYNTAX;
	dim = mdays[mon - 1] + (mon == 2 && leap_year(year));
	/* RFC 3339 s5.7: second 60 only for a leap second; timegm rolls it over. */
	if (day < 1 || day > dim || hour > 23 || min > 59 || sec > 60)
		return RB_ESYNTAX;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = year - 1900;
	tm.tm_mon = mon - 1;
	tm.tm_mday = day;
	tm.tm_hour = hour;
	tm.tm_min = min;
	tm.tm_sec = sec;
	base = timegm(&tm);
	/* The local time minus its offset is UTC (RFC 3339 s4.2). */
	*t = (int64_t)base - sign * (oh * 3600 + om * 60);
	return 0;
}

char *
time_format(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (len == 0)
		return buf;
	if (gmtime_r(&tt, &tm) == NULL || strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		buf[0] = '\0';
	return buf;
}

char *
time_format_duration(uint32_t secs, char *buf, size_t len)
{
	size_t i;

	if (len == 0)
		return buf;
	if (secs == 0) {
		snprintf(buf, len, "0s");
		return buf;
	}
	for (i = 0; i < RB_ARRAY_LEN(units) - 1; i++)
		if (secs % units[i].secs == 0)
			break;
	snprintf(buf, len, "%lu%c", (unsigned long)(secs / units[i].secs), units[i].c);
	return buf;
}

int64_t
time_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec;
}
