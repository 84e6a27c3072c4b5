/* DNS wire constants, name walking, and the one parse of every received message. */
#ifndef DNS_H
#define DNS_H

/*
 * Every message the server receives is read once, by dns_parse, into a
 * struct dns_msg; the query answerer, transfers, TSIG and the front door
 * (door.c) all work from that view and the constants here, so no part
 * walks the same bytes with rules of its own.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DNS_HDRLEN 12
#define DNS_QNAME DNS_HDRLEN	/* offset of the question name: compression target */
#define DNS_NAMELEN 255		/* RFC 1035 s3.1 */
#define DNS_MSGMAX 65535
#define DNS_UDP_MIN 512		/* RFC 1035 s4.2.1; RFC 6891 s6.2.5: smaller means 512 */
#define DNS_UDP_MAX 1232	/* SPEC: the largest UDP answer unless the client asks for less */
#define DNS_OPT_LEN 11		/* our OPT: root, type, class, TTL, RDLENGTH 0 */
#define DNS_OPT_NSID 3		/* RFC 5001 s2.3 */
#define DNS_EDNS_DO 0x8000	/* RFC 3225 */
#define DNS_PTR 0xc000		/* RFC 1035 s4.1.4: compression pointer bits */

/* Header octet 2. */
#define DNS_F_QR 0x80
#define DNS_F_AA 0x04
#define DNS_F_TC 0x02
#define DNS_F_RD 0x01
/* Header octet 3. */
#define DNS_F_RA 0x80
#define DNS_F_AD 0x20
#define DNS_F_CD 0x10

enum dns_opcode { DNS_OP_QUERY = 0, DNS_OP_NOTIFY = 4 };

enum dns_rcode {
	DNS_NOERROR = 0, DNS_FORMERR = 1, DNS_SERVFAIL = 2, DNS_NXDOMAIN = 3, DNS_NOTIMP = 4,
	DNS_REFUSED = 5, DNS_NOTAUTH = 9, DNS_BADVERS = 16,
};

enum dns_type {
	DNS_T_A = 1, DNS_T_NS = 2, DNS_T_SOA = 6, DNS_T_TXT = 16, DNS_T_AAAA = 28,
	DNS_T_OPT = 41, DNS_T_TSIG = 250, DNS_T_IXFR = 251, DNS_T_AXFR = 252, DNS_T_ANY = 255,
};

#define DNS_CLASS_IN 1
#define DNS_CLASS_ANY 255

/* What one parse learnt about a message; offsets are into PKT. */
struct dns_msg {
	const uint8_t *pkt;
	size_t len;			/* the message without its TSIG record, if it has one */
	uint16_t id;
	uint8_t flags;			/* header octet 2: QR, opcode, AA, TC, RD */
	uint8_t flags2;			/* header octet 3: RA, Z, AD, CD, RCODE */
	uint8_t opcode;
	uint16_t qdcount, ancount, nscount, arcount;	/* ARCOUNT without the TSIG */
	bool ok;			/* every counted question and record parsed */
	bool hasq;			/* exactly one question, parsed */
	uint16_t qnamelen;		/* octets of the question name at DNS_QNAME */
	uint8_t qlabels;		/* its labels, root not counted */
	uint16_t qtype, qclass;
	uint8_t nopt;			/* OPT records in the additional section */
	uint8_t ednsver;
	uint16_t udpsize;		/* of the first OPT */
	bool dobit;
	bool nsid;			/* the first OPT asks for NSID (RFC 5001 s2.1) */
	bool badtsig;			/* a TSIG that is not the last record (RFC 8945 s5.1) */
	size_t tsig;			/* offset of the TSIG record; 0: none */
	size_t wirelen;			/* the whole message, TSIG included */
	size_t auth;			/* offset of the authority section; 0: none parsed */
	uint8_t lname[DNS_NAMELEN];	/* the question name in lower case */
};

/* True when the header alone says the message is not ours to answer (RFC 8906: silence). */
static inline bool
dns_silent(const uint8_t *pkt, size_t len)
{
	return len < DNS_HDRLEN || (pkt[2] & DNS_F_QR) != 0;
}

/*
 * Read PKT[0..len) (at least a header) into *M.  Trailing octets after the
 * counted records are ignored.  M->ok tells whether the whole message was
 * well formed; the fields up to the first fault are filled either way.
 */
void dns_parse(struct dns_msg *m, const uint8_t *pkt, size_t len);

/*
 * Step *OFF over the name at it, which may end in a pointer to an earlier
 * offset of the message (never forward, never into the header).  0, or -1
 * when malformed.
 */
int dns_skip_name(const uint8_t *p, size_t len, size_t *off);

/*
 * Copy the possibly compressed name at *OFF into OUT (DNS_NAMELEN) in lower
 * case and move *OFF past it.  Returns its length, or -1 when malformed.
 */
int dns_read_name(const uint8_t *p, size_t len, size_t *off, uint8_t *out);

/* ASCII lower case of one octet. */
static inline uint8_t
dns_lower(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? (uint8_t)(c + ('a' - 'A')) : c;
}

/*
 * The least reply to M: header with RCODE (its upper bits in the OPT), the
 * question echoed when M has one, the OPT when M had one, TC when asked.
 * Used for errors, refusals and truncated answers, so it is never larger
 * than the request (it holds nothing the request did not).  Header flags
 * as dns_reply_flags.  Returns its length, 0 when CAP is below a header.
 */
size_t dns_reply_min(const struct dns_msg *m, unsigned rcode, bool tc, uint8_t *out, size_t cap);


/* The most a UDP reply to M may take (RFC 6891 s6.2.5, at most DNS_UDP_MAX), and at most CAP. */
static inline size_t
dns_udp_limit(const struct dns_msg *m, size_t cap)
{
	size_t n = DNS_UDP_MIN;

	if (m->nopt > 0 && m->udpsize > DNS_UDP_MIN)
		n = m->udpsize > DNS_UDP_MAX ? DNS_UDP_MAX : m->udpsize;
	return n < cap ? n : cap;
}

/*
 * Header octets 2 and 3 of a reply to M: QR, the opcode, AA and TC as
 * given; RD and CD copied for a QUERY only (RFC 4035 s3.1.6), since
 * replies to other opcodes carry no RD, RA, AD or CD; the RCODE's low bits.
 */
static inline void
dns_reply_flags(const struct dns_msg *m, bool aa, bool tc, unsigned rcode, uint8_t *out)
{
	bool query = m->opcode == DNS_OP_QUERY;

	out[0] = (uint8_t)(DNS_F_QR | m->opcode << 3 | (aa ? DNS_F_AA : 0) | (tc ? DNS_F_TC : 0) |
	    (query ? m->flags & DNS_F_RD : 0));
	/* RA, Z and AD clear; CD copied in a QUERY (RFC 4035 s3.1.6). */
	out[1] = (uint8_t)((query ? m->flags2 & DNS_F_CD : 0) | (rcode & 0x0f));
}

/* Write our OPT at OUT (room checked by the caller): rcode's upper bits, DO copied. */
static inline void
dns_put_opt(const struct dns_msg *m, unsigned rcode, uint8_t *out)
{
	/* RFC 6891 s6.1.3: the rcode's upper bits; RFC 3225 s3: DO copied. */
	out[0] = 0;
	out[1] = 0;
	out[2] = DNS_T_OPT;
	out[3] = DNS_UDP_MAX >> 8;
	out[4] = DNS_UDP_MAX & 0xff;
	out[5] = (uint8_t)(rcode >> 4);
	out[6] = 0;
	out[7] = m->dobit ? DNS_EDNS_DO >> 8 : 0;
	out[8] = 0;
	out[9] = 0;
	out[10] = 0;
}

#endif
