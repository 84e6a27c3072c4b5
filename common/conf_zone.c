/* The keys of a [zone NAME] both programs read (the apex key stays with the parser in conf.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf.h"
#include "conf_parse.h"
#include "policy.h"
#include "rb.h"
#include "timeutil.h"

#define CONF_MAX_TTL 0x7fffffffu		/* RFC 2181 s8 */

int
conf_zone_family(struct conf_parse *p, const char *v)
{
	struct conf_zone *z = conf_parse_zone(p);

	if (strcasecmp(v, "ipv4") == 0)
		z->family = ZONE_FAMILY_V4;
	else if (strcasecmp(v, "ipv6") == 0)
		z->family = ZONE_FAMILY_V6;
	else if (strcasecmp(v, "both") == 0)
		z->family = ZONE_FAMILY_BOTH;
	else
		return conf_fail(p, "family '%s' is unknown (use ipv4, ipv6 or both)", v);
	return 0;
}

int
conf_zone_code(struct conf_parse *p, const char *v)
{
	struct addr a;

	if (addr_parse(v, &a) != 0 || a.fam != ADDR_V4)
		return conf_fail(p, "code '%s' is not an IPv4 address (use 127.0.0.N)", v);
	/* RFC 5782 s2.1: DNSBL answers are in 127.0.0.0/8. */
	if (a.a[0] != 127)
		return conf_fail(p,
		    "code %s is outside 127.0.0.0/8 (use 127.0.0.N, e.g. 127.0.0.2)", v);
	conf_parse_zone(p)->code = (uint32_t)a.a[0] << 24 | (uint32_t)a.a[1] << 16 |
	    (uint32_t)a.a[2] << 8 | a.a[3];
	return 0;
}

int
conf_zone_text(struct conf_parse *p, const char *v)
{
	struct conf_zone *z = conf_parse_zone(p);
	char *s, why[512];

	if (conf_parse_continued(p) && z->text != NULL) {
		/* A long text goes on over indented lines, joined by a space. */
		if (asprintf(&s, "%s %s", z->text, v) < 0)
			return conf_fail(p, "out of memory");
		free(z->text);
		z->text = s;
	} else {
		free(z->text);
		z->text = NULL;
		if (*v != '\0' && (z->text = strdup(v)) == NULL)
			return conf_fail(p, "out of memory");
	}
	/* The rule every text meets (UTF-8, no control characters, '$' and "$$"). */
	if (policy_check_text("text", z->text, POLICY_TEXT_TEMPLATE, why, sizeof(why)) != 0)
		return conf_fail(p, "%s", why);
	return 0;
}

int
conf_zone_ttl(struct conf_parse *p, const char *v)
{
	uint32_t secs;

	if (time_parse_duration(v, &secs) != 0 || secs > CONF_MAX_TTL)
		return conf_fail(p,
		    "ttl '%s' is not a duration (use seconds or 90s, 15m, 12h, 1d)", v);
	conf_parse_zone(p)->ttl = secs;
	return 0;
}

int
conf_zone_lifetime(struct conf_parse *p, const char *v)
{
	uint32_t secs;

	if (time_parse_duration(v, &secs) != 0)
		return conf_fail(p,
		    "lifetime '%s' is not a positive duration (use 90s, 15m, 12h, 30d)", v);
	conf_parse_zone(p)->lifetime = secs;
	return 0;
}

int
conf_zone_max_range(struct conf_parse *p, const char *v)
{
	unsigned long n;

	if (!conf_parse_uint(v, 32, &n))
		return conf_fail(p, "max-range '%s' is not a prefix length from 0 to 32", v);
	conf_parse_zone(p)->max_range4 = (uint8_t)n;
	return 0;
}

int
conf_zone_max_range6(struct conf_parse *p, const char *v)
{
	unsigned long n;

	if (!conf_parse_uint(v, 128, &n))
		return conf_fail(p, "max-range6 '%s' is not a prefix length from 0 to 128", v);
	conf_parse_zone(p)->max_range6 = (uint8_t)n;
	return 0;
}

/*
 * "N", "P%" or "N P%": a commit may add or remove the larger of N listings
 * and P% of the zone's; a term left out keeps its default (1000, 5%).
 */
int
conf_zone_max_change(struct conf_parse *p, const char *v)
{
	struct conf_zone *z = conf_parse_zone(p);
	const char *rest = v;
	char item[64];
	size_t n;
	unsigned long x;
	bool count = false, pct = false, bad = false;

	while (!bad && conf_next_item(&rest, item, sizeof(item))) {
		n = strlen(item);
		if (n > 1 && item[n - 1] == '%' && !pct) {
			item[n - 1] = '\0';
			bad = !conf_parse_uint(item, 100, &x);
			z->max_change_pct = (uint32_t)x;
			pct = true;
		} else if (!count && item[n - 1] != '%') {
			bad = !conf_parse_uint(item, 1000000000, &x);
			z->max_change = (uint32_t)x;
			count = true;
		} else {
			bad = true;
		}
	}
	if (bad || (!count && !pct))
		return conf_fail(p, "max-change '%s' is not a number of listings and/or a share "
		    "of the zone's listings (1000, 5%%, or 1000 5%%)", v);
	return 0;
}

int
conf_zone_never(struct conf_parse *p, const char *v)
{
	struct conf_zone *z = conf_parse_zone(p);
	struct addr a, *arr;
	const char *why = NULL;
	char item[256];

	while (conf_next_item(&v, item, sizeof(item))) {
		if (addr_parse_cidr(item, &a, &why) != 0)
			return conf_fail(p, "never-list '%s' is not an address or CIDR range: %s",
			    item, why != NULL ? why : "syntax error");
		if ((arr = conf_push(z->never, z->nnever, sizeof(*arr))) == NULL)
			return conf_fail(p, "out of memory");
		z->never = arr;
		z->never[z->nnever++] = a;
	}
	return 0;
}

/* authority-ns = yes|no: the apex's NS records in the authority section of positive answers. */
int
conf_zone_authority_ns(struct conf_parse *p, const char *v)
{
	if (strcasecmp(v, "yes") == 0)
		conf_parse_zone(p)->authority_ns = true;
	else if (strcasecmp(v, "no") == 0)
		conf_parse_zone(p)->authority_ns = false;
	else
		return conf_fail(p, "authority-ns '%s' is not yes or no", v);
	return 0;
}
