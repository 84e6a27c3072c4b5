/*
 * Relay-test cookies: HMAC-SHA256 (RFC 2104) over the address, the form,
 * the job and the time, on ldns's SHA-256, so that rbldb (verify-receive)
 * links no crypto library of its own (tests/e2e/t_boundaries.sh).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/sha2.h>

#include "verify_cookie.h"

#define PREFIX "rbldb1-"
#define BLOCK 64	/* SHA-256's block */

/* RFC 2104: H((K ^ opad) || H((K ^ ipad) || MSG)), a key longer than a block hashed first. */
static void
hmac_sha256(const char *key, const char *msg, size_t len, unsigned char out[32])
{
	unsigned char k[BLOCK] = { 0 }, inner[32];
	unsigned char pad[BLOCK + 32];
	ldns_sha256_CTX ctx;
	size_t klen = strlen(key), i;

	if (klen > BLOCK)
		ldns_sha256((const unsigned char *)key, (unsigned)klen, k);
	else
		memcpy(k, key, klen);
	for (i = 0; i < BLOCK; i++)
		pad[i] = k[i] ^ 0x36;
	ldns_sha256_init(&ctx);
	ldns_sha256_update(&ctx, pad, BLOCK);
	ldns_sha256_update(&ctx, (const unsigned char *)msg, len);
	ldns_sha256_final(inner, &ctx);
	for (i = 0; i < BLOCK; i++)
		pad[i] = k[i] ^ 0x5c;
	memcpy(pad + BLOCK, inner, 32);
	ldns_sha256(pad, BLOCK + 32, out);
}

static bool
mac_hex(const char *secret, const struct addr *a, unsigned form, uint64_t job, int64_t time,
    char hex[65])
{
	char msg[ADDR_STRLEN + 80], abuf[ADDR_STRLEN];
	unsigned char md[32];
	unsigned i;
	int n;

	addr_format(a, abuf, sizeof(abuf));
	/* Each field is delimited, so no two tuples give the same text. */
	n = snprintf(msg, sizeof(msg), "rbldb-verify|%s|%u|%" PRIu64 "|%" PRId64, abuf, form,
	    job, time);
	if (n < 0 || (size_t)n >= sizeof(msg))
		return false;
	hmac_sha256(secret, msg, (size_t)n, md);
	for (i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	return true;
}

char *
verify_cookie_make(const char *secret, const struct addr *a, unsigned form, uint64_t job,
    int64_t time, char *buf, size_t len)
{
	char hex[65];
	int n;

	if (!mac_hex(secret, a, form, job, time, hex))
		return NULL;
	n = snprintf(buf, len, PREFIX "%" PRIu64 "-%u-%" PRId64 "-%s", job, form, time, hex);
	return n > 0 && (size_t)n < len ? buf : NULL;
}

/* Parse decimal digits at *P into *V (at most 19 digits); false when none. */
static bool
digits(const char **p, const char *end, uint64_t *v)
{
	const char *s = *p;

	*v = 0;
	while (s < end && s - *p < 19 && *s >= '0' && *s <= '9')
		*v = *v * 10 + (uint64_t)(*s++ - '0');
	if (s == *p)
		return false;
	*p = s;
	return true;
}

static bool
parse_at(const char *s, const char *end, struct verify_cookie *out)
{
	const char *p = s + strlen(PREFIX);
	uint64_t job, form, t;
	int i;

	if (!digits(&p, end, &job) || p >= end || *p++ != '-' ||
	    !digits(&p, end, &form) || form > 255 || p >= end || *p++ != '-' ||
	    !digits(&p, end, &t) || p >= end || *p++ != '-' || end - p < 64)
		return false;
	for (i = 0; i < 64; i++)
		if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f')))
			return false;
	out->job = job;
	out->form = (unsigned)form;
	out->time = (int64_t)t;
	memcpy(out->text, s, (size_t)(p + 64 - s));
	out->text[p + 64 - s] = '\0';
	return true;
}

bool
verify_cookie_find(const char *s, size_t len, struct verify_cookie *out)
{
	const char *end = s + len, *p = s;

	while ((p = memmem(p, (size_t)(end - p), PREFIX, strlen(PREFIX))) != NULL) {
		if (parse_at(p, end, out))
			return true;
		p += strlen(PREFIX);
	}
	return false;
}

bool
verify_cookie_check(const char *secret, const struct addr *a, const struct verify_cookie *c)
{
	char want[VERIFY_COOKIE_LEN];
	unsigned char diff = 0;
	size_t n, i;

	if (verify_cookie_make(secret, a, c->form, c->job, c->time, want, sizeof(want)) == NULL)
		return false;
	n = strlen(want);
	if (strlen(c->text) != n)
		return false;
	/* Constant time: how much of a forged MAC is right must not show. */
	for (i = 0; i < n; i++)
		diff |= (unsigned char)(want[i] ^ c->text[i]);
	return diff == 0;
}
