/* Unit tests of per-client policy: acl and limit keys, ACL matching, ACL answers and RRL. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ldns/ldns.h>

#include "acl.h"
#include "addr.h"
#include "conf.h"
#include "conf_server.h"
#include "query.h"
#include "door.h"
#include "rrl.h"
#include "store.h"
#include "fixture.h"
#include "testdir.h"

#define ZONE "relays.example.org"
#define ZONE2 "other.example.org"

/* The configuration the query tests run on. */
static const char query_conf[] =
	"[server]\n"
	"db = db\n"
	"rrl-rate = 2\n"
	"rrl-exempt = 192.0.2.128/25\n"
	"acl = 203.0.113.0/24 refuse\n"
	"  198.51.100.0/24 answer 127.255.255.254 "
	"\"Queries through public resolvers are not answered\"\n"
	"  233.252.0.0/24 drop\n"
	"[zone " ZONE "]\n"
	"apex = a.zone\n"
	"ttl = 600\n"
	"acl = 203.0.113.64/26 allow\n"
	"[zone " ZONE2 "]\n"
	"apex = b.zone\n"
	"rrl-rate = 0\n";

struct fixture {
	struct fx fx;		/* dir, conf, store, zone table, query context */
	char err[512];
	struct acl *acl;
	struct rrl *rrl;
	uint8_t pkt[512];
	size_t pktlen;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	fx_open(&f->fx, "acl");
	fx_apex(&f->fx, "a.zone", ZONE, "");
	fx_apex(&f->fx, "b.zone", ZONE2, "");
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	acl_free(f->acl);
	rrl_free(f->rrl);
	fx_close(&f->fx);
	free(f);
	return 0;
}

/* Load TEXT as t.conf; NULL and f->err on error. */
static struct conf *
load(struct fixture *f, const char *text)
{
	char path[128];

	testdir_write(f->fx.dir, "t.conf", text);
	snprintf(path, sizeof(path), "%s/t.conf", f->fx.dir);
	conf_free(f->fx.c);
	f->fx.c = conf_server_load(path, f->err, sizeof(f->err));
	return f->fx.c;
}

static void
expect_error(struct fixture *f, const char *text, int line, const char *what)
{
	char want[256];

	assert_null(load(f, text));
	snprintf(want, sizeof(want), "t.conf:%d: %s", line, what);
	if (strstr(f->err, want) == NULL)
		fail_msg("error \"%s\" lacks \"%s\"", f->err, want);
}

static struct addr
ip(const char *s)
{
	struct addr a;

	assert_int_equal(addr_parse_cidr(s, &a, NULL), 0);
	return a;
}

#define ZONE_A "[zone " ZONE "]\napex = a.zone\n"

/* ---- Configuration keys ---- */

static void
test_acl_rules_parse(void **state)
{
	struct fixture *f = *state;
	const struct conf_query_acl *r;
	char buf[ADDR_STRLEN];

	if (load(f, "[server]\n"
	    "acl = 192.0.2.0/24, 2001:db8::/32 refuse\n"
	    "acl = 198.51.100.0/24 answer 127.255.255.254 \"See \\\"why\\\", https://x/?ip=$\"\n"
	    "  233.252.0.0/24 drop\n"
	    ZONE_A
	    "acl = 203.0.113.9 allow\n"
	    "acl = 10.0.0.0/8 answer 127.0.0.10\n") == NULL)
		fail_msg("%s", f->err);
	assert_int_equal(f->fx.c->server->nacl, 4);
	r = &f->fx.c->server->acl[0];
	assert_string_equal(addr_format(&r->net, buf, sizeof(buf)), "192.0.2.0/24");
	assert_int_equal(r->action, CONF_QACL_REFUSE);
	assert_int_equal(r->line, 2);
	assert_string_equal(addr_format(&f->fx.c->server->acl[1].net, buf, sizeof(buf)), "2001:db8::/32");
	assert_int_equal(f->fx.c->server->acl[1].action, CONF_QACL_REFUSE);
	r = &f->fx.c->server->acl[2];
	assert_int_equal(r->action, CONF_QACL_ANSWER);
	assert_int_equal(r->code, 0x7ffffffe);
	assert_string_equal(r->text, "See \"why\", https://x/?ip=$");
	assert_int_equal(f->fx.c->server->acl[3].action, CONF_QACL_DROP);
	assert_int_equal(f->fx.c->server->acl[3].line, 4);
	assert_int_equal(f->fx.c->zones[0].server->nacl, 2);
	assert_int_equal(f->fx.c->zones[0].server->acl[0].action, CONF_QACL_ALLOW);
	assert_string_equal(addr_format(&f->fx.c->zones[0].server->acl[0].net, buf, sizeof(buf)),
	    "203.0.113.9");
	assert_int_equal(f->fx.c->zones[0].server->acl[1].code, 0x7f00000a);
	assert_null(f->fx.c->zones[0].server->acl[1].text);
}

static void
test_acl_errors_name_the_line(void **state)
{
	struct fixture *f = *state;

	expect_error(f, "[server]\nacl = 192.0.2.0/24\n" ZONE_A, 2,
	    "acl: no action after the ranges");
	expect_error(f, "[server]\nacl = refuse\n" ZONE_A, 2,
	    "acl: no address or CIDR range before the action");
	expect_error(f, "[server]\nacl = 192.0.2.1/24 refuse\n" ZONE_A, 2,
	    "acl: '192.0.2.1/24' is neither an address or CIDR range nor an action");
	expect_error(f, "[server]\nacl = 192.0.2.0/24 permit\n" ZONE_A, 2,
	    "acl: 'permit' is neither");
	expect_error(f, "[server]\nacl = 192.0.2.0/24 answer 192.0.2.1 \"x\"\n" ZONE_A, 2,
	    "acl: answer needs an address in 127.0.0.0/8");
	expect_error(f, "[server]\nacl = 192.0.2.0/24 answer 127.0.0.2 not quoted\n" ZONE_A, 2,
	    "acl: put the answer's text in double quotes");
	expect_error(f, "[server]\nacl = 192.0.2.0/24 answer 127.0.0.2 \"open\n" ZONE_A, 2,
	    "acl: a quoted text is not closed");
	expect_error(f, "[server]\nacl = 192.0.2.0/24 drop now\n" ZONE_A, 2,
	    "acl: 'now' after the action");
	expect_error(f, "[server]\nacl = 192.0.2.0/24 drop\nacl = 192.0.2.0/24 allow\n" ZONE_A,
	    3, "acl: 192.0.2.0/24 has a rule already (line 2");
}

static void
test_same_range_in_server_and_zone_is_fine(void **state)
{
	struct fixture *f = *state;

	if (load(f, "[server]\nacl = 192.0.2.0/24 refuse\n" ZONE_A
	    "acl = 192.0.2.0/24 allow\n") == NULL)
		fail_msg("%s", f->err);
	assert_int_equal(f->fx.c->server->nacl, 1);
	assert_int_equal(f->fx.c->zones[0].server->nacl, 1);
}

static void
test_rrl_defaults_off_with_slip_2(void **state)
{
	struct fixture *f = *state;

	if (load(f, "[server]\n" ZONE_A) == NULL)
		fail_msg("%s", f->err);
	assert_int_equal(f->fx.c->server->rrl_rate, 0);
	assert_int_equal(f->fx.c->server->rrl_slip, 2);
	assert_int_equal(f->fx.c->zones[0].server->rrl_rate, 0);
	assert_int_equal(f->fx.c->zones[0].server->rrl_slip, 2);
}

static void
test_zones_inherit_or_override_rrl(void **state)
{
	struct fixture *f = *state;

	if (load(f, "[server]\nrrl-rate = 50\nrrl-slip = 3\nrrl-exempt = 192.0.2.0/24 ::1\n"
	    ZONE_A "[zone " ZONE2 "]\napex = b.zone\nrrl-rate = 0\nrrl-slip = 0\n") == NULL)
		fail_msg("%s", f->err);
	assert_int_equal(f->fx.c->zones[0].server->rrl_rate, 50);
	assert_int_equal(f->fx.c->zones[0].server->rrl_slip, 3);
	assert_int_equal(f->fx.c->zones[1].server->rrl_rate, 0);
	assert_int_equal(f->fx.c->zones[1].server->rrl_slip, 0);
	assert_int_equal(f->fx.c->server->nrrl_exempt, 2);
}

static void
test_rrl_keys_refuse_bad_values(void **state)
{
	struct fixture *f = *state;

	expect_error(f, "[server]\nrrl-rate = 10001\n" ZONE_A, 2,
	    "rrl-rate '10001' is not a number of answers per second from 0 to 10000");
	expect_error(f, "[server]\n" ZONE_A "rrl-slip = -1\n", 4, "rrl-slip '-1' is not");
	expect_error(f, "[server]\nrrl-exempt = 192.0.2.1/24\n" ZONE_A, 2,
	    "rrl-exempt '192.0.2.1/24' is not an address or CIDR range");
}

static void
test_tcp_limits_defaults_and_keys(void **state)
{
	struct fixture *f = *state;

	if (load(f, "[server]\n" ZONE_A) == NULL)
		fail_msg("%s", f->err);
	assert_int_equal(f->fx.c->server->tcp_max_conns, 256);
	assert_int_equal(f->fx.c->server->tcp_max_conns_client, 16);
	assert_int_equal(f->fx.c->server->tcp_idle, 10);
	assert_int_equal(f->fx.c->server->tcp_message, 10);
	assert_int_equal(f->fx.c->server->tcp_max_queries, 0);
	assert_null(f->fx.c->server->chroot);
	if (load(f, "[server]\ntcp-max-conns = 8\ntcp-max-conns-per-client = 2\n"
	    "tcp-idle-timeout = 2m\ntcp-message-timeout = 3s\ntcp-max-queries = 100\n"
	    "chroot = jail\n" ZONE_A) == NULL)
		fail_msg("%s", f->err);
	assert_int_equal(f->fx.c->server->tcp_max_conns, 8);
	assert_int_equal(f->fx.c->server->tcp_max_conns_client, 2);
	assert_int_equal(f->fx.c->server->tcp_idle, 120);
	assert_int_equal(f->fx.c->server->tcp_message, 3);
	assert_int_equal(f->fx.c->server->tcp_max_queries, 100);
	assert_non_null(f->fx.c->server->chroot);
	assert_true(strstr(f->fx.c->server->chroot, "/jail") != NULL && f->fx.c->server->chroot[0] == '/');
}

static void
test_tcp_keys_refuse_bad_values(void **state)
{
	struct fixture *f = *state;

	expect_error(f, "[server]\ntcp-max-conns = 0\n" ZONE_A, 2,
	    "tcp-max-conns '0' is not a number from 1 to 65535");
	expect_error(f, "[server]\ntcp-idle-timeout = 0\n" ZONE_A, 2,
	    "tcp-idle-timeout '0' is not a duration from 1s to 1d");
	expect_error(f, "[server]\ntcp-message-timeout = 2h\n" ZONE_A, 2,
	    "tcp-message-timeout '2h' is not a duration from 1s to 1h");
	expect_error(f, "[server]\ntcp-max-queries = lots\n" ZONE_A, 2,
	    "tcp-max-queries 'lots' is not a number");
	expect_error(f, "[server]\n" ZONE_A "tcp-max-conns = 5\n", 4,
	    "unknown key 'tcp-max-conns' in [zone NAME]");
}

/* ---- Matching ---- */

static void
build_policy(struct fixture *f, const char *conf)
{
	char path[128];

	if (load(f, conf) == NULL)
		fail_msg("%s", f->err);
	snprintf(path, sizeof(path), "%s/db", f->fx.dir);
	assert_int_equal(store_open(&f->fx.s, path, 64 << 20, STORE_CREATE), 0);
	f->fx.zt = testdir_zonetab(f->fx.c, f->fx.s);
	if ((f->acl = acl_new(f->fx.c, f->fx.zt, f->err, sizeof(f->err))) == NULL)
		fail_msg("acl_new: %s", f->err);
}

/* The action of the rule for CLIENT in zone ZI, -1 when none matches. */
static int
action(struct fixture *f, int zi, const char *client)
{
	struct addr a = ip(client);
	const struct acl_rule *r = acl_match(f->acl, zi, &a);

	return r != NULL ? (int)r->action : -1;
}

static void
test_longest_prefix_wins_in_any_order(void **state)
{
	struct fixture *f = *state;

	build_policy(f, "[server]\n"
	    "acl = 192.0.2.0/28 allow\n"
	    "acl = 192.0.0.0/16 refuse\n"
	    "acl = 192.0.2.7 answer 127.0.0.9\n"
	    "acl = 192.0.2.0/24 drop\n"
	    "acl = 2001:db8::/32 refuse\n"
	    "acl = 2001:db8:1::/48 allow\n" ZONE_A);
	assert_int_equal(action(f, 0, "192.0.2.7"), CONF_QACL_ANSWER);
	assert_int_equal(action(f, 0, "192.0.2.8"), CONF_QACL_ALLOW);
	assert_int_equal(action(f, 0, "192.0.2.200"), CONF_QACL_DROP);
	assert_int_equal(action(f, 0, "192.0.99.1"), CONF_QACL_REFUSE);
	assert_int_equal(action(f, 0, "192.1.0.1"), -1);
	assert_int_equal(action(f, -1, "2001:db8:1::5"), CONF_QACL_ALLOW);
	assert_int_equal(action(f, -1, "2001:db8:2::5"), CONF_QACL_REFUSE);
	/* ::ffff:192.0.2.7 is unmapped by acl_client, not by acl_match. */
	assert_int_equal(action(f, -1, "2002::1"), -1);
}

static void
test_zone_rules_come_before_server_rules(void **state)
{
	struct fixture *f = *state;

	build_policy(f, "[server]\nacl = 192.0.2.0/24 refuse\n" ZONE_A
	    "acl = 192.0.2.0/25 allow\n"
	    "[zone " ZONE2 "]\napex = b.zone\nacl = 0.0.0.0/0 drop\n");
	/* The zone's /25 beats nothing less specific in [server]... */
	assert_int_equal(action(f, 0, "192.0.2.1"), CONF_QACL_ALLOW);
	/* ...and where the zone has no rule, [server]'s applies. */
	assert_int_equal(action(f, 0, "192.0.2.129"), CONF_QACL_REFUSE);
	/* A zone's /0 beats [server]'s /24: sections are asked in turn. */
	assert_int_equal(action(f, 1, "192.0.2.1"), CONF_QACL_DROP);
	assert_int_equal(action(f, -1, "192.0.2.1"), CONF_QACL_REFUSE);
	assert_int_equal(action(f, -1, "198.51.100.1"), -1);
}

static void
test_client_from_socket_addresses(void **state)
{
	struct sockaddr_in s4;
	struct sockaddr_in6 s6;
	struct sockaddr_un_like { sa_family_t f; } other = { AF_UNIX };
	struct addr a;
	char buf[ADDR_STRLEN];

	(void)state;
	memset(&s4, 0, sizeof(s4));
	s4.sin_family = AF_INET;
	inet_pton(AF_INET, "192.0.2.9", &s4.sin_addr);
	assert_true(acl_client((struct sockaddr *)&s4, &a));
	assert_string_equal(addr_format(&a, buf, sizeof(buf)), "192.0.2.9");
	memset(&s6, 0, sizeof(s6));
	s6.sin6_family = AF_INET6;
	inet_pton(AF_INET6, "2001:db8::9", &s6.sin6_addr);
	assert_true(acl_client((struct sockaddr *)&s6, &a));
	assert_string_equal(addr_format(&a, buf, sizeof(buf)), "2001:db8::9");
	inet_pton(AF_INET6, "::ffff:198.51.100.3", &s6.sin6_addr);
	assert_true(acl_client((struct sockaddr *)&s6, &a));
	assert_string_equal(addr_format(&a, buf, sizeof(buf)), "198.51.100.3");
	assert_false(acl_client((struct sockaddr *)&other, &a));
	assert_false(acl_client(NULL, &a));
}

static void
test_rrl_limits_per_zone(void **state)
{
	struct fixture *f = *state;
	struct acl_rrl l;

	build_policy(f, query_conf);
	assert_true(acl_rrl_on(f->acl));
	l = acl_rrl(f->acl, 0);
	assert_int_equal(l.rate, 2);
	assert_int_equal(l.slip, 2);
	l = acl_rrl(f->acl, 1);
	assert_int_equal(l.rate, 0);
	l = acl_rrl(f->acl, -1);
	assert_int_equal(l.rate, 2);
	assert_true(acl_rrl_exempt(f->acl, &(struct addr){ ADDR_V4, 32, { 192, 0, 2, 200 } }));
	assert_false(acl_rrl_exempt(f->acl, &(struct addr){ ADDR_V4, 32, { 192, 0, 2, 100 } }));
}

/* ---- The query path ---- */

static int
query_setup(void **state)
{
	struct fixture *f;

	setup(state);
	f = *state;
	build_policy(f, query_conf);
	assert_non_null(f->rrl = rrl_new(1));
	fx_query(&f->fx);
	f->fx.q.acl = f->acl;
	f->fx.q.rrl = f->rrl;
	assert_int_equal(query_ctx_refresh(&f->fx.q), 0);
	return 0;
}

/* A query for NAME of TYPE into f->pkt, with an OPT when EDNS. */
static void
make_query(struct fixture *f, const char *name, ldns_rr_type type, bool edns)
{
	ldns_pkt *p = NULL;
	uint8_t *wire = NULL;
	size_t len = 0;

	assert_int_equal(ldns_pkt_query_new_frm_str(&p, name, type, LDNS_RR_CLASS_IN, 0),
	    LDNS_STATUS_OK);
	ldns_pkt_set_id(p, 0x4242);
	if (edns)
		ldns_pkt_set_edns_udp_size(p, 1232);
	assert_int_equal(ldns_pkt2wire(&wire, p, &len), LDNS_STATUS_OK);
	assert_true(len <= sizeof(f->pkt));
	memcpy(f->pkt, wire, len);
	f->pktlen = len;
	free(wire);
	ldns_pkt_free(p);
}

static enum query_result
ask_from(struct fixture *f, const char *client, enum query_transport t)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	struct xfr_job *job;
	enum query_result r;

	memset(&ss, 0, sizeof(ss));
	if (strchr(client, ':') != NULL) {
		s6->sin6_family = AF_INET6;
		assert_int_equal(inet_pton(AF_INET6, client, &s6->sin6_addr), 1);
	} else {
		s4->sin_family = AF_INET;
		assert_int_equal(inet_pton(AF_INET, client, &s4->sin_addr), 1);
	}
	f->fx.outlen = 0;
	/* Through the front door, which applies the ACL and RRL to every reply. */
	r = door_answer(&f->fx.q, NULL, NULL, (struct sockaddr *)&ss, f->pkt, f->pktlen, t, f->fx.out,
	    t == QUERY_TCP ? sizeof(f->fx.out) : 4096, &f->fx.outlen, &job);
	assert_null(job);
	return r;
}

static ldns_pkt *
parsed(struct fixture *f)
{
	ldns_pkt *p = NULL;

	assert_int_equal(ldns_wire2pkt(&p, f->fx.out, f->fx.outlen), LDNS_STATUS_OK);
	return p;
}

/* "RCODE ancount nscount [first answer's rdata]" of the last answer. */
static char *
describe(struct fixture *f, char *buf, size_t len)
{
	ldns_pkt *p = parsed(f);
	ldns_lookup_table *rc = ldns_lookup_by_id(ldns_rcodes, ldns_pkt_get_rcode(p));
	char *rd = NULL;
	ldns_rr_list *an = ldns_pkt_answer(p);

	if (ldns_rr_list_rr_count(an) > 0)
		rd = ldns_rdf2str(ldns_rr_rdf(ldns_rr_list_rr(an, 0), 0));
	snprintf(buf, len, "%s%s %zu %zu%s%s", rc != NULL ? rc->name : "?",
	    ldns_pkt_tc(p) ? " TC" : "", ldns_rr_list_rr_count(an),
	    ldns_rr_list_rr_count(ldns_pkt_authority(p)), rd != NULL ? " " : "",
	    rd != NULL ? rd : "");
	free(rd);
	ldns_pkt_free(p);
	return buf;
}

#define NOT_LISTED "9.2.0.192." ZONE
#define LISTED "2.0.0.127." ZONE

static void
test_no_rule_answers_as_usual(void **state)
{
	struct fixture *f = *state;
	char d[256];

	make_query(f, LISTED, LDNS_RR_TYPE_A, false);
	assert_int_equal(ask_from(f, "192.0.2.1", QUERY_TCP), QUERY_ANSWER);
	assert_string_equal(describe(f, d, sizeof(d)), "NOERROR 1 0 127.0.0.2");
	make_query(f, NOT_LISTED, LDNS_RR_TYPE_A, false);
	assert_int_equal(ask_from(f, "192.0.2.1", QUERY_TCP), QUERY_ANSWER);
	assert_string_equal(describe(f, d, sizeof(d)), "NXDOMAIN 0 1");
}

static void
test_refuse_rule_answers_refused(void **state)
{
	struct fixture *f = *state;
	char d[256];

	make_query(f, LISTED, LDNS_RR_TYPE_A, true);
	assert_int_equal(ask_from(f, "203.0.113.5", QUERY_TCP), QUERY_ANSWER);
	assert_string_equal(describe(f, d, sizeof(d)), "REFUSED 0 0");
	/* The zone allows its /26 although [server] refuses the /24. */
	assert_int_equal(ask_from(f, "203.0.113.65", QUERY_TCP), QUERY_ANSWER);
	assert_string_equal(describe(f, d, sizeof(d)), "NOERROR 1 0 127.0.0.2");
	/* The other zone has no such rule. */
	make_query(f, "2.0.0.127." ZONE2, LDNS_RR_TYPE_A, false);
	assert_int_equal(ask_from(f, "203.0.113.65", QUERY_TCP), QUERY_ANSWER);
	assert_string_equal(describe(f, d, sizeof(d)), "REFUSED 0 0");
	/* A message that is no query of a zone: REFUSED for the /24, FORMERR for others. */
	make_query(f, LISTED, LDNS_RR_TYPE_A, false);
	f->pkt[5] = 2;
	assert_int_equal(ask_from(f, "203.0.113.5", QUERY_TCP), QUERY_ANSWER);
	assert_int_equal(f->fx.out[3] & 0x0f, LDNS_RCODE_REFUSED);
	assert_int_equal(ask_from(f, "192.0.2.1", QUERY_TCP), QUERY_ANSWER);
	assert_int_equal(f->fx.out[3] & 0x0f, LDNS_RCODE_FORMERR);
}

static void
test_drop_rule_is_silent_even_for_malformed(void **state)
{
	struct fixture *f = *state;

	make_query(f, LISTED, LDNS_RR_TYPE_A, false);
	assert_int_equal(ask_from(f, "233.252.0.9", QUERY_UDP), QUERY_DROP);
	assert_int_equal(f->fx.outlen, 0);
	make_query(f, "example.com", LDNS_RR_TYPE_A, false);
	assert_int_equal(ask_from(f, "233.252.0.9", QUERY_TCP), QUERY_DROP);
	f->pkt[5] = 2;		/* QDCOUNT 2: FORMERR for anyone else */
	assert_int_equal(ask_from(f, "233.252.0.9", QUERY_TCP), QUERY_DROP);
	assert_int_equal(f->fx.q.acl_dropped, 3);
	assert_int_equal(ask_from(f, "192.0.2.1", QUERY_TCP), QUERY_ANSWER);
}

static void
test_answer_rule_gives_fixed_a_and_txt(void **state)
{
	struct fixture *f = *state;
	ldns_pkt *p;
	ldns_rr *rr;
	char d[256], *s;

	make_query(f, NOT_LISTED, LDNS_RR_TYPE_A, false);
	assert_int_equal(ask_from(f, "198.51.100.53", QUERY_TCP), QUERY_ANSWER);
	assert_string_equal(describe(f, d, sizeof(d)), "NOERROR 1 0 127.255.255.254");
	p = parsed(f);
	rr = ldns_rr_list_rr(ldns_pkt_answer(p), 0);
	assert_int_equal(ldns_rr_ttl(rr), 600);
	assert_true(ldns_pkt_aa(p));
	ldns_pkt_free(p);

	make_query(f, LISTED, LDNS_RR_TYPE_TXT, false);
	assert_int_equal(ask_from(f, "198.51.100.53", QUERY_TCP), QUERY_ANSWER);
	p = parsed(f);
	assert_int_equal(ldns_rr_list_rr_count(ldns_pkt_answer(p)), 1);
	s = ldns_rdf2str(ldns_rr_rdf(ldns_rr_list_rr(ldns_pkt_answer(p), 0), 0));
	assert_string_equal(s, "\"Queries through public resolvers are not answered\"");
	free(s);
	ldns_pkt_free(p);

	/* ANY: the A alone (RFC 8482). */
	make_query(f, NOT_LISTED, LDNS_RR_TYPE_ANY, false);
	assert_int_equal(ask_from(f, "198.51.100.53", QUERY_TCP), QUERY_ANSWER);
	assert_string_equal(describe(f, d, sizeof(d)), "NOERROR 1 0 127.255.255.254");

	make_query(f, NOT_LISTED, LDNS_RR_TYPE_MX, false);
	assert_int_equal(ask_from(f, "198.51.100.53", QUERY_TCP), QUERY_ANSWER);
	assert_string_equal(describe(f, d, sizeof(d)), "NOERROR 0 1");
}

static void
test_answer_rule_leaves_the_apex_alone(void **state)
{
	struct fixture *f = *state;
	char d[256];

	make_query(f, ZONE, LDNS_RR_TYPE_NS, false);
	assert_int_equal(ask_from(f, "198.51.100.53", QUERY_TCP), QUERY_ANSWER);
	assert_string_equal(describe(f, d, sizeof(d)), "NOERROR 1 0 ns1.example.org.");
	/* Outside every zone there is nothing to answer for: REFUSED as usual. */
	make_query(f, "example.com", LDNS_RR_TYPE_A, false);
	assert_int_equal(ask_from(f, "198.51.100.53", QUERY_TCP), QUERY_ANSWER);
	assert_string_equal(describe(f, d, sizeof(d)), "REFUSED 0 0");
}

static void
test_without_a_peer_no_policy_applies(void **state)
{
	struct fixture *f = *state;
	char d[256];

	make_query(f, LISTED, LDNS_RR_TYPE_A, false);
	assert_null(f->fx.q.peer);
	assert_int_equal(query_answer(&f->fx.q, f->pkt, f->pktlen, QUERY_UDP, f->fx.out, 4096,
	    &f->fx.outlen), QUERY_ANSWER);
	assert_string_equal(describe(f, d, sizeof(d)), "NOERROR 1 0 127.0.0.2");
}

static void
test_rrl_drops_and_slips_over_the_rate(void **state)
{
	struct fixture *f = *state;
	char d[256];
	int i;

	make_query(f, LISTED, LDNS_RR_TYPE_A, true);
	/* rrl-rate 2: two answers, then every second one truncated (rrl-slip 2). */
	for (i = 0; i < 2; i++) {
		assert_int_equal(ask_from(f, "192.0.2.10", QUERY_UDP), QUERY_ANSWER);
		assert_string_equal(describe(f, d, sizeof(d)), "NOERROR 1 0 127.0.0.2");
	}
	assert_int_equal(ask_from(f, "192.0.2.11", QUERY_UDP), QUERY_DROP);
	assert_int_equal(ask_from(f, "192.0.2.12", QUERY_UDP), QUERY_ANSWER);
	assert_string_equal(describe(f, d, sizeof(d)), "NOERROR TC 0 0");
	/* Question and OPT only: no larger than the query. */
	assert_true(f->fx.outlen <= f->pktlen);
	assert_int_equal(f->fx.out[5], 1);
	assert_int_equal(f->fx.out[11], 1);
	assert_int_equal(ask_from(f, "192.0.2.13", QUERY_UDP), QUERY_DROP);
	assert_int_equal(f->fx.q.rrl_dropped, 2);
	assert_int_equal(f->fx.q.rrl_slipped, 1);
	/* Another /24, TCP, an exempt client and a zone without a rate are answered. */
	assert_int_equal(ask_from(f, "192.0.3.10", QUERY_UDP), QUERY_ANSWER);
	assert_string_equal(describe(f, d, sizeof(d)), "NOERROR 1 0 127.0.0.2");
	assert_int_equal(ask_from(f, "192.0.2.10", QUERY_TCP), QUERY_ANSWER);
	assert_string_equal(describe(f, d, sizeof(d)), "NOERROR 1 0 127.0.0.2");
	assert_int_equal(ask_from(f, "192.0.2.200", QUERY_UDP), QUERY_ANSWER);
	assert_string_equal(describe(f, d, sizeof(d)), "NOERROR 1 0 127.0.0.2");
	make_query(f, "2.0.0.127." ZONE2, LDNS_RR_TYPE_A, false);
	for (i = 0; i < 10; i++)
		assert_int_equal(ask_from(f, "192.0.2.10", QUERY_UDP), QUERY_ANSWER);
}

static void
test_rrl_counts_nxdomain_apart(void **state)
{
	struct fixture *f = *state;
	char d[256];

	make_query(f, LISTED, LDNS_RR_TYPE_A, false);
	assert_int_equal(ask_from(f, "192.0.2.20", QUERY_UDP), QUERY_ANSWER);
	assert_int_equal(ask_from(f, "192.0.2.20", QUERY_UDP), QUERY_ANSWER);
	assert_int_equal(ask_from(f, "192.0.2.20", QUERY_UDP), QUERY_DROP);
	make_query(f, NOT_LISTED, LDNS_RR_TYPE_A, false);
	assert_int_equal(ask_from(f, "192.0.2.20", QUERY_UDP), QUERY_ANSWER);
	assert_string_equal(describe(f, d, sizeof(d)), "NXDOMAIN 0 1");
}

static void
test_rrl_slip_resumes_after_refill(void **state)
{
	struct fixture *f = *state;

	make_query(f, LISTED, LDNS_RR_TYPE_A, false);
	assert_int_equal(ask_from(f, "192.0.2.30", QUERY_UDP), QUERY_ANSWER);
	assert_int_equal(ask_from(f, "192.0.2.30", QUERY_UDP), QUERY_ANSWER);
	assert_int_equal(ask_from(f, "192.0.2.30", QUERY_UDP), QUERY_DROP);
	/* Half a second later one token is back (2 per second). */
	f->fx.q.ticks += RRL_TICKS / 2;
	assert_int_equal(ask_from(f, "192.0.2.30", QUERY_UDP), QUERY_ANSWER);
	assert_int_equal(f->fx.out[2] & 0x02, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_acl_rules_parse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_acl_errors_name_the_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_same_range_in_server_and_zone_is_fine, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_rrl_defaults_off_with_slip_2, setup, teardown),
		cmocka_unit_test_setup_teardown(test_zones_inherit_or_override_rrl, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_rrl_keys_refuse_bad_values, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tcp_limits_defaults_and_keys, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tcp_keys_refuse_bad_values, setup, teardown),
		cmocka_unit_test_setup_teardown(test_longest_prefix_wins_in_any_order, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_zone_rules_come_before_server_rules, setup,
		    teardown),
		cmocka_unit_test(test_client_from_socket_addresses),
		cmocka_unit_test_setup_teardown(test_rrl_limits_per_zone, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_rule_answers_as_usual, query_setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_refuse_rule_answers_refused, query_setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_drop_rule_is_silent_even_for_malformed,
		    query_setup, teardown),
		cmocka_unit_test_setup_teardown(test_answer_rule_gives_fixed_a_and_txt, query_setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_answer_rule_leaves_the_apex_alone, query_setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_without_a_peer_no_policy_applies, query_setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_rrl_drops_and_slips_over_the_rate, query_setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_rrl_counts_nxdomain_apart, query_setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_rrl_slip_resumes_after_refill, query_setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
