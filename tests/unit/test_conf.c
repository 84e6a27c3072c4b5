/* Unit tests of the configuration: sections, lists, TSIG keys, defaults and FILE:LINE errors. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <cmocka.h>

#include "conf.h"
#include "conf_server.h"
#include "rb.h"
#include "testdir.h"

/* A good apex file; tests that need a bad one write their own. */
static const char good_apex[] =
	"$TTL 3600\n"
	"@ SOA ns1.example.org. hostmaster.example.org. 2026112801 3600 600 1209600 300\n"
	"@ NS ns1.example.org.\n"
	"@ NS ns2.example.org.\n";

struct fixture {
	char dir[TESTDIR_LEN];
	char path[128];		/* dir/t.conf */
	char err[512];
	struct conf *c;
	bool loader;		/* load as rbldb: no server hooks */
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	testdir_make(f->dir, "conf");
	snprintf(f->path, sizeof(f->path), "%s/t.conf", f->dir);
	testdir_write(f->dir, "z.zone", good_apex);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	conf_free(f->c);
	testdir_remove(f->dir);
	free(f);
	return 0;
}

/*
 * Load TEXT as t.conf, as rbldbd reads it or, with F->loader set, as rbldb
 * does; the conf stays in F for teardown.
 */
static struct conf *
load(struct fixture *f, const char *text)
{
	testdir_write(f->dir, "t.conf", text);
	conf_free(f->c);
	if (f->loader)
		f->c = conf_load(f->path, NULL, f->err, sizeof(f->err));
	else
		f->c = conf_server_load(f->path, f->err, sizeof(f->err));
	return f->c;
}

static void
expect_ok(struct fixture *f, const char *text)
{
	if (load(f, text) == NULL)
		fail_msg("unexpected error: %s", f->err);
}

/* TEXT must fail with an error containing "FILE:LINE: WHAT". */
static void
expect_error(struct fixture *f, const char *text, const char *file, int line,
    const char *what)
{
	char want[256];

	assert_null(load(f, text));
	if (line > 0)
		snprintf(want, sizeof(want), "%s/%s:%d: %s", f->dir, file, line, what);
	else
		snprintf(want, sizeof(want), "%s/%s: %s", f->dir, file, what);
	if (strstr(f->err, want) == NULL)
		fail_msg("error \"%s\" lacks \"%s\"", f->err, want);
}

#define ZONE "[zone relays.example.org]\napex = z.zone\n"

/* ---- Good configurations ---- */

static void
test_example_conf_loads(void **state)
{
	struct fixture *f = *state;
	struct conf_zone *z;
	const char *db;

	/* make runs the tests from the top of the tree. */
	f->c = conf_server_load("zones/example.conf", f->err, sizeof(f->err));
	if (f->c == NULL)
		fail_msg("zones/example.conf: %s", f->err);
	assert_int_equal(f->c->server->nlisten, 1);
	assert_string_equal(f->c->server->listen[0].text, "127.0.0.1:5300");
	db = f->c->db;
	assert_string_equal(db, "zones/../var/db");
	assert_int_equal(f->c->server->threads, 0);
	assert_null(f->c->server->user);
	assert_int_equal(f->c->nzones, 1);
	assert_int_equal(f->c->server->nkeys, 0);
	z = conf_zone(f->c, NULL);
	assert_ptr_equal(z, &f->c->zones[0]);
	assert_string_equal(z->name, "relays.example.org");
	assert_string_equal(f->c->default_zone, "relays.example.org");
	assert_string_equal(z->apex_path, "zones/relays.example.org.zone");
	assert_int_equal(z->family, ZONE_FAMILY_BOTH);
	assert_int_equal(z->code, 0x7f000002);
	assert_string_equal(z->text,
	    "Listed as an open relay, see https://relays.example.org/lookup?ip=$");
	assert_int_equal(z->ttl, 2100);
	assert_int_equal(z->lifetime, 30 * 86400);
	assert_int_equal(z->max_range4, 16);
	assert_int_equal(z->max_range6, 48);
	assert_int_equal(z->nnever, 2);
	assert_int_equal(z->never[0].a[0], 10);
	assert_int_equal(z->never[0].plen, 8);
	assert_int_equal(z->never[1].a[0], 192);
	assert_int_equal(z->never[1].a[1], 168);
	assert_int_equal(z->never[1].plen, 16);
	assert_int_equal(z->server->nallow_transfer, 1);
	assert_int_equal(z->server->allow_transfer[0].net.plen, 32);
	assert_null(z->server->allow_transfer[0].key);
	assert_int_equal(z->server->nnotify, 0);
	assert_int_equal(z->apex_serial, 2026112801u);
	/* SOA, two NS, TXT. */
	assert_int_equal(ldns_rr_list_rr_count(z->apex), 4);
	assert_int_equal(ldns_rr_get_type(z->soa), LDNS_RR_TYPE_SOA);
	assert_int_equal(ldns_rdf2native_int32(ldns_rr_rdf(z->soa, 6)), 300);
	assert_int_equal(ldns_rr_ttl(z->soa), 3600);
}

static void
test_defaults(void **state)
{
	struct fixture *f = *state;
	struct conf_zone *z;
	char apex[256];

	expect_ok(f, ZONE);
	assert_int_equal(f->c->server->nlisten, 1);
	assert_string_equal(f->c->server->listen[0].text, "127.0.0.1:53");
	assert_string_equal(f->c->db, "/var/lib/rbldb");
	assert_int_equal(f->c->server->threads, 0);
	assert_null(f->c->server->user);
	assert_int_equal(f->c->mapsize, 0);
	z = &f->c->zones[0];
	snprintf(apex, sizeof(apex), "%s/z.zone", f->dir);
	assert_string_equal(z->apex_path, apex);
	assert_string_equal(z->file, f->path);
	assert_int_equal(z->line, 1);
	assert_int_equal(z->family, ZONE_FAMILY_BOTH);
	assert_int_equal(z->code, 0x7f000002);
	assert_null(z->text);
	assert_int_equal(z->ttl, 2100);
	assert_int_equal(z->lifetime, 30 * 86400);
	assert_int_equal(z->max_range4, 16);
	assert_int_equal(z->max_range6, 48);
	assert_int_equal(z->nnever, 0);
	assert_int_equal(z->server->nallow_transfer, 0);
	assert_int_equal(z->server->nnotify, 0);
	assert_int_equal(z->apex_serial, 2026112801u);
	assert_int_equal(ldns_rr_list_rr_count(z->apex), 3);
}

static void
test_zone_keys(void **state)
{
	struct fixture *f = *state;
	struct conf_zone *z;

	expect_ok(f, ZONE
	    "family = IPv4\n"
	    "code = 127.0.0.10\n"
	    "text = relay $\n"
	    "ttl = 15m\n"
	    "lifetime = 2w\n"
	    "max-range = 24\n"
	    "max-range6 = 64\n");
	z = &f->c->zones[0];
	assert_int_equal(z->family, ZONE_FAMILY_V4);
	assert_int_equal(z->code, 0x7f00000a);
	assert_string_equal(z->text, "relay $");
	assert_int_equal(z->ttl, 900);
	assert_int_equal(z->lifetime, 14 * 86400);
	assert_int_equal(z->max_range4, 24);
	assert_int_equal(z->max_range6, 64);
}

static void
test_server_keys(void **state)
{
	struct fixture *f = *state;

	expect_ok(f,
	    "[server]\n"
	    "listen = [::1]:5300, 127.0.0.1\n"
	    "db = /srv/rbl\n"
	    "threads = 4\n"
	    "user = rbldb\n"
	    "mapsize = 512M\n"
	    "default-zone = Relays.Example.Org.\n"
	    ZONE);
	assert_int_equal(f->c->server->nlisten, 2);
	assert_string_equal(f->c->server->listen[0].text, "[::1]:5300");
	assert_int_equal(f->c->server->listen[0].sa.ss_family, AF_INET6);
	assert_int_equal(f->c->server->listen[0].salen, sizeof(struct sockaddr_in6));
	assert_string_equal(f->c->server->listen[1].text, "127.0.0.1:53");
	assert_string_equal(f->c->db, "/srv/rbl");
	assert_int_equal(f->c->server->threads, 4);
	assert_string_equal(f->c->server->user, "rbldb");
	assert_int_equal(f->c->mapsize, (size_t)512 << 20);
	assert_string_equal(f->c->default_zone, "relays.example.org");
}

static void
test_db_relative_to_conf_dir(void **state)
{
	struct fixture *f = *state;
	char want[256];

	expect_ok(f, "[server]\ndb = ../var/db\n" ZONE);
	snprintf(want, sizeof(want), "%s/../var/db", f->dir);
	assert_string_equal(f->c->db, want);
}

static void
test_empty_user_is_null(void **state)
{
	struct fixture *f = *state;

	expect_ok(f, "[server]\nuser =\n" ZONE);
	assert_null(f->c->server->user);
}

static void
test_lists_accumulate_over_repeated_keys(void **state)
{
	struct fixture *f = *state;
	struct conf_zone *z;

	expect_ok(f,
	    "[server]\n"
	    "listen = 127.0.0.1:5300\n"
	    "listen = [::1]:5300\n"
	    ZONE
	    "never-list = 10.0.0.0/8\n"
	    "never-list = 192.168.0.0/16, 2001:db8::/32\n");
	assert_int_equal(f->c->server->nlisten, 2);
	assert_string_equal(f->c->server->listen[1].text, "[::1]:5300");
	z = &f->c->zones[0];
	assert_int_equal(z->nnever, 3);
	assert_int_equal(z->never[0].a[0], 10);
	assert_int_equal(z->never[1].a[0], 192);
	assert_int_equal(z->never[2].fam, ADDR_V6);
	assert_int_equal(z->never[2].plen, 32);
}

static void
test_lists_accumulate_over_continuation_lines(void **state)
{
	struct fixture *f = *state;
	struct conf_zone *z;

	expect_ok(f, ZONE
	    "never-list = 10.0.0.0/8,\n"
	    "    172.16.0.0/12 ; private\n"
	    "\n"
	    "    192.168.0.0/16\n"
	    "ttl = 60\n"
	    "never-list = 198.18.0.0/15\n");
	z = &f->c->zones[0];
	assert_int_equal(z->nnever, 4);
	assert_int_equal(z->never[1].a[0], 172);
	assert_int_equal(z->never[1].plen, 12);
	assert_int_equal(z->never[2].a[1], 168);
	assert_int_equal(z->never[3].a[1], 18);
	assert_int_equal(z->ttl, 60);
}

static void
test_text_continuation_joins(void **state)
{
	struct fixture *f = *state;

	expect_ok(f, ZONE
	    "text = Listed as an open relay,\n"
	    "  see https://relays.example.org/lookup?ip=$\n");
	assert_string_equal(f->c->zones[0].text,
	    "Listed as an open relay, see https://relays.example.org/lookup?ip=$");
}

static void
test_allow_transfer_items_and_keys(void **state)
{
	struct fixture *f = *state;
	struct conf_zone *z;

	/* The key is defined after the zone that names it. */
	expect_ok(f, ZONE
	    "allow-transfer = 127.0.0.1, 192.0.2.0/24 key xfr\n"
	    "allow-transfer = 2001:db8::/48 key XFR.\n"
	    "[key xfr]\n"
	    "algorithm = HMAC-SHA256\n"
	    "secret = c2VjcmV0c2VjcmV0c2VjcmV0\n");
	z = &f->c->zones[0];
	assert_int_equal(f->c->server->nkeys, 1);
	assert_string_equal(f->c->server->keys[0].name, "xfr.");
	assert_string_equal(f->c->server->keys[0].algorithm, "hmac-sha256");
	assert_string_equal(f->c->server->keys[0].secret, "c2VjcmV0c2VjcmV0c2VjcmV0");
	assert_int_equal(z->server->nallow_transfer, 3);
	assert_int_equal(z->server->allow_transfer[0].net.plen, 32);
	assert_int_equal(z->server->allow_transfer[0].net.a[0], 127);
	assert_null(z->server->allow_transfer[0].key);
	assert_int_equal(z->server->allow_transfer[1].net.plen, 24);
	assert_ptr_equal(z->server->allow_transfer[1].key, &f->c->server->keys[0]);
	assert_int_equal(z->server->allow_transfer[2].net.fam, ADDR_V6);
	assert_ptr_equal(z->server->allow_transfer[2].key, &f->c->server->keys[0]);
}

static void
test_key_name_on_continuation_line(void **state)
{
	struct fixture *f = *state;
	struct conf_zone *z;

	expect_ok(f,
	    "[key a]\nalgorithm = hmac-sha1\nsecret = YWFhYQ==\n"
	    "[key b]\nalgorithm = hmac-sha512\nsecret = YmJi\n"
	    ZONE
	    "allow-transfer = 192.0.2.1 key\n"
	    "    a, 192.0.2.2\n"
	    "    key b 192.0.2.3\n");
	z = &f->c->zones[0];
	assert_int_equal(z->server->nallow_transfer, 3);
	assert_ptr_equal(z->server->allow_transfer[0].key, &f->c->server->keys[0]);
	assert_ptr_equal(z->server->allow_transfer[1].key, &f->c->server->keys[1]);
	assert_null(z->server->allow_transfer[2].key);
}

static void
test_notify_targets(void **state)
{
	struct fixture *f = *state;
	struct conf_zone *z;
	const struct sockaddr_in *in;

	expect_ok(f, ZONE
	    "notify = 127.0.0.1:5354 key xfr, [2001:db8::53]:53 192.0.2.53\n"
	    "[key xfr]\nalgorithm = hmac-sha256\nsecret = eGZyeGZyeGZy\n");
	z = &f->c->zones[0];
	assert_int_equal(z->server->nnotify, 3);
	assert_string_equal(z->server->notify[0].text, "127.0.0.1:5354");
	in = (const struct sockaddr_in *)&z->server->notify[0].sa;
	assert_int_equal(in->sin_family, AF_INET);
	assert_int_equal(ntohs(in->sin_port), 5354);
	assert_int_equal(ntohl(in->sin_addr.s_addr), 0x7f000001);
	assert_ptr_equal(z->server->notify[0].key, &f->c->server->keys[0]);
	assert_string_equal(z->server->notify[1].text, "[2001:db8::53]:53");
	assert_null(z->server->notify[1].key);
	assert_string_equal(z->server->notify[2].text, "192.0.2.53:53");
}

static void
test_apex_keeps_apex_records(void **state)
{
	struct fixture *f = *state;
	struct conf_zone *z;

	testdir_write(f->dir, "z.zone",
	    "$ORIGIN relays.example.org.\n"
	    "@ 600 IN SOA ns1 hostmaster ( 7 3600 600 1209600 300 )\n"
	    "  NS ns1.example.org.\n"
	    "relays.example.org. A 192.0.2.10\n"
	    "@ AAAA 2001:db8::10\n"
	    "@ TXT \"a list\"\n");
	expect_ok(f, ZONE);
	z = &f->c->zones[0];
	assert_int_equal(ldns_rr_list_rr_count(z->apex), 5);
	assert_int_equal(z->apex_serial, 7);
	assert_int_equal(ldns_rr_ttl(z->soa), 600);
	/* No $TTL: the default of 3600. */
	assert_int_equal(ldns_rr_ttl(ldns_rr_list_rr(z->apex, 1)), 3600);
	assert_int_equal(ldns_rr_get_type(ldns_rr_list_rr(z->apex, 4)), LDNS_RR_TYPE_TXT);
}

static void
test_conf_zone_lookup(void **state)
{
	struct fixture *f = *state;

	testdir_write(f->dir, "bad.zone",
	    "@ SOA ns1.example. h.example. 5 3600 600 1209600 300\n@ NS ns1.example.\n");
	expect_ok(f, ZONE "[zone Other.Example.]\napex = bad.zone\n");
	assert_int_equal(f->c->nzones, 2);
	assert_string_equal(f->c->zones[1].name, "other.example");
	assert_ptr_equal(conf_zone(f->c, "other.example"), &f->c->zones[1]);
	assert_ptr_equal(conf_zone(f->c, "OTHER.example."), &f->c->zones[1]);
	assert_ptr_equal(conf_zone(f->c, "Relays.Example.Org"), &f->c->zones[0]);
	assert_null(conf_zone(f->c, "example.org"));
	assert_null(conf_zone(f->c, "relays.example.or"));
	/* Two zones and no default-zone: no default. */
	assert_null(f->c->default_zone);
	assert_null(conf_zone(f->c, NULL));

	expect_ok(f, "[server]\ndefault-zone = other.example\n" ZONE
	    "[zone other.example]\napex = bad.zone\n");
	assert_ptr_equal(conf_zone(f->c, NULL), &f->c->zones[1]);
}

static void
test_parse_sockaddr(void **state)
{
	struct sockaddr_storage sa;
	const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)&sa;
	const struct sockaddr_in *in = (const struct sockaddr_in *)&sa;
	socklen_t len;

	(void)state;
	assert_int_equal(conf_server_parse_sockaddr("192.0.2.1:5300", &sa, &len), 0);
	assert_int_equal(len, sizeof(struct sockaddr_in));
	assert_int_equal(ntohs(in->sin_port), 5300);
	assert_int_equal(conf_server_parse_sockaddr("[::1]:5300", &sa, &len), 0);
	assert_int_equal(len, sizeof(struct sockaddr_in6));
	assert_int_equal(ntohs(in6->sin6_port), 5300);
	assert_int_equal(in6->sin6_addr.s6_addr[15], 1);
	assert_int_equal(conf_server_parse_sockaddr("::1", &sa, &len), 0);
	assert_int_equal(ntohs(in6->sin6_port), 53);
	assert_int_equal(conf_server_parse_sockaddr("[::1]", &sa, &len), 0);
	assert_int_equal(conf_server_parse_sockaddr("192.0.2.1", &sa, &len), 0);
	assert_int_equal(ntohs(in->sin_port), 53);

	assert_int_equal(conf_server_parse_sockaddr("192.0.2.1:0", &sa, &len), RB_ESYNTAX);
	assert_int_equal(conf_server_parse_sockaddr("192.0.2.1:65536", &sa, &len), RB_ESYNTAX);
	assert_int_equal(conf_server_parse_sockaddr("192.0.2.1:", &sa, &len), RB_ESYNTAX);
	assert_int_equal(conf_server_parse_sockaddr("192.0.2:53", &sa, &len), RB_ESYNTAX);
	assert_int_equal(conf_server_parse_sockaddr("[::1:53", &sa, &len), RB_ESYNTAX);
	assert_int_equal(conf_server_parse_sockaddr("[::1]x", &sa, &len), RB_ESYNTAX);
	assert_int_equal(conf_server_parse_sockaddr("localhost:53", &sa, &len), RB_ESYNTAX);
	assert_int_equal(conf_server_parse_sockaddr("", &sa, &len), RB_ESYNTAX);
}

static void
test_set_listen_replaces(void **state)
{
	struct fixture *f = *state;
	const char *good[] = { "127.0.0.1:5301", "[::1]:5301" };
	const char *bad[] = { "127.0.0.1:5302", "nowhere" };
	char err[256];

	expect_ok(f, "[server]\nlisten = 127.0.0.1:5300\n" ZONE);
	assert_int_equal(conf_server_set_listen(f->c, good, 2, err, sizeof(err)), 0);
	assert_int_equal(f->c->server->nlisten, 2);
	assert_string_equal(f->c->server->listen[0].text, "127.0.0.1:5301");
	assert_string_equal(f->c->server->listen[1].text, "[::1]:5301");
	assert_int_equal(conf_server_set_listen(f->c, bad, 2, err, sizeof(err)), RB_ESYNTAX);
	assert_non_null(strstr(err, "'nowhere'"));
	/* A failed replacement keeps what was there. */
	assert_int_equal(f->c->server->nlisten, 2);
	assert_string_equal(f->c->server->listen[0].text, "127.0.0.1:5301");
}

/* ---- Errors: each names the file and line ---- */

static void
test_error_unknown_server_key(void **state)
{
	expect_error(*state, "[server]\nbogus = 1\n" ZONE, "t.conf", 2,
	    "unknown key 'bogus' in [server] (known: listen, db, threads, user, mapsize, ");
}

static void
test_error_unknown_zone_key(void **state)
{
	expect_error(*state, ZONE "colour = red\n", "t.conf", 3,
	    "unknown key 'colour' in [zone NAME] (known: apex, family");
}

static void
test_error_unknown_section(void **state)
{
	expect_error(*state, ZONE "[servers]\n", "t.conf", 3, "unknown section [servers]");
}

static void
test_error_key_outside_section(void **state)
{
	expect_error(*state, "; hello\nlisten = 127.0.0.1:53\n" ZONE, "t.conf", 2,
	    "'listen' outside any section");
}

static void
test_error_not_a_key_line(void **state)
{
	expect_error(*state, ZONE "oops\nttl = x\n", "t.conf", 3,
	    "expected 'key = value', '[section]' or a comment");
}

static void
test_error_section_without_bracket(void **state)
{
	expect_error(*state, ZONE "[server\n", "t.conf", 3, "section header without ']'");
}

static void
test_error_line_too_long(void **state)
{
	char text[512];

	snprintf(text, sizeof(text), ZONE "never-list = %0*d\n", 250, 0);
	expect_error(*state, text, "t.conf", 3, "line longer than 198 characters");
}

static void
test_error_code_outside_loopback(void **state)
{
	expect_error(*state, ZONE "code = 10.0.0.2\n", "t.conf", 3,
	    "code 10.0.0.2 is outside 127.0.0.0/8");
}

static void
test_error_code_not_ipv4(void **state)
{
	expect_error(*state, ZONE "code = ::1\n", "t.conf", 3,
	    "code '::1' is not an IPv4 address");
}

static void
test_error_bad_lifetime(void **state)
{
	expect_error(*state, ZONE "lifetime = 30 days\n", "t.conf", 3,
	    "lifetime '30 days' is not a positive duration");
}

static void
test_error_bad_ttl(void **state)
{
	expect_error(*state, ZONE "ttl = -5\n", "t.conf", 3, "ttl '-5' is not a duration");
}

static void
test_error_bad_never_list(void **state)
{
	expect_error(*state, ZONE "never-list = 10.0.0.0/8\n  192.168.1.0/16\n", "t.conf", 4,
	    "never-list '192.168.1.0/16' is not an address or CIDR range");
}

static void
test_error_bad_family(void **state)
{
	expect_error(*state, ZONE "family = ip4\n", "t.conf", 3,
	    "family 'ip4' is unknown (use ipv4, ipv6 or both)");
}

static void
test_error_bad_max_range(void **state)
{
	expect_error(*state, ZONE "max-range = 33\n", "t.conf", 3,
	    "max-range '33' is not a prefix length from 0 to 32");
	expect_error(*state, ZONE "max-range6 = 129\n", "t.conf", 3,
	    "max-range6 '129' is not a prefix length from 0 to 128");
}

static void
test_error_bad_threads_and_mapsize(void **state)
{
	expect_error(*state, "[server]\nthreads = many\n" ZONE, "t.conf", 2,
	    "threads 'many' is not a number");
	expect_error(*state, "[server]\nmapsize = 16Q\n" ZONE, "t.conf", 2,
	    "mapsize '16Q' is not a size");
	expect_error(*state, "[server]\nmapsize = 4096\n" ZONE, "t.conf", 2,
	    "mapsize '4096' is too small");
}

static void
test_error_scalar_given_twice(void **state)
{
	expect_error(*state, ZONE "ttl = 60\nttl = 70\n", "t.conf", 4,
	    "'ttl' given twice in [zone relays.example.org] (first on line 3)");
}

static void
test_error_scalar_continued(void **state)
{
	expect_error(*state, ZONE "ttl = 60\n  lifetime = 1d\n", "t.conf", 4,
	    "'ttl' takes one value");
}

static void
test_error_zone_without_apex(void **state)
{
	expect_error(*state, "[server]\n\n[zone relays.example.org]\nttl = 60\n", "t.conf", 3,
	    "zone relays.example.org has no apex");
}

static void
test_error_zone_without_name(void **state)
{
	expect_error(*state, "[zone]\napex = z.zone\n", "t.conf", 1,
	    "[zone] needs the zone's name");
}

static void
test_error_duplicate_zone(void **state)
{
	expect_error(*state, ZONE "[zone RELAYS.example.org.]\n", "t.conf", 3,
	    "zone relays.example.org defined twice (first on line 1");
}

static void
test_error_apex_missing(void **state)
{
	expect_error(*state, "[zone relays.example.org]\napex = nothere.zone\n", "t.conf", 2,
	    "cannot read apex file");
}

static void
test_error_apex_unparsable(void **state)
{
	struct fixture *f = *state;

	testdir_write(f->dir, "bad.zone",
	    "$TTL 3600\n"
	    "@ SOA ns1.example.org. hostmaster.example.org. 1 3600 600 1209600 300\n"
	    "; a comment\n"
	    "\n"
	    "@ NS ns1.example.org.\n"
	    "@ A 192.0.2.300\n");
	expect_error(f, "[zone relays.example.org]\napex = bad.zone\n", "bad.zone", 6, "");
}

static void
test_error_apex_without_soa(void **state)
{
	struct fixture *f = *state;

	testdir_write(f->dir, "bad.zone", "@ NS ns1.example.org.\n");
	expect_error(f, "[zone relays.example.org]\n\napex = bad.zone\n", "t.conf", 3,
	    "apex file ");
	assert_non_null(strstr(f->err, "bad.zone has no SOA record"));
}

static void
test_error_apex_without_ns(void **state)
{
	struct fixture *f = *state;

	testdir_write(f->dir, "bad.zone", "@ SOA ns1.example.org. h.example.org. 1 2 3 4 5\n");
	expect_error(f, "[zone relays.example.org]\napex = bad.zone\n", "t.conf", 2,
	    "apex file ");
	assert_non_null(strstr(f->err, "bad.zone has no NS record"));
}

static void
test_error_soa_owner_not_zone(void **state)
{
	struct fixture *f = *state;

	testdir_write(f->dir, "bad.zone",
	    "$ORIGIN example.org.\n"
	    "@ SOA ns1.example.org. h.example.org. 1 2 3 4 5\n");
	expect_error(f, "[zone relays.example.org]\napex = bad.zone\n", "bad.zone", 2,
	    "SOA owner example.org. is not the zone name relays.example.org.");
}

static void
test_error_record_below_apex(void **state)
{
	struct fixture *f = *state;

	testdir_write(f->dir, "bad.zone",
	    "@ SOA ns1.example.org. h.example.org. 1 2 3 4 5\n"
	    "@ NS ns1.example.org.\n"
	    "ns1 A 192.0.2.1\n");
	expect_error(f, "[zone relays.example.org]\napex = bad.zone\n", "bad.zone", 3,
	    "ns1.relays.example.org. is not the apex relays.example.org.");
}

static void
test_error_second_soa(void **state)
{
	struct fixture *f = *state;

	testdir_write(f->dir, "bad.zone",
	    "@ SOA ns1.example.org. h.example.org. 1 2 3 4 5\n"
	    "@ SOA ns1.example.org. h.example.org. 2 2 3 4 5\n");
	expect_error(f, "[zone relays.example.org]\napex = bad.zone\n", "bad.zone", 2,
	    "second SOA record");
}

static void
test_error_bad_listen(void **state)
{
	expect_error(*state, "[server]\nlisten = 127.0.0.1:5300 localhost:53\n" ZONE, "t.conf", 2,
	    "bad listen address 'localhost:53'");
}

static void
test_error_listen_twice(void **state)
{
	expect_error(*state, "[server]\nlisten = 127.0.0.1:53\nlisten = 127.0.0.1\n" ZONE,
	    "t.conf", 3, "listen address given twice '127.0.0.1'");
}

static void
test_error_key_unknown_algorithm(void **state)
{
	expect_error(*state, ZONE "[key xfr]\nalgorithm = hmac-sha3\nsecret = YWJj\n", "t.conf",
	    4, "algorithm 'hmac-sha3' is unknown");
}

static void
test_error_key_secret_not_base64(void **state)
{
	expect_error(*state, ZONE "[key xfr]\nalgorithm = hmac-sha256\nsecret = not base64!\n",
	    "t.conf", 5, "secret of key xfr. is not base64");
	expect_error(*state, ZONE "[key xfr]\nalgorithm = hmac-sha256\nsecret = YWJ\n",
	    "t.conf", 5, "secret of key xfr. is not base64");
}

static void
test_error_key_without_secret(void **state)
{
	expect_error(*state, ZONE "\n[key xfr]\nalgorithm = hmac-sha256\n", "t.conf", 4,
	    "key xfr. has no secret");
}

static void
test_error_duplicate_key(void **state)
{
	expect_error(*state, ZONE "[key xfr]\n[key XFR.]\n", "t.conf", 4,
	    "key XFR. defined twice (first on line 3)");
}

static void
test_error_unknown_key_reference(void **state)
{
	expect_error(*state, ZONE
	    "allow-transfer = 127.0.0.1\n"
	    "  192.0.2.0/24 key nokey\n"
	    "[key xfr]\nalgorithm = hmac-sha256\nsecret = YWJj\n",
	    "t.conf", 4, "unknown key nokey.");
}

static void
test_error_key_without_name(void **state)
{
	expect_error(*state, ZONE "notify = 127.0.0.1 key\nttl = 60\n", "t.conf", 3,
	    "'key' without a name");
	expect_error(*state, ZONE "notify = 127.0.0.1 key\n", "t.conf", 3,
	    "'key' without a name");
	expect_error(*state, ZONE "notify = 127.0.0.1 key\n[key x]\n", "t.conf", 3,
	    "'key' without a name");
}

static void
test_error_key_before_address(void **state)
{
	expect_error(*state, ZONE "allow-transfer = 127.0.0.1\nallow-transfer = key xfr\n",
	    "t.conf", 4, "allow-transfer: 'key' must follow an address");
}

static void
test_error_no_zones(void **state)
{
	expect_error(*state, "[server]\nlisten = 127.0.0.1:5300\n", "t.conf", 0,
	    "no zone defined");
}

static void
test_error_default_zone_unknown(void **state)
{
	expect_error(*state, "[server]\ndefault-zone = other.example\n" ZONE, "t.conf", 2,
	    "default-zone other.example is not a zone of this file");
}

static void
test_udp_batch_wait(void **state)
{
	struct fixture *f = *state;
	static const struct {
		const char *text;
		uint32_t us;
	} good[] = { { "0", 0 }, { "1us", 1 }, { "250us", 250 }, { "1ms", 1000 },
	    { "10ms", 10000 } };
	static const char *const bad[] = { "300", "-1us", "1s", "11ms", "10001us", "ms", "1 ms",
	    "99999999999999999999us" };
	char text[256], what[128];
	size_t i;

	expect_ok(f, ZONE);
	assert_int_equal(f->c->server->udp_batch_wait, 1000);	/* the default */
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		snprintf(text, sizeof(text), "[server]\nudp-batch-wait = %s\n" ZONE, good[i].text);
		expect_ok(f, text);
		assert_int_equal(f->c->server->udp_batch_wait, good[i].us);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "[server]\nudp-batch-wait = %s\n" ZONE, bad[i]);
		snprintf(what, sizeof(what), "udp-batch-wait '%s' is not 0 or a time", bad[i]);
		expect_error(f, text, "t.conf", 2, what);
	}
}

/* ---- rbldb's view: rbldbd's keys are checked by name and shape, their values skipped ---- */

static void
test_loader_skips_server_keys(void **state)
{
	struct fixture *f = *state;
	struct conf_zone *z;

	f->loader = true;
	/* Values rbldbd would refuse: rbldb does not read them. */
	expect_ok(f,
	    "[server]\n"
	    "listen = nowhere\n"
	    "threads = many\n"
	    "db = /srv/rbl\n"
	    "acl = 10.0.0.0/8 maybe\n"
	    ZONE
	    "ttl = 60\n"
	    "allow-transfer = 127.0.0.1 key nokey\n"
	    "notify = 127.0.0.1 key\n"
	    "never-list = 10.0.0.0/8\n"
	    "[key xfr]\n"
	    "algorithm = hmac-sha3\n");
	assert_null(f->c->server);
	assert_string_equal(f->c->db, "/srv/rbl");
	z = &f->c->zones[0];
	assert_null(z->server);
	assert_int_equal(z->ttl, 60);
	assert_int_equal(z->nnever, 1);
	assert_int_equal(z->apex_serial, 2026112801u);
	/* The same file as rbldbd reads it. */
	f->loader = false;
	expect_error(f, "[server]\nthreads = many\n" ZONE, "t.conf", 2,
	    "threads 'many' is not a number");
}

static void
test_loader_refuses_typos_in_server_keys(void **state)
{
	struct fixture *f = *state;

	f->loader = true;
	expect_error(f, "[server]\nthreds = 4\n" ZONE, "t.conf", 2,
	    "unknown key 'threds' in [server] (known: listen, db, threads, user, mapsize, ");
	expect_error(f, ZONE "allow-transfers = 127.0.0.1\n", "t.conf", 3,
	    "unknown key 'allow-transfers' in [zone NAME]");
	expect_error(f, ZONE "[key xfr]\nalgoritm = hmac-sha256\n", "t.conf", 4,
	    "unknown key 'algoritm' in [key NAME] (known: algorithm, secret)");
	expect_error(f, "[server]\nthreads = 1\nthreads = 2\n" ZONE, "t.conf", 3,
	    "'threads' given twice in [server] (first on line 2)");
	expect_error(f, ZONE "journal-max = 10\n  20\n", "t.conf", 4,
	    "'journal-max' takes one value");
	expect_error(f, ZONE "[key]\n", "t.conf", 3, "[key] needs the key's name");
}

static void
test_error_missing_file(void **state)
{
	struct fixture *f = *state;
	char err[256];

	assert_null(conf_load("/nonexistent/rbldb.conf", NULL, err, sizeof(err)));
	assert_string_equal(err, "/nonexistent/rbldb.conf: cannot read: No such file or directory");
	(void)f;
}

int
main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_example_conf_loads),
		T(test_defaults),
		T(test_zone_keys),
		T(test_server_keys),
		T(test_db_relative_to_conf_dir),
		T(test_empty_user_is_null),
		T(test_lists_accumulate_over_repeated_keys),
		T(test_lists_accumulate_over_continuation_lines),
		T(test_text_continuation_joins),
		T(test_allow_transfer_items_and_keys),
		T(test_key_name_on_continuation_line),
		T(test_notify_targets),
		T(test_apex_keeps_apex_records),
		T(test_conf_zone_lookup),
		T(test_parse_sockaddr),
		T(test_set_listen_replaces),
		T(test_error_unknown_server_key),
		T(test_error_unknown_zone_key),
		T(test_error_unknown_section),
		T(test_error_key_outside_section),
		T(test_error_not_a_key_line),
		T(test_error_section_without_bracket),
		T(test_error_line_too_long),
		T(test_error_code_outside_loopback),
		T(test_error_code_not_ipv4),
		T(test_error_bad_lifetime),
		T(test_error_bad_ttl),
		T(test_error_bad_never_list),
		T(test_error_bad_family),
		T(test_error_bad_max_range),
		T(test_error_bad_threads_and_mapsize),
		T(test_udp_batch_wait),
		T(test_error_scalar_given_twice),
		T(test_error_scalar_continued),
		T(test_error_zone_without_apex),
		T(test_error_zone_without_name),
		T(test_error_duplicate_zone),
		T(test_error_apex_missing),
		T(test_error_apex_unparsable),
		T(test_error_apex_without_soa),
		T(test_error_apex_without_ns),
		T(test_error_soa_owner_not_zone),
		T(test_error_record_below_apex),
		T(test_error_second_soa),
		T(test_error_bad_listen),
		T(test_error_listen_twice),
		T(test_error_key_unknown_algorithm),
		T(test_error_key_secret_not_base64),
		T(test_error_key_without_secret),
		T(test_error_duplicate_key),
		T(test_error_unknown_key_reference),
		T(test_error_key_without_name),
		T(test_error_key_before_address),
		T(test_error_no_zones),
		T(test_error_default_zone_unknown),
		T(test_error_missing_file),
		T(test_loader_skips_server_keys),
		T(test_loader_refuses_typos_in_server_keys),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
