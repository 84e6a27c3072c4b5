/* The DNS query path: parse one query, answer it from the zone table and the store. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "acl.h"
#include "addr.h"
#include "conf_server.h"
#include "dns.h"
#include "keyed.h"
#include "presence.h"
#include "rb.h"
#include "rrl.h"
#include "timeutil.h"
#include "query_impl.h"
#include "wire.h"
#include "xfr.h"
#include "zonetab.h"


/* RFC 5782 s5: the test points every DNSBL answers. */
static const struct addr test_listed4 = { ADDR_V4, 32, { 127, 0, 0, 2 } };
static const struct addr test_clean4 = { ADDR_V4, 32, { 127, 0, 0, 1 } };
static const struct addr test_listed6 = {
	ADDR_V6, 128, { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0x7f, 0, 0, 2 } };
static const struct addr test_clean6 = {
	ADDR_V6, 128, { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0x7f, 0, 0, 1 } };

/* ---- Writing ---- */

/* Start a record owned by the name at offset OWNER; returns where RDLENGTH goes. */
size_t
rr_head(struct reply *r, uint16_t owner, uint16_t type, uint32_t ttl)
{
	size_t rdpos;

	wire_u16(&r->w, (uint16_t)(DNS_PTR | owner));
	wire_u16(&r->w, type);
	wire_u16(&r->w, DNS_CLASS_IN);
	wire_u32(&r->w, ttl);
	rdpos = r->w.len;
	wire_u16(&r->w, 0);
	return rdpos;
}

void
rr_end(struct reply *r, size_t rdpos)
{
	wire_set_u16(&r->w, rdpos, (uint16_t)(r->w.len - rdpos - 2));
}

static void
put_dname(struct reply *r, const struct zt_dname *d)
{
	wire_mem(&r->w, d->wire, d->len);
	if (d->rel)
		wire_u16(&r->w, (uint16_t)(DNS_PTR | r->apex));
}

/* A record of the apex file; an SOA gets the store's SERIAL. */
static void
put_rr(struct reply *r, uint16_t owner, const struct zt_rr *rr, uint32_t ttl, uint32_t serial)
{
	size_t rdpos = rr_head(r, owner, rr->type, ttl);
	unsigned k;

	for (k = 0; k < rr->nnames; k++)
		put_dname(r, &rr->names[k]);
	if (rr->type == DNS_T_SOA) {
		wire_u32(&r->w, serial);
		wire_mem(&r->w, rr->tail + 4, (size_t)rr->taillen - 4);
	} else {
		wire_mem(&r->w, rr->tail, rr->taillen);
	}
	rr_end(r, rdpos);
}

/* RFC 2308 s3: the SOA in authority of NXDOMAIN and NODATA, with the negative TTL. */
void
put_neg_soa(struct reply *r, const struct zt_zone *z, uint32_t serial)
{
	put_rr(r, r->apex, &z->rrs[0], z->neg_ttl, serial);
	r->ns++;
}

/*
 * TXT RDATA from the template T[0..n) with each '$' replaced by SUB and each
 * "$$" by a literal '$' (the text rule, policy.h), cut into
 * character-strings of at most 255 octets (RFC 1035 s3.3.14).  SUB NULL
 * writes T as it is.
 */
void
put_text(struct wire *w, const char *t, size_t n, const char *sub, size_t sublen)
{
	size_t lenpos = w->len, cur = 0, i = 0, k, take;
	const char *s, *dollar;

	wire_u8(w, 0);
	while (i < n) {
		/* The next run: what one '$' or "$$" stands for, or the text up to the next '$'. */
		if (sub != NULL && t[i] == '$' && i + 1 < n && t[i + 1] == '$') {
			s = t + i;
			k = 1;
			i += 2;
		} else if (sub != NULL && t[i] == '$') {
			s = sub;
			k = sublen;
			i++;
		} else {
			s = t + i;
			dollar = sub != NULL ? memchr(s, '$', n - i) : NULL;
			k = dollar != NULL ? (size_t)(dollar - s) : n - i;
			i += k;
		}
		for (; k > 0; s += take, k -= take) {
			if (cur == 255) {
				lenpos = w->len;
				wire_u8(w, 0);
				cur = 0;
			}
			take = k < 255 - cur ? k : 255 - cur;
			wire_mem(w, s, take);
			cur += take;
			if (!w->err)
				w->buf[lenpos] = (uint8_t)cur;
		}
	}
}

static void
set_u16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* ---- Answering ---- */

static uint32_t
zone_serial(struct query_ctx *q, size_t zi)
{
	const struct zt_zone *z = &q->zt->zones[zi];
	struct store_zone sz;

	if (q->serials != NULL && q->serial_gen == q->zt->gen && q->serial_txnid == q->rd.txnid)
		return q->serials[zi];
	if (z->kind == ZONE_KIND_AGGREGATE)
		return xfr_zone_serial(q->zt, zi, &q->rd);	/* moves with its members' */
	if (store_zone_get(&q->rd, z->id, &sz) == 0)
		return sz.serial;
	return z->apex_serial;
}

/* The zone whose apex is the longest suffix of the question name; *OFF = where it starts. */
static int
find_zone(const struct zonetab *zt, const struct dns_msg *m, size_t *off, size_t *above)
{
	const uint8_t *name = m->lname;
	unsigned labels = m->qlabels;
	size_t o = 0, p = 0;
	int zi;

	if (zt == NULL || zt->nzones == 0)
		return -1;
	for (; labels > zt->maxlabels + 1u; labels--)
		o += 1 + (size_t)name[o];
	if (labels > zt->maxlabels) {
		p = o;
		o += 1 + (size_t)name[o];
		labels--;
	}
	for (; labels >= zt->minlabels; labels--) {
		if ((zi = zonetab_find(zt, name + o, m->qnamelen - o)) >= 0) {
			*off = o;
			*above = p;	/* the label directly under the apex (keyed access) */
			return zi;
		}
		if (labels == 0)
			break;
		p = o;
		o += 1 + (size_t)name[o];
	}
	return -1;
}


static bool
addr_equal(const struct addr *a, const struct addr *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

/* Text ID of the snapshot, through Q's cache of where texts lie (query.h). */
int
query_text(struct query_ctx *q, uint32_t id, const char **text, size_t *len)
{
	struct query_text *t = &q->texts[id % QUERY_TEXT_SLOTS];
	int rc;

	if (t->id == id && id != 0) {
		*text = t->text;
		*len = t->len;
		return RB_OK;
	}
	if ((rc = store_text(&q->rd, id, text, len)) == RB_OK) {
		t->id = id;
		t->len = (uint32_t)*len;
		t->text = *text;
	}
	return rc;
}

/* Look A (an address or a prefix of the zone's family) up; raise H's kind. */
static int
probe(struct query_ctx *q, const struct zt_zone *z, const struct addr *a, struct hit *h)
{
	bool v4 = a->fam == ADDR_V4;
	const struct addr *listed = v4 ? &test_listed4 : &test_listed6;
	const struct addr *clean = v4 ? &test_clean4 : &test_clean6;
	struct listing l;
	int rc;

	if (!addr_is_host(a)) {
		/* RFC 8020: a name with something listed below it is an empty non-terminal. */
		rc = addr_contains(a, listed) ? 1 : store_prefix_used(&q->rd, z->id, a, q->now);
		if (rc < 0)
			return rc;
		if (rc > 0 && h->kind < HIT_ENT)
			h->kind = HIT_ENT;
		return 0;
	}
	if (addr_equal(a, listed)) {
		rc = STORE_MATCH_LISTED;
		memset(&l, 0, sizeof(l));
	} else if (addr_equal(a, clean) ||
	    (v4 && !presence_may_hold(q->presence, z->id, q->rd.txnid, a))) {
		rc = STORE_MATCH_NONE;
	} else if ((rc = store_lookup(&q->rd, z->id, a, q->now, &l)) < 0) {
		return rc;
	}
	if (rc == STORE_MATCH_LISTED) {
		h->kind = HIT_LISTED;
		h->a = *a;
		h->code = l.code;
		h->reason_id = l.reason_id;
	}
	return 0;
}

/*
 * What the NLABELS labels of NAME below zone Z say: listed, an empty
 * non-terminal, or nothing.  Both readings are tried when the labels can be
 * read as IPv4 and as IPv6 ("1.2" is 2.1.0.0/16 and 2100::/8).
 */
int
dnsbl_lookup(struct query_ctx *q, const struct zt_zone *z, const uint8_t *name, unsigned nlabels,
    struct hit *h)
{
	struct addr v4, v6, m4;
	int parsed, rc;

	memset(h, 0, sizeof(*h));
	parsed = addr_from_rname(name, nlabels, &v4, &v6);
	if ((parsed & ADDR_PARSED_V4) && (z->family & ZONE_FAMILY_V4) &&
	    (rc = probe(q, z, &v4, h)) < 0)
		return rc;
	if (!(parsed & ADDR_PARSED_V6) || h->kind == HIT_LISTED)
		return 0;
	if ((z->family & ZONE_FAMILY_V4) && addr_is_v4mapped(&v6)) {
		/* SPEC: ::ffff:a.b.c.d is answered as a.b.c.d where IPv4 is listed. */
		addr_unmap(&v6, &m4);
		return probe(q, z, &m4, h);
	}
	if (z->family & ZONE_FAMILY_V6)
		return probe(q, z, &v6, h);
	/* An IPv4-only zone still holds ::ffff:127.0.0.2 below a prefix covering it. */
	if (addr_contains(&v6, &test_listed6) && h->kind < HIT_ENT)
		h->kind = HIT_ENT;
	return 0;
}

/* A listed name: A is the code, TXT the reason or the zone's text; ANY the A alone (RFC 8482). */
static int
answer_listed(struct query_ctx *q, const struct zt_zone *z, uint16_t qtype, const struct hit *h,
    uint32_t serial, struct reply *r)
{
	const char *text = z->text, *reason;
	size_t textlen = z->textlen, reasonlen, rdpos;
	char sub[ADDR_STRLEN];
	int rc;

	if (qtype == DNS_T_TXT && h->reason_id != 0) {
		rc = query_text(q, h->reason_id, &reason, &reasonlen);
		if (rc < 0 && rc != RB_ENOTFOUND)
			return rc;
		if (rc == 0 && reasonlen > 0) {
			text = reason;
			textlen = reasonlen;
		}
	}
	if (qtype == DNS_T_A || qtype == DNS_T_ANY) {
		rdpos = rr_head(r, DNS_QNAME, DNS_T_A, z->ttl);
		wire_u32(&r->w, h->code != 0 ? h->code : z->code);
		rr_end(r, rdpos);
		r->an++;
	}
	if (qtype == DNS_T_TXT && text != NULL && textlen > 0) {
		/* Most reasons hold no '$': format the address only for those that do. */
		sub[0] = '\0';
		if (memchr(text, '$', textlen) != NULL)
			addr_format(&h->a, sub, sizeof(sub));
		rdpos = rr_head(r, DNS_QNAME, DNS_T_TXT, z->ttl);
		put_text(&r->w, text, textlen, sub, strlen(sub));
		rr_end(r, rdpos);
		r->an++;
	}
	if (r->an == 0)
		put_neg_soa(r, z, serial);
	return 0;
}

/* The apex: its records of QTYPE, or NODATA. */
static void
answer_apex(const struct zt_zone *z, uint16_t qtype, uint32_t serial, struct reply *r)
{
	const struct zt_rr *rr;
	size_t i;

	for (i = 0; i < z->nrrs; i++) {
		rr = &z->rrs[i];
		/* RFC 8482 s4.1: ANY gets one RRset, the SOA (the first record). */
		if (qtype == DNS_T_ANY ? i == 0 : rr->type == qtype) {
			put_rr(r, DNS_QNAME, rr, rr->ttl, serial);
			r->an++;
		}
	}
	if (r->an == 0)
		put_neg_soa(r, z, serial);
}

/*
 * An acl "answer" rule for a name below the apex: its A and TXT whatever
 * the store says, NODATA for other types.
 */
static void
answer_fixed(const struct zt_zone *z, uint16_t qtype, const struct acl_rule *rule,
    uint32_t serial, struct reply *r)
{
	size_t rdpos;

	if (qtype == DNS_T_A || qtype == DNS_T_ANY) {
		rdpos = rr_head(r, DNS_QNAME, DNS_T_A, z->ttl);
		wire_u32(&r->w, rule->code);
		rr_end(r, rdpos);
		r->an++;
	}
	if (qtype == DNS_T_TXT && rule->textlen > 0) {
		rdpos = rr_head(r, DNS_QNAME, DNS_T_TXT, z->ttl);
		/* The text is the operator's as written: '$' stays '$'. */
		put_text(&r->w, rule->text, rule->textlen, NULL, 0);
		rr_end(r, rdpos);
		r->an++;
	}
	if (r->an == 0)
		put_neg_soa(r, z, serial);
}

/*
 * Keyed access (SPEC "Keyed access"): the zone's key-refusal, never the
 * data.  REFUSED is not authoritative; NXDOMAIN carries the SOA (RFC 2308).
 */
static void
answer_key_refusal(const struct zt_zone *z, uint16_t qtype, uint32_t serial, struct reply *r)
{
	size_t rdpos;

	switch (z->key_refusal) {
	case CONF_KEYREF_NXDOMAIN:
		r->rcode = DNS_NXDOMAIN;
		put_neg_soa(r, z, serial);
		return;
	case CONF_KEYREF_ANSWER:
		if (qtype == DNS_T_A || qtype == DNS_T_ANY) {
			rdpos = rr_head(r, DNS_QNAME, DNS_T_A, z->ttl);
			wire_u32(&r->w, z->key_code);
			rr_end(r, rdpos);
			r->an++;
		}
		if (qtype == DNS_T_TXT && z->key_textlen > 0) {
			rdpos = rr_head(r, DNS_QNAME, DNS_T_TXT, z->ttl);
			put_text(&r->w, z->key_text, z->key_textlen, "$", 1);
			rr_end(r, rdpos);
			r->an++;
		}
		if (r->an == 0)
			put_neg_soa(r, z, serial);
		return;
	default:
		r->aa = false;
		r->rcode = DNS_REFUSED;
		return;
	}
}

/*
 * Keyed access for a zone with keys (keyed.c), the label directly under
 * the apex at ABOVE: true when the key-refusal (or the key's own name) has
 * been answered into R; else *NBELOW loses the key's label, if any, and
 * *SLOTP gets its counters.
 */
static inline bool
keyed(struct query_ctx *q, const struct zt_zone *z, const struct dns_msg *m, size_t above,
    uint16_t qtype, uint32_t serial, struct reply *r, unsigned *nbelow,
    struct keyuse_slot **slotp)
{
	q->info.key = (uint8_t)keyed_gate(q, z, m->lname + above, above, slotp);
	if (q->info.key == QUERY_KEY_OK) {
		(*nbelow)--;
	} else if (q->info.key != QUERY_KEY_NONE) {
		answer_key_refusal(z, qtype, serial, r);
		return true;
	}
	if (*nbelow == 0) {
		/* KEY.Z itself: a name with the test points below it (RFC 8020). */
		put_neg_soa(r, z, serial);
		return true;
	}
	return false;
}

/*
 * A name below zone Z's apex: keys, then the lookup of the zone's kind;
 * a failed lookup becomes SERVFAIL with nothing in the sections.
 */
static void
answer_below(struct query_ctx *q, const struct zt_zone *z, const struct dns_msg *m,
    size_t above, uint16_t qtype, uint32_t serial, struct reply *r)
{
	struct keyuse_slot *slot = NULL;
	unsigned nbelow;
	struct hit h;
	int rc;

	nbelow = m->qlabels - z->nlabels;
	/* Out of line: a zone without keys pays this one test. */
	if (__builtin_expect(z->keys != CONF_KEYS_OFF, 0) &&
	    keyed(q, z, m, above, qtype, serial, r, &nbelow, &slot))
		return;
	if (z->kind != ZONE_KIND_ADDRESSES) {
		/* Names and aggregates answer in query_kinds.c. */
		rc = query_answer_kind(q, z, m->lname, nbelow, qtype, serial, r);
		if (rc >= 0 && slot != NULL && q->info.lookup == QUERY_LOOKUP_HIT)
			keyed_hit(slot);
	} else if ((rc = dnsbl_lookup(q, z, m->lname, nbelow, &h)) == 0) {
		/* An empty non-terminal is not listed either: a miss, as NXDOMAIN is. */
		q->info.lookup = h.kind == HIT_LISTED ? QUERY_LOOKUP_HIT : QUERY_LOOKUP_MISS;
		if (slot != NULL && h.kind == HIT_LISTED)
			keyed_hit(slot);
		if (h.kind == HIT_LISTED) {
			rc = answer_listed(q, z, qtype, &h, serial, r);
		} else {
			/* RFC 8020: an empty non-terminal is NODATA, never NXDOMAIN. */
			if (h.kind == HIT_NONE)
				r->rcode = DNS_NXDOMAIN;
			put_neg_soa(r, z, serial);
		}
	}
	if (rc < 0) {
		r->w.err = false;
		r->w.len = r->qend;
		r->an = r->ns = 0;
		r->aa = false;
		r->rcode = DNS_SERVFAIL;
		q->info.lookup = QUERY_LOOKUP_NONE;
	}
}

/* authority-ns = yes (rbldnsd -A): the apex's NS records in the authority of a positive answer. */
static void
put_authority_ns(struct reply *r, const struct zt_zone *z, uint32_t serial)
{
	size_t i;

	for (i = 0; i < z->nrrs; i++) {
		if (z->rrs[i].type == DNS_T_NS) {
			put_rr(r, r->apex, &z->rrs[i], z->rrs[i].ttl, serial);
			r->ns++;
		}
	}
}

/*
 * A class IN QUERY with one question: find the zone, ask the ACL about
 * CLIENT (when known) and answer.  *ZI gets the zone's index or -1.
 */
static enum query_result
answer_zone(struct query_ctx *q, const struct dns_msg *m, enum query_transport transport,
    const struct addr *client, struct reply *r, int *zip)
{
	const struct acl_rule *rule = NULL;
	const struct zt_zone *z;
	uint16_t qtype = m->qtype;
	uint32_t serial;
	size_t off = 0, above = 0;
	int zi;

	*zip = zi = find_zone(q->zt, m, &off, &above);
	if (zi >= 0)
		q->info.zone = q->zt->zones[zi].id;
	if (client != NULL && (rule = acl_match(q->acl, zi, client)) != NULL) {
		if (rule->action == CONF_QACL_DROP) {
			q->info.action = QUERY_ACT_ACL_DROP;
			return QUERY_DROP;	/* SPEC: a silence the operator configured */
		}
		if (rule->action == CONF_QACL_REFUSE) {
			q->info.action = QUERY_ACT_ACL_REFUSE;
			r->rcode = DNS_REFUSED;
			return QUERY_ANSWER;
		}
	}
	if (zi < 0) {
		r->rcode = DNS_REFUSED;	/* SPEC: outside every zone */
		return QUERY_ANSWER;
	}
	z = &q->zt->zones[zi];
	if (qtype == DNS_T_AXFR || qtype == DNS_T_IXFR) {
		/* RFC 5936 s4.2: AXFR is TCP only; transfers are of whole zones. */
		/* An aggregate is transferred as the union of its members (xfr_aggregate.c). */
		if (off != 0 || (qtype == DNS_T_AXFR && transport == QUERY_UDP)) {
			r->rcode = DNS_REFUSED;
			return QUERY_ANSWER;
		}
		if (transport == QUERY_TCP)
			return QUERY_XFR;
		qtype = DNS_T_SOA;	/* RFC 1995 s2: over UDP the SOA says "ask over TCP" */
	}
	r->aa = true;
	r->apex = (uint16_t)(DNS_QNAME + off);
	serial = zone_serial(q, (size_t)zi);

	if (off == 0) {
		answer_apex(z, qtype, serial, r);
	} else if (rule != NULL && rule->action == CONF_QACL_ANSWER) {
		q->info.action = QUERY_ACT_ACL_ANSWER;
		answer_fixed(z, qtype, rule, serial, r);
	} else {
		answer_below(q, z, m, above, qtype, serial, r);
	}
	if (__builtin_expect(z->authority_ns, 0) && r->an > 0 && r->rcode == DNS_NOERROR)
		put_authority_ns(r, z, serial);
	return QUERY_ANSWER;
}

/* The rcode for anything but a well-formed class IN QUERY; -1 for those. */
static int
check_query(const struct dns_msg *m, unsigned opcode)
{
	if (opcode != DNS_OP_QUERY && opcode != DNS_OP_NOTIFY)
		return DNS_NOTIMP;		/* RFC 8906 s3.1.4 */
	if (!m->ok || m->qdcount != 1 || m->nopt > 1)
		return DNS_FORMERR;		/* RFC 9619; RFC 6891 s6.1.1 */
	if (m->nopt == 1 && m->ednsver > 0)
		return DNS_BADVERS;		/* RFC 6891 s6.1.3 */
	if (opcode == DNS_OP_NOTIFY)
		return DNS_REFUSED;		/* RFC 1996 s3.10: we are the primary, not a secondary */
	if (m->qtype == DNS_T_OPT || m->qtype == DNS_T_TSIG)
		return DNS_FORMERR;		/* meta types only live in the additional section */
	if (m->qclass != DNS_CLASS_IN)
		return DNS_REFUSED;		/* our zones are class IN */
	return -1;
}

/*
 * Close the reply R to M: our OPT when M had one (with NSID when asked and
 * configured), then the header, written last as its counts are known now.
 */
static void
finish_reply(const struct query_ctx *q, const struct dns_msg *m, bool nsid, struct reply *r)
{
	uint8_t *out = r->w.buf;

	if (m->nopt > 0) {
		wire_room(&r->w, DNS_OPT_LEN);
		if (!r->w.err) {
			dns_put_opt(m, r->rcode, out + r->w.len);
			r->w.len += DNS_OPT_LEN;
		}
		if (nsid) {
			/* RFC 5001 s2.3: our identifier, as configured. */
			wire_set_u16(&r->w, r->w.len - 2, (uint16_t)(4 + q->nsidlen));
			wire_u16(&r->w, DNS_OPT_NSID);
			wire_u16(&r->w, q->nsidlen);
			wire_mem(&r->w, q->nsid, q->nsidlen);
		}
	}
	out[0] = (uint8_t)(m->id >> 8);
	out[1] = (uint8_t)m->id;
	dns_reply_flags(m, r->aa, r->tc, r->rcode, out + 2);
	set_u16(out + 4, r->qend > DNS_HDRLEN ? 1 : 0);
	set_u16(out + 6, r->an);
	set_u16(out + 8, r->ns);
	set_u16(out + 10, m->nopt > 0 && !r->w.err ? 1 : 0);
}

enum query_result
query_answer_msg(struct query_ctx *q, const struct dns_msg *m, enum query_transport transport,
    uint8_t *out, size_t outcap, size_t *outlen)
{
	const struct acl_rule *rule;
	struct addr client, *cl = NULL;
	enum query_result res;
	struct reply r;
	size_t limit, optlen;
	bool nsid;
	int rcode, zi = -1;

	*outlen = 0;
	memset(&q->info, 0, sizeof(q->info));
	q->info.zi = -1;
	/* SPEC, RFC 8906: the only silences are short packets and responses. */
	if (dns_silent(m->pkt, m->len)) {
		q->info.action = QUERY_ACT_MALFORMED;
		return QUERY_DROP;
	}
	if (m->hasq) {
		q->info.qtype = m->qtype;
		q->info.qnamelen = m->qnamelen;
	}
	/* RFC 5001 s2.1: NSID only to a client whose OPT asks for it. */
	nsid = m->nopt > 0 && m->nsid && q->nsid != NULL;
	optlen = m->nopt == 0 ? 0 : DNS_OPT_LEN + (nsid ? 4 + (size_t)q->nsidlen : 0);

	limit = transport == QUERY_TCP ? (outcap < QUERY_BUFSIZE ? outcap : QUERY_BUFSIZE) :
	    dns_udp_limit(m, outcap);
	if (limit < DNS_HDRLEN + optlen || limit < DNS_HDRLEN + DNS_OPT_LEN)
		return QUERY_DROP;

	/* The header is written last; the OPT's room is kept until then. */
	memset(&r, 0, sizeof(r));
	wire_init(&r.w, out, limit - optlen);
	r.w.len = DNS_HDRLEN;
	if (m->hasq && wire_room(&r.w, (size_t)m->qnamelen + 4)) {
		/* The question as asked, case kept; OUT may be the buffer PKT came in. */
		memmove(out + DNS_HDRLEN, m->pkt + DNS_HDRLEN, (size_t)m->qnamelen + 4);
		r.w.len += (size_t)m->qnamelen + 4;
	}
	r.w.err = false;
	r.qend = r.w.len;

	if (q->peer != NULL && q->acl != NULL && acl_client(q->peer, &client))
		cl = &client;
	if ((rcode = check_query(m, m->opcode)) >= 0) {
		r.rcode = (uint16_t)rcode;
		/* Not a query of a zone: only [server]'s rules can say drop or refuse. */
		if (cl != NULL && (rule = acl_match(q->acl, -1, cl)) != NULL) {
			if (rule->action == CONF_QACL_DROP) {
				q->acl_dropped++;
				q->info.action = QUERY_ACT_ACL_DROP;
				return QUERY_DROP;
			}
			if (rule->action == CONF_QACL_REFUSE) {
				q->info.action = QUERY_ACT_ACL_REFUSE;
				r.rcode = DNS_REFUSED;
			}
		}
	} else if ((res = answer_zone(q, m, transport, cl, &r, &zi)) != QUERY_ANSWER) {
		if (res == QUERY_DROP)
			q->acl_dropped++;
		return res;
	}
	q->info.zi = (int16_t)zi;

	if (r.w.err) {
		/* RFC 1035 s4.2.1, RFC 2181 s9: what does not fit is left out and TC set. */
		r.w.err = false;
		r.w.len = r.qend;
		r.an = r.ns = 0;
		r.tc = true;
	}
	r.w.cap = limit;
	finish_reply(q, m, nsid, &r);
	q->info.rcode = r.rcode;
	*outlen = r.w.len;
	return QUERY_ANSWER;
}

int
query_find_zone(const struct zonetab *zt, const struct dns_msg *m, size_t *off)
{
	size_t above;

	return find_zone(zt, m, off, &above);
}

enum query_result
query_answer(struct query_ctx *q, const uint8_t *pkt, size_t len,
    enum query_transport transport, uint8_t *out, size_t outcap, size_t *outlen)
{
	struct dns_msg m;

	dns_parse(&m, pkt, len);
	return query_answer_msg(q, &m, transport, out, outcap, outlen);
}

/* ---- Per-worker state ---- */

int
query_ctx_init(struct query_ctx *q, const struct zonetab *zt, struct store *s)
{
	int rc;

	memset(q, 0, sizeof(*q));
	q->zt = zt;
	if ((rc = store_reader_init(s, &q->rd)) < 0)
		return rc;
	if ((q->serials = calloc(STORE_MAX_ZONES, sizeof(*q->serials))) == NULL ||
	    (q->texts = calloc(QUERY_TEXT_SLOTS, sizeof(*q->texts))) == NULL ||
	    (q->keycache = keyed_cache_new()) == NULL) {
		free(q->serials);
		free(q->texts);
		q->serials = NULL;
		q->texts = NULL;
		store_reader_fini(&q->rd);
		return -ENOMEM;
	}
	return 0;
}

void
query_ctx_fini(struct query_ctx *q)
{
	if (q->serials == NULL)
		return;
	store_reader_fini(&q->rd);
	free(q->serials);
	free(q->texts);
	keyed_cache_free(q->keycache);
	q->serials = NULL;
	q->texts = NULL;
	q->keycache = NULL;
}

int
query_ctx_refresh(struct query_ctx *q)
{
	struct store_zone sz;
	size_t i;
	int rc;

	if ((rc = store_reader_refresh(&q->rd)) < 0)
		return rc;
	if (q->texts_txnid != q->rd.txnid) {
		memset(q->texts, 0, QUERY_TEXT_SLOTS * sizeof(*q->texts));
		q->texts_txnid = q->rd.txnid;
	}
	q->now = (uint32_t)time_now();
	if (q->rrl != NULL)
		q->ticks = rrl_now();
	if (q->zt == NULL || (q->serial_txnid == q->rd.txnid &&
	    q->serial_gen == q->zt->gen))
		return 0;
	for (i = 0; i < q->zt->nzones; i++)
		q->serials[i] = store_zone_get(&q->rd, q->zt->zones[i].id, &sz) == 0 ?
		    sz.serial : q->zt->zones[i].apex_serial;
	/* An aggregate's serial: its own plus its members' (xfr_aggregate.c). */
	for (i = 0; i < q->zt->nzones; i++)
		if (q->zt->zones[i].kind == ZONE_KIND_AGGREGATE)
			q->serials[i] = xfr_zone_serial(q->zt, i, &q->rd);
	q->serial_gen = q->zt->gen;
	q->serial_txnid = q->rd.txnid;
	return 0;
}

void
query_ctx_release(struct query_ctx *q)
{
	store_reader_release(&q->rd);
}
