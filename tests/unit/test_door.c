/* The front door: TSIG as no oracle, the ACL before TSIG, RRL and the size rule on every reply. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <ldns/ldns.h>

#include "acl.h"
#include "conf.h"
#include "dns.h"
#include "door.h"
#include "query.h"
#include "rrl.h"
#include "store.h"
#include "fixture.h"
#include "testdir.h"
#include "timeutil.h"
#include "tsig.h"
#include "xfr.h"
#include "zonetab.h"

#define ZONE "relays.example.org"
#define SECRET "c2VjcmV0LWtleS1mb3ItdGVzdGluZy10c2lnLXNoYTI1Ng=="
#define WRONG "d3Jvbmctc2VjcmV0LWtleS1mb3ItdGVzdGluZy10c2lnMQ=="

struct fixture {
	struct fx fx;		/* dir, conf, store, zone table, keyring, query context */
	struct xfr *x;
	struct acl *acl;
	struct rrl *rrl;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char err[256];

	assert_non_null(f);
	fx_open(&f->fx, "door");
	fx_apex(&f->fx, ZONE ".zone", ZONE, "");
	/* RRL on for 192.0.2.0/24 only: every other client is exempt. */
	fx_conf(&f->fx,
	    "[server]\ndb = db\nrrl-rate = 2\nrrl-slip = 0\n"
	    "rrl-exempt = 0.0.0.0/1 128.0.0.0/2 198.0.0.0/8 203.0.0.0/8\n"
	    "acl = 203.0.113.6/32 drop\n  203.0.113.5/32 refuse\n"
	    "[zone " ZONE "]\napex = " ZONE ".zone\n"
	    "allow-transfer = 127.0.0.1, 192.0.2.0/24 key xfr, 198.51.100.0/24 key xfr\n"
	    "[key xfr]\nalgorithm = hmac-sha256\nsecret = " SECRET "\n");
	fx_store(&f->fx, ZONE, FX_SERIAL);
	fx_keyring(&f->fx);
	assert_non_null(f->x = xfr_new(f->fx.c, f->fx.zt, f->fx.s, f->fx.kr));
	assert_non_null(f->acl = acl_new(f->fx.c, f->fx.zt, err, sizeof(err)));
	assert_non_null(f->rrl = rrl_new(1));
	fx_query(&f->fx);
	f->fx.q.acl = f->acl;
	f->fx.q.rrl = f->rrl;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	rrl_free(f->rrl);
	acl_free(f->acl);
	xfr_free(f->x);
	fx_close(&f->fx);
	free(f);
	return 0;
}

/* A query for NAME and TYPE, with EDNS when asked, signed with SECRET as key KEY when given. */
static size_t
request(uint8_t *buf, const char *name, ldns_rr_type type, bool edns, const char *key,
    const char *secret)
{
	ldns_pkt *p = NULL;
	uint8_t *wire = NULL;
	size_t len = 0;

	assert_int_equal(ldns_pkt_query_new_frm_str(&p, name, type, LDNS_RR_CLASS_IN, 0),
	    LDNS_STATUS_OK);
	ldns_pkt_set_id(p, 0x4242);
	if (edns)
		ldns_pkt_set_edns_udp_size(p, 1232);
	if (key != NULL)
		assert_int_equal(ldns_pkt_tsig_sign(p, key, secret, 300, "hmac-sha256.", NULL),
		    LDNS_STATUS_OK);
	assert_int_equal(ldns_pkt2wire(&wire, p, &len), LDNS_STATUS_OK);
	memcpy(buf, wire, len);
	free(wire);
	ldns_pkt_free(p);
	return len;
}

static enum query_result
ask(struct fixture *f, const char *ip, const uint8_t *pkt, size_t len, enum query_transport tr)
{
	struct sockaddr_in sa;
	struct xfr_job *job = NULL;
	enum query_result r;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons(5353);
	assert_int_equal(inet_pton(AF_INET, ip, &sa.sin_addr), 1);
	assert_int_equal(query_ctx_refresh(&f->fx.q), 0);
	f->fx.outlen = 0;
	r = door_answer(&f->fx.q, f->x, f->fx.kr, (struct sockaddr *)&sa, pkt, len, tr, f->fx.out,
	    tr == QUERY_TCP ? sizeof(f->fx.out) : 4096, &f->fx.outlen, &job);
	query_ctx_release(&f->fx.q);
	xfr_job_free(job);
	return r;
}

/*
 * The attack of issue 16: guess a MAC one octet at a time through
 * truncated MACs.  For every MAC length, over UDP and TCP, the reply to a
 * right prefix and to a wrong one are the same octets, and none is an
 * answer or a transfer.
 */
static void
test_truncated_mac_is_no_oracle(void **state)
{
	struct fixture *f = *state;
	uint8_t base[1024], msg[1024], rep[2][QUERY_BUFSIZE];
	size_t len = request(base, ZONE ".", LDNS_RR_TYPE_AXFR, true, "xfr.", SECRET), n;
	size_t replen[2];
	enum query_result r[2];
	struct dns_msg m;
	struct tsig_rr t;

	dns_parse(&m, base, len);
	assert_int_equal(tsig_parse(&m, &t), 1);
	for (int tr = 0; tr < 2; tr++) {
		for (n = 0; n < t.maclen; n++) {
			for (int right = 0; right < 2; right++) {
				memcpy(msg, base, len);
				r[right] = ask(f, "198.51.100.7", msg, testdir_remac(msg, base, &t, n, right),
				    (enum query_transport)tr);
				memcpy(rep[right], f->fx.out, f->fx.outlen);
				replen[right] = f->fx.outlen;
			}
			if (r[0] != r[1] || replen[0] != replen[1] ||
			    memcmp(rep[0], rep[1], replen[0]) != 0)
				fail_msg("MAC of %zu octets over %s: the replies differ", n,
				    tr ? "TCP" : "UDP");
			assert_int_equal(r[1], QUERY_ANSWER);
			/* FORMERR below the RFC's least length, else NOTAUTH (BADTRUNC). */
			assert_int_equal(rep[1][3] & 0x0f, n < 16 ? DNS_FORMERR : DNS_NOTAUTH);
			assert_int_equal(rep[1][6] << 8 | rep[1][7], 0);
		}
		/* The whole MAC, right: the transfer starts. */
		assert_int_equal(ask(f, "198.51.100.7", base, len, (enum query_transport)tr),
		    tr ? QUERY_XFR : QUERY_ANSWER);
	}
}

/* A client the query ACL drops or refuses learns nothing of its signature. */
static void
test_acl_comes_before_tsig(void **state)
{
	struct fixture *f = *state;
	uint8_t msg[1024];
	size_t len = request(msg, ZONE ".", LDNS_RR_TYPE_SOA, true, "xfr.", WRONG);

	assert_int_equal(ask(f, "198.51.100.9", msg, len, QUERY_UDP), QUERY_ANSWER);
	assert_int_equal(f->fx.out[3] & 0x0f, DNS_NOTAUTH);
	assert_int_equal(ask(f, "203.0.113.6", msg, len, QUERY_UDP), QUERY_DROP);
	assert_int_equal(f->fx.outlen, 0);
	assert_int_equal(ask(f, "203.0.113.5", msg, len, QUERY_UDP), QUERY_ANSWER);
	assert_int_equal(f->fx.out[3] & 0x0f, DNS_REFUSED);
	assert_int_equal(f->fx.out[10] << 8 | f->fx.out[11], 1);	/* the OPT, no TSIG */
	assert_int_equal(f->fx.q.info.action, QUERY_ACT_ACL_REFUSE);
}

/* RRL limits TSIG errors like any other reply (here: drop all over 2 a second). */
static void
test_rrl_limits_tsig_errors(void **state)
{
	struct fixture *f = *state;
	uint8_t msg[1024];
	size_t len = request(msg, ZONE ".", LDNS_RR_TYPE_SOA, true, "xfr.", WRONG);
	int answered = 0, i;

	for (i = 0; i < 20; i++)
		answered += ask(f, "192.0.2.9", msg, len, QUERY_UDP) == QUERY_ANSWER;
	assert_true(answered >= 2 && answered <= 3);
	assert_true(f->fx.q.rrl_dropped >= 17);
	/* Over TCP, which cannot be spoofed, every one is answered. */
	assert_int_equal(ask(f, "192.0.2.9", msg, len, QUERY_TCP), QUERY_ANSWER);
}

/*
 * An error reply is never larger than its request.  The request names its
 * key and algorithm with compression pointers to a long question name, so
 * a reply that spelled them out would be far larger.
 */
static void
test_error_reply_not_larger_than_request(void **state)
{
	struct fixture *f = *state;
	static const char *const qname =
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa."
	    "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb."
	    "ccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc." ZONE ".";
	uint8_t msg[1024];
	size_t len = request(msg, qname, LDNS_RR_TYPE_A, false, NULL, NULL), rd;

	/* A TSIG record: owner and algorithm a pointer to the question name, a 32-octet MAC. */
	msg[11] = 1;
	msg[len++] = 0xc0;
	msg[len++] = 12;
	memcpy(msg + len, "\x00\xfa\x00\xff\x00\x00\x00\x00", 8);
	len += 8;
	rd = len;
	len += 2;
	msg[len++] = 0xc0;
	msg[len++] = 12;
	memset(msg + len, 0, 10);
	msg[len + 9] = 32;		/* MAC size */
	len += 10;
	memset(msg + len, 0x42, 32);
	len += 32;
	memcpy(msg + len, "\x42\x42\x00\x00\x00\x00", 6);
	len += 6;
	msg[rd] = 0;
	msg[rd + 1] = (uint8_t)(len - rd - 2);
	for (int tr = 0; tr < 2; tr++) {
		assert_int_equal(ask(f, "198.51.100.9", msg, len, (enum query_transport)tr),
		    QUERY_ANSWER);
		assert_int_equal(f->fx.out[3] & 0x0f, DNS_NOTAUTH);
		if (f->fx.outlen > len)
			fail_msg("a %zu-octet NOTAUTH to a %zu-octet request", f->fx.outlen, len);
	}
}

/*
 * A flood of bad signatures writes at most one log line an interval (the
 * limit is the process's, so an earlier test may have used this one up).
 */
static void
test_bad_requests_log_rate_limited(void **state)
{
	struct fixture *f = *state;
	char path[TESTDIR_LEN + 16], line[512];
	uint8_t msg[1024];
	size_t len = request(msg, ZONE ".", LDNS_RR_TYPE_SOA, true, "xfr.", WRONG);
	int saved = dup(2), fd, lines = 0, i;
	FILE *log;

	snprintf(path, sizeof(path), "%s/stderr", f->fx.dir);
	assert_non_null(log = fopen(path, "w+"));
	fd = fileno(log);
	fflush(stderr);
	dup2(fd, 2);
	for (i = 0; i < 200; i++)
		ask(f, "198.51.100.9", msg, len, QUERY_TCP);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(log);
	while (fgets(line, sizeof(line), log) != NULL)
		lines += strstr(line, "tsig: request from") != NULL;
	fclose(log);
	assert_true(lines <= 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_truncated_mac_is_no_oracle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_acl_comes_before_tsig, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rrl_limits_tsig_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_error_reply_not_larger_than_request, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_bad_requests_log_rate_limited, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
