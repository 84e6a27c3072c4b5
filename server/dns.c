/* DNS messages on the wire: the one parse, name walking, the least reply. */
#include <string.h>

#include "dns.h"
#include "wire.h"

/* Eight octets of S in lower case into D. */
static inline void
lower8(uint8_t *d, const uint8_t *s)
{
	uint64_t w;

	memcpy(&w, s, 8);
	w = wire_lower8(w);
	memcpy(d, &w, 8);
}

/*
 * Sixteen octets of S in lower case into D, in one vector (GCC's vector
 * extensions: SSE2 on x86-64, NEON on ARM, words elsewhere).  Adding 0x3f
 * takes 'A'..'Z' to 0x80..0x99, the least octets as signed, and nothing
 * else there: those get 0x20.
 */
typedef uint8_t dns_v16u __attribute__((vector_size(16)));
typedef int8_t dns_v16s __attribute__((vector_size(16)));

static inline void
lower16(uint8_t *d, const uint8_t *s)
{
	dns_v16u v;
	dns_v16s up;

	memcpy(&v, s, 16);
	up = (dns_v16s)(v + 0x3f) < -102;
	v |= (dns_v16u)up & 0x20;
	memcpy(d, &v, 16);
}

/* N octets of S in lower case into D: whole chunks, the last overlapping the one before. */
static inline void
lower_name(uint8_t *d, const uint8_t *s, size_t n)
{
	size_t i;

	if (n >= 16) {
		for (i = 0; i + 16 < n; i += 16)
			lower16(d + i, s + i);
		lower16(d + n - 16, s + n - 16);
	} else if (n >= 8) {
		lower8(d, s);
		lower8(d + n - 8, s + n - 8);
	} else {
		for (i = 0; i < n; i++)
			d[i] = dns_lower(s[i]);
	}
}

/*
 * The question name at OFF: plain labels only.  A compression pointer is
 * refused, as nothing before the question could be its target (RFC 1035
 * s4.1.4), and so are the label types 0x40/0x80 (RFC 6891 s5).  Returns
 * the name's octets, or -1 for FORMERR.  With M, the name is kept in
 * lower case.
 */
static int
parse_qname(const uint8_t *p, size_t len, size_t off, struct dns_msg *m)
{
	size_t start = off, n;
	unsigned labels = 0;
	uint8_t l;

	/* Bounded by LEN; the name's length is checked once, after. */
	for (;;) {
		if (off >= len)
			return -1;
		l = p[off];
		if ((uint8_t)(l - 1) > 62)	/* the root label, or not a plain label */
			break;
		off += 1 + (size_t)l;
		labels++;
	}
	n = off + 1 - start;
	if (l != 0 || n > DNS_NAMELEN)
		return -1;
	if (m != NULL) {
		m->qnamelen = (uint16_t)n;
		m->qlabels = (uint8_t)labels;
		lower_name(m->lname, p + start, n);
	}
	return (int)n;
}

int
dns_skip_name(const uint8_t *p, size_t len, size_t *off)
{
	size_t o = *off, target;

	for (;;) {
		if (o >= len)
			return -1;
		if ((p[o] & 0xc0) == 0xc0) {
			if (o + 2 > len)
				return -1;
			target = (size_t)(p[o] & 0x3f) << 8 | p[o + 1];
			if (target < DNS_HDRLEN || target >= *off)
				return -1;
			*off = o + 2;
			return 0;
		}
		if (p[o] > 63)
			return -1;
		if (p[o] == 0)
			break;
		o += 1 + (size_t)p[o];
		if (o - *off + 1 > DNS_NAMELEN)
			return -1;
	}
	*off = o + 1;
	return 0;
}

int
dns_read_name(const uint8_t *p, size_t len, size_t *off, uint8_t *out)
{
	size_t o = *off, n = 0, hops = 0, target;
	bool jumped = false;
	uint8_t l;

	for (;;) {
		if (o >= len)
			return -1;
		l = p[o];
		if ((l & 0xc0) == 0xc0) {
			if (o + 1 >= len || ++hops > 64)
				return -1;
			target = (size_t)(l & 0x3f) << 8 | p[o + 1];
			if (target < DNS_HDRLEN || target >= o)
				return -1;	/* backwards only: no loops */
			if (!jumped)
				*off = o + 2;
			jumped = true;
			o = target;
			continue;
		}
		if (l > 63 || o + 1 + l > len || n + 1 + l > DNS_NAMELEN)
			return -1;
		out[n++] = l;
		if (l == 0)
			break;
		for (size_t i = 0; i < l; i++)
			out[n++] = dns_lower(p[o + 1 + i]);
		o += 1 + (size_t)l;
	}
	if (!jumped)
		*off = o + 1;
	return (int)n;
}

/* RFC 6891 s6.1.2: the options must exactly fill the RDATA.  *NSID: one is NSID. */
static bool
opt_options_ok(const uint8_t *p, size_t rdlen, bool *nsid)
{
	size_t o = 0, olen;

	while (o < rdlen) {
		if (rdlen - o < 4)
			return false;
		olen = wire_get_u16(p + o + 2);
		if (rdlen - o - 4 < olen)
			return false;
		if (wire_get_u16(p + o) == DNS_OPT_NSID)
			*nsid = true;
		o += 4 + olen;
	}
	return true;
}

void
dns_parse(struct dns_msg *m, const uint8_t *p, size_t len)
{
	unsigned qd, an, ns, ar, i, n;
	size_t off = DNS_HDRLEN, start, rdlen;
	uint16_t type;
	int q;

	memset(m, 0, offsetof(struct dns_msg, lname));
	m->pkt = p;
	m->len = m->wirelen = len;
	if (len < DNS_HDRLEN)
		return;
	m->id = wire_get_u16(p);
	m->flags = p[2];
	m->flags2 = p[3];
	m->opcode = (p[2] >> 3) & 0x0f;
	qd = m->qdcount = wire_get_u16(p + 4);
	an = m->ancount = wire_get_u16(p + 6);
	ns = m->nscount = wire_get_u16(p + 8);
	ar = m->arcount = wire_get_u16(p + 10);
	n = an + ns + ar;

	for (i = 0; i < qd; i++) {
		q = parse_qname(p, len, off, qd == 1 ? m : NULL);
		if (q < 0 || len - off < (size_t)q + 4)
			return;
		off += (size_t)q;
		if (qd == 1) {
			m->qtype = wire_get_u16(p + off);
			m->qclass = wire_get_u16(p + off + 2);
			m->hasq = true;
		}
		off += 4;
	}
	for (i = 0; i < n; i++) {
		bool nsid = false;

		if (i == an)
			m->auth = off;
		start = off;
		if (dns_skip_name(p, len, &off) < 0 || len - off < 10)
			return;
		type = wire_get_u16(p + off);
		rdlen = wire_get_u16(p + off + 8);
		if (len - off - 10 < rdlen)
			return;
		if (type == DNS_T_OPT) {
			/* RFC 6891 s6.1.1: only in the additional section, owned by the root. */
			if (i < an + ns || off != start + 1 || p[start] != 0)
				return;
			if (++m->nopt == 1) {
				m->udpsize = wire_get_u16(p + off + 2);
				m->ednsver = p[off + 5];
				m->dobit = (wire_get_u16(p + off + 6) & DNS_EDNS_DO) != 0;
			}
			if (!opt_options_ok(p + off + 10, rdlen, &nsid))
				return;
			if (m->nopt == 1)
				m->nsid = nsid;
		} else if (type == DNS_T_TSIG) {
			/* RFC 8945 s5.1: the last record of the additional section, or FORMERR. */
			if (i + 1 != n || i < an + ns)
				m->badtsig = true;
			else
				m->tsig = start;
		}
		off += 10 + rdlen;
	}
	if (m->tsig != 0) {
		/* The rest of the server sees the message as it was before it was signed. */
		m->len = m->tsig;
		m->arcount--;
	}
	m->ok = true;
}

size_t
dns_reply_min(const struct dns_msg *m, unsigned rcode, bool tc, uint8_t *out, size_t cap)
{
	size_t n = DNS_HDRLEN, qlen = m->hasq ? (size_t)m->qnamelen + 4 : 0;

	if (cap < DNS_HDRLEN || m->len < DNS_HDRLEN)
		return 0;
	out[0] = (uint8_t)(m->id >> 8);
	out[1] = (uint8_t)m->id;
	dns_reply_flags(m, false, tc, rcode, out + 2);
	memset(out + 4, 0, 8);
	/* RFC 6891 s7: a query with an OPT gets one back, errors included. */
	if (m->hasq && n + qlen + (m->nopt > 0 ? DNS_OPT_LEN : 0) <= cap) {
		memmove(out + n, m->pkt + DNS_QNAME, qlen);
		n += qlen;
		out[5] = 1;
	}
	if (m->nopt > 0 && n + DNS_OPT_LEN <= cap) {
		dns_put_opt(m, rcode, out + n);
		n += DNS_OPT_LEN;
		out[11] = 1;
	}
	return n;
}
