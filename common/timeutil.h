/* Durations ("90s", "15m", "12h", "30d") and RFC 3339 times. */
#ifndef TIMEUTIL_H
#define TIMEUTIL_H

#include <stddef.h>
#include <stdint.h>

/*
 * Parse a duration: a positive decimal number followed by one of s, m, h,
 * d, w (a bare number means seconds).  Returns 0 or RB_ESYNTAX.
 */
int time_parse_duration(const char *s, uint32_t *secs);

/*
 * Parse an RFC 3339 time ("2026-11-27T10:00:00Z", "...+02:00", optional
 * fraction, which is dropped) into seconds since the epoch.  Returns 0 or
 * RB_ESYNTAX.
 */
int time_parse_rfc3339(const char *s, int64_t *t);

/* Format T as "2026-11-27T10:00:00Z" into BUF (at least TIME_BUFLEN). */
#define TIME_BUFLEN 32
char *time_format(int64_t t, char *buf, size_t len);

/* Format a duration compactly ("30d", "12h", "90s"). */
char *time_format_duration(uint32_t secs, char *buf, size_t len);

/* Seconds since the epoch, from the real-time clock. */
int64_t time_now(void);

#endif
