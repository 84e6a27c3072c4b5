/* Unit tests of the listings-to-records mapping, checked against a model of a stock server. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "addr.h"
#include "conf.h"
#include "rb.h"
#include "store.h"
#include "testdir.h"
#include "zonemap.h"
#include "zonemap_impl.h"

/* ---- Collected records ---- */

struct rec {
	char name[80];
	uint16_t type;
	uint32_t a;		/* A: the address, host order */
	char txt[600];		/* TXT: strings joined with '|' between them */
};

struct recs {
	struct rec *r;
	size_t n, cap;
	char (*rev)[80];	/* owner names reversed and sorted, for exists() */
};

static int
collect(void *arg, const struct zonemap_rr *rr)
{
	struct recs *rs = arg;
	struct rec *r;
	size_t i, t = 0, len;

	if (rs->n == rs->cap) {
		rs->cap = rs->cap ? rs->cap * 2 : 64;
		rs->r = realloc(rs->r, rs->cap * sizeof(*rs->r));
		assert_non_null(rs->r);
	}
	r = &rs->r[rs->n++];
	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "%s", rr->name);
	r->type = rr->type;
	assert_int_equal(rr->ttl, 2100);
	if (rr->type == ZONEMAP_TYPE_A) {
		assert_int_equal(rr->rdlen, 4);
		r->a = (uint32_t)rr->rdata[0] << 24 | (uint32_t)rr->rdata[1] << 16 |
		    (uint32_t)rr->rdata[2] << 8 | rr->rdata[3];
		return 0;
	}
	for (i = 0; i < rr->rdlen; i += 1 + len) {
		len = rr->rdata[i];
		assert_true(i + 1 + len <= rr->rdlen);
		if (i > 0 && t < sizeof(r->txt) - 1)
			r->txt[t++] = '|';
		if (t + len >= sizeof(r->txt))
			len = sizeof(r->txt) - 1 - t;
		memcpy(r->txt + t, rr->rdata + i + 1, len);
		t += len;
	}
	r->txt[t] = '\0';
	return 0;
}

static const struct rec *
find(const struct recs *rs, const char *name, uint16_t type)
{
	size_t i;

	for (i = 0; i < rs->n; i++)
		if (strcmp(rs->r[i].name, name) == 0 && rs->r[i].type == type)
			return &rs->r[i];
	return NULL;
}

static void
reverse(const char *s, char *out)
{
	size_t n = strlen(s), i;

	for (i = 0; i < n; i++)
		out[i] = s[n - 1 - i];
	out[n] = '\0';
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* Index the owners: reversed, the names under X sort right after X's reverse and a dot. */
static void
index_names(struct recs *rs)
{
	size_t i;

	rs->rev = malloc((rs->n ? rs->n : 1) * sizeof(*rs->rev));
	assert_non_null(rs->rev);
	for (i = 0; i < rs->n; i++)
		reverse(rs->r[i].name, rs->rev[i]);
	qsort(rs->rev, rs->n, sizeof(*rs->rev), cmp_str);
}

/* Does NAME exist in the zone: records there or anywhere below (RFC 4592 s2.2.2)? */
static int
exists(const struct recs *rs, const char *name)
{
	char rev[80];
	size_t lo = 0, hi = rs->n, mid, n = strlen(name);

	reverse(name, rev);
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (strcmp(rs->rev[mid], rev) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < rs->n && strncmp(rs->rev[lo], rev, n) == 0 &&
	    (rs->rev[lo][n] == '\0' || rs->rev[lo][n] == '.');
}

/*
 * What a stock server answers for A at NAME (relative): the code, 0 for
 * NODATA, -1 for NXDOMAIN.  RFC 4592 s3.3.1: the closest encloser's
 * wildcard answers a name that does not exist.
 */
static long
model_a(const struct recs *rs, const char *name, const struct rec **txt)
{
	const struct rec *a;
	char wild[90];
	const char *p;

	*txt = NULL;
	if (exists(rs, name)) {
		*txt = find(rs, name, ZONEMAP_TYPE_TXT);
		a = find(rs, name, ZONEMAP_TYPE_A);
		return a ? (long)a->a : 0;
	}
	for (p = name; (p = strchr(p, '.')) != NULL;) {
		p++;
		if (exists(rs, p)) {
			snprintf(wild, sizeof(wild), "*.%s", p);
			break;
		}
	}
	if (p == NULL)
		snprintf(wild, sizeof(wild), "*");
	if ((a = find(rs, wild, ZONEMAP_TYPE_A)) == NULL) {
		if (exists(rs, wild))
			return 0;
		return -1;
	}
	*txt = find(rs, wild, ZONEMAP_TYPE_TXT);
	return (long)a->a;
}

/* ---- Zones and entries ---- */

static struct conf_zone zone4, zone6, zoneboth;

static void
zone_init(struct conf_zone *z, int family)
{
	memset(z, 0, sizeof(*z));
	z->name = "bl.example";
	z->family = family;
	z->code = 0x7f000002;
	z->text = "listed: $";
	z->ttl = 2100;
}

struct set {
	struct listing e[400];
	size_t n;
};

static void
add(struct set *s, const char *cidr, uint32_t code, int exception)
{
	struct listing *l = &s->e[s->n++];
	const char *why;

	memset(l, 0, sizeof(*l));
	assert_int_equal(addr_parse_cidr(cidr, &l->net, &why), 0);
	l->code = code;
	l->flags = exception ? LISTING_EXCEPTION : 0;
}

static int
cmp_listing(const void *a, const void *b)
{
	return zonemap_cmp(a, b);
}

static void
map(struct set *s, const struct conf_zone *z, struct recs *out)
{
	struct zonemap_src src = { z, NULL, 1, 1000, s->e, s->n };

	qsort(s->e, s->n, sizeof(s->e[0]), cmp_listing);
	memset(out, 0, sizeof(*out));
	assert_int_equal(zonemap_zone(&src, collect, out), 0);
	index_names(out);
}

/* rbldbd's answer: the most specific entry covering A decides; test points fixed. */
static long
truth(const struct set *s, const struct conf_zone *z, const struct addr *a)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	const struct listing *best = NULL;
	size_t i;

	if (a->fam == ADDR_V4 && !(z->family & ZONE_FAMILY_V4))
		return -1;
	if (a->fam == ADDR_V6 && !(z->family & ZONE_FAMILY_V6))
		return -1;
	if (a->fam == ADDR_V4 && a->a[0] == 127 && a->a[1] == 0 && a->a[2] == 0 &&
	    (a->a[3] == 1 || a->a[3] == 2))
		return a->a[3] == 2 ? (long)z->code : -1;
	if (a->fam == ADDR_V6 && memcmp(a->a, mapped, 12) == 0 && a->a[12] == 127 &&
	    a->a[13] == 0 && a->a[14] == 0 && (a->a[15] == 1 || a->a[15] == 2))
		return a->a[15] == 2 ? (long)z->code : -1;
	for (i = 0; i < s->n; i++) {
		if (!addr_contains(&s->e[i].net, a))
			continue;
		if (s->e[i].expires != 0 && s->e[i].expires <= 1000)
			continue;
		if (best == NULL || s->e[i].net.plen > best->net.plen)
			best = &s->e[i];
	}
	if (best == NULL || (best->flags & LISTING_EXCEPTION))
		return -1;
	return best->code ? (long)best->code : (long)z->code;
}

/* The model's A for address TEXT matches rbldbd's (not listed: NXDOMAIN or NODATA). */
static void
check_addr(const struct recs *rs, const struct set *s, const struct conf_zone *z, const struct addr *a)
{
	char name[80], text[ADDR_STRLEN];
	const struct rec *txt;
	long want = truth(s, z, a), got;

	assert_true(addr_rname_text(a, name, sizeof(name)) > 0);
	got = model_a(rs, name, &txt);
	if (got == 0)
		got = -1;
	if (want != got) {
		addr_format(a, text, sizeof(text));
		fail_msg("%s (%s): want %ld, model says %ld", text, name, want, got);
	}
}

static void
check_text(const struct recs *rs, const struct set *s, const struct conf_zone *z, const char *text)
{
	struct addr a;

	assert_int_equal(addr_parse(text, &a), 0);
	check_addr(rs, s, z, &a);
}

/* Every address at and around each entry's edges. */
static void
check_edges(const struct recs *rs, const struct set *s, const struct conf_zone *z)
{
	struct addr first, last, x;
	size_t i;
	unsigned b, bits, k;
	int d;

	for (i = 0; i < s->n; i++) {
		first = s->e[i].net;
		bits = addr_bits(first.fam);
		last = first;
		for (b = first.plen; b < bits; b++)
			last.a[b / 8] |= (uint8_t)(0x80 >> (b % 8));
		first.plen = last.plen = (uint8_t)bits;
		for (d = -1; d <= 1; d++) {
			for (k = 0; k < 2; k++) {
				x = k == 0 ? first : last;
				/* step by one address with carry */
				if (d != 0) {
					int j = (int)addr_bytes(x.fam) - 1;
					if (d > 0)
						while (j >= 0 && ++x.a[j] == 0)
							j--;
					else
						while (j >= 0 && x.a[j]-- == 0)
							j--;
					if (j < 0)
						continue;
				}
				check_addr(rs, s, z, &x);
			}
		}
	}
}

static void
recs_free(struct recs *rs)
{
	free(rs->r);
	free(rs->rev);
	rs->r = NULL;
	rs->rev = NULL;
	rs->n = rs->cap = 0;
}

static int
count_type(const struct recs *rs, uint16_t type)
{
	size_t i;
	int n = 0;

	for (i = 0; i < rs->n; i++)
		n += rs->r[i].type == type;
	return n;
}

static int
setup(void **state)
{
	(void)state;
	zone_init(&zone4, ZONE_FAMILY_V4);
	zone_init(&zone6, ZONE_FAMILY_V6);
	zone_init(&zoneboth, ZONE_FAMILY_BOTH);
	return 0;
}

/* ---- Tests ---- */

static void
test_single_address_is_explicit_name(void **state)
{
	struct set s = { .n = 0 };
	struct recs rs;
	const struct rec *r;

	(void)state;
	add(&s, "192.0.2.5", 0, 0);
	map(&s, &zone4, &rs);
	r = find(&rs, "5.2.0.192", ZONEMAP_TYPE_A);
	assert_non_null(r);
	assert_int_equal(r->a, 0x7f000002);
	r = find(&rs, "5.2.0.192", ZONEMAP_TYPE_TXT);
	assert_non_null(r);
	assert_string_equal(r->txt, "listed: 192.0.2.5");
	assert_null(find(&rs, "*.2.0.192", ZONEMAP_TYPE_A));
	recs_free(&rs);
}

static void
test_test_points_in_every_zone(void **state)
{
	struct set s = { .n = 0 };
	struct recs rs;
	const struct rec *r;

	(void)state;
	map(&s, &zone4, &rs);
	r = find(&rs, "2.0.0.127", ZONEMAP_TYPE_A);
	assert_non_null(r);
	assert_int_equal(r->a, 0x7f000002);
	assert_non_null(r = find(&rs, "2.0.0.127", ZONEMAP_TYPE_TXT));
	assert_string_equal(r->txt, "listed: 127.0.0.2");
	assert_false(exists(&rs, "1.0.0.127"));
	assert_null(find(&rs, "2.0.0.0.0.0.f.7.f.f.f.f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0",
	    ZONEMAP_TYPE_A));
	recs_free(&rs);

	map(&s, &zone6, &rs);
	assert_null(find(&rs, "2.0.0.127", ZONEMAP_TYPE_A));
	r = find(&rs, "2.0.0.0.0.0.f.7.f.f.f.f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0",
	    ZONEMAP_TYPE_TXT);
	assert_non_null(r);
	assert_string_equal(r->txt, "listed: ::ffff:127.0.0.2");
	recs_free(&rs);
}

static void
test_test_point_overrides_entry_and_127_0_0_1_stays_clean(void **state)
{
	struct set s = { .n = 0 };
	struct recs rs;
	const struct rec *r;

	(void)state;
	add(&s, "127.0.0.0/24", 0x7f00000a, 0);
	add(&s, "127.0.0.2", 0x7f000009, 0);
	map(&s, &zone4, &rs);
	r = find(&rs, "2.0.0.127", ZONEMAP_TYPE_A);
	assert_non_null(r);
	assert_int_equal(r->a, 0x7f000002);
	assert_null(find(&rs, "1.0.0.127", ZONEMAP_TYPE_A));
	assert_non_null(r = find(&rs, "1.0.0.127", ZONEMAP_TYPE_TXT));
	assert_string_equal(r->txt, ZONEMAP_TXT_EXCEPTED);
	assert_non_null(r = find(&rs, "*.0.0.127", ZONEMAP_TYPE_A));
	assert_int_equal(r->a, 0x7f00000a);
	check_edges(&rs, &s, &zone4);
	recs_free(&rs);
}

static void
test_octet_range_is_one_wildcard_showing_the_range(void **state)
{
	struct set s = { .n = 0 };
	struct recs rs;
	const struct rec *r;

	(void)state;
	add(&s, "192.0.2.0/24", 0, 0);
	map(&s, &zone4, &rs);
	assert_non_null(r = find(&rs, "*.2.0.192", ZONEMAP_TYPE_A));
	assert_int_equal(r->a, 0x7f000002);
	assert_non_null(r = find(&rs, "*.2.0.192", ZONEMAP_TYPE_TXT));
	assert_string_equal(r->txt, "listed: 192.0.2.0/24");
	/* The test point's two names and the wildcard. */
	assert_int_equal(count_type(&rs, ZONEMAP_TYPE_A), 2);
	check_edges(&rs, &s, &zone4);
	recs_free(&rs);
}

static void
test_unaligned_range_is_split_into_wildcards(void **state)
{
	struct set s = { .n = 0 };
	struct recs rs;
	char name[32];
	unsigned i;

	(void)state;
	add(&s, "10.1.16.0/20", 0, 0);
	map(&s, &zone4, &rs);
	for (i = 16; i < 32; i++) {
		snprintf(name, sizeof(name), "*.%u.1.10", i);
		assert_non_null(find(&rs, name, ZONEMAP_TYPE_A));
	}
	assert_int_equal(count_type(&rs, ZONEMAP_TYPE_A), 16 + 1);
	assert_null(find(&rs, "*.15.1.10", ZONEMAP_TYPE_A));
	assert_null(find(&rs, "*.1.10", ZONEMAP_TYPE_A));
	check_edges(&rs, &s, &zone4);
	recs_free(&rs);
}

static void
test_range_under_a_byte_is_explicit_names(void **state)
{
	struct set s = { .n = 0 };
	struct recs rs;

	(void)state;
	add(&s, "192.0.2.8/30", 0, 0);
	map(&s, &zone4, &rs);
	assert_non_null(find(&rs, "8.2.0.192", ZONEMAP_TYPE_A));
	assert_non_null(find(&rs, "11.2.0.192", ZONEMAP_TYPE_A));
	assert_null(find(&rs, "12.2.0.192", ZONEMAP_TYPE_A));
	assert_int_equal(count_type(&rs, ZONEMAP_TYPE_A), 4 + 1);
	check_edges(&rs, &s, &zone4);
	recs_free(&rs);
}

static void
test_exception_is_a_name_without_a(void **state)
{
	struct set s = { .n = 0 };
	struct recs rs;
	const struct rec *r;

	(void)state;
	add(&s, "192.0.2.0/24", 0, 0);
	add(&s, "192.0.2.7", 0, 1);
	map(&s, &zone4, &rs);
	assert_non_null(find(&rs, "*.2.0.192", ZONEMAP_TYPE_A));
	assert_null(find(&rs, "7.2.0.192", ZONEMAP_TYPE_A));
	assert_non_null(r = find(&rs, "7.2.0.192", ZONEMAP_TYPE_TXT));
	assert_string_equal(r->txt, ZONEMAP_TXT_EXCEPTED);
	check_edges(&rs, &s, &zone4);
	recs_free(&rs);
}

static void
test_wildcard_pushed_down_below_explicit_name(void **state)
{
	struct set s = { .n = 0 };
	struct recs rs;
	const struct rec *r;

	(void)state;
	/* 10.1.2.3 exists, so *.1.10 no longer matches below 2.1.10: *.2.1.10 must. */
	add(&s, "10.1.0.0/16", 0x7f000003, 0);
	add(&s, "10.1.2.3", 0x7f000004, 0);
	map(&s, &zone4, &rs);
	assert_non_null(r = find(&rs, "*.1.10", ZONEMAP_TYPE_A));
	assert_int_equal(r->a, 0x7f000003);
	assert_non_null(r = find(&rs, "*.2.1.10", ZONEMAP_TYPE_A));
	assert_int_equal(r->a, 0x7f000003);
	assert_non_null(r = find(&rs, "3.2.1.10", ZONEMAP_TYPE_A));
	assert_int_equal(r->a, 0x7f000004);
	assert_int_equal(model_a(&rs, "4.2.1.10", &r), 0x7f000003);
	assert_string_equal(r->txt, "listed: 10.1.0.0/16");
	check_edges(&rs, &s, &zone4);
	recs_free(&rs);
}

static void
test_nested_ranges_and_exceptions(void **state)
{
	struct set s = { .n = 0 };
	struct recs rs;

	(void)state;
	add(&s, "10.0.0.0/8", 0x7f000003, 0);
	add(&s, "10.2.0.0/15", 0x7f000004, 0);
	add(&s, "10.3.0.0/22", 0, 1);
	add(&s, "10.3.1.0/25", 0x7f000005, 0);
	add(&s, "10.3.1.64", 0, 1);
	add(&s, "10.200.0.0/13", 0, 1);
	add(&s, "10.200.7.9", 0x7f000006, 0);
	map(&s, &zone4, &rs);
	check_edges(&rs, &s, &zone4);
	check_text(&rs, &s, &zone4, "10.3.3.255");
	check_text(&rs, &s, &zone4, "10.3.4.0");
	check_text(&rs, &s, &zone4, "10.207.255.255");
	recs_free(&rs);
}

static void
test_ipv6_ranges_on_nibbles(void **state)
{
	struct set s = { .n = 0 };
	struct recs rs;
	const struct rec *r;

	(void)state;
	add(&s, "2001:db8::/32", 0, 0);
	add(&s, "2001:db9::/34", 0x7f000003, 0);
	add(&s, "2001:db8:1::5", 0x7f000004, 0);
	add(&s, "2001:db8:2::/48", 0, 1);
	map(&s, &zone6, &rs);
	assert_non_null(r = find(&rs, "*.8.b.d.0.1.0.0.2", ZONEMAP_TYPE_A));
	assert_int_equal(r->a, 0x7f000002);
	assert_non_null(find(&rs, "*.0.9.b.d.0.1.0.0.2", ZONEMAP_TYPE_A));
	assert_non_null(find(&rs, "*.3.9.b.d.0.1.0.0.2", ZONEMAP_TYPE_A));
	assert_null(find(&rs, "*.4.9.b.d.0.1.0.0.2", ZONEMAP_TYPE_A));
	check_edges(&rs, &s, &zone6);
	recs_free(&rs);
}

static void
test_both_families_do_not_answer_for_each_other(void **state)
{
	struct set s = { .n = 0 };
	struct recs rs;

	(void)state;
	/* "1" is 1.0.0.0/8 and 1000::/4; "1.2" is 2.1.0.0/16 and 1200::/8. */
	add(&s, "1.0.0.0/8", 0x7f000003, 0);
	add(&s, "2100::/8", 0x7f000004, 0);
	add(&s, "3000::/4", 0x7f000005, 0);
	add(&s, "4.0.0.0/8", 0x7f000006, 0);
	add(&s, "4000::/4", 0x7f000006, 0);
	add(&s, "5.6.7.0/24", 0x7f000007, 0);
	map(&s, &zoneboth, &rs);
	check_edges(&rs, &s, &zoneboth);
	check_text(&rs, &s, &zoneboth, "1.2.3.4");
	check_text(&rs, &s, &zoneboth, "2.1.0.0");
	check_text(&rs, &s, &zoneboth, "3.1.2.3");
	check_text(&rs, &s, &zoneboth, "1000::1");
	check_text(&rs, &s, &zoneboth, "1234:5678::9");
	check_text(&rs, &s, &zoneboth, "2112::1");
	check_text(&rs, &s, &zoneboth, "3123:4567::");
	check_text(&rs, &s, &zoneboth, "4.5.6.7");
	check_text(&rs, &s, &zoneboth, "4567::7");
	check_text(&rs, &s, &zoneboth, "5.6.7.8");
	check_text(&rs, &s, &zoneboth, "5670::1");
	check_text(&rs, &s, &zoneboth, "7650::");
	/* No IPv6 wildcard at a depth where four decimal labels could meet it. */
	assert_null(find(&rs, "*.3", ZONEMAP_TYPE_A));
	recs_free(&rs);
}

/* Is NAME the name of REGION (relative text) or below it? */
static int
under(const char *name, const char *region)
{
	size_t n = strlen(name), m = strlen(region);

	if (m == 0)
		return 1;
	return n >= m && strcmp(name + n - m, region) == 0 && (n == m || name[n - m - 1] == '.');
}

static void
test_region_matches_whole_zone(void **state)
{
	static const char *regions[] = { "10.1.2.0/24", "10.1.0.0/16", "10.9.0.0/16", "1.0.0.0/8",
	    "1.2.0.0/16", "1.2.3.0/24", "1.2.3.4/32", "1200::/8", "1230::/12", "2001:db8::/32",
	    "2001:db8:1::/48", "2001:db8:1::5/128", "10.2.0.0/20" };
	struct set s = { .n = 0 };
	struct recs all, part;
	struct zonemap_src src = { &zoneboth, NULL, 1, 1000, NULL, 0 };
	struct addr region;
	const char *why;
	char rn[80];
	size_t i, k, want;

	(void)state;
	add(&s, "10.1.0.0/16", 0x7f000003, 0);
	add(&s, "10.1.2.3", 0x7f000004, 0);
	add(&s, "10.1.2.0/26", 0, 1);
	add(&s, "10.2.0.0/20", 0, 0);
	add(&s, "1.2.3.0/24", 0x7f000005, 0);
	add(&s, "1.2.3.4", 0, 1);
	add(&s, "1200::/8", 0x7f000006, 0);
	add(&s, "1234::/16", 0, 1);
	add(&s, "2001:db8::/32", 0, 0);
	add(&s, "2001:db8:1::5", 0x7f000007, 0);
	map(&s, &zoneboth, &all);
	src.entries = s.e;
	src.nentries = s.n;
	for (k = 0; k < RB_ARRAY_LEN(regions); k++) {
		assert_int_equal(addr_parse_cidr(regions[k], &region, &why), 0);
		memset(&part, 0, sizeof(part));
		assert_int_equal(zonemap_region(&src, &region, collect, &part), 0);
		addr_mask(&region, region.plen / (region.fam == ADDR_V4 ? 8 : 4) *
		    (region.fam == ADDR_V4 ? 8 : 4));
		assert_true(addr_rname_text(&region, rn, sizeof(rn)) >= 0);
		for (want = 0, i = 0; i < all.n; i++)
			want += under(all.r[i].name, rn);
		if (part.n != want)
			fail_msg("region %s (%s): %zu records, the zone has %zu there", regions[k], rn,
			    part.n, want);
		for (i = 0; i < part.n; i++) {
			assert_true(under(part.r[i].name, rn));
			assert_non_null(find(&all, part.r[i].name, part.r[i].type));
		}
		recs_free(&part);
	}
	recs_free(&all);
}

/* Through a real store: reasons come from store_text, regions from the store's walks. */
static void
test_store_source_with_reasons_and_regions(void **state)
{
	static const char *nets[] = { "192.0.2.0/24", "192.0.2.9", "1.2.3.0/24", "1.2.3.4",
	    "1200::/8", "2001:db8::/32", "2001:db8::5" };
	static const char *regions[] = { "192.0.2.0/24", "1.2.0.0/16", "1.2.3.0/24", "1200::/8",
	    "1230::/12", "2001:db8::/32", "0.0.0.0/0" };
	char dir[TESTDIR_LEN], rn[80];
	struct store *st;
	uint16_t zone;
	struct store_wr *w;
	struct store_reader rd;
	struct zonemap_src src = { &zoneboth, NULL, 0, 0, NULL, 0 };
	enum store_outcome out;
	struct recs all, part;
	const struct rec *r;
	const char *why;
	struct addr region;
	size_t i, k, want;

	(void)state;
	testdir_make(dir, "zonemap");
	st = testdir_store(dir, "bl.example", 1, &zone);
	assert_int_equal(store_wr_begin(st, &w), 0);
	for (i = 0; i < RB_ARRAY_LEN(nets); i++) {
		struct report rep = { .at = 1000, .source = "test", .imported = true };

		assert_int_equal(addr_parse_cidr(nets[i], &rep.net, &why), 0);
		rep.reason = i % 2 ? "a reason for $" : NULL;
		rep.code = i == 2 ? 0x7f000005 : 0;
		assert_int_equal(store_report(w, zone, &rep, &out), 0);
	}
	assert_int_equal(store_wr_commit(w), 0);
	assert_int_equal(store_reader_init(st, &rd), 0);
	assert_int_equal(store_reader_refresh(&rd), 0);
	src.rd = &rd;
	src.zone = zone;
	src.now = 2000;

	memset(&all, 0, sizeof(all));
	assert_int_equal(zonemap_zone(&src, collect, &all), 0);
	index_names(&all);
	assert_non_null(r = find(&all, "9.2.0.192", ZONEMAP_TYPE_TXT));
	assert_string_equal(r->txt, "a reason for 192.0.2.9");
	assert_non_null(r = find(&all, "*.2.0.192", ZONEMAP_TYPE_TXT));
	assert_string_equal(r->txt, "listed: 192.0.2.0/24");
	/* 7.3.2.1 also starts IPv6 names, so it is an explicit name: '$' shows the address. */
	assert_int_equal(model_a(&all, "7.3.2.1", &r), 0x7f000005);
	assert_non_null(r);
	assert_string_equal(r->txt, "listed: 1.2.3.7");
	assert_int_equal(model_a(&all, "77.3.2.1", &r), 0x7f000005);
	assert_non_null(r);
	assert_string_equal(r->txt, "listed: 1.2.3.0/24");
	for (k = 0; k < RB_ARRAY_LEN(regions); k++) {
		assert_int_equal(addr_parse_cidr(regions[k], &region, &why), 0);
		memset(&part, 0, sizeof(part));
		assert_int_equal(zonemap_region(&src, &region, collect, &part), 0);
		assert_true(addr_rname_text(&region, rn, sizeof(rn)) >= 0);
		for (want = 0, i = 0; i < all.n; i++)
			want += under(all.r[i].name, rn);
		if (part.n != want)
			fail_msg("region %s: %zu records, the zone has %zu there", regions[k], part.n,
			    want);
		recs_free(&part);
	}
	recs_free(&all);
	store_reader_fini(&rd);
	store_close(st);
	testdir_remove(dir);
}

static void
test_expired_entries_are_left_out(void **state)
{
	struct set s = { .n = 0 };
	struct recs rs;

	(void)state;
	add(&s, "192.0.2.5", 0, 0);
	s.e[0].expires = 999;
	add(&s, "192.0.2.6", 0, 0);
	s.e[1].expires = 1001;
	map(&s, &zone4, &rs);
	assert_null(find(&rs, "5.2.0.192", ZONEMAP_TYPE_A));
	assert_non_null(find(&rs, "6.2.0.192", ZONEMAP_TYPE_A));
	recs_free(&rs);
}

static void
test_same_answers_share_a_wildcard(void **state)
{
	struct set s = { .n = 0 };
	struct recs rs;
	struct conf_zone z = zone4;
	char cidr[32];
	unsigned i;

	(void)state;
	z.text = "no dollar here";
	for (i = 0; i < 256; i++) {
		snprintf(cidr, sizeof(cidr), "10.9.%u.0/24", i);
		add(&s, cidr, 0, 0);
	}
	map(&s, &z, &rs);
	assert_non_null(find(&rs, "*.9.10", ZONEMAP_TYPE_A));
	assert_int_equal(count_type(&rs, ZONEMAP_TYPE_A), 1 + 1);
	recs_free(&rs);
}

static void
test_whole_space_in_a_zone_of_both_families(void **state)
{
	static const char *probe[] = { "0.0.0.0", "1.2.3.4", "9.9.9.9", "10.0.0.1", "255.255.255.255",
	    "1.2.3.5", "::", "1234::1", "abcd::1", "9999::9", "2001:db8::1", "2001:db8::2" };
	struct set s = { .n = 0 };
	struct recs rs;
	size_t i;

	(void)state;
	add(&s, "0.0.0.0/0", 0x7f000003, 0);
	add(&s, "1.2.3.5", 0, 1);
	map(&s, &zoneboth, &rs);
	/* Four digit labels are IPv4 names there: 10^4 of them get their own records. */
	assert_true(rs.n < 40000);
	for (i = 0; i < RB_ARRAY_LEN(probe); i++)
		check_text(&rs, &s, &zoneboth, probe[i]);
	recs_free(&rs);

	s.n = 0;
	add(&s, "::/0", 0x7f000004, 0);
	add(&s, "2001:db8::2", 0, 1);
	map(&s, &zoneboth, &rs);
	assert_true(rs.n < 40000);
	for (i = 0; i < RB_ARRAY_LEN(probe); i++)
		check_text(&rs, &s, &zoneboth, probe[i]);
	recs_free(&rs);
}

/* Random entries in a small space of both families; the model must agree everywhere sampled. */
static void
test_random_sets_agree_with_lookup(void **state)
{
	static const char *bases4[] = { "1.2.0.0", "1.0.0.0", "9.9.9.0", "200.1.0.0" };
	static const char *bases6[] = { "1200::", "1000::", "9990::", "2001:db8::" };
	struct set s;
	struct recs rs;
	struct addr a;
	unsigned round, i, j, plen;
	const char *why;

	(void)state;
	srand(12345);
	for (round = 0; round < 200; round++) {
		s.n = 0;
		for (i = 0; i < 16; i++) {
			struct listing *l = &s.e[s.n];
			bool v4 = rand() % 2;

			memset(l, 0, sizeof(*l));
			assert_int_equal(addr_parse_cidr(v4 ? bases4[rand() % 4] : bases6[rand() % 4],
			    &l->net, &why), 0);
			l->net.plen = (uint8_t)addr_bits(l->net.fam);
			for (j = v4 ? 2 : 2; j < addr_bytes(l->net.fam) && j < (v4 ? 4u : 6u); j++)
				l->net.a[j] = (uint8_t)(rand() % 4 == 0 ? rand() : rand() % 3);
			plen = v4 ? 8 + (unsigned)rand() % 25 : 4 + (unsigned)rand() % 125;
			addr_mask(&l->net, plen);
			l->code = 0x7f000000u | (uint32_t)(rand() % 4);
			if (l->code == 0x7f000000u)
				l->code = 0;
			l->flags = rand() % 4 == 0 ? LISTING_EXCEPTION : 0;
			for (j = 0; j < s.n; j++)
				if (zonemap_cmp(&s.e[j], l) == 0)
					break;
			if (j == s.n)
				s.n++;
		}
		map(&s, &zoneboth, &rs);
		check_edges(&rs, &s, &zoneboth);
		for (i = 0; i < 200; i++) {
			memset(&a, 0, sizeof(a));
			if (rand() % 2) {
				assert_int_equal(addr_parse(bases4[rand() % 4], &a), 0);
				for (j = 2; j < 4; j++)
					a.a[j] = (uint8_t)(rand() % 2 ? rand() % 3 : rand());
			} else {
				assert_int_equal(addr_parse(bases6[rand() % 4], &a), 0);
				for (j = 2; j < 16; j++)
					a.a[j] = (uint8_t)(rand() % 2 ? 0 : rand());
			}
			check_addr(&rs, &s, &zoneboth, &a);
		}
		recs_free(&rs);
	}
}

/* ---- The streamed zone against the whole zone gathered at once ---- */

/* Records as their octets: owner as text and wire, type, ttl, RDATA, one after another. */
struct raw {
	uint8_t *b;
	size_t len, cap;
	size_t *at;		/* where each record starts */
	size_t n, ncap;
};

static void
raw_put(struct raw *r, const void *p, size_t n)
{
	while (r->len + n > r->cap) {
		r->cap = r->cap ? r->cap * 2 : 4096;
		r->b = realloc(r->b, r->cap);
		assert_non_null(r->b);
	}
	memcpy(r->b + r->len, p, n);
	r->len += n;
}

static int
collect_raw(void *arg, const struct zonemap_rr *rr)
{
	struct raw *r = arg;
	uint8_t h[10];

	if (r->n == r->ncap) {
		r->ncap = r->ncap ? r->ncap * 2 : 256;
		r->at = realloc(r->at, r->ncap * sizeof(*r->at));
		assert_non_null(r->at);
	}
	r->at[r->n++] = r->len;
	raw_put(r, rr->name, strlen(rr->name) + 1);
	h[0] = (uint8_t)(rr->type >> 8);
	h[1] = (uint8_t)rr->type;
	memcpy(h + 2, &rr->ttl, 4);
	h[6] = (uint8_t)(rr->wirelen >> 8);
	h[7] = (uint8_t)rr->wirelen;
	h[8] = (uint8_t)(rr->rdlen >> 8);
	h[9] = (uint8_t)rr->rdlen;
	raw_put(r, h, sizeof(h));
	raw_put(r, rr->wire, rr->wirelen);
	raw_put(r, rr->rdata, rr->rdlen);
	return 0;
}

static void
raw_free(struct raw *r)
{
	free(r->b);
	free(r->at);
	memset(r, 0, sizeof(*r));
}

/* Record I of R: its octets and, for a message, its owner and type. */
static size_t
raw_rec(const struct raw *r, size_t i, const uint8_t **p, const char **name, unsigned *type)
{
	size_t end = i + 1 < r->n ? r->at[i + 1] : r->len;

	*p = r->b + r->at[i];
	*name = (const char *)*p;
	*type = (unsigned)(*p)[strlen(*name) + 1] << 8 | (*p)[strlen(*name) + 2];
	return end - r->at[i];
}

/*
 * zonemap_zone (streamed) and zonemap_region of the whole space (every
 * entry gathered at once, the mapping as it was before streaming) give the
 * same records in the same order; *PEAK gets the stream's most entries held.
 */
static void
same_as_whole(const struct zonemap_src *src, unsigned long long seed, size_t *peak)
{
	struct raw got, want;
	struct addr all;
	const uint8_t *pg, *pw;
	const char *ng, *nw;
	unsigned tg, tw;
	size_t i, lg, lw;

	memset(&got, 0, sizeof(got));
	memset(&want, 0, sizeof(want));
	memset(&all, 0, sizeof(all));
	all.fam = ADDR_V4;
	assert_int_equal(zonemap_region(src, &all, collect_raw, &want), 0);
	assert_int_equal(zonemap_stream(src, collect_raw, &got, peak), 0);
	for (i = 0; i < got.n && i < want.n; i++) {
		lg = raw_rec(&got, i, &pg, &ng, &tg);
		lw = raw_rec(&want, i, &pw, &nw, &tw);
		if (lg != lw || memcmp(pg, pw, lg) != 0)
			fail_msg("seed %llu: record %zu of %zu/%zu is %s type %u, the whole zone's "
			    "%s type %u", seed, i, got.n, want.n, ng, tg, nw, tw);
	}
	if (got.n != want.n)
		fail_msg("seed %llu: %zu records streamed, %zu in the whole zone", seed, got.n,
		    want.n);
	raw_free(&got);
	raw_free(&want);
}

/* The entries zonemap_foreach_entry has given, against zonemap_entries'. */
struct walked {
	const struct listing *e;
	size_t n, i;
	unsigned long long seed;
};

static int
walked_cb(void *arg, const struct listing *l)
{
	struct walked *w = arg;
	const struct listing *x = &w->e[w->i];
	char a[ADDR_STRLEN], b[ADDR_STRLEN];

	if (w->i == w->n)
		fail_msg("seed %llu: entry %zu (%s) walked, zonemap_entries has %zu", w->seed, w->i,
		    addr_format(&l->net, a, sizeof(a)), w->n);
	if (zonemap_cmp(x, l) != 0 || x->code != l->code || x->flags != l->flags ||
	    x->expires != l->expires || x->reason_id != l->reason_id || x->bulk != l->bulk)
		fail_msg("seed %llu: entry %zu walked is %s, zonemap_entries' %s", w->seed, w->i,
		    addr_format(&l->net, a, sizeof(a)), addr_format(&x->net, b, sizeof(b)));
	w->i++;
	return 0;
}

/* zonemap_foreach_entry of IPv4, then IPv6, gives zonemap_entries one by one. */
static void
walk_same_as_entries(const struct zonemap_src *src, unsigned long long seed)
{
	struct listing *e;
	struct walked w;

	assert_int_equal(zonemap_entries(src, &e, &w.n), 0);
	w.e = e;
	w.i = 0;
	w.seed = seed;
	assert_int_equal(zonemap_foreach_entry(src, ADDR_V4, walked_cb, &w), 0);
	assert_int_equal(zonemap_foreach_entry(src, ADDR_V6, walked_cb, &w), 0);
	if (w.i != w.n)
		fail_msg("seed %llu: %zu entries walked, zonemap_entries has %zu", seed, w.i, w.n);
	free(e);
}

/* xorshift64*: the same zones for the same seed on every machine. */
static uint64_t
rnd(uint64_t *x)
{
	*x ^= *x >> 12;
	*x ^= *x << 25;
	*x ^= *x >> 27;
	return *x * 0x2545f4914f6cdd1dULL;
}

static unsigned
below(uint64_t *x, unsigned n)
{
	return (unsigned)(rnd(x) % n);
}

/* A prefix length for FAM: often shorter than a label of the apex, on and off boundaries. */
static unsigned
random_plen(uint64_t *x, uint8_t fam)
{
	unsigned bits = fam == ADDR_V4 ? 32 : 128, step = fam == ADDR_V4 ? 8 : 4;

	switch (below(x, 8)) {
	case 0:
		return below(x, step);			/* /0../7, /0../3: several children */
	case 1:
		return step;
	case 2:
		return bits;
	case 3:
		return step * (1 + below(x, bits / step));	/* on a label boundary */
	default:
		return 1 + below(x, bits);
	}
}

/*
 * A random entry of FAM in the zone's children TOPS[0..ntops) (or any): its
 * first label from them, the rest from a few values, so entries nest.
 */
static void
random_net(uint64_t *x, uint8_t fam, const unsigned *tops, unsigned ntops, struct addr *a)
{
	static const uint8_t few[] = { 0, 1, 2, 0x10, 0x7f, 0xff };
	unsigned i, top = ntops ? tops[below(x, ntops)] : below(x, 256);

	memset(a, 0, sizeof(*a));
	a->fam = fam;
	a->plen = fam == ADDR_V4 ? 32 : 128;
	for (i = 0; i < addr_bytes(fam); i++)
		a->a[i] = below(x, 3) ? few[below(x, sizeof(few))] : (uint8_t)rnd(x);
	/* IPv6 children are nibbles: digits 0-9 are shared with IPv4 in zones of both. */
	a->a[0] = fam == ADDR_V4 ? (uint8_t)top : (uint8_t)((top % 16) << 4 | (a->a[0] & 15));
	if (below(x, 10) == 0 && fam == ADDR_V6)
		memcpy(a->a, (const uint8_t[]){ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127 }, 13);
	else if (below(x, 10) == 0 && fam == ADDR_V4)
		a->a[0] = 127;
	addr_mask(a, random_plen(x, fam));
}

/* Reasons in a store, some with '$': the zone's entries refer to them by id. */
static const char *reasons[] = { "spam from $", "a reason", "$$ $ $" };

/*
 * A random zone of SEED into S and *Z: family, spread, codes, exceptions,
 * expiry, and reasons REASON_IDS[0..3) (or none).
 */
static void
random_zone(uint64_t seed, struct set *s, struct conf_zone *z, unsigned max,
    const uint32_t *reason_ids)
{
	static const char *texts[] = { "listed: $", "no dollar", "$$ and $", "" };
	static const int fams[] = { ZONE_FAMILY_V4, ZONE_FAMILY_V6, ZONE_FAMILY_BOTH };
	uint64_t x = seed * 0x9e3779b97f4a7c15ULL + 1;
	unsigned tops[4], ntops, n, i, j;
	struct listing *l;

	zone_init(z, fams[below(&x, 3)]);
	z->text = (char *)texts[below(&x, RB_ARRAY_LEN(texts))];
	/* Few children of the apex, or entries anywhere. */
	ntops = below(&x, 2) ? 1 + below(&x, 4) : 0;
	for (i = 0; i < ntops; i++)
		tops[i] = below(&x, 3) ? below(&x, 10) : below(&x, 256);
	n = 1 + below(&x, max);
	s->n = 0;
	for (i = 0; i < n; i++) {
		l = &s->e[s->n];
		memset(l, 0, sizeof(*l));
		if (z->family == ZONE_FAMILY_BOTH)
			random_net(&x, below(&x, 2) ? ADDR_V4 : ADDR_V6, tops, ntops, &l->net);
		else
			random_net(&x, z->family == ZONE_FAMILY_V4 ? ADDR_V4 : ADDR_V6, tops, ntops,
			    &l->net);
		l->code = below(&x, 2) ? 0 : 0x7f000002u + below(&x, 3);
		l->flags = below(&x, 5) == 0 ? LISTING_EXCEPTION : 0;
		l->reason_id = below(&x, 2) ? 0 : reason_ids[below(&x, RB_ARRAY_LEN(reasons))];
		/* Expired before now (1000), at now, or live. */
		l->expires = below(&x, 4) ? 0 : 999 + below(&x, 3);
		for (j = 0; j < s->n; j++)
			if (zonemap_cmp(&s->e[j], l) == 0)
				break;
		if (j == s->n)
			s->n++;
	}
	qsort(s->e, s->n, sizeof(s->e[0]), cmp_listing);
}

/* Zone Z through reader RD at NOW, from ENTRIES[0..N) (NULL: the store's): streamed as whole, walked as listed. */
static void
streamed_is_whole(const struct conf_zone *z, struct store_reader *rd, uint16_t zone, uint32_t now,
    const struct listing *entries, size_t n, uint64_t seed)
{
	struct zonemap_src src = { z, rd, zone, now, entries, n };
	size_t peak;

	same_as_whole(&src, (unsigned long long)seed, &peak);
	walk_same_as_entries(&src, (unsigned long long)seed);
}

/*
 * The first seed of a random test into *SEED, and its number of rounds:
 * N from fixed seeds (OFFSET apart between tests), or with ZONEMAP_SEED=S
 * in the environment the one round of seed S that a failure named.
 */
static unsigned
seeds(uint64_t offset, unsigned n, uint64_t *seed)
{
	const char *e = getenv("ZONEMAP_SEED");

	if (e != NULL) {
		*seed = strtoull(e, NULL, 10);
		return 1;
	}
	*seed = 20270101 + offset;
	return n;
}

static int
reason_id_cb(void *arg, const struct listing *l)
{
	uint32_t *ids = arg;

	ids[l->net.a[3]] = l->reason_id;
	return 0;
}

static void
test_streamed_zone_is_the_whole_zone_record_by_record(void **state)
{
	char dir[TESTDIR_LEN];
	struct store *st;
	struct store_wr *w;
	struct store_reader rd;
	enum store_outcome out;
	struct set s;
	struct conf_zone z;
	uint64_t seed;
	uint32_t ids[RB_ARRAY_LEN(reasons)];
	unsigned round, rounds = seeds(0, 1500, &seed);
	uint16_t zone;
	size_t i;

	(void)state;
	/* The reasons' texts come from a store; the entries from arrays. */
	testdir_make(dir, "zonemap-stream");
	st = testdir_store(dir, "bl.example", 1, &zone);
	assert_int_equal(store_wr_begin(st, &w), 0);
	for (i = 0; i < RB_ARRAY_LEN(reasons); i++) {
		struct report rep = { .at = 1000, .source = "test", .imported = true };

		rep.net = testdir_net("192.0.2.0");
		rep.net.a[3] = (uint8_t)i;
		rep.reason = reasons[i];
		assert_int_equal(store_report(w, zone, &rep, &out), 0);
	}
	assert_int_equal(store_wr_commit(w), 0);
	assert_int_equal(store_reader_init(st, &rd), 0);
	assert_int_equal(store_reader_refresh(&rd), 0);
	assert_int_equal(store_foreach(&rd, zone, reason_id_cb, ids), 0);
	for (round = 0; round < rounds; round++, seed++) {
		random_zone(seed, &s, &z, round % 5 == 0 ? 400 : 40, ids);
		streamed_is_whole(&z, &rd, 1, 1000, s.e, s.n, seed);
	}
	store_reader_fini(&rd);
	store_close(st);
	testdir_remove(dir);
}

/* Through a store: its overlap walks, reasons read from it, some with '$'. */
static void
test_streamed_zone_from_a_store_is_the_whole_zone(void **state)
{
	static const uint32_t none[RB_ARRAY_LEN(reasons)];
	char dir[TESTDIR_LEN];
	struct store *st;
	struct store_wr *w;
	struct store_reader rd;
	enum store_outcome out;
	struct conf_zone z;
	struct set s;
	uint16_t zone;
	uint64_t seed, x;
	unsigned round, rounds = seeds(1000000, 40, &seed);
	size_t i;

	(void)state;
	for (round = 0; round < rounds; round++, seed++) {
		random_zone(seed, &s, &z, 300, none);
		x = seed + 7;
		testdir_make(dir, "zonemap-stream");
		st = testdir_store(dir, "bl.example", 1, &zone);
		store_set_force(st, true);
		assert_int_equal(store_wr_begin(st, &w), 0);
		/* Ranges first, so that a delisting inside one leaves an exception. */
		for (i = 0; i < s.n; i++) {
			struct report rep = { .at = 1000, .source = "test", .imported = true };
			struct delisting d = { .at = 1001, .by = "test" };

			rep.net = s.e[i].net;
			rep.code = s.e[i].code;
			rep.reason = below(&x, 4) ? reasons[below(&x, RB_ARRAY_LEN(reasons))] : NULL;
			/* Reported at 1000, mapped at 2000: the same expired, at now, live. */
			rep.lifetime = s.e[i].expires == 0 ? 0 : s.e[i].expires == 999 ? 500 :
			    s.e[i].expires == 1000 ? 1000 : 5000;
			d.net = s.e[i].net;
			if (s.e[i].flags & LISTING_EXCEPTION)
				assert_int_equal(store_delist(w, zone, &d, &out), 0);
			else
				assert_int_equal(store_report(w, zone, &rep, &out), 0);
		}
		assert_int_equal(store_wr_commit(w), 0);
		assert_int_equal(store_reader_init(st, &rd), 0);
		assert_int_equal(store_reader_refresh(&rd), 0);
		streamed_is_whole(&z, &rd, zone, 2000, NULL, 0, seed);
		store_reader_fini(&rd);
		store_close(st);
		testdir_remove(dir);
	}
}

/*
 * A zone spread over many /8s and nibbles is mapped holding one child of
 * the apex at a time: at most the apex's entries (those over several
 * children, one per child with entries inside, the answers kept) and the
 * biggest child's.
 */
static void
test_streamed_zone_holds_one_child_at_a_time(void **state)
{
	struct set s = { .n = 0 };
	struct zonemap_src src = { &zoneboth, NULL, 1, 1000, NULL, 0 };
	char cidr[64];
	size_t peak;
	unsigned i, j;

	(void)state;
	add(&s, "0.0.0.0/2", 0x7f000003, 0);
	add(&s, "8000::/3", 0x7f000003, 0);
	for (i = 0; i < 40; i++)
		for (j = 0; j < 7; j++) {
			snprintf(cidr, sizeof(cidr), "%u.%u.%u.0/24", 11 + i * 5, j, j * 3);
			add(&s, cidr, j % 3 ? 0 : 0x7f000004, j == 5);
		}
	for (i = 0; i < 16; i++)
		for (j = 0; j < 7; j++) {
			snprintf(cidr, sizeof(cidr), "%x%x%x0::/%u", i, j, j, 12 + j * 4);
			add(&s, cidr, 0, j == 6);
		}
	qsort(s.e, s.n, sizeof(s.e[0]), cmp_listing);
	src.entries = s.e;
	src.nentries = s.n;
	same_as_whole(&src, 0, &peak);
	/*
	 * The apex's: 2 ranges, one entry for each of the 40 + 16 children
	 * with entries inside, 4 test points; the biggest child, 0 (IPv6
	 * 0000::/4 and IPv4 0.0.0.0/8): 7 entries and 2 test points.
	 */
	if (peak > 2 + 40 + 16 + 4 + 7 + 2)
		fail_msg("%zu entries held at most, of %zu", peak, s.n);
	assert_true(peak < s.n / 4);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_single_address_is_explicit_name),
		cmocka_unit_test(test_test_points_in_every_zone),
		cmocka_unit_test(test_test_point_overrides_entry_and_127_0_0_1_stays_clean),
		cmocka_unit_test(test_octet_range_is_one_wildcard_showing_the_range),
		cmocka_unit_test(test_unaligned_range_is_split_into_wildcards),
		cmocka_unit_test(test_range_under_a_byte_is_explicit_names),
		cmocka_unit_test(test_exception_is_a_name_without_a),
		cmocka_unit_test(test_wildcard_pushed_down_below_explicit_name),
		cmocka_unit_test(test_nested_ranges_and_exceptions),
		cmocka_unit_test(test_ipv6_ranges_on_nibbles),
		cmocka_unit_test(test_both_families_do_not_answer_for_each_other),
		cmocka_unit_test(test_region_matches_whole_zone),
		cmocka_unit_test(test_store_source_with_reasons_and_regions),
		cmocka_unit_test(test_expired_entries_are_left_out),
		cmocka_unit_test(test_same_answers_share_a_wildcard),
		cmocka_unit_test(test_whole_space_in_a_zone_of_both_families),
		cmocka_unit_test(test_random_sets_agree_with_lookup),
		cmocka_unit_test(test_streamed_zone_is_the_whole_zone_record_by_record),
		cmocka_unit_test(test_streamed_zone_from_a_store_is_the_whole_zone),
		cmocka_unit_test(test_streamed_zone_holds_one_child_at_a_time),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
