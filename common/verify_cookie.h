/* The cookies of relay tests: an HMAC over the tested address, the form, the job and the time. */
#ifndef VERIFY_COOKIE_H
#define VERIFY_COOKIE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"

/* "rbldb1-JOB-FORM-TIME-" and 64 hex digits of HMAC-SHA256, with room to spare. */
#define VERIFY_COOKIE_LEN 128

/*
 * The cookie of job JOB's message sent with relay form FORM at TIME, for
 * address A, keyed with SECRET ([verify] secret), into BUF (at least
 * VERIFY_COOKIE_LEN).  Returns BUF, or NULL when HMAC fails.
 */
char *verify_cookie_make(const char *secret, const struct addr *a, unsigned form,
    uint64_t job, int64_t time, char *buf, size_t len);

/* A cookie's parts as read from a message; the MAC is checked apart. */
struct verify_cookie {
	uint64_t job;
	unsigned form;
	int64_t time;
	char text[VERIFY_COOKIE_LEN];	/* the cookie as found */
};

/*
 * Find the first cookie in the LEN octets at S (a whole message: any
 * header or body line may carry it).  Returns true with *out filled.
 */
bool verify_cookie_find(const char *s, size_t len, struct verify_cookie *out);

/*
 * True when C's MAC is the one SECRET gives for address A (and C's own
 * job, form and time), compared in constant time.
 */
bool verify_cookie_check(const char *secret, const struct addr *a,
    const struct verify_cookie *c);

#endif
