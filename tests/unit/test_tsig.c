/* TSIG: our signatures against ldns's, and the RFC 8945 errors. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <ldns/ldns.h>

#include "dns.h"
#include "rb.h"
#include "testdir.h"
#include "tsig.h"

#define SECRET "c2VjcmV0LWtleS1mb3ItdGVzdGluZy10c2lnLXNoYTI1Ng=="
#define OTHER "b3RoZXItc2VjcmV0LWtleS1mb3ItdGVzdGluZy10c2lnMQ=="
#define NOW 1795000000

static struct conf_key keys[2] = {
	{ "xfr.", "hmac-sha256", SECRET },
	{ "md5key.", "hmac-md5", OTHER },
};

/* The message the last tparse read, as the front door parses it once. */
static struct dns_msg M;

static int
tparse(const uint8_t *msg, size_t len, struct tsig_rr *t)
{
	dns_parse(&M, msg, len);
	return tsig_parse(&M, t);
}

static struct tsig_keyring *
ring(void)
{
	struct conf c;
	struct conf_server cs;
	char err[128];
	struct tsig_keyring *kr;

	memset(&c, 0, sizeof(c));
	memset(&cs, 0, sizeof(cs));
	c.server = &cs;
	cs.keys = keys;
	cs.nkeys = 2;
	kr = tsig_keyring_new(&c, err, sizeof(err));
	assert_non_null(kr);
	return kr;
}

/* An AXFR query for example.org signed by ldns (with its clock) with KEY, SECRET and ALG. */
static size_t
ldns_query(uint8_t *out, const char *key, const char *secret, const char *alg)
{
	ldns_pkt *p = NULL;
	uint8_t *wire = NULL;
	size_t len = 0;

	assert_int_equal(ldns_pkt_query_new_frm_str(&p, "example.org.", LDNS_RR_TYPE_AXFR,
	    LDNS_RR_CLASS_IN, 0), LDNS_STATUS_OK);
	ldns_pkt_set_id(p, 4321);
	assert_int_equal(ldns_pkt_tsig_sign(p, key, secret, 300, alg, NULL), LDNS_STATUS_OK);
	assert_int_equal(ldns_pkt2wire(&wire, p, &len), LDNS_STATUS_OK);
	memcpy(out, wire, len);
	free(wire);
	ldns_pkt_free(p);
	return len;
}

static void
test_parse_finds_ldns_tsig(void **state)
{
	uint8_t msg[1024];
	size_t len = ldns_query(msg, "xfr.", SECRET, "hmac-sha256.");
	struct tsig_rr t;

	(void)state;
	assert_int_equal(tparse(msg, len, &t), 1);
	assert_int_equal(t.namelen, 5);
	assert_memory_equal(t.name, "\3xfr\0", 5);
	assert_int_equal(t.maclen, 32);
	assert_int_equal(t.orig_id, 4321);
	assert_int_equal(t.fudge, 300);
}

static void
test_parse_unsigned_is_zero(void **state)
{
	static const uint8_t q[] = { 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0,
	    7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0, 0, 252, 0, 1 };
	struct tsig_rr t;

	(void)state;
	assert_int_equal(tparse(q, sizeof(q), &t), 0);
}

static void
test_verify_accepts_ldns_signature(void **state)
{
	struct tsig_keyring *kr = ring();
	uint8_t msg[1024];
	size_t len = ldns_query(msg, "xfr.", SECRET, "hmac-sha256.");
	struct tsig_rr t;
	struct tsig_ctx ctx;

	(void)state;
	assert_int_equal(tparse(msg, len, &t), 1);
	assert_int_equal(tsig_verify(kr, &M, &t, (int64_t)t.signed_at, &ctx), TSIG_NOERROR);
	assert_ptr_equal(ctx.key, &kr->keys[0]);
	tsig_keyring_free(kr);
}

static void
test_verify_md5_long_name(void **state)
{
	struct tsig_keyring *kr = ring();
	uint8_t msg[1024];
	size_t len = ldns_query(msg, "md5key.", OTHER, "hmac-md5.sig-alg.reg.int.");
	struct tsig_rr t;
	struct tsig_ctx ctx;

	(void)state;
	assert_int_equal(tparse(msg, len, &t), 1);
	assert_int_equal(tsig_verify(kr, &M, &t, (int64_t)t.signed_at, &ctx), TSIG_NOERROR);
	tsig_keyring_free(kr);
}

static void
test_unknown_key_is_badkey(void **state)
{
	struct tsig_keyring *kr = ring();
	uint8_t msg[1024];
	size_t len = ldns_query(msg, "nokey.", SECRET, "hmac-sha256.");
	struct tsig_rr t;
	struct tsig_ctx ctx;

	(void)state;
	assert_int_equal(tparse(msg, len, &t), 1);
	assert_int_equal(tsig_verify(kr, &M, &t, (int64_t)t.signed_at, &ctx), TSIG_BADKEY);
	assert_null(ctx.key);
	tsig_keyring_free(kr);
}

static void
test_wrong_algorithm_is_badkey(void **state)
{
	struct tsig_keyring *kr = ring();
	uint8_t msg[1024];
	size_t len = ldns_query(msg, "xfr.", SECRET, "hmac-sha1.");
	struct tsig_rr t;
	struct tsig_ctx ctx;

	(void)state;
	assert_int_equal(tparse(msg, len, &t), 1);
	assert_int_equal(tsig_verify(kr, &M, &t, (int64_t)t.signed_at, &ctx), TSIG_BADKEY);
	tsig_keyring_free(kr);
}

static void
test_wrong_secret_is_badsig(void **state)
{
	struct tsig_keyring *kr = ring();
	uint8_t msg[1024];
	size_t len = ldns_query(msg, "xfr.", OTHER, "hmac-sha256.");
	struct tsig_rr t;
	struct tsig_ctx ctx;

	(void)state;
	assert_int_equal(tparse(msg, len, &t), 1);
	assert_int_equal(tsig_verify(kr, &M, &t, (int64_t)t.signed_at, &ctx), TSIG_BADSIG);
	tsig_keyring_free(kr);
}

static void
test_changed_byte_is_badsig(void **state)
{
	struct tsig_keyring *kr = ring();
	uint8_t msg[1024];
	size_t len = ldns_query(msg, "xfr.", SECRET, "hmac-sha256.");
	struct tsig_rr t;
	struct tsig_ctx ctx;

	(void)state;
	msg[13] ^= 0x20;	/* "Example.org": the MAC covers the name as sent */
	assert_int_equal(tparse(msg, len, &t), 1);
	assert_int_equal(tsig_verify(kr, &M, &t, (int64_t)t.signed_at, &ctx), TSIG_BADSIG);
	tsig_keyring_free(kr);
}

static void
test_skew_past_fudge_is_badtime(void **state)
{
	struct tsig_keyring *kr = ring();
	uint8_t msg[1024];
	size_t len = ldns_query(msg, "xfr.", SECRET, "hmac-sha256.");
	struct tsig_rr t;
	struct tsig_ctx ctx;

	(void)state;
	assert_int_equal(tparse(msg, len, &t), 1);
	assert_int_equal(tsig_verify(kr, &M, &t, (int64_t)t.signed_at + 300, &ctx),
	    TSIG_NOERROR);
	assert_int_equal(tsig_verify(kr, &M, &t, (int64_t)t.signed_at + 301, &ctx),
	    TSIG_BADTIME);
	assert_int_equal(tsig_verify(kr, &M, &t, (int64_t)t.signed_at - 301, &ctx),
	    TSIG_BADTIME);
	/* BADTIME comes after the MAC: the key is known and answers are signed. */
	assert_non_null(ctx.key);
	tsig_keyring_free(kr);
}

/* Our answer, checked by ldns against the request MAC, then a second message of the stream. */
static void
test_ldns_verifies_our_stream(void **state)
{
	struct tsig_keyring *kr = ring();
	uint8_t msg[1024], out[1024];
	size_t len = ldns_query(msg, "xfr.", SECRET, "hmac-sha256."), olen;
	struct tsig_rr t;
	struct tsig_ctx ctx;
	ldns_rdf *reqmac, *mac1;
	ldns_pkt *p;
	int64_t now;

	(void)state;
	assert_int_equal(tparse(msg, len, &t), 1);
	now = (int64_t)t.signed_at;
	assert_int_equal(tsig_verify(kr, &M, &t, now, &ctx), TSIG_NOERROR);
	reqmac = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_INT16_DATA, (size_t)t.maclen + 2,
	    t.mac - 2);

	/* First answer: the question and no records. */
	olen = t.start;
	memcpy(out, msg, olen);
	out[2] |= 0x80;
	out[10] = out[11] = 0;
	assert_int_equal(tsig_sign(&ctx, out, &olen, sizeof(out), 0, now), 0);
	assert_int_equal(ldns_wire2pkt(&p, out, olen), LDNS_STATUS_OK);
	assert_true(ldns_pkt_tsig_verify(p, out, olen, "xfr.", SECRET, reqmac));
	mac1 = ldns_rdf_clone(ldns_rr_rdf(ldns_pkt_tsig(p), 3));
	ldns_pkt_free(p);

	/* Second: timers only, chained on the first MAC. */
	olen = t.start;
	memcpy(out, msg, olen);
	out[2] |= 0x80;
	out[10] = out[11] = 0;
	assert_int_equal(tsig_sign(&ctx, out, &olen, sizeof(out), 0, now + 1), 0);
	assert_int_equal(ldns_wire2pkt(&p, out, olen), LDNS_STATUS_OK);
	assert_true(ldns_pkt_tsig_verify_next(p, out, olen, "xfr.", SECRET, mac1, 1));
	ldns_pkt_free(p);
	ldns_rdf_deep_free(mac1);
	ldns_rdf_deep_free(reqmac);
	tsig_keyring_free(kr);
}

static void
test_badkey_answer_has_no_mac(void **state)
{
	struct tsig_keyring *kr = ring();
	uint8_t msg[1024];
	size_t len = ldns_query(msg, "nokey.", SECRET, "hmac-sha256."), olen;
	struct tsig_rr t, r;
	struct tsig_ctx ctx;

	(void)state;
	assert_int_equal(tparse(msg, len, &t), 1);
	assert_int_equal(tsig_verify(kr, &M, &t, NOW, &ctx), TSIG_BADKEY);
	olen = t.start;
	msg[10] = msg[11] = 0;
	assert_int_equal(tsig_sign(&ctx, msg, &olen, sizeof(msg), TSIG_BADKEY, NOW), 0);
	assert_int_equal(tparse(msg, olen, &r), 1);
	assert_int_equal(r.maclen, 0);
	assert_int_equal(r.error, TSIG_BADKEY);
	assert_memory_equal(r.name, "\5nokey\0", 7);
	tsig_keyring_free(kr);
}

static void
test_badtime_answer_tells_our_time(void **state)
{
	struct tsig_keyring *kr = ring();
	uint8_t msg[1024];
	size_t len = ldns_query(msg, "xfr.", SECRET, "hmac-sha256."), olen;
	struct tsig_rr t, r;
	struct tsig_ctx ctx;
	int64_t later;

	(void)state;
	assert_int_equal(tparse(msg, len, &t), 1);
	later = (int64_t)t.signed_at + 1000;
	assert_int_equal(tsig_verify(kr, &M, &t, later, &ctx), TSIG_BADTIME);
	olen = t.start;
	msg[10] = msg[11] = 0;
	assert_int_equal(tsig_sign(&ctx, msg, &olen, sizeof(msg), TSIG_BADTIME, later), 0);
	assert_int_equal(tparse(msg, olen, &r), 1);
	assert_int_equal(r.maclen, 32);
	assert_int_equal(r.error, TSIG_BADTIME);
	assert_true(r.signed_at == t.signed_at);
	assert_int_equal(r.otherlen, 6);
	assert_int_equal(r.other[5], (uint8_t)later);
	tsig_keyring_free(kr);
}

/* A NOTIFY we sign is a request ldns verifies with no prior MAC. */
static void
test_ldns_verifies_our_request(void **state)
{
	struct tsig_keyring *kr = ring();
	static const uint8_t q[] = { 0x12, 0x34, 0x20, 0, 0, 1, 0, 0, 0, 0, 0, 0,
	    7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0, 0, 6, 0, 1 };
	uint8_t msg[1024];
	size_t len = sizeof(q);
	struct tsig_ctx ctx;
	ldns_pkt *p;

	(void)state;
	memcpy(msg, q, sizeof(q));
	tsig_ctx_request(&ctx, tsig_keyring_find(kr, "xfr."));
	assert_int_equal(tsig_sign(&ctx, msg, &len, sizeof(msg), 0, NOW), 0);
	assert_int_equal(ldns_wire2pkt(&p, msg, len), LDNS_STATUS_OK);
	assert_true(ldns_pkt_tsig_verify(p, msg, len, "xfr.", SECRET, NULL));
	ldns_pkt_free(p);
	tsig_keyring_free(kr);
}

static void
test_tsig_not_last_is_formerr(void **state)
{
	uint8_t msg[1024];
	size_t len = ldns_query(msg, "xfr.", SECRET, "hmac-sha256.");
	struct tsig_rr t;

	(void)state;
	/* Claim one more additional record after the TSIG: an empty-named A. */
	msg[11]++;
	memcpy(msg + len, "\0\0\1\0\1\0\0\0\0\0\0", 11);
	len += 11;
	assert_int_equal(tparse(msg, len, &t), RB_ESYNTAX);
}


/*
 * RFC 8945 s5.2.2.1: longer than the hash, or shorter than max(10, half the
 * hash), is FORMERR; between those a truncated MAC is BADTRUNC by our
 * policy.  Right or wrong octets make no difference to either.
 */
static void
test_mac_length_decides_before_any_comparison(void **state)
{
	struct tsig_keyring *kr = ring();
	uint8_t base[1024], msg[1024];
	size_t len = ldns_query(base, "xfr.", SECRET, "hmac-sha256."), n, mlen;
	struct tsig_rr t, t2;
	struct tsig_ctx ctx;
	int want, got[2];

	(void)state;
	assert_int_equal(tparse(base, len, &t), 1);
	for (n = 0; n <= 2 * TSIG_MAXMAC; n++) {
		for (int right = 0; right < 2; right++) {
			memcpy(msg, base, len);
			mlen = testdir_remac(msg, base, &t, n, right);
			assert_int_equal(tparse(msg, mlen, &t2), 1);
			assert_int_equal(t2.maclen, n);
			got[right] = tsig_verify(kr, &M, &t2, (int64_t)t.signed_at, &ctx);
		}
		want = n > 32 || n < 16 ? RB_ESYNTAX : n < 32 ? TSIG_BADTRUNC : -1;
		if (want != -1) {
			if (got[0] != want || got[1] != want)
				fail_msg("MAC of %zu octets: %d (wrong) and %d (right), want %d", n,
				    got[0], got[1], want);
			assert_null(ctx.key);
		} else {
			assert_int_equal(got[1], TSIG_NOERROR);
			assert_int_equal(got[0], TSIG_BADSIG);
		}
	}
	tsig_keyring_free(kr);
}

/* Every octet of the MAC counts: the last one changed is BADSIG, as the first is. */
static void
test_last_mac_octet_is_checked(void **state)
{
	struct tsig_keyring *kr = ring();
	uint8_t msg[1024];
	size_t len = ldns_query(msg, "xfr.", SECRET, "hmac-sha256.");
	struct tsig_rr t;
	struct tsig_ctx ctx;
	size_t i;

	(void)state;
	assert_int_equal(tparse(msg, len, &t), 1);
	for (i = 0; i < t.maclen; i++) {
		((uint8_t *)t.mac)[i] ^= 1;
		assert_int_equal(tsig_verify(kr, &M, &t, (int64_t)t.signed_at, &ctx), TSIG_BADSIG);
		((uint8_t *)t.mac)[i] ^= 1;
	}
	assert_int_equal(tsig_verify(kr, &M, &t, (int64_t)t.signed_at, &ctx), TSIG_NOERROR);
	tsig_keyring_free(kr);
}

/* RFC 8945 s5.2.3: a request's own large fudge does not widen our window past 300 s. */
static void
test_fudge_is_at_most_ours(void **state)
{
	struct tsig_keyring *kr = ring();
	ldns_pkt *p = NULL;
	uint8_t *wire = NULL, msg[1024];
	size_t len = 0;
	struct tsig_rr t;
	struct tsig_ctx ctx;

	(void)state;
	assert_int_equal(ldns_pkt_query_new_frm_str(&p, "example.org.", LDNS_RR_TYPE_AXFR,
	    LDNS_RR_CLASS_IN, 0), LDNS_STATUS_OK);
	assert_int_equal(ldns_pkt_tsig_sign(p, "xfr.", SECRET, 65535, "hmac-sha256.", NULL),
	    LDNS_STATUS_OK);
	assert_int_equal(ldns_pkt2wire(&wire, p, &len), LDNS_STATUS_OK);
	memcpy(msg, wire, len);
	free(wire);
	ldns_pkt_free(p);
	assert_int_equal(tparse(msg, len, &t), 1);
	assert_int_equal(t.fudge, 65535);
	assert_int_equal(tsig_verify(kr, &M, &t, (int64_t)t.signed_at + 300, &ctx), TSIG_NOERROR);
	assert_int_equal(tsig_verify(kr, &M, &t, (int64_t)t.signed_at + 301, &ctx), TSIG_BADTIME);
	assert_int_equal(tsig_verify(kr, &M, &t, (int64_t)t.signed_at + 3600, &ctx), TSIG_BADTIME);
	tsig_keyring_free(kr);
}

/* A secret shorter than 16 octets is refused when the keys are loaded. */
static void
test_short_secret_refused(void **state)
{
	/* 15 and 16 octets. */
	struct conf_key shortk = { "short.", "hmac-sha256", "MTIzNDU2Nzg5MDEyMzQ1" };
	struct conf_key okk = { "ok.", "hmac-sha256", "MTIzNDU2Nzg5MDEyMzQ1Ng==" };
	struct tsig_keyring *kr;
	struct conf c;
	struct conf_server cs;
	char err[256] = "";

	(void)state;
	memset(&c, 0, sizeof(c));
	memset(&cs, 0, sizeof(cs));
	c.server = &cs;
	cs.keys = &shortk;
	cs.nkeys = 1;
	assert_null(tsig_keyring_new(&c, err, sizeof(err)));
	if (strstr(err, "key short.: secret is 15 octets; at least 16") == NULL)
		fail_msg("error: %s", err);
	cs.keys = &okk;
	assert_non_null(kr = tsig_keyring_new(&c, err, sizeof(err)));
	tsig_keyring_free(kr);
}

/*
 * A reply to a NOTIFY we signed verifies only when it is signed with our
 * key over our request's MAC, whole and unchanged.
 */
static void
test_reply_verifies_over_our_request(void **state)
{
	struct tsig_keyring *kr = ring();
	static const uint8_t q[] = { 0x12, 0x34, 0x20, 0, 0, 1, 0, 0, 0, 0, 0, 0,
	    7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0, 0, 6, 0, 1 };
	uint8_t req[1024], rep[1024];
	size_t reqlen = sizeof(q), replen;
	struct tsig_ctx mine, theirs;
	struct tsig_rr t;
	struct dns_msg m;

	(void)state;
	memcpy(req, q, sizeof(q));
	tsig_ctx_request(&mine, tsig_keyring_find(kr, "xfr."));
	assert_int_equal(tsig_sign(&mine, req, &reqlen, sizeof(req), 0, NOW), 0);
	/* The secondary's side: verify our request, answer it signed. */
	assert_int_equal(tparse(req, reqlen, &t), 1);
	assert_int_equal(tsig_verify(kr, &M, &t, NOW, &theirs), TSIG_NOERROR);
	memcpy(rep, q, sizeof(q));
	rep[2] |= 0x80;
	replen = sizeof(q);
	assert_int_equal(tsig_sign(&theirs, rep, &replen, sizeof(rep), 0, NOW), 0);

	dns_parse(&m, rep, replen);
	assert_int_equal(tsig_verify_reply(&mine, &m, NOW), TSIG_NOERROR);
	assert_int_equal(tsig_verify_reply(&mine, &m, NOW + 301), TSIG_BADTIME);
	rep[replen - 7] ^= 1;	/* the last octet of the MAC */
	dns_parse(&m, rep, replen);
	assert_int_equal(tsig_verify_reply(&mine, &m, NOW), TSIG_BADSIG);
	/* Unsigned: no acknowledgement where a key is named. */
	dns_parse(&m, q, sizeof(q));
	assert_true(tsig_verify_reply(&mine, &m, NOW) != TSIG_NOERROR);
	tsig_keyring_free(kr);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_finds_ldns_tsig),
		cmocka_unit_test(test_parse_unsigned_is_zero),
		cmocka_unit_test(test_verify_accepts_ldns_signature),
		cmocka_unit_test(test_verify_md5_long_name),
		cmocka_unit_test(test_unknown_key_is_badkey),
		cmocka_unit_test(test_wrong_algorithm_is_badkey),
		cmocka_unit_test(test_wrong_secret_is_badsig),
		cmocka_unit_test(test_changed_byte_is_badsig),
		cmocka_unit_test(test_skew_past_fudge_is_badtime),
		cmocka_unit_test(test_ldns_verifies_our_stream),
		cmocka_unit_test(test_badkey_answer_has_no_mac),
		cmocka_unit_test(test_badtime_answer_tells_our_time),
		cmocka_unit_test(test_ldns_verifies_our_request),
		cmocka_unit_test(test_tsig_not_last_is_formerr),
		cmocka_unit_test(test_mac_length_decides_before_any_comparison),
		cmocka_unit_test(test_last_mac_octet_is_checked),
		cmocka_unit_test(test_fudge_is_at_most_ours),
		cmocka_unit_test(test_short_secret_refused),
		cmocka_unit_test(test_reply_verifies_over_our_request),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
