/* The listing policy: the refusals report, delist, ingest, import and the configuration share. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "name.h"
#include "policy.h"
#include "rb.h"
#include "timeutil.h"

/*
 * 127.0.0.0/8 holds the RFC 5782 s5 test points every zone serves built in
 * (127.0.0.2 listed, 127.0.0.1 not), and a listing there would also make
 * loopback mail look listed.  The IPv4-mapped form is the same space.
 */
static const struct addr loopback4 = { ADDR_V4, 8, { 127 } };
static const struct addr loopback6 = { ADDR_V6, 104,
	{ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127 } };

/*
 * Addresses no MTA can connect from (RFC 6890 and the IANA registries): a
 * listing there answers nothing real, and a range over them is the
 * "whole Internet listed" mistake.  IPv4-mapped IPv6 forms of the IPv4
 * ones are refused as well: a zone of both families answers them as IPv4.
 */
#define V4MAPPED 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
static const struct bogon {
	struct addr net;
	const char *what;
} bogons[] = {
	{ { ADDR_V4, 8, { 0 } }, "\"this network\", RFC 1122" },
	{ { ADDR_V4, 3, { 224 } }, "multicast, reserved and broadcast" },
	{ { ADDR_V6, 128, { 0 } }, "the unspecified address" },
	{ { ADDR_V6, 128, { [15] = 1 } }, "the loopback address" },
	{ { ADDR_V6, 8, { 0xff } }, "multicast" },
	{ { ADDR_V6, 104, { V4MAPPED, 0 } },
	    "IPv4-mapped 0.0.0.0/8, \"this network\", RFC 1122" },
	{ { ADDR_V6, 99, { V4MAPPED, 224 } },
	    "IPv4-mapped 224.0.0.0/3, multicast, reserved and broadcast" },
};

static int __attribute__((format(printf, 3, 4)))
refuse(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	if (why != NULL && whylen > 0) {
		va_start(ap, fmt);
		vsnprintf(why, whylen, fmt, ap);
		va_end(ap);
	}
	return RB_EPOLICY;
}

static bool
overlaps(const struct addr *a, const struct addr *b)
{
	return addr_contains(a, b) || addr_contains(b, a);
}

/* The key that bounds NET's width in zone Z: max-range or max-range6. */
static const char *
range_key(const struct addr *net)
{
	return net->fam == ADDR_V4 ? "max-range" : "max-range6";
}

int
policy_check_bogon(const struct addr *net, char *why, size_t whylen)
{
	const struct bogon *b;
	char a[ADDR_STRLEN], r[ADDR_STRLEN];
	size_t i, n;

	for (i = 0; i < RB_ARRAY_LEN(bogons); i++) {
		b = &bogons[i];
		if (!overlaps(&b->net, net))
			continue;
		addr_format(net, a, sizeof(a));
		addr_format(&b->net, r, sizeof(r));
		if (addr_is_host(&b->net) && (n = strlen(r)) + 5 < sizeof(r))
			snprintf(r + n, sizeof(r) - n, "/%u", (unsigned)b->net.plen);
		if (net->plen == b->net.plen)
			return refuse(why, whylen, "%s is %s: no MTA connects from there", a,
			    b->what);
		return refuse(why, whylen, "%s %s %s (%s): no MTA connects from there", a,
		    addr_contains(&b->net, net) ? "is in" : "covers", r, b->what);
	}
	return 0;
}

int
policy_check_loopback(const struct addr *net, char *why, size_t whylen)
{
	const struct addr *lo = net->fam == ADDR_V4 ? &loopback4 : &loopback6;
	char a[ADDR_STRLEN];

	if (!overlaps(lo, net))
		return 0;
	if (net->fam == ADDR_V4)
		return refuse(why, whylen, "%s %s 127.0.0.0/8, the RFC 5782 test range every "
		    "zone serves built in", addr_format(net, a, sizeof(a)),
		    addr_contains(lo, net) ? "is in" : "covers");
	return refuse(why, whylen, "%s %s ::ffff:127.0.0.0/104, the IPv4-mapped form of "
	    "127.0.0.0/8, the RFC 5782 test range every zone serves built in",
	    addr_format(net, a, sizeof(a)), addr_contains(lo, net) ? "is in" : "covers");
}

/*
 * One UTF-8 character at S (N octets left): its length and code point, or
 * 0 when the octets are not UTF-8 (RFC 3629: no overlong forms, no
 * surrogates, nothing above U+10FFFF).
 */
static size_t
utf8_next(const unsigned char *s, size_t n, uint32_t *cp)
{
	uint32_t c = s[0], min;
	size_t len, i;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2, c &= 0x1f, min = 0x80;
	} else if ((c & 0xf0) == 0xe0) {
		len = 3, c &= 0x0f, min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4, c &= 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

int
policy_check_text(const char *field, const char *s, unsigned flags, char *why, size_t whylen)
{
	const unsigned char *p = (const unsigned char *)s;
	uint32_t cp;
	size_t n, i, k;

	if (s == NULL)
		return 0;
	if ((n = strlen(s)) > STORE_MAX_TEXT)
		return refuse(why, whylen, "%s is %zu octets long (at most %d)", field, n,
		    STORE_MAX_TEXT);
	for (i = 0; i < n; i += k) {
		if ((k = utf8_next(p + i, n - i, &cp)) == 0)
			return refuse(why, whylen, "%s is not UTF-8: octet %zu is 0x%02x (texts are "
			    "UTF-8; convert it, e.g. with iconv -t UTF-8)", field, i + 1, p[i]);
		/* C0, DEL and C1 would break TXT answers, log lines and terminals. */
		if ((cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0)) &&
		    !((flags & POLICY_TEXT_LINES) && (cp == '\t' || cp == '\n' || cp == '\r')))
			return refuse(why, whylen, "%s has a control character, U+%04X at octet "
			    "%zu (texts are printable characters on one line)", field, (unsigned)cp,
			    i + 1);
		if (!(flags & POLICY_TEXT_TEMPLATE) || cp != '$')
			continue;
		if (p[i + 1] == '$')
			k = 2;		/* "$$": a literal '$' */
		else if ((p[i + 1] >= '0' && p[i + 1] <= '9') || p[i + 1] == '=')
			return refuse(why, whylen, "%s has \"$%c\" at octet %zu, which rbldnsd reads "
			    "as its own substitution: write \"$$%c\" for a literal \"$%c\" (a '$' "
			    "alone is the queried address)", field, p[i + 1], i + 1, p[i + 1],
			    p[i + 1]);
	}
	return 0;
}

/* The zone lists addresses of NET's family. */
static int
check_family(const struct conf_zone *z, const struct addr *net, char *why, size_t whylen)
{
	int want = net->fam == ADDR_V4 ? ZONE_FAMILY_V4 : ZONE_FAMILY_V6;
	char a[ADDR_STRLEN];

	if (z->kind != ZONE_KIND_ADDRESSES)
		return refuse(why, whylen, "zone %s %s (give a name there, or an address to an "
		    "address zone)", z->name, z->kind == ZONE_KIND_NAMES ? "lists names "
		    "(kind = names)" : "is an aggregate: report to its member zones");
	if ((z->family & want) != 0)
		return 0;
	return refuse(why, whylen, "%s is %s but zone %s lists only %s addresses (family = %s)",
	    addr_format(net, a, sizeof(a)), net->fam == ADDR_V4 ? "IPv4" : "IPv6", z->name,
	    z->family == ZONE_FAMILY_V4 ? "IPv4" : "IPv6",
	    z->family == ZONE_FAMILY_V4 ? "ipv4" : "ipv6");
}

/* A time further ahead than feeds' clock skew explains is refused. */
static int
check_time(int64_t at, int64_t now, char *why, size_t whylen)
{
	char a[TIME_BUFLEN], n[TIME_BUFLEN];

	if (at <= now + POLICY_MAX_FUTURE)
		return 0;
	return refuse(why, whylen, "at %s is more than %d seconds in the future (now %s; "
	    "check the sender's clock)", time_format(at, a, sizeof(a)), POLICY_MAX_FUTURE,
	    time_format(now, n, sizeof(n)));
}

/* Does name A (stored form) lie at or under B (stored form, maybe "*.")? */
static bool
name_under(const char *a, const char *b)
{
	size_t la, lb;

	if (name_is_wild(b))
		b += 2;
	if (name_is_wild(a))
		a += 2;
	la = strlen(a);
	lb = strlen(b);
	return la >= lb && strcmp(a + la - lb, b) == 0 && (la == lb || a[la - lb - 1] == '.');
}

/* A name for a name-based zone: its kind, never-list-names either way round. */
int
policy_check_name(const struct conf_zone *z, const char *name, char *why, size_t whylen)
{
	size_t i;

	if (z->kind != ZONE_KIND_NAMES)
		return refuse(why, whylen, "%s is a name but zone %s lists %s", name, z->name,
		    z->kind == ZONE_KIND_AGGREGATE ? "its members' entries (report to a member)" :
		    "addresses (kind = names lists names)");
	for (i = 0; i < z->nnever_names; i++) {
		if (name_under(name, z->never_names[i]))
			return refuse(why, whylen, "%s is under never-list-names %s of zone %s",
			    name, z->never_names[i], z->name);
		if (name_is_wild(name) && name_under(z->never_names[i], name))
			return refuse(why, whylen, "%s covers never-list-names %s of zone %s",
			    name, z->never_names[i], z->name);
	}
	return 0;
}

static int
check_name_delist(const struct conf_zone *z, const struct delisting *d, char *why,
    size_t whylen)
{
	if (z->kind != ZONE_KIND_NAMES)
		return refuse(why, whylen, "%s is a name but zone %s does not list names "
		    "(kind = names)", d->name, z->name);
	return 0;
}

int
policy_check_report(const struct conf_zone *z, const struct report *r, bool force,
    int64_t now, char *why, size_t whylen)
{
	const struct addr *net = &r->net;
	char a[ADDR_STRLEN], b[ADDR_STRLEN];
	unsigned min;
	size_t i;
	int rc;

	if (r->name != NULL && (rc = policy_check_name(z, r->name, why, whylen)) != 0)
		return rc;
	/* The address is formatted for refusals only: most reports pass (ingest's hot path). */
	if (r->name == NULL && ((rc = check_family(z, net, why, whylen)) != 0 ||
	    (rc = policy_check_loopback(net, why, whylen)) != 0 ||
	    (rc = policy_check_bogon(net, why, whylen)) != 0))
		return rc;
	for (i = 0; r->name == NULL && i < z->nnever; i++) {
		if (!overlaps(&z->never[i], net))
			continue;
		addr_format(&z->never[i], b, sizeof(b));
		return refuse(why, whylen, "%s %s never-list %s of zone %s",
		    addr_format(net, a, sizeof(a)),
		    addr_contains(&z->never[i], net) ? "is inside" : "covers", b, z->name);
	}
	/* RFC 5782 s2.1: answers are in 127.0.0.0/8; 0 stands for the zone's code. */
	if (r->code != 0 && r->code >> 24 != 127)
		return refuse(why, whylen, "code %u.%u.%u.%u is outside 127.0.0.0/8 (use "
		    "127.0.0.N)", r->code >> 24, r->code >> 16 & 0xff, r->code >> 8 & 0xff,
		    r->code & 0xff);
	min = r->name != NULL ? 0 : net->fam == ADDR_V4 ? z->max_range4 : z->max_range6;
	if (!force && net->plen < min)
		return refuse(why, whylen, "%s is wider than %s /%u of zone %s (use --force to "
		    "list it anyway)", addr_format(net, a, sizeof(a)), range_key(net), min,
		    z->name);
	if ((rc = check_time(r->at, now, why, whylen)) != 0)
		return rc;
	if (r->lifetime == 0)
		return refuse(why, whylen, "lifetime of %s is 0 (give a positive duration "
		    "such as 30d)", r->name != NULL ? r->name : addr_format(net, a, sizeof(a)));
	if ((rc = policy_check_text("reason", r->reason, POLICY_TEXT_TEMPLATE, why,
	    whylen)) != 0 ||
	    (rc = policy_check_text("source", r->source, 0, why, whylen)) != 0 ||
	    (rc = policy_check_text("evidence", r->evidence, POLICY_TEXT_LINES, why,
	    whylen)) != 0)
		return rc;
	return 0;
}

int
policy_check_delist(const struct conf_zone *z, const struct delisting *d, bool force,
    int64_t now, char *why, size_t whylen)
{
	const struct addr *net = &d->net;
	char a[ADDR_STRLEN];
	unsigned min;
	int rc;

	if (d->name != NULL && (rc = check_name_delist(z, d, why, whylen)) != 0)
		return rc;
	if (d->name == NULL && (rc = check_family(z, net, why, whylen)) != 0)
		return rc;
	/* A delisting that wide takes everything inside it: the whole list, by a typo. */
	min = d->name != NULL ? 0 : net->fam == ADDR_V4 ? z->max_range4 : z->max_range6;
	if (!force && net->plen < min)
		return refuse(why, whylen, "%s is wider than %s /%u of zone %s: delisting it "
		    "would remove every listing inside it (use --force to delist it anyway)",
		    addr_format(net, a, sizeof(a)), range_key(net), min, z->name);
	if ((rc = check_time(d->at, now, why, whylen)) != 0 ||
	    (rc = policy_check_text("reason", d->reason, 0, why, whylen)) != 0 ||
	    (rc = policy_check_text("by", d->by, 0, why, whylen)) != 0)
		return rc;
	return 0;
}
