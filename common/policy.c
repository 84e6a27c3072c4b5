/* The listing policy's refusals, shared by report, delist, ingest and import. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

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

int
policy_check_loopback(const struct addr *net, char *why, size_t whylen)
{
	const struct addr *lo = net->fam == ADDR_V4 ? &loopback4 : &loopback6;
	char a[ADDR_STRLEN];

	if (!overlaps(lo, net))
		return 0;
	return refuse(why, whylen, "%s %s 127.0.0.0/8, the RFC 5782 test range every zone "
	    "serves built in", addr_format(net, a, sizeof(a)), addr_contains(lo, net) ?
	    "is in" : "covers");
}

/* The zone lists addresses of NET's family. */
static int
check_family(const struct conf_zone *z, const struct addr *net, char *why, size_t whylen)
{
	int want = net->fam == ADDR_V4 ? ZONE_FAMILY_V4 : ZONE_FAMILY_V6;
	char a[ADDR_STRLEN];

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

static int
check_text(const char *field, const char *s, char *why, size_t whylen)
{
	size_t n;

	if (s == NULL || (n = strlen(s)) <= STORE_MAX_TEXT)
		return 0;
	return refuse(why, whylen, "%s is %zu octets long (at most %d)", field, n,
	    STORE_MAX_TEXT);
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

	/* The address is formatted for refusals only: most reports pass (ingest's hot path). */
	if ((rc = check_family(z, net, why, whylen)) != 0 ||
	    (rc = policy_check_loopback(net, why, whylen)) != 0)
		return rc;
	for (i = 0; i < z->nnever; i++) {
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
	min = net->fam == ADDR_V4 ? z->max_range4 : z->max_range6;
	if (!force && net->plen < min)
		return refuse(why, whylen, "%s is wider than max-range /%u of zone %s (use "
		    "--force to list it anyway)", addr_format(net, a, sizeof(a)), min, z->name);
	if ((rc = check_time(r->at, now, why, whylen)) != 0)
		return rc;
	if (r->lifetime == 0)
		return refuse(why, whylen, "lifetime of %s is 0 (give a positive duration "
		    "such as 30d)", addr_format(net, a, sizeof(a)));
	if ((rc = check_text("reason", r->reason, why, whylen)) != 0 ||
	    (rc = check_text("source", r->source, why, whylen)) != 0 ||
	    (rc = check_text("evidence", r->evidence, why, whylen)) != 0)
		return rc;
	return 0;
}

int
policy_check_delist(const struct conf_zone *z, const struct delisting *d,
    int64_t now, char *why, size_t whylen)
{
	int rc;

	if ((rc = check_family(z, &d->net, why, whylen)) != 0 ||
	    (rc = check_time(d->at, now, why, whylen)) != 0 ||
	    (rc = check_text("reason", d->reason, why, whylen)) != 0 ||
	    (rc = check_text("by", d->by, why, whylen)) != 0)
		return rc;
	return 0;
}
