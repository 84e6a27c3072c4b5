/* The query path of name-based zones (RFC 5782 s3) and aggregate zones (s2.3): no allocation. */
#include <string.h>
#include <strings.h>

#include "conf.h"
#include "dns.h"
#include "name.h"
#include "query_impl.h"
#include "rb.h"
#include "store.h"

/* Is NAME exactly the one label WORD (any case)? */
static bool
label_is(const uint8_t *name, unsigned nlabels, const char *word)
{
	size_t n = strlen(word);

	return nlabels == 1 && name[0] == n && strncasecmp((const char *)name + 1, word, n) == 0;
}

/* Name zone Z's answer for the NLABELS labels at NAME into *H. */
static int
name_probe(struct query_ctx *q, const struct zt_zone *z, const uint8_t *name, unsigned nlabels,
    struct hit *h)
{
	struct listing l;
	int rc;

	memset(h, 0, sizeof(*h));
	/* RFC 5782 s5: TEST.Z is listed and INVALID.Z is not, whatever the store says. */
	if (label_is(name, nlabels, "test")) {
		h->kind = HIT_LISTED;
		return 0;
	}
	if (label_is(name, nlabels, "invalid"))
		return 0;
	if ((rc = store_name_lookup(&q->rd, z->id, name, nlabels, q->now, &l)) < 0)
		return rc;
	if (rc == STORE_MATCH_LISTED) {
		h->kind = HIT_LISTED;
		h->code = l.code;
		h->reason_id = l.reason_id;
		return 0;
	}
	/* RFC 8020: a name with listed names under it is an empty non-terminal. */
	if ((rc = store_name_used(&q->rd, z->id, name, nlabels)) < 0)
		return rc;
	if (rc > 0)
		h->kind = HIT_ENT;
	return 0;
}

static int
member_probe(struct query_ctx *q, const struct zt_zone *z, const uint8_t *name, unsigned nlabels,
    struct hit *h)
{
	if (z->kind == ZONE_KIND_NAMES)
		return name_probe(q, z, name, nlabels, h);
	return dnsbl_lookup(q, z, name, nlabels, h);
}

/* '$' of a name zone's text: the name asked below the zone, lower case. */
static size_t
name_text(const uint8_t *name, unsigned nlabels, char *buf, size_t len)
{
	size_t n = 0, i;
	unsigned l;

	for (l = 0; l < nlabels; l++, name += 1 + name[0]) {
		if (n + 1 + name[0] >= len)
			break;
		if (l > 0)
			buf[n++] = '.';
		for (i = 0; i < name[0]; i++) {
			uint8_t c = name[1 + i];

			buf[n++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
		}
	}
	buf[n] = '\0';
	return n;
}

/* One TXT of member (or zone) M for hit H, with TTL. */
static int
put_hit_txt(struct query_ctx *q, const struct zt_zone *m, const struct hit *h, uint32_t ttl,
    const char *sub, size_t sublen, struct reply *r)
{
	const char *text = m->text, *reason;
	size_t textlen = m->textlen, reasonlen, rdpos;
	char a[ADDR_STRLEN];
	int rc;

	if (h->reason_id != 0) {
		rc = query_text(q, h->reason_id, &reason, &reasonlen);
		if (rc < 0 && rc != RB_ENOTFOUND)
			return rc;
		if (rc == 0 && reasonlen > 0) {
			text = reason;
			textlen = reasonlen;
		}
	}
	if (text == NULL || textlen == 0)
		return 0;
	if (m->kind != ZONE_KIND_NAMES && memchr(text, '$', textlen) != NULL) {
		addr_format(&h->a, a, sizeof(a));
		sub = a;
		sublen = strlen(a);
	}
	rdpos = rr_head(r, DNS_QNAME, DNS_T_TXT, ttl);
	put_text(&r->w, text, textlen, sub, sublen);
	rr_end(r, rdpos);
	r->an++;
	return 0;
}

static void
put_a(struct reply *r, uint32_t ttl, uint32_t code)
{
	size_t rdpos = rr_head(r, DNS_QNAME, DNS_T_A, ttl);

	wire_u32(&r->w, code);
	rr_end(r, rdpos);
	r->an++;
}

/* The records of the N hits H of zones M (a names zone: itself; an aggregate: its members). */
static int
put_hits(struct query_ctx *q, const struct zt_zone *z, uint16_t qtype, const struct hit *h,
    const struct zt_zone *const *m, unsigned n, const char *sub, size_t sublen,
    struct reply *r)
{
	uint32_t bits = 0;
	unsigned i;
	int rc;

	if (qtype == DNS_T_A || qtype == DNS_T_ANY) {
		for (i = 0; i < n; i++) {
			uint32_t code = h[i].code != 0 ? h[i].code : m[i]->code;

			if (z->answer == ZONE_ANSWER_BITMASK)
				bits |= code & 0xff;	/* SURBL style: one bit per list */
			else
				put_a(r, z->ttl, code);
		}
		if (z->answer == ZONE_ANSWER_BITMASK)
			put_a(r, z->ttl, 0x7f000000u | bits);
	}
	for (i = 0; qtype == DNS_T_TXT && i < n; i++)
		if ((rc = put_hit_txt(q, m[i], &h[i], z->ttl, sub, sublen, r)) != 0)
			return rc;
	return 0;
}

int
query_answer_kind(struct query_ctx *q, const struct zt_zone *z, const uint8_t *name,
    unsigned nlabels, uint16_t qtype, uint32_t serial, struct reply *r)
{
	struct hit h[ZT_MAX_MEMBERS], one;
	const struct zt_zone *m[ZT_MAX_MEMBERS];
	char sub[NAME_TEXTLEN];
	size_t sublen = 0;
	unsigned n = 0, i;
	bool ent = false;
	int rc;

	if (z->kind == ZONE_KIND_NAMES) {
		if ((rc = name_probe(q, z, name, nlabels, &h[0])) < 0)
			return rc;
		m[0] = z;
		n = h[0].kind == HIT_LISTED;
		ent = h[0].kind == HIT_ENT;
	} else {
		for (i = 0; i < z->nmembers; i++) {
			const struct zt_zone *mz = &q->zt->zones[z->members[i]];

			if ((rc = member_probe(q, mz, name, nlabels, &one)) < 0)
				return rc;
			if (one.kind == HIT_ENT)
				ent = true;
			if (one.kind != HIT_LISTED)
				continue;
			m[n] = mz;
			h[n++] = one;
		}
	}
	q->info.lookup = n > 0 ? QUERY_LOOKUP_HIT : QUERY_LOOKUP_MISS;
	if (n == 0) {
		/* RFC 8020: an empty non-terminal is NODATA, never NXDOMAIN. */
		if (!ent)
			r->rcode = DNS_NXDOMAIN;
		put_neg_soa(r, z, serial);
		return 0;
	}
	if (qtype == DNS_T_TXT)
		sublen = name_text(name, nlabels, sub, sizeof(sub));
	if ((rc = put_hits(q, z, qtype, h, m, n, sub, sublen, r)) != 0)
		return rc;
	if (r->an == 0)
		put_neg_soa(r, z, serial);
	return 0;
}
