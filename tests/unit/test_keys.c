/* Unit tests of keyed access: keys in the store, and the query path under a key. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "conf.h"
#include "conf_server.h"
#include "keyuse.h"
#include "query.h"
#include "rb.h"
#include "store.h"
#include "fixture.h"
#include "testdir.h"
#include "timeutil.h"

#define GOOD "goodkey123"
#define REFUSAL_A 0x7ffffffeu	/* 127.255.255.254 */

struct fixture {
	struct fx fx;		/* dir, conf, store, zone table, query context */
	struct keyuse *ku;
	struct keyuse_set set;
	/* The last answer: rcode, first A (0: none), TXT seen. */
	unsigned rcode, an;
	uint32_t a;
	char txt[256];
};

static void
append(const char *dir, const char *file, const char *text)
{
	char path[512];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	assert_non_null(fp = fopen(path, "a"));
	fprintf(fp, "%s\n", text);
	fclose(fp);
}

static uint16_t
zone_id(struct fixture *f, const char *name)
{
	const struct conf_zone *cz = conf_zone(f->fx.c, name);
	struct store_zone sz;

	assert_non_null(cz);
	assert_int_equal(store_zone_ensure(f->fx.s, cz->name, cz->apex_serial, &sz), 0);
	return sz.id;
}

static void
add_key(struct fixture *f, const char *label, uint32_t qps, uint32_t daily, const char *zone,
    bool disabled)
{
	struct store_key k;
	struct store_wr *w;

	memset(&k, 0, sizeof(k));
	snprintf(k.label, sizeof(k.label), "%s", label);
	k.qps = qps;
	k.daily = daily;
	k.disabled = disabled;
	k.created = time_now();
	if (zone != NULL)
		k.zones[k.nzones++] = zone_id(f, zone);
	assert_int_equal(store_wr_begin(f->fx.s, &w), 0);
	assert_int_equal(store_key_add(w, &k), 0);
	assert_int_equal(store_wr_commit(w), 0);
}

static void
report(struct fixture *f, const char *zone, const char *addr)
{
	enum store_outcome outcome;
	struct store_wr *w;
	struct report r;

	memset(&r, 0, sizeof(r));
	r.net = testdir_net(addr);
	r.at = time_now();
	r.lifetime = 86400;
	r.reason = "spam";
	assert_int_equal(store_wr_begin(f->fx.s, &w), 0);
	assert_int_equal(store_report(w, zone_id(f, zone), &r, &outcome), 0);
	assert_int_equal(store_wr_commit(w), 0);
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	/* Each zone and the keys of its section. */
	static const char *const zones[][2] = {
		{ "keyed.example.org", "keys = allowed\nkey-refusal = 127.255.255.254 \"key over quota\"\n" },
		{ "required.example.org", "keys = required\n" },
		{ "nx.example.org", "keys = allowed\nkey-refusal = nxdomain\n" },
		{ "plain.example.org", "" },
		{ "other.example.org", "keys = allowed\n" },
	};
	char conf[4096], file[256];
	size_t i, n;

	assert_non_null(f);
	fx_open(&f->fx, "keys");
	n = (size_t)snprintf(conf, sizeof(conf), "[server]\ndb = db\nlisten = 127.0.0.1:5300\n");
	for (i = 0; i < RB_ARRAY_LEN(zones); i++) {
		snprintf(file, sizeof(file), "%s.zone", zones[i][0]);
		fx_apex(&f->fx, file, zones[i][0], "");
		n += (size_t)snprintf(conf + n, sizeof(conf) - n, "[zone %s]\napex = %s\n"
		    "family = both\ntext = listed\nttl = 60\n%s", zones[i][0], file, zones[i][1]);
		assert_true(n < sizeof(conf));
	}
	fx_conf(&f->fx, conf);
	fx_store(&f->fx, NULL, 0);
	report(f, "keyed.example.org", "192.0.2.5");
	report(f, "required.example.org", "192.0.2.5");
	report(f, "plain.example.org", "192.0.2.5");
	report(f, "other.example.org", "192.0.2.5");
	add_key(f, GOOD, 0, 0, NULL, false);
	add_key(f, "disabledkey1", 0, 0, NULL, true);
	add_key(f, "onlykeyed123", 0, 0, "keyed.example.org", false);
	add_key(f, "limited-qps1", 2, 0, NULL, false);
	add_key(f, "limited-day1", 0, 3, NULL, false);
	assert_non_null(f->ku = keyuse_new());
	f->set.n = 1;
	f->set.t = &f->ku;
	fx_query(&f->fx);
	f->fx.q.keyuse = f->ku;
	f->fx.q.keyset = &f->set;
	assert_int_equal(query_ctx_refresh(&f->fx.q), 0);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	fx_close(&f->fx);
	keyuse_free(f->ku);
	free(f);
	return 0;
}

/* Ask NAME (dotted) of TYPE over UDP; fill f->rcode, f->an, f->a, f->txt. */
static void
ask(struct fixture *f, const char *name, uint16_t qtype)
{
	uint8_t pkt[512];
	size_t n = 12, len, o;
	const char *p = name, *dot;
	unsigned i, an, rdlen, type;

	memset(pkt, 0, sizeof(pkt));
	pkt[0] = 0x12;
	pkt[2] = 0x01;	/* RD */
	pkt[5] = 1;
	while (*p != '\0') {
		dot = strchr(p, '.');
		len = dot != NULL ? (size_t)(dot - p) : strlen(p);
		pkt[n++] = (uint8_t)len;
		memcpy(pkt + n, p, len);
		n += len;
		p += len + (dot != NULL);
	}
	pkt[n++] = 0;
	pkt[n++] = (uint8_t)(qtype >> 8);
	pkt[n++] = (uint8_t)qtype;
	pkt[n++] = 0;
	pkt[n++] = 1;
	assert_int_equal(query_answer(&f->fx.q, pkt, n, QUERY_UDP, f->fx.out, 4096, &f->fx.outlen),
	    QUERY_ANSWER);
	f->rcode = f->fx.out[3] & 0x0f;
	f->an = an = (unsigned)f->fx.out[6] << 8 | f->fx.out[7];
	f->a = 0;
	f->txt[0] = '\0';
	/* Skip the question (its name is uncompressed, as asked). */
	for (o = 12; f->fx.out[o] != 0; o += 1 + f->fx.out[o])
		;
	o += 5;
	for (i = 0; i < an; i++) {
		o += 2;	/* a pointer to the question name */
		type = (unsigned)f->fx.out[o] << 8 | f->fx.out[o + 1];
		rdlen = (unsigned)f->fx.out[o + 8] << 8 | f->fx.out[o + 9];
		o += 10;
		if (type == 1 && rdlen == 4)
			f->a = (uint32_t)f->fx.out[o] << 24 | (uint32_t)f->fx.out[o + 1] << 16 |
			    (uint32_t)f->fx.out[o + 2] << 8 | f->fx.out[o + 3];
		if (type == 16)
			snprintf(f->txt, sizeof(f->txt), "%.*s", f->fx.out[o], (const char *)f->fx.out + o + 1);
		o += rdlen;
	}
}

static void
test_label_rule(void **state)
{
	(void)state;
	assert_true(store_key_label_ok("abcdefgh", 8));
	assert_true(store_key_label_ok("a0-b1-c2-d3", 11));
	assert_false(store_key_label_ok("abcdefg", 7));		/* too short */
	assert_false(store_key_label_ok("ABCDEFGH", 8));	/* stored lower case */
	assert_false(store_key_label_ok("-abcdefgh", 9));
	assert_false(store_key_label_ok("abcdefgh-", 9));
	assert_false(store_key_label_ok("abc_defgh", 9));
	assert_false(store_key_label_ok("abc.defgh", 9));
	assert_true(store_key_label_ok(
	    "abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabc", 63));
	assert_false(store_key_label_ok(
	    "abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcd", 64));
}

static void
test_store_add_find_disable_remove(void **state)
{
	struct fixture *f = *state;
	struct store_reader rd;
	struct store_key k;
	struct store_wr *w;

	assert_int_equal(store_reader_init(f->fx.s, &rd), 0);
	assert_int_equal(store_key_find(&rd, (const uint8_t *)"GoodKey123", 10, &k), 0);
	assert_string_equal(k.label, GOOD);
	assert_false(k.disabled);
	assert_int_equal(store_key_find(&rd, (const uint8_t *)"goodkey124", 10, &k),
	    RB_ENOTFOUND);
	assert_int_equal(store_key_find(&rd, (const uint8_t *)"goodkey12", 9, &k), RB_ENOTFOUND);
	store_reader_fini(&rd);

	add_key(f, "temporary-key", 0, 0, NULL, false);
	assert_int_equal(store_wr_begin(f->fx.s, &w), 0);
	assert_int_equal(store_key_add(w, &(struct store_key){ .label = "temporary-key" }),
	    RB_EPOLICY);
	assert_int_equal(store_key_set_disabled(w, "temporary-key", true), 0);
	assert_int_equal(store_wr_commit(w), 0);
	assert_int_equal(store_reader_init(f->fx.s, &rd), 0);
	assert_int_equal(store_key_get(&rd, "temporary-key", &k), 0);
	assert_true(k.disabled);
	store_reader_fini(&rd);
	assert_int_equal(store_wr_begin(f->fx.s, &w), 0);
	assert_int_equal(store_key_remove(w, "temporary-key"), 0);
	assert_int_equal(store_key_remove(w, "temporary-key"), RB_ENOTFOUND);
	assert_int_equal(store_wr_commit(w), 0);
	assert_int_equal(store_reader_init(f->fx.s, &rd), 0);
	assert_int_equal(store_key_get(&rd, "temporary-key", &k), RB_ENOTFOUND);
	store_reader_fini(&rd);
}

static void
test_valid_key_answers_as_without(void **state)
{
	struct fixture *f = *state;

	ask(f, "5.2.0.192." GOOD ".keyed.example.org", 1);
	assert_int_equal(f->rcode, 0);
	assert_int_equal(f->a, 0x7f000002);
	assert_int_equal(f->fx.q.info.key, QUERY_KEY_OK);
	ask(f, "5.2.0.192.GOODKEY123.keyed.example.org", 16);
	assert_string_equal(f->txt, "spam");
	ask(f, "6.2.0.192." GOOD ".keyed.example.org", 1);
	assert_int_equal(f->rcode, 3);	/* NXDOMAIN: not listed, as without the key */
	/* Without a key where keys are allowed: as always. */
	ask(f, "5.2.0.192.keyed.example.org", 1);
	assert_int_equal(f->a, 0x7f000002);
	assert_int_equal(f->fx.q.info.key, QUERY_KEY_NONE);
}

static void
test_test_points_under_a_key(void **state)
{
	struct fixture *f = *state;

	ask(f, "2.0.0.127." GOOD ".keyed.example.org", 1);
	assert_int_equal(f->a, 0x7f000002);
	ask(f, "1.0.0.127." GOOD ".keyed.example.org", 1);
	assert_int_equal(f->rcode, 3);
	ask(f, "2.0.0.127." GOOD ".required.example.org", 1);
	assert_int_equal(f->a, 0x7f000002);
	/* The key's own name is an empty non-terminal: NOERROR, no answer. */
	ask(f, GOOD ".keyed.example.org", 1);
	assert_int_equal(f->rcode, 0);
	assert_int_equal(f->an, 0);
}

static void
test_unknown_key_gets_refusal_answer(void **state)
{
	struct fixture *f = *state;

	ask(f, "5.2.0.192.unknownkey.keyed.example.org", 1);
	assert_int_equal(f->rcode, 0);
	assert_int_equal(f->a, REFUSAL_A);
	assert_int_equal(f->fx.q.info.key, QUERY_KEY_UNKNOWN);
	ask(f, "5.2.0.192.unknownkey.keyed.example.org", 16);
	assert_string_equal(f->txt, "key over quota");
	/* The test point too: never the data. */
	ask(f, "2.0.0.127.unknownkey.keyed.example.org", 1);
	assert_int_equal(f->a, REFUSAL_A);
	/* Default refusal: REFUSED; nxdomain where configured. */
	ask(f, "5.2.0.192.unknownkey.other.example.org", 1);
	assert_int_equal(f->rcode, 5);
	assert_int_equal(f->an, 0);
	ask(f, "5.2.0.192.unknownkey.nx.example.org", 1);
	assert_int_equal(f->rcode, 3);
}

static void
test_disabled_and_other_zone_keys_refused(void **state)
{
	struct fixture *f = *state;

	ask(f, "5.2.0.192.disabledkey1.keyed.example.org", 1);
	assert_int_equal(f->a, REFUSAL_A);
	ask(f, "5.2.0.192.onlykeyed123.keyed.example.org", 1);
	assert_int_equal(f->a, 0x7f000002);
	ask(f, "5.2.0.192.onlykeyed123.other.example.org", 1);
	assert_int_equal(f->rcode, 5);
}

static void
test_required_refuses_without_key(void **state)
{
	struct fixture *f = *state;

	ask(f, "5.2.0.192.required.example.org", 1);
	assert_int_equal(f->rcode, 5);
	assert_int_equal(f->fx.q.info.key, QUERY_KEY_MISSING);
	ask(f, "5.2.0.192." GOOD ".required.example.org", 1);
	assert_int_equal(f->a, 0x7f000002);
	/* The apex stays open: SOA and NS need no key. */
	ask(f, "required.example.org", 6);
	assert_int_equal(f->rcode, 0);
	assert_int_equal(f->an, 1);
}

static void
test_unkeyed_zone_ignores_key_labels(void **state)
{
	struct fixture *f = *state;

	ask(f, "5.2.0.192." GOOD ".plain.example.org", 1);
	assert_int_equal(f->rcode, 3);
	assert_int_equal(f->fx.q.info.key, QUERY_KEY_NONE);
	ask(f, "5.2.0.192.plain.example.org", 1);
	assert_int_equal(f->a, 0x7f000002);
}

static void
test_over_quota(void **state)
{
	struct fixture *f = *state;
	int i;

	/* qps 2: the third in the same second is refused, the next second answered. */
	f->fx.q.now = 1000000;
	for (i = 0; i < 2; i++) {
		ask(f, "5.2.0.192.limited-qps1.keyed.example.org", 1);
		assert_int_equal(f->a, 0x7f000002);
	}
	ask(f, "5.2.0.192.limited-qps1.keyed.example.org", 1);
	assert_int_equal(f->a, REFUSAL_A);
	assert_int_equal(f->fx.q.info.key, QUERY_KEY_OVER);
	f->fx.q.now++;
	ask(f, "5.2.0.192.limited-qps1.keyed.example.org", 1);
	assert_int_equal(f->a, 0x7f000002);

	/* daily 3: refused for the rest of the UTC day, answered the next. */
	f->fx.q.now = 86400 * 20000 + 10;
	for (i = 0; i < 3; i++, f->fx.q.now += 100) {
		ask(f, "5.2.0.192.limited-day1.keyed.example.org", 1);
		assert_int_equal(f->a, 0x7f000002);
	}
	ask(f, "5.2.0.192.limited-day1.keyed.example.org", 1);
	assert_int_equal(f->a, REFUSAL_A);
	f->fx.q.now = 86400 * 20001;
	ask(f, "5.2.0.192.limited-day1.keyed.example.org", 1);
	assert_int_equal(f->a, 0x7f000002);
}

static void
test_counters(void **state)
{
	struct fixture *f = *state;
	struct store_reader rd;
	struct store_key k;
	struct keyuse_slot *s;
	uint64_t q0, h0, r0;

	assert_int_equal(store_reader_init(f->fx.s, &rd), 0);
	assert_int_equal(store_key_get(&rd, "onlykeyed123", &k), 0);
	store_reader_fini(&rd);
	/* Earlier tests of the group asked with this key too: count from here. */
	ask(f, "5.2.0.192.onlykeyed123.keyed.example.org", 1);
	assert_non_null(s = keyuse_slot(f->ku, k.hash, NULL, false));
	q0 = s->queries, h0 = s->hits, r0 = s->refusals;
	ask(f, "5.2.0.192.onlykeyed123.keyed.example.org", 1);
	ask(f, "6.2.0.192.onlykeyed123.keyed.example.org", 1);
	ask(f, "5.2.0.192.onlykeyed123.other.example.org", 1);
	assert_int_equal(s->queries - q0, 2);
	assert_int_equal(s->hits - h0, 1);
	assert_int_equal(s->refusals - r0, 1);
	assert_memory_equal(s->prefix, "only", 4);
}

static void
test_key_change_seen_on_refresh(void **state)
{
	struct fixture *f = *state;
	struct store_wr *w;

	ask(f, "5.2.0.192.latecomer1.keyed.example.org", 1);
	assert_int_equal(f->a, REFUSAL_A);
	add_key(f, "latecomer1", 0, 0, NULL, false);
	assert_int_equal(query_ctx_refresh(&f->fx.q), 0);
	ask(f, "5.2.0.192.latecomer1.keyed.example.org", 1);
	assert_int_equal(f->a, 0x7f000002);
	assert_int_equal(store_wr_begin(f->fx.s, &w), 0);
	assert_int_equal(store_key_set_disabled(w, "latecomer1", true), 0);
	assert_int_equal(store_wr_commit(w), 0);
	assert_int_equal(query_ctx_refresh(&f->fx.q), 0);
	ask(f, "5.2.0.192.latecomer1.keyed.example.org", 1);
	assert_int_equal(f->a, REFUSAL_A);
}

/* KEY: a valid key label of LEN octets, one for each length. */
static void
key_of_len(char *key, size_t len)
{
	for (size_t i = 0; i < len; i++)
		key[i] = (char)('a' + (len + i) % 26);
	key[len] = '\0';
}

/* Ask 5.2.0.192.LABEL.keyed.example.org A; true when answered as a good key. */
static bool
keyed_ok(struct fixture *f, const char *label)
{
	char name[256];

	snprintf(name, sizeof(name), "5.2.0.192.%s.keyed.example.org", label);
	ask(f, name, 1);
	return f->fx.q.info.key == QUERY_KEY_OK && f->a == 0x7f000002;
}

/*
 * The worker's cache of keys compares every octet: with a key of each
 * length cached, a label one octet away from it, one octet longer or one
 * shorter is not that key; the key in upper case is.
 */
static void
test_cache_compares_every_octet(void **state)
{
	struct fixture *f = *state;
	char key[STORE_KEY_MAX + 1], near[STORE_KEY_MAX + 2];
	size_t len, i;

	for (len = STORE_KEY_MIN; len <= STORE_KEY_MAX; len++) {
		key_of_len(key, len);
		add_key(f, key, 0, 0, NULL, false);
	}
	assert_int_equal(query_ctx_refresh(&f->fx.q), 0);
	for (len = STORE_KEY_MIN; len <= STORE_KEY_MAX; len++) {
		key_of_len(key, len);
		for (i = 0; i < len; i++) {
			assert_true(keyed_ok(f, key));
			memcpy(near, key, len + 1);
			near[i] = '7';
			assert_false(keyed_ok(f, near));
			assert_int_equal(f->fx.q.info.key, QUERY_KEY_UNKNOWN);
		}
		assert_true(keyed_ok(f, key));
		snprintf(near, sizeof(near), "%s7", key);
		assert_false(keyed_ok(f, near));
		assert_true(keyed_ok(f, key));
		near[len - 1] = '\0';
		assert_false(keyed_ok(f, near));
		for (i = 0; i < len; i++)
			near[i] = (char)(key[i] - 'a' + 'A');
		near[len] = '\0';
		assert_true(keyed_ok(f, near));
	}
}

/* The configuration's keys: bad values are refused with what to write instead. */
static void
test_conf_refuses_bad_values(void **state)
{
	static const char *const bad[][2] = {
		{ "keys = maybe", "not off, allowed or required" },
		{ "key-refusal = drop", "not refuse, nxdomain or 127.X.Y.Z" },
		{ "key-refusal = 10.0.0.1", "not refuse, nxdomain or 127.X.Y.Z" },
		{ "key-refusal = 127.0.0.9 over", "double quotes" },
		{ "key-refusal = nxdomain extra", "after the answer" },
		{ "allow-transfer = serve-keys", "'serve-keys' must follow an address" },
		{ "[server]\nkeys = sometimes", "not off, allowed or required" },
		{ "[server]\nkey-day-start = 24:00", "not a time of day HH:MM" },
		{ "[server]\nkey-day-start = 6", "not a time of day HH:MM" },
		{ "[server]\nkey-day-start = 06:00x", "not a time of day HH:MM" },
	};
	struct fixture *f = *state;
	char dir[TESTDIR_LEN], path[512], err[512], line[256];
	struct conf *c;
	size_t i;

	(void)f;
	for (i = 0; i < RB_ARRAY_LEN(bad); i++) {
		testdir_make(dir, "keyconf");
		append(dir, "z.zone", "@ 3600 IN SOA ns.z. h.z. 1 3600 600 86400 300\n@ IN NS ns.z.");
		snprintf(line, sizeof(line), "[server]\ndb = db\n[zone z]\napex = z.zone\n%s",
		    bad[i][0]);
		append(dir, "t.conf", line);
		snprintf(path, sizeof(path), "%s/t.conf", dir);
		c = conf_server_load(path, err, sizeof(err));
		assert_null(c);
		if (strstr(err, bad[i][1]) == NULL)
			fail_msg("%s: %s", bad[i][0], err);
		testdir_remove(dir);
	}
}

/* [server] keys and key-refusal are the default of zones that say none; key-day-start. */
static void
test_conf_server_defaults(void **state)
{
	char dir[TESTDIR_LEN], path[512], err[512];
	struct conf *c;

	(void)state;
	testdir_make(dir, "keyconf");
	append(dir, "z.zone", "@ 3600 IN SOA ns.z. h.z. 1 3600 600 86400 300\n@ IN NS ns.z.");
	append(dir, "t.conf", "[server]\ndb = db\nkeys = required\n"
	    "key-refusal = 127.255.255.254 \"over\"\nkey-day-start = 06:30\n"
	    "[zone z]\napex = z.zone\nallow-transfer = 127.0.0.1 serve-keys 127.0.0.2\n"
	    "[zone y]\napex = z.zone\nkeys = allowed\nkey-refusal = nxdomain\n");
	snprintf(path, sizeof(path), "%s/t.conf", dir);
	if ((c = conf_server_load(path, err, sizeof(err))) == NULL)
		fail_msg("%s", err);
	assert_int_equal(c->server->key_day_start, 6 * 3600 + 30 * 60);
	assert_int_equal(c->zones[0].server->keys, CONF_KEYS_REQUIRED);
	assert_int_equal(c->zones[0].server->key_refusal, CONF_KEYREF_ANSWER);
	assert_int_equal(c->zones[0].server->key_refusal_code, 0x7ffffffe);
	assert_string_equal(c->zones[0].server->key_refusal_text, "over");
	assert_true(c->zones[0].server->allow_transfer[0].serve_keys);
	assert_false(c->zones[0].server->allow_transfer[1].serve_keys);
	assert_int_equal(c->zones[1].server->keys, CONF_KEYS_ALLOWED);
	assert_int_equal(c->zones[1].server->key_refusal, CONF_KEYREF_NXDOMAIN);
	assert_null(c->zones[1].server->key_refusal_text);
	conf_free(c);
	testdir_remove(dir);
}

static int
usage_cb(void *arg, const struct store_key_usage *u)
{
	*(struct store_key_usage *)arg = *u;
	return 0;
}

static void
test_usage_folded_into_store(void **state)
{
	struct fixture *f = *state;
	static uint64_t seen[KEYUSE_SLOTS][3], next[KEYUSE_SLOTS][3];
	struct store_key_usage u;
	struct store_reader rd;
	struct store_key k;
	struct store_wr *w;
	uint64_t rows;

	assert_int_equal(store_reader_init(f->fx.s, &rd), 0);
	assert_int_equal(store_key_get(&rd, "onlykeyed123", &k), 0);
	store_reader_fini(&rd);
	assert_int_equal(store_wr_begin(f->fx.s, &w), 0);
	assert_int_equal(keyuse_fold(&f->set, (const uint64_t (*)[3])seen, next, 20000, w, &rows),
	    0);
	assert_true(rows > 0);
	assert_int_equal(store_wr_commit(w), 0);
	memcpy(seen, next, sizeof(seen));
	/* Nothing new: nothing to fold. */
	assert_int_equal(store_wr_begin(f->fx.s, &w), 0);
	assert_int_equal(keyuse_fold(&f->set, (const uint64_t (*)[3])seen, next, 20000, w, &rows),
	    0);
	assert_int_equal(rows, 0);
	store_wr_abort(w);

	memset(&u, 0, sizeof(u));
	assert_int_equal(store_reader_init(f->fx.s, &rd), 0);
	assert_int_equal(store_key_usage_walk(&rd, k.hash, 19999, usage_cb, &u), 0);
	store_reader_fini(&rd);
	assert_int_equal(u.day, 20000);
	assert_int_equal(u.queries, keyuse_slot(f->ku, k.hash, NULL, false)->queries);
	assert_true(u.hits > 0);
	assert_true(u.refusals > 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_label_rule),
		cmocka_unit_test(test_store_add_find_disable_remove),
		cmocka_unit_test(test_valid_key_answers_as_without),
		cmocka_unit_test(test_test_points_under_a_key),
		cmocka_unit_test(test_unknown_key_gets_refusal_answer),
		cmocka_unit_test(test_disabled_and_other_zone_keys_refused),
		cmocka_unit_test(test_required_refuses_without_key),
		cmocka_unit_test(test_unkeyed_zone_ignores_key_labels),
		cmocka_unit_test(test_over_quota),
		cmocka_unit_test(test_counters),
		cmocka_unit_test(test_key_change_seen_on_refresh),
		cmocka_unit_test(test_cache_compares_every_octet),
		cmocka_unit_test(test_usage_folded_into_store),
		cmocka_unit_test(test_conf_refuses_bad_values),
		cmocka_unit_test(test_conf_server_defaults),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
