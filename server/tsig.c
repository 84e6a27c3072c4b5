/* TSIG (RFC 8945) on wire bytes: parse, verify, sign; HMAC from OpenSSL. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>

#include "dns.h"
#include "rb.h"
#include "tsig.h"
#include "wire.h"

/* RFC 8945 s6: algorithm names; hmac-md5 keeps its old long name. */
static const struct {
	const char *conf;		/* as written in [key] algorithm */
	const char *wire;		/* the TSIG algorithm name */
	const char *digest;		/* OpenSSL's name */
	size_t maclen;
} algs[] = {
	{ "hmac-md5", "\x08hmac-md5\x07sig-alg\x03reg\x03int", "MD5", 16 },
	{ "hmac-sha1", "\x09hmac-sha1", "SHA1", 20 },
	{ "hmac-sha224", "\x0bhmac-sha224", "SHA224", 28 },
	{ "hmac-sha256", "\x0bhmac-sha256", "SHA256", 32 },
	{ "hmac-sha384", "\x0bhmac-sha384", "SHA384", 48 },
	{ "hmac-sha512", "\x0bhmac-sha512", "SHA512", 64 },
};

/* Wire length of an algorithm's name, root label included. */
static size_t
alg_wirelen(int a)
{
	return strlen(algs[a].wire) + 1;
}

/* Text name ("xfr.") to lower-case wire form; 0 on error. */
static size_t
name_to_wire(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0, lab;
	const char *dot;

	while (*s != '\0') {
		dot = strchr(s, '.');
		lab = dot != NULL ? (size_t)(dot - s) : strlen(s);
		if (lab == 0 || lab > 63 || n + 1 + lab + 1 > cap)
			return 0;
		out[n++] = (uint8_t)lab;
		while (lab-- > 0)
			out[n++] = dns_lower((uint8_t)*s++);
		if (*s == '.')
			s++;
	}
	if (n + 1 > cap)
		return 0;
	out[n++] = 0;
	return n;
}

int
tsig_parse(const struct dns_msg *m, struct tsig_rr *t)
{
	const uint8_t *msg = m->pkt;
	size_t len = m->wirelen, off, rd, end;
	int n;

	memset(t, 0, sizeof(*t));
	if (m->badtsig)
		return RB_ESYNTAX;	/* RFC 8945 s5.1: not the last record */
	if (m->tsig == 0)
		return 0;
	off = t->start = m->tsig;
	if ((n = dns_read_name(msg, len, &off, t->name)) < 0 || len - off < 10)
		return RB_ESYNTAX;
	t->namelen = (size_t)n;
	if (wire_get_u16(msg + off + 2) != DNS_CLASS_ANY)
		return RB_ESYNTAX;
	rd = off + 10;
	end = rd + wire_get_u16(msg + off + 8);	/* dns_parse saw it within the message */
	off = rd;
	if ((n = dns_read_name(msg, end, &off, t->alg)) < 0)
		return RB_ESYNTAX;
	t->alglen = (size_t)n;
	if (end - off < 10)
		return RB_ESYNTAX;
	t->signed_at = (uint64_t)wire_get_u16(msg + off) << 32 | wire_get_u32(msg + off + 2);
	t->fudge = wire_get_u16(msg + off + 6);
	t->maclen = wire_get_u16(msg + off + 8);
	off += 10;
	if (end - off < (size_t)t->maclen + 6)
		return RB_ESYNTAX;
	t->mac = msg + off;
	off += t->maclen;
	t->orig_id = wire_get_u16(msg + off);
	t->error = wire_get_u16(msg + off + 2);
	t->otherlen = wire_get_u16(msg + off + 4);
	off += 6;
	if (end - off != t->otherlen)
		return RB_ESYNTAX;
	t->other = msg + off;
	return 1;
}

/* ---- HMAC ---- */

struct hmac {
	EVP_MAC *mac;
	EVP_MAC_CTX *ctx;
};

static int
hmac_begin(struct hmac *h, const struct tsig_key *k)
{
	OSSL_PARAM params[2];

	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    (char *)algs[k->alg].digest, 0);
	params[1] = OSSL_PARAM_construct_end();
	h->ctx = NULL;
	if ((h->mac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL)
		return -ENOSYS;
	if ((h->ctx = EVP_MAC_CTX_new(h->mac)) == NULL ||
	    EVP_MAC_init(h->ctx, k->secret, k->secretlen, params) != 1) {
		EVP_MAC_CTX_free(h->ctx);
		EVP_MAC_free(h->mac);
		return -ENOSYS;
	}
	return 0;
}

static void
hmac_add(struct hmac *h, const void *p, size_t n)
{
	EVP_MAC_update(h->ctx, p, n);
}

static void
hmac_u16(struct hmac *h, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	hmac_add(h, b, 2);
}

static void
hmac_u48(struct hmac *h, uint64_t v)
{
	uint8_t b[6] = { (uint8_t)(v >> 40), (uint8_t)(v >> 32), (uint8_t)(v >> 24),
	    (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };

	hmac_add(h, b, 6);
}

static size_t
hmac_end(struct hmac *h, uint8_t *out)
{
	size_t n = 0;

	if (EVP_MAC_final(h->ctx, out, &n, TSIG_MAXMAC) != 1)
		n = 0;
	EVP_MAC_CTX_free(h->ctx);
	EVP_MAC_free(h->mac);
	return n;
}

/* A MAC's length prefixed, as the digest takes a request or prior MAC (RFC 8945 s4.3.1). */
static void
hmac_prior(struct hmac *h, const uint8_t *mac, size_t n)
{
	hmac_u16(h, (uint16_t)n);
	hmac_add(h, mac, n);
}

/* The message with ID and ARCOUNT as they were before the TSIG was added (RFC 8945 s4.3.2). */
static void
hmac_msg(struct hmac *h, const uint8_t *msg, size_t end, uint16_t id, uint16_t arcount)
{
	uint8_t hdr[DNS_HDRLEN];

	memcpy(hdr, msg, DNS_HDRLEN);
	hdr[0] = (uint8_t)(id >> 8);
	hdr[1] = (uint8_t)id;
	hdr[10] = (uint8_t)(arcount >> 8);
	hdr[11] = (uint8_t)arcount;
	hmac_add(h, hdr, DNS_HDRLEN);
	hmac_add(h, msg + DNS_HDRLEN, end - DNS_HDRLEN);
}

/* RFC 8945 s4.3.3: the TSIG variables, names in canonical (lower-case) form. */
static void
hmac_vars(struct hmac *h, const uint8_t *name, size_t namelen, const uint8_t *alg,
    size_t alglen, uint64_t signed_at, uint16_t fudge, uint16_t error, const uint8_t *other,
    uint16_t otherlen)
{
	static const uint8_t class_ttl[6] = { 0, DNS_CLASS_ANY, 0, 0, 0, 0 };

	hmac_add(h, name, namelen);
	hmac_add(h, class_ttl, sizeof(class_ttl));
	hmac_add(h, alg, alglen);
	hmac_u48(h, signed_at);
	hmac_u16(h, fudge);
	hmac_u16(h, error);
	hmac_u16(h, otherlen);
	hmac_add(h, other, otherlen);
}

/* ---- Keys ---- */

static int
key_init(struct tsig_key *k, const struct conf_key *ck, char *err, size_t errlen)
{
	size_t b64 = strlen(ck->secret), i;
	int n, a = -1;

	for (i = 0; i < RB_ARRAY_LEN(algs); i++)
		if (ck->algorithm != NULL && strcmp(ck->algorithm, algs[i].conf) == 0)
			a = (int)i;
	if (a < 0) {
		snprintf(err, errlen, "key %s: unknown algorithm", ck->name);
		return -EINVAL;
	}
	k->alg = a;
	if ((k->name = strdup(ck->name)) == NULL ||
	    (k->secret = malloc(b64 / 4 * 3 + 3)) == NULL)
		return -ENOMEM;
	if ((k->ownerlen = name_to_wire(ck->name, k->owner, sizeof(k->owner))) == 0) {
		snprintf(err, errlen, "key %s: not a domain name", ck->name);
		return -EINVAL;
	}
	n = EVP_DecodeBlock(k->secret, (const unsigned char *)ck->secret, (int)b64);
	if (n < 0) {
		snprintf(err, errlen, "key %s: secret is not base64", ck->name);
		return -EINVAL;
	}
	/* EVP_DecodeBlock counts padding as data. */
	for (i = b64; i > 0 && ck->secret[i - 1] == '='; i--)
		n--;
	k->secretlen = (size_t)n;
	if (k->secretlen < TSIG_MIN_SECRET) {
		snprintf(err, errlen, "key %s: secret is %zu octets; at least %d are needed "
		    "(make one with: openssl rand -base64 32)", ck->name, k->secretlen,
		    TSIG_MIN_SECRET);
		return -EINVAL;
	}
	return 0;
}

struct tsig_keyring *
tsig_keyring_new(const struct conf *c, char *err, size_t errlen)
{
	struct tsig_keyring *kr;
	size_t i;

	if ((kr = calloc(1, sizeof(*kr))) == NULL ||
	    (c->server->nkeys > 0 && (kr->keys = calloc(c->server->nkeys, sizeof(*kr->keys))) == NULL)) {
		snprintf(err, errlen, "out of memory");
		free(kr);
		return NULL;
	}
	for (i = 0; i < c->server->nkeys; i++) {
		kr->n++;
		if (key_init(&kr->keys[i], &c->server->keys[i], err, errlen) != 0) {
			if (err[0] == '\0')
				snprintf(err, errlen, "out of memory");
			tsig_keyring_free(kr);
			return NULL;
		}
	}
	return kr;
}

void
tsig_keyring_free(struct tsig_keyring *kr)
{
	size_t i;

	if (kr == NULL)
		return;
	for (i = 0; i < kr->n; i++) {
		free(kr->keys[i].name);
		if (kr->keys[i].secret != NULL)
			memset(kr->keys[i].secret, 0, kr->keys[i].secretlen);
		free(kr->keys[i].secret);
	}
	free(kr->keys);
	free(kr);
}

const struct tsig_key *
tsig_keyring_find(const struct tsig_keyring *kr, const char *name)
{
	size_t i;

	for (i = 0; kr != NULL && name != NULL && i < kr->n; i++)
		if (strcmp(kr->keys[i].name, name) == 0)
			return &kr->keys[i];
	return NULL;
}

static const struct tsig_key *
find_by_owner(const struct tsig_keyring *kr, const uint8_t *name, size_t len)
{
	size_t i;

	for (i = 0; kr != NULL && i < kr->n; i++)
		if (kr->keys[i].ownerlen == len && memcmp(kr->keys[i].owner, name, len) == 0)
			return &kr->keys[i];
	return NULL;
}

/* ---- Verify and sign ---- */

/*
 * RFC 8945 s5.2.2.1: a MAC longer than the hash, or shorter than the
 * larger of 10 octets and half the hash, is FORMERR, before anything is
 * compared.  Between those, a truncated MAC is refused by our policy
 * (TSIG_MIN_MAC: the whole hash) with BADTRUNC, also before anything is
 * compared: whether part of a MAC matched never changes a reply.
 */
static int
mac_length_check(const struct tsig_rr *t, size_t full)
{
	size_t least = full / 2 > 10 ? full / 2 : 10;

	if (t->maclen > full || t->maclen < least)
		return RB_ESYNTAX;
	if (t->maclen < full)
		return TSIG_BADTRUNC;
	return TSIG_NOERROR;
}

/* RFC 8945 s5.2.3: the time, with the request's fudge but never more than ours. */
static bool
time_ok(const struct tsig_rr *t, int64_t now)
{
	int64_t fudge = t->fudge < TSIG_FUDGE ? t->fudge : TSIG_FUDGE;
	int64_t skew = now - (int64_t)t->signed_at;

	return skew >= -fudge && skew <= fudge;
}

/* Compute the MAC of the message M signed by T with K (PRIOR: the request's, for a reply). */
static size_t
mac_of(const struct tsig_key *k, const struct dns_msg *m, const struct tsig_rr *t,
    const uint8_t *prior, size_t priorlen, uint8_t *mac)
{
	struct hmac h;

	if (hmac_begin(&h, k) != 0)
		return 0;
	if (prior != NULL)
		hmac_prior(&h, prior, priorlen);
	hmac_msg(&h, m->pkt, t->start, t->orig_id, m->arcount);
	hmac_vars(&h, t->name, t->namelen, t->alg, t->alglen, t->signed_at, t->fudge, t->error,
	    t->other, t->otherlen);
	return hmac_end(&h, mac);
}

int
tsig_verify(const struct tsig_keyring *kr, const struct dns_msg *m, const struct tsig_rr *t,
    int64_t now, struct tsig_ctx *ctx)
{
	const struct tsig_key *k;
	uint8_t mac[TSIG_MAXMAC];
	size_t full;
	int rc;

	memset(ctx, 0, sizeof(*ctx));
	memcpy(ctx->name, t->name, t->namelen);
	ctx->namelen = t->namelen;
	memcpy(ctx->alg, t->alg, t->alglen);
	ctx->alglen = t->alglen;
	ctx->req_signed_at = t->signed_at;

	/* RFC 8945 s5.2.1: a key we do not have, or not with this algorithm. */
	k = find_by_owner(kr, t->name, t->namelen);
	if (k == NULL || t->alglen != alg_wirelen(k->alg) ||
	    memcmp(t->alg, algs[k->alg].wire, t->alglen) != 0)
		return TSIG_BADKEY;

	/* RFC 8945 s5.2.2: the MAC, whole and compared in constant time. */
	full = algs[k->alg].maclen;
	if ((rc = mac_length_check(t, full)) != TSIG_NOERROR)
		return rc;
	if (mac_of(k, m, t, NULL, 0, mac) != full || CRYPTO_memcmp(mac, t->mac, full) != 0)
		return TSIG_BADSIG;
	/* The key is proven: answers are signed with it from here on, errors included. */
	ctx->key = k;
	memcpy(ctx->mac, t->mac, full);
	ctx->maclen = full;

	/* RFC 8945 s5.2.3: time, after the MAC so a forger learns nothing of our clock. */
	return time_ok(t, now) ? TSIG_NOERROR : TSIG_BADTIME;
}

int
tsig_verify_reply(const struct tsig_ctx *ctx, const struct dns_msg *m, int64_t now)
{
	uint8_t mac[TSIG_MAXMAC];
	struct tsig_rr t;
	size_t full;

	if (ctx->key == NULL || tsig_parse(m, &t) != 1)
		return TSIG_BADSIG;
	if (t.namelen != ctx->key->ownerlen || memcmp(t.name, ctx->key->owner, t.namelen) != 0 ||
	    t.alglen != alg_wirelen(ctx->key->alg) ||
	    memcmp(t.alg, algs[ctx->key->alg].wire, t.alglen) != 0)
		return TSIG_BADKEY;
	full = algs[ctx->key->alg].maclen;
	if (t.error != TSIG_NOERROR || mac_length_check(&t, full) != TSIG_NOERROR ||
	    mac_of(ctx->key, m, &t, ctx->mac, ctx->maclen, mac) != full ||
	    CRYPTO_memcmp(mac, t.mac, full) != 0)
		return TSIG_BADSIG;
	return time_ok(&t, now) ? TSIG_NOERROR : TSIG_BADTIME;
}

void
tsig_ctx_request(struct tsig_ctx *ctx, const struct tsig_key *key)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->key = key;
	memcpy(ctx->name, key->owner, key->ownerlen);
	ctx->namelen = key->ownerlen;
	ctx->alglen = alg_wirelen(key->alg);
	memcpy(ctx->alg, algs[key->alg].wire, ctx->alglen);
}

int
tsig_sign(struct tsig_ctx *ctx, uint8_t *msg, size_t *len, size_t cap, uint16_t error,
    int64_t now)
{
	uint16_t id = wire_get_u16(msg), arcount = wire_get_u16(msg + 10);
	bool nomac = ctx->key == NULL || error == TSIG_BADSIG || error == TSIG_BADKEY;
	uint64_t signed_at = (uint64_t)now & 0xffffffffffffULL;
	uint8_t other[6], mac[TSIG_MAXMAC];
	uint16_t otherlen = 0;
	size_t maclen = 0, rdpos;
	struct wire w;
	struct hmac h;

	if (error == TSIG_BADTIME) {
		/* RFC 8945 s5.2.3: the request's time back, ours in Other Data. */
		signed_at = ctx->req_signed_at;
		other[0] = (uint8_t)((uint64_t)now >> 40);
		other[1] = (uint8_t)((uint64_t)now >> 32);
		other[2] = (uint8_t)((uint64_t)now >> 24);
		other[3] = (uint8_t)((uint64_t)now >> 16);
		other[4] = (uint8_t)((uint64_t)now >> 8);
		other[5] = (uint8_t)now;
		otherlen = 6;
	}
	if (!nomac) {
		if (hmac_begin(&h, ctx->key) != 0)
			return -ENOSYS;
		if (ctx->maclen > 0)
			hmac_prior(&h, ctx->mac, ctx->maclen);
		hmac_msg(&h, msg, *len, id, arcount);
		if (ctx->sent == 0) {
			hmac_vars(&h, ctx->name, ctx->namelen, ctx->alg, ctx->alglen, signed_at,
			    TSIG_FUDGE, error, other, otherlen);
		} else {
			/* RFC 8945 s5.3.1: later messages of a stream cover the timers only. */
			hmac_u48(&h, signed_at);
			hmac_u16(&h, TSIG_FUDGE);
		}
		if ((maclen = hmac_end(&h, mac)) == 0)
			return -ENOSYS;
	}

	wire_init(&w, msg, cap);
	w.len = *len;
	wire_mem(&w, ctx->name, ctx->namelen);
	wire_u16(&w, DNS_T_TSIG);
	wire_u16(&w, DNS_CLASS_ANY);
	wire_u32(&w, 0);
	rdpos = w.len;
	wire_u16(&w, 0);
	wire_mem(&w, ctx->alg, ctx->alglen);
	wire_u16(&w, (uint16_t)(signed_at >> 32));
	wire_u32(&w, (uint32_t)signed_at);
	wire_u16(&w, TSIG_FUDGE);
	wire_u16(&w, (uint16_t)maclen);
	wire_mem(&w, mac, maclen);
	wire_u16(&w, id);
	wire_u16(&w, error);
	wire_u16(&w, otherlen);
	wire_mem(&w, other, otherlen);
	if (w.err)
		return -ENOSPC;
	wire_set_u16(&w, rdpos, (uint16_t)(w.len - rdpos - 2));
	wire_set_u16(&w, 10, (uint16_t)(arcount + 1));
	*len = w.len;
	memcpy(ctx->mac, mac, maclen);
	ctx->maclen = maclen;
	ctx->sent++;
	return 0;
}

const char *
tsig_error_name(int error)
{
	switch (error) {
	case TSIG_NOERROR:
		return "NOERROR";
	case TSIG_BADSIG:
		return "BADSIG";
	case TSIG_BADKEY:
		return "BADKEY";
	case TSIG_BADTIME:
		return "BADTIME";
	case TSIG_BADTRUNC:
		return "BADTRUNC";
	default:
		return "FORMERR";
	}
}
