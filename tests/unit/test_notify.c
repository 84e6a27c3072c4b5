/* NOTIFY rounds: one per serial, coalesced, retried until acknowledged, signed when keyed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "conf.h"
#include "dns.h"
#include "notify.h"
#include "query.h"
#include "rb.h"
#include "store.h"
#include "fixture.h"
#include "testdir.h"
#include "timeutil.h"
#include "tsig.h"
#include "wire.h"

#define ZONE "relays.example.org"

struct sent {
	struct sockaddr_in to;
	uint8_t pkt[1024];
	size_t len;
};

struct fixture {
	struct fx fx;		/* dir, conf, store (zone: ZONE's id), zone table, keyring */
	struct notify *n;
	struct store_reader rd;
	struct sent sent[64];
	size_t nsent;
};

static void
record(void *arg, const struct sockaddr *sa, socklen_t salen, const uint8_t *pkt, size_t len)
{
	struct fixture *f = arg;
	struct sent *s = &f->sent[f->nsent++];

	assert_true(f->nsent <= 64);
	assert_int_equal(salen, sizeof(struct sockaddr_in));
	memcpy(&s->to, sa, sizeof(s->to));
	memcpy(s->pkt, pkt, len);
	s->len = len;
}

static void
tick(struct fixture *f, uint64_t ms)
{
	assert_int_equal(store_reader_refresh(&f->rd), 0);
	notify_tick(f->n, &f->rd, ms, record, f);
	store_reader_release(&f->rd);
}

static void
commit(struct fixture *f, const char *addr)
{
	struct store_wr *w;
	struct report r;
	enum store_outcome out;

	memset(&r, 0, sizeof(r));
	assert_int_equal(addr_parse_cidr(addr, &r.net, NULL), 0);
	r.at = time_now();
	r.lifetime = 3600;
	assert_int_equal(store_wr_begin(f->fx.s, &w), 0);
	assert_int_equal(store_report(w, f->fx.zone, &r, &out), 0);
	assert_int_equal(store_wr_commit(w), 0);
}

/*
 * The acknowledgement a secondary would send for message I into A: the
 * header and question echoed (RFC 1996 s4.7), signed over the NOTIFY's MAC
 * when the NOTIFY was signed.  Returns its length.
 */
static size_t
ack_msg(struct fixture *f, size_t i, uint8_t *a, size_t cap)
{
	const struct sent *s = &f->sent[i];
	size_t len = 12 + strlen(ZONE) + 2 + 4;
	struct tsig_ctx ctx;
	struct dns_msg m;
	struct tsig_rr t;

	memcpy(a, s->pkt, len);
	a[2] |= 0x80;
	a[6] = a[7] = a[10] = a[11] = 0;
	dns_parse(&m, s->pkt, s->len);
	if (tsig_parse(&m, &t) == 1) {
		assert_int_equal(tsig_verify(f->fx.kr, &m, &t, time_now(), &ctx), TSIG_NOERROR);
		assert_int_equal(tsig_sign(&ctx, a, &len, cap, 0, time_now()), 0);
	}
	return len;
}

static bool
ack(struct fixture *f, size_t i)
{
	uint8_t a[1024];
	size_t len = ack_msg(f, i, a, sizeof(a));

	return notify_ack(f->n, (struct sockaddr *)&f->sent[i].to, a, len);
}

static uint32_t
hinted_serial(const struct sent *s)
{
	/* Question: apex + type + class; answer: pointer, type, class, TTL, RDLENGTH, two names. */
	size_t off = 12 + strlen(ZONE) + 2 + 4 + 12;

	off += strlen("ns1.example.org") + 2 + strlen("hostmaster.example.org") + 2;
	return wire_get_u32(s->pkt + off);
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	fx_open(&f->fx, "notify");
	fx_apex(&f->fx, ZONE ".zone", ZONE, "");
	fx_conf(&f->fx, "[server]\ndb = db\n[zone " ZONE "]\napex = " ZONE ".zone\n"
	    "notify = 127.0.0.1:5354, 127.0.0.2:5355 key xfr\n"
	    "[key xfr]\nalgorithm = hmac-sha256\n"
	    "secret = c2VjcmV0LWtleS1mb3ItdGVzdGluZy10c2lnLXNoYTI1Ng==\n");
	fx_store(&f->fx, ZONE, FX_SERIAL);
	fx_keyring(&f->fx);
	assert_non_null(f->n = notify_new(f->fx.c, f->fx.zt, f->fx.kr));
	assert_int_equal(store_reader_init(f->fx.s, &f->rd), 0);
	store_reader_release(&f->rd);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	store_reader_fini(&f->rd);
	notify_free(f->n);
	fx_close(&f->fx);
	free(f);
	return 0;
}

static void
test_first_tick_notifies_every_target(void **state)
{
	struct fixture *f = *state;
	struct dns_msg m;
	struct tsig_rr t;

	tick(f, 1000);
	assert_int_equal(f->nsent, 2);
	assert_int_equal(ntohs(f->sent[0].to.sin_port), 5354);
	assert_int_equal(ntohs(f->sent[1].to.sin_port), 5355);
	/* RFC 1996 s3.7: opcode NOTIFY, AA, the SOA as question and as a hint. */
	assert_int_equal(f->sent[0].pkt[2], 4 << 3 | 0x04);
	assert_int_equal(wire_get_u16(f->sent[0].pkt + 6), 1);
	assert_int_equal(hinted_serial(&f->sent[0]), 2026112801);
	/* Only the target that names a key gets a TSIG. */
	dns_parse(&m, f->sent[0].pkt, f->sent[0].len);
	assert_int_equal(tsig_parse(&m, &t), 0);
	dns_parse(&m, f->sent[1].pkt, f->sent[1].len);
	assert_int_equal(tsig_parse(&m, &t), 1);
	assert_memory_equal(t.name, "\3xfr\0", 5);
}

static void
test_unacknowledged_is_retried_then_given_up(void **state)
{
	struct fixture *f = *state;
	uint64_t ms = 1000;
	int i;

	tick(f, ms);
	assert_true(ack(f, 0));
	f->nsent = 0;
	tick(f, ms + 1000);
	assert_int_equal(f->nsent, 0);	/* not yet: every two seconds */
	for (i = 1; i <= 12; i++)
		tick(f, ms + (uint64_t)i * NOTIFY_RETRY_MS);
	/* Only the second target, nine more times: ten tries in all. */
	assert_int_equal(f->nsent, NOTIFY_TRIES - 1);
	assert_int_equal(ntohs(f->sent[0].to.sin_port), 5355);
}

static void
test_ack_from_elsewhere_is_ignored(void **state)
{
	struct fixture *f = *state;

	tick(f, 1000);
	f->sent[0].to.sin_port = htons(9999);
	assert_false(ack(f, 0));
	f->nsent = 0;
	tick(f, 1000 + NOTIFY_RETRY_MS);
	assert_int_equal(f->nsent, 2);
}

static void
test_new_serial_starts_a_round(void **state)
{
	struct fixture *f = *state;

	tick(f, 1000);
	ack(f, 0);
	ack(f, 1);
	commit(f, "192.0.2.5");
	f->nsent = 0;
	tick(f, 2500);
	assert_int_equal(f->nsent, 2);
	assert_int_equal(hinted_serial(&f->sent[0]), 2026112802);
}

static void
test_burst_is_coalesced_to_one_round_a_second(void **state)
{
	struct fixture *f = *state;

	tick(f, 1000);
	ack(f, 0);
	ack(f, 1);
	commit(f, "192.0.2.5");
	f->nsent = 0;
	tick(f, 1250);		/* a quarter second after the last round */
	assert_int_equal(f->nsent, 0);
	commit(f, "192.0.2.6");
	tick(f, 1750);
	assert_int_equal(f->nsent, 0);
	tick(f, 2000);		/* one round for both commits, with the newest serial */
	assert_int_equal(f->nsent, 2);
	assert_int_equal(hinted_serial(&f->sent[0]), 2026112803);
}

/* An acknowledgement counts only with the NOTIFY's id and zone (in any case). */
static void
test_ack_must_match_id_and_zone(void **state)
{
	struct fixture *f = *state;
	struct sockaddr *to;
	uint8_t a[1024];
	size_t len;

	tick(f, 1000);
	to = (struct sockaddr *)&f->sent[0].to;
	len = ack_msg(f, 0, a, sizeof(a));
	a[1] ^= 1;
	assert_false(notify_ack(f->n, to, a, len));
	a[1] ^= 1;
	a[13] = 'x';		/* "xelays.example.org" */
	assert_false(notify_ack(f->n, to, a, len));
	a[13] = 'R';
	assert_true(notify_ack(f->n, to, a, len));
	assert_false(notify_ack(f->n, to, a, len));	/* once */
	f->nsent = 0;
	tick(f, 1000 + NOTIFY_RETRY_MS);
	assert_int_equal(f->nsent, 1);	/* only the other target is asked again */
}

/* A target with a key acknowledges only with a TSIG over our NOTIFY's MAC. */
static void
test_keyed_ack_must_verify(void **state)
{
	struct fixture *f = *state;
	struct sockaddr *to;
	uint8_t a[1024];
	size_t len;

	tick(f, 1000);
	to = (struct sockaddr *)&f->sent[1].to;
	len = ack_msg(f, 1, a, sizeof(a));
	/* Unsigned: the header and question alone. */
	a[11] = 0;
	assert_false(notify_ack(f->n, to, a, 12 + strlen(ZONE) + 2 + 4));
	a[11] = 1;
	a[len - 7] ^= 1;	/* the MAC's last octet */
	assert_false(notify_ack(f->n, to, a, len));
	a[len - 7] ^= 1;
	assert_true(notify_ack(f->n, to, a, len));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_first_tick_notifies_every_target, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_unacknowledged_is_retried_then_given_up, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_ack_from_elsewhere_is_ignored, setup, teardown),
		cmocka_unit_test_setup_teardown(test_new_serial_starts_a_round, setup, teardown),
		cmocka_unit_test_setup_teardown(test_burst_is_coalesced_to_one_round_a_second, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_ack_must_match_id_and_zone, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keyed_ack_must_verify, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
