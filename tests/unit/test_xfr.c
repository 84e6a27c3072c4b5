/* Zone transfers on byte buffers: access, AXFR and IXFR streams, signed messages, journal bounds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <ldns/ldns.h>

#include "conf.h"
#include "dns.h"
#include "door.h"
#include "query.h"
#include "rb.h"
#include "store.h"
#include "timeutil.h"
#include "tsig.h"
#include "fixture.h"
#include "testdir.h"
#include "xfr.h"
#include "zonetab.h"

#define ZONE "relays.example.org"
#define SECRET "c2VjcmV0LWtleS1mb3ItdGVzdGluZy10c2lnLXNoYTI1Ng=="
#define APEX_SERIAL FX_SERIAL

struct fixture {
	struct fx fx;		/* dir, conf, store (zone: ZONE's id), zone table, keyring, query context */
	struct xfr *x;
};

/* Report N addresses (CIDR, or 11.x.y.1 for k < N when N > 1) in one commit. */
static void
report_n(struct fixture *f, const char *cidr, const char *reason, int n)
{
	struct store_wr *w;
	struct report r;
	enum store_outcome out;
	char a[32];
	int k;

	assert_int_equal(store_wr_begin(f->fx.s, &w), 0);
	for (k = 0; k < n; k++) {
		memset(&r, 0, sizeof(r));
		snprintf(a, sizeof(a), "11.%d.%d.1", k / 100, k % 100);
		assert_int_equal(addr_parse_cidr(n > 1 ? a : cidr, &r.net, NULL), 0);
		r.at = time_now();
		r.lifetime = 86400;
		r.reason = reason;
		r.source = "test";
		assert_int_equal(store_report(w, f->fx.zone, &r, &out), 0);
	}
	assert_int_equal(store_wr_commit(w), 0);
}

static void
report(struct fixture *f, const char *cidr, const char *reason)
{
	report_n(f, cidr, reason, 1);
}

static uint32_t
serial(struct fixture *f)
{
	struct store_zone sz;

	assert_int_equal(query_ctx_refresh(&f->fx.q), 0);
	assert_int_equal(store_zone_get(&f->fx.q.rd, f->fx.zone, &sz), 0);
	query_ctx_release(&f->fx.q);
	return sz.serial;
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	fx_open(&f->fx, "xfr");
	fx_apex(&f->fx, ZONE ".zone", ZONE, "@ IN NS ns2.example.org.\n");
	fx_conf(&f->fx,
	    "[server]\ndb = db\nlisten = 127.0.0.1:5300\n"
	    "[zone " ZONE "]\napex = " ZONE ".zone\nfamily = both\n"
	    "allow-transfer = 127.0.0.1, 192.0.2.0/24 key xfr\n"
	    "[key xfr]\nalgorithm = hmac-sha256\nsecret = " SECRET "\n");
	fx_store(&f->fx, ZONE, APEX_SERIAL);
	fx_keyring(&f->fx);
	assert_non_null(f->x = xfr_new(f->fx.c, f->fx.zt, f->fx.s, f->fx.kr));
	fx_query(&f->fx);
	report(f, "192.0.2.5", "one");
	report(f, "198.51.100.0/24", "range");
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	xfr_free(f->x);
	fx_close(&f->fx);
	free(f);
	return 0;
}

static struct sockaddr_in
peer(const char *ip)
{
	struct sockaddr_in sa;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	assert_int_equal(inet_pton(AF_INET, ip, &sa.sin_addr), 1);
	return sa;
}

/* A transfer query (IXFR with SERIAL in authority), signed with KEY when not NULL. */
static size_t
xfr_msg(uint8_t *buf, ldns_rr_type type, uint32_t ser, const char *key, const char *secret)
{
	ldns_pkt *p = NULL;
	ldns_rr *soa = NULL;
	uint8_t *wire = NULL;
	size_t len = 0;
	char text[256];

	assert_int_equal(ldns_pkt_query_new_frm_str(&p, ZONE ".", type, LDNS_RR_CLASS_IN, 0),
	    LDNS_STATUS_OK);
	if (type == LDNS_RR_TYPE_IXFR) {
		snprintf(text, sizeof(text), ZONE ". 3600 IN SOA a. b. %u 1 1 1 1", ser);
		assert_int_equal(ldns_rr_new_frm_str(&soa, text, 0, NULL, NULL), LDNS_STATUS_OK);
		ldns_pkt_push_rr(p, LDNS_SECTION_AUTHORITY, soa);
	}
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
ask(struct fixture *f, const char *ip, const uint8_t *q, size_t len, enum query_transport tr,
    struct xfr_job **job)
{
	struct sockaddr_in sa = peer(ip);
	enum query_result r;

	assert_int_equal(query_ctx_refresh(&f->fx.q), 0);
	r = door_answer(&f->fx.q, f->x, f->fx.kr, (struct sockaddr *)&sa, q, len, tr, f->fx.out,
	    sizeof(f->fx.out), &f->fx.outlen, job);
	query_ctx_release(&f->fx.q);
	return r;
}

/* Every message of JOB parsed; their answer records in order into *RRS. */
static int
drain(struct xfr_job *j, ldns_rr_list *rrs, const char *secret)
{
	uint8_t buf[65535];
	size_t len;
	enum xfr_next_result r;
	ldns_rdf *mac = NULL;
	ldns_rr_list *copy;
	ldns_pkt *p;
	int msgs = 0, tries = 0;

	for (;;) {
		r = xfr_next(j, buf, sizeof(buf), &len);
		if (r == XFR_AGAIN) {
			assert_true(++tries < 20000);
			usleep(500);
			continue;
		}
		if (r != XFR_MSG)
			break;
		assert_int_equal(ldns_wire2pkt(&p, buf, len), LDNS_STATUS_OK);
		if (secret != NULL) {
			/* Each message chains on the one before (RFC 8945 s5.3.1). */
			if (msgs > 0)
				assert_true(ldns_pkt_tsig_verify_next(p, buf, len, "xfr.", secret,
				    mac, 1));
			ldns_rdf_deep_free(mac);
			mac = ldns_rdf_clone(ldns_rr_rdf(ldns_pkt_tsig(p), 3));
		}
		copy = ldns_rr_list_clone(ldns_pkt_answer(p));
		ldns_rr_list_push_rr_list(rrs, copy);
		ldns_rr_list_free(copy);	/* the records moved to RRS */
		ldns_pkt_free(p);
		msgs++;
	}
	assert_int_equal(r, XFR_END);
	ldns_rdf_deep_free(mac);
	xfr_job_free(j);
	return msgs;
}

static uint32_t
soa_serial(const ldns_rr *rr)
{
	assert_int_equal(ldns_rr_get_type(rr), LDNS_RR_TYPE_SOA);
	return ldns_rdf2native_int32(ldns_rr_rdf(rr, 2));
}

static void
test_axfr_soa_first_and_last(void **state)
{
	struct fixture *f = *state;
	uint8_t q[512];
	size_t len = xfr_msg(q, LDNS_RR_TYPE_AXFR, 0, NULL, NULL), n;
	struct xfr_job *j;
	ldns_rr_list *rrs = ldns_rr_list_new();

	assert_int_equal(ask(f, "127.0.0.1", q, len, QUERY_TCP, &j), QUERY_XFR);
	assert_int_equal(drain(j, rrs, NULL), 1);
	n = ldns_rr_list_rr_count(rrs);
	assert_true(n > 4);
	assert_int_equal(soa_serial(ldns_rr_list_rr(rrs, 0)), serial(f));
	assert_int_equal(soa_serial(ldns_rr_list_rr(rrs, n - 1)), serial(f));
	assert_int_equal(ldns_rr_get_type(ldns_rr_list_rr(rrs, 1)), LDNS_RR_TYPE_NS);
	ldns_rr_list_deep_free(rrs);
}

static void
test_axfr_refused_outside_allow_transfer(void **state)
{
	struct fixture *f = *state;
	uint8_t q[512];
	size_t len = xfr_msg(q, LDNS_RR_TYPE_AXFR, 0, NULL, NULL);
	struct xfr_job *j;

	assert_int_equal(ask(f, "203.0.113.1", q, len, QUERY_TCP, &j), QUERY_ANSWER);
	assert_null(j);
	assert_int_equal(f->fx.out[3] & 15, 5);	/* REFUSED */
	assert_int_equal(f->fx.out[5], 1);		/* question echoed */
}

static void
test_axfr_unsigned_where_key_needed_refused(void **state)
{
	struct fixture *f = *state;
	uint8_t q[512];
	size_t len = xfr_msg(q, LDNS_RR_TYPE_AXFR, 0, NULL, NULL);
	struct xfr_job *j;

	assert_int_equal(ask(f, "192.0.2.53", q, len, QUERY_TCP, &j), QUERY_ANSWER);
	assert_int_equal(f->fx.out[3] & 15, 5);
}

static void
test_signed_axfr_every_message_verifies(void **state)
{
	struct fixture *f = *state;
	uint8_t q[512];
	size_t len, n;
	struct xfr_job *j;
	ldns_rr_list *rrs = ldns_rr_list_new();
	int msgs;

	/* Enough records for several messages. */
	report_n(f, NULL, NULL, 1500);
	len = xfr_msg(q, LDNS_RR_TYPE_AXFR, 0, "xfr.", SECRET);
	assert_int_equal(ask(f, "192.0.2.53", q, len, QUERY_TCP, &j), QUERY_XFR);
	msgs = drain(j, rrs, SECRET);
	assert_true(msgs > 1);
	n = ldns_rr_list_rr_count(rrs);
	assert_true(n > 1500);
	assert_int_equal(ldns_rr_get_type(ldns_rr_list_rr(rrs, n - 1)), LDNS_RR_TYPE_SOA);
	ldns_rr_list_deep_free(rrs);
}

static void
test_unknown_key_gets_notauth_badkey(void **state)
{
	struct fixture *f = *state;
	uint8_t q[512];
	size_t len = xfr_msg(q, LDNS_RR_TYPE_AXFR, 0, "nokey.", SECRET);
	struct xfr_job *j;
	struct tsig_rr t;
	struct dns_msg m;

	assert_int_equal(ask(f, "192.0.2.53", q, len, QUERY_TCP, &j), QUERY_ANSWER);
	assert_int_equal(f->fx.out[3] & 15, TSIG_RCODE_NOTAUTH);
	dns_parse(&m, f->fx.out, f->fx.outlen);
	assert_int_equal(tsig_parse(&m, &t), 1);
	assert_int_equal(t.error, TSIG_BADKEY);
}

static void
test_ixfr_at_current_serial_is_soa_alone(void **state)
{
	struct fixture *f = *state;
	uint8_t q[512];
	size_t len = xfr_msg(q, LDNS_RR_TYPE_IXFR, serial(f), NULL, NULL);
	struct xfr_job *j;
	ldns_rr_list *rrs = ldns_rr_list_new();

	assert_int_equal(ask(f, "127.0.0.1", q, len, QUERY_TCP, &j), QUERY_XFR);
	drain(j, rrs, NULL);
	assert_int_equal(ldns_rr_list_rr_count(rrs), 1);
	assert_int_equal(soa_serial(ldns_rr_list_rr(rrs, 0)), serial(f));
	ldns_rr_list_deep_free(rrs);
}

static void
test_ixfr_one_report_is_one_name(void **state)
{
	struct fixture *f = *state;
	uint8_t q[512];
	uint32_t old = serial(f), now;
	size_t len;
	struct xfr_job *j;
	ldns_rr_list *rrs = ldns_rr_list_new();
	char *owner;

	report(f, "203.0.113.9", "new");
	now = serial(f);
	len = xfr_msg(q, LDNS_RR_TYPE_IXFR, old, NULL, NULL);
	assert_int_equal(ask(f, "127.0.0.1", q, len, QUERY_TCP, &j), QUERY_XFR);
	drain(j, rrs, NULL);
	/* RFC 1995 s4: new SOA, old SOA, (no deletions), new SOA, A and TXT, new SOA. */
	assert_int_equal(ldns_rr_list_rr_count(rrs), 6);
	assert_int_equal(soa_serial(ldns_rr_list_rr(rrs, 0)), now);
	assert_int_equal(soa_serial(ldns_rr_list_rr(rrs, 1)), old);
	assert_int_equal(soa_serial(ldns_rr_list_rr(rrs, 2)), now);
	owner = ldns_rdf2str(ldns_rr_owner(ldns_rr_list_rr(rrs, 3)));
	assert_string_equal(owner, "9.113.0.203." ZONE ".");
	free(owner);
	assert_int_equal(soa_serial(ldns_rr_list_rr(rrs, 5)), now);
	ldns_rr_list_deep_free(rrs);
}

static void
test_ixfr_from_unknown_serial_is_full(void **state)
{
	struct fixture *f = *state;
	uint8_t q[512];
	size_t len = xfr_msg(q, LDNS_RR_TYPE_IXFR, APEX_SERIAL - 7, NULL, NULL);
	struct xfr_job *j;
	ldns_rr_list *rrs = ldns_rr_list_new();

	assert_int_equal(ask(f, "127.0.0.1", q, len, QUERY_TCP, &j), QUERY_XFR);
	drain(j, rrs, NULL);
	/* RFC 1995 s4: AXFR-style, the second record is no SOA. */
	assert_int_equal(ldns_rr_get_type(ldns_rr_list_rr(rrs, 1)), LDNS_RR_TYPE_NS);
	ldns_rr_list_deep_free(rrs);
}

static void
test_ixfr_past_journal_max_is_full(void **state)
{
	struct fixture *f = *state;
	uint8_t q[512];
	uint32_t old = serial(f);
	size_t len;
	struct xfr_job *j;
	ldns_rr_list *rrs = ldns_rr_list_new();

	conf_zone(f->fx.c, ZONE)->server->journal_max = 1;
	report(f, "203.0.113.1", NULL);
	report(f, "203.0.113.2", NULL);
	len = xfr_msg(q, LDNS_RR_TYPE_IXFR, old, NULL, NULL);
	assert_int_equal(ask(f, "127.0.0.1", q, len, QUERY_TCP, &j), QUERY_XFR);
	drain(j, rrs, NULL);
	assert_int_equal(ldns_rr_get_type(ldns_rr_list_rr(rrs, 1)), LDNS_RR_TYPE_NS);
	ldns_rr_list_deep_free(rrs);

	/* One commit back is inside the bound: incremental. */
	rrs = ldns_rr_list_new();
	len = xfr_msg(q, LDNS_RR_TYPE_IXFR, serial(f) - 1, NULL, NULL);
	assert_int_equal(ask(f, "127.0.0.1", q, len, QUERY_TCP, &j), QUERY_XFR);
	drain(j, rrs, NULL);
	assert_int_equal(ldns_rr_get_type(ldns_rr_list_rr(rrs, 1)), LDNS_RR_TYPE_SOA);
	ldns_rr_list_deep_free(rrs);
}

static void
test_ixfr_without_soa_is_formerr(void **state)
{
	struct fixture *f = *state;
	uint8_t q[512];
	size_t len = xfr_msg(q, LDNS_RR_TYPE_AXFR, 0, NULL, NULL);
	struct xfr_job *j;

	q[12 + strlen(ZONE) + 3] = 251;		/* the type becomes IXFR, no SOA follows */
	assert_int_equal(ask(f, "127.0.0.1", q, len, QUERY_TCP, &j), QUERY_ANSWER);
	assert_int_equal(f->fx.out[3] & 15, 1);
}

static void
test_signed_udp_query_gets_signed_answer(void **state)
{
	struct fixture *f = *state;
	uint8_t q[512];
	size_t len = xfr_msg(q, LDNS_RR_TYPE_SOA, 0, "xfr.", SECRET);
	struct xfr_job *j;
	ldns_pkt *p;

	assert_int_equal(ask(f, "198.18.0.1", q, len, QUERY_UDP, &j), QUERY_ANSWER);
	assert_int_equal(ldns_wire2pkt(&p, f->fx.out, f->fx.outlen), LDNS_STATUS_OK);
	assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_NOERROR);
	assert_int_equal(ldns_pkt_ancount(p), 1);
	assert_non_null(ldns_pkt_tsig(p));
	ldns_pkt_free(p);
}

static void
test_journal_cutoff_keeps_max_commits(void **state)
{
	struct fixture *f = *state;
	struct store_zone sz;
	uint64_t keep;

	report(f, "203.0.113.1", NULL);
	report(f, "203.0.113.2", NULL);
	assert_int_equal(query_ctx_refresh(&f->fx.q), 0);
	assert_int_equal(store_zone_get(&f->fx.q.rd, f->fx.zone, &sz), 0);
	assert_int_equal(xfr_journal_cutoff(&f->fx.q.rd, f->fx.zone, sz.seq, 2, 0, time_now(), &keep),
	    0);
	assert_int_equal(keep, sz.seq - 1);
	/* All younger than a day: nothing to trim by age. */
	assert_int_equal(xfr_journal_cutoff(&f->fx.q.rd, f->fx.zone, sz.seq, 0, 86400, time_now(),
	    &keep), 0);
	assert_int_equal(keep, 1);
	/* A day later every commit is too old. */
	assert_int_equal(xfr_journal_cutoff(&f->fx.q.rd, f->fx.zone, sz.seq, 0, 86400,
	    time_now() + 2 * 86400, &keep), 0);
	assert_int_equal(keep, sz.seq + 1);
	query_ctx_release(&f->fx.q);
}

/* Report each of the N addresses ADDRS in one commit dated WHEN (0: now). */
static void
commit_reports(struct fixture *f, const char *const *addrs, int n, int64_t when)
{
	struct store_wr *w;
	enum store_outcome out;
	int k;

	assert_int_equal(store_wr_begin(f->fx.s, &w), 0);
	if (when != 0)
		store_wr_set_now(w, when);
	for (k = 0; k < n; k++) {
		struct report r = { .at = when != 0 ? when : time_now(), .lifetime = 86400,
		    .source = "test" };

		assert_int_equal(addr_parse_cidr(addrs[k], &r.net, NULL), 0);
		assert_int_equal(store_report(w, f->fx.zone, &r, &out), 0);
	}
	assert_int_equal(store_wr_commit(w), 0);
}

/* IXFR from serial FROM: its records into *RRS (incremental: the second is the old SOA). */
static ldns_rr_list *
ixfr_from(struct fixture *f, uint32_t from)
{
	uint8_t q[512];
	size_t len = xfr_msg(q, LDNS_RR_TYPE_IXFR, from, NULL, NULL);
	struct xfr_job *j;
	ldns_rr_list *rrs = ldns_rr_list_new();

	assert_int_equal(ask(f, "127.0.0.1", q, len, QUERY_TCP, &j), QUERY_XFR);
	drain(j, rrs, NULL);
	return rrs;
}

static bool
has_owner(const ldns_rr_list *rrs, const char *owner)
{
	size_t i;
	char *s;
	bool found = false;

	for (i = 0; i < ldns_rr_list_rr_count(rrs) && !found; i++) {
		s = ldns_rdf2str(ldns_rr_owner(ldns_rr_list_rr(rrs, i)));
		found = strcmp(s, owner) == 0;
		free(s);
	}
	return found;
}

/* Changes far apart in one commit, in /8s whose labels end alike: each name is in the difference. */
static void
test_ixfr_one_commit_two_names(void **state)
{
	struct fixture *f = *state;
	static const char *const addrs[] = { "203.0.113.9", "3.0.113.9" };
	uint32_t old = serial(f);
	ldns_rr_list *rrs;

	commit_reports(f, addrs, 2, 0);
	rrs = ixfr_from(f, old);
	/* New SOA, old SOA, new SOA, the A of each (the zone has no text), new SOA. */
	assert_int_equal(ldns_rr_list_rr_count(rrs), 6);
	assert_int_equal(soa_serial(ldns_rr_list_rr(rrs, 1)), old);
	assert_true(has_owner(rrs, "9.113.0.203." ZONE "."));
	assert_true(has_owner(rrs, "9.113.0.3." ZONE "."));
	ldns_rr_list_deep_free(rrs);
}

/*
 * From the zone's first serial, when it listed nothing: the difference is
 * every entry since (an empty state once read as "the store's", which made
 * the difference empty).
 */
static void
test_ixfr_from_the_empty_zone(void **state)
{
	struct fixture *f = *state;
	ldns_rr_list *rrs = ixfr_from(f, APEX_SERIAL);

	assert_int_equal(soa_serial(ldns_rr_list_rr(rrs, 1)), APEX_SERIAL);
	assert_true(has_owner(rrs, "5.2.0.192." ZONE "."));
	assert_true(has_owner(rrs, "*.100.51.198." ZONE "."));
	ldns_rr_list_deep_free(rrs);
}

/* RFC 1982: after serial 4294967295 comes 0, and IXFR from the one to the other is incremental. */
static void
test_ixfr_across_the_serial_wrap(void **state)
{
	struct fixture *f = *state;
	static const char *const addrs[] = { "203.0.113.9" };
	struct store_zone z;
	ldns_rr_list *rrs;

	/* The apex file's serial moves ahead twice (each step less than 2^31). */
	assert_int_equal(store_zone_ensure(f->fx.s, ZONE, serial(f) + 0x7fffffffu, &z), 0);
	assert_int_equal(store_zone_ensure(f->fx.s, ZONE, UINT32_MAX, &z), 0);
	assert_int_equal(serial(f), UINT32_MAX);
	commit_reports(f, addrs, 1, 0);
	assert_int_equal(serial(f), 0);
	rrs = ixfr_from(f, UINT32_MAX);
	assert_int_equal(ldns_rr_list_rr_count(rrs), 5);
	assert_int_equal(soa_serial(ldns_rr_list_rr(rrs, 1)), UINT32_MAX);
	assert_true(has_owner(rrs, "9.113.0.203." ZONE "."));
	ldns_rr_list_deep_free(rrs);
}

/*
 * The apex file's serial moved ahead between two commits: the journal's
 * commits no longer chain from a client serial before the move, and the
 * zone goes in full (RFC 1995 s4) rather than a difference from the wrong
 * commits.
 */
static void
test_ixfr_across_an_apex_serial_move_is_full(void **state)
{
	struct fixture *f = *state;
	static const char *const a[] = { "203.0.113.9" }, *const b[] = { "203.0.113.10" };
	struct store_zone z;
	uint32_t from;
	ldns_rr_list *rrs;

	commit_reports(f, a, 1, 0);
	from = serial(f);
	assert_int_equal(store_zone_ensure(f->fx.s, ZONE, from + 2, &z), 0);
	commit_reports(f, b, 1, 0);
	assert_int_equal(serial(f), from + 3);
	rrs = ixfr_from(f, from);
	assert_int_equal(ldns_rr_get_type(ldns_rr_list_rr(rrs, 1)), LDNS_RR_TYPE_NS);
	ldns_rr_list_deep_free(rrs);
}

/* A commit older than journal-age is not used for IXFR: the zone goes in full. */
static void
test_ixfr_past_journal_age_is_full(void **state)
{
	struct fixture *f = *state;
	static const char *const a[] = { "203.0.113.9" }, *const b[] = { "203.0.113.10" };
	uint32_t old = serial(f);
	ldns_rr_list *rrs;

	conf_zone(f->fx.c, ZONE)->server->journal_age = 3600;
	commit_reports(f, a, 1, time_now() - 7200);
	commit_reports(f, b, 1, 0);
	rrs = ixfr_from(f, old);
	assert_int_equal(ldns_rr_get_type(ldns_rr_list_rr(rrs, 1)), LDNS_RR_TYPE_NS);
	ldns_rr_list_deep_free(rrs);
	/* From after the old commit, the journal still serves. */
	rrs = ixfr_from(f, old + 1);
	assert_int_equal(ldns_rr_get_type(ldns_rr_list_rr(rrs, 1)), LDNS_RR_TYPE_SOA);
	ldns_rr_list_deep_free(rrs);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_axfr_soa_first_and_last, setup, teardown),
		cmocka_unit_test_setup_teardown(test_axfr_refused_outside_allow_transfer, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_axfr_unsigned_where_key_needed_refused, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_signed_axfr_every_message_verifies, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_unknown_key_gets_notauth_badkey, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_ixfr_at_current_serial_is_soa_alone, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_ixfr_one_report_is_one_name, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ixfr_from_the_empty_zone, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ixfr_from_unknown_serial_is_full, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_ixfr_past_journal_max_is_full, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_ixfr_without_soa_is_formerr, setup, teardown),
		cmocka_unit_test_setup_teardown(test_signed_udp_query_gets_signed_answer, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_journal_cutoff_keeps_max_commits, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_ixfr_one_commit_two_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ixfr_across_the_serial_wrap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ixfr_across_an_apex_serial_move_is_full, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_ixfr_past_journal_age_is_full, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
