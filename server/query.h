/* The DNS query path: answer bytes from query bytes, no sockets, no allocation. */
#ifndef QUERY_H
#define QUERY_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "conf.h"
#include "dns.h"
#include "store.h"

/*
 * The served zones, built once from the configuration (apex records in wire
 * form, zone ids in the store) and read-only afterwards, so a reload can
 * build a new table and swap the pointer under running workers.
 */
struct zonetab;

/* Build the table for C; zone ids come from store_zone_ensure on S. NULL + ERR on failure. */
struct zonetab *zonetab_new(const struct conf *c, struct store *s, char *err, size_t errlen);
void zonetab_free(struct zonetab *zt);

enum query_transport { QUERY_UDP = 0, QUERY_TCP = 1 };

/* What the caller does with the output buffer. */
enum query_result {
	QUERY_ANSWER = 0,	/* send OUT[0..*outlen) */
	QUERY_DROP,		/* send nothing (short packet, QR=1, NOTIFY reply, ACL, RRL) */
	QUERY_XFR,		/* AXFR/IXFR over TCP: hand the query to the transfer code */
};

/* Largest answer over UDP unless the client asks for less (SPEC: 1232). */
#define QUERY_UDP_MAX DNS_UDP_MAX
/* Output buffer size callers provide: a whole TCP message. */
#define QUERY_BUFSIZE 65535

/* Whether a DNSBL name below a zone apex was found listed. */
enum query_lookup { QUERY_LOOKUP_NONE = 0, QUERY_LOOKUP_HIT, QUERY_LOOKUP_MISS };

/* Keyed access: what the key of a query did (SPEC "Keyed access"). */
enum query_key {
	QUERY_KEY_NONE = 0,	/* no key label, or a zone without keys */
	QUERY_KEY_OK,		/* a valid key: answered as without it */
	QUERY_KEY_UNKNOWN,	/* unknown, disabled or not for this zone: key-refusal */
	QUERY_KEY_OVER,		/* over its qps or daily limit: key-refusal */
	QUERY_KEY_MISSING,	/* keys = required and no key: key-refusal */
};

/* What the ACL or rate limiting did to a query, besides answering it. */
enum query_action {
	QUERY_ACT_NONE = 0,
	QUERY_ACT_ACL_DROP,
	QUERY_ACT_ACL_REFUSE,
	QUERY_ACT_ACL_ANSWER,	/* an acl rule's fixed A and TXT */
	QUERY_ACT_RRL_DROP,
	QUERY_ACT_RRL_TRUNCATE,	/* slip: sent truncated */
	QUERY_ACT_MALFORMED,	/* shorter than a header, or a response: dropped */
};

/*
 * What query_answer made of the last message, for the metrics and the
 * query log; the caller reads it before the next call.
 */
struct query_info {
	uint16_t qtype;		/* 0: no question parsed */
	uint16_t qnamelen;	/* octets of the question name at offset 12; 0: none */
	uint16_t rcode;		/* of the answer, 12 bits */
	uint16_t zone;		/* the store's id of the zone asked; 0: none */
	int16_t zi;		/* its index in the zone table; -1: none */
	uint8_t lookup;		/* enum query_lookup */
	uint8_t action;		/* enum query_action */
	uint8_t key;		/* enum query_key */
	uint8_t keylen;		/* the key label's octets (0: none) ... */
	uint16_t keyoff;	/* ... at this offset of the question name, for logs to hide */
};

struct acl;	/* acl.h: query ACLs and rate limits of a configuration */
struct rrl;	/* rrl.h: the server's shared rate limiting table */
struct presence;	/* presence.h: which IPv4 /24s hold entries */
struct keyuse;		/* keyuse.h: this worker's per-key counters */
struct keyuse_set;	/* keyuse.h: every worker's, for the limits */
struct query_keycache;	/* keyed.c: keys looked up in this snapshot */

/*
 * Per-worker state: a reusable read transaction and cached zone serials.
 * ACL, RRL and PRESENCE are set by the caller after query_ctx_init (NULL:
 * no ACL, no rate limiting, every address looked up); ACL belongs to ZT's configuration and is swapped
 * with it.  PEER is the client of the query about to be answered, set by
 * the caller before query_answer (so transfer code that answers through
 * query_answer needs no client of its own); NULL means unknown.
 */
struct query_ctx {
	const struct zonetab *zt;
	const struct acl *acl;
	struct rrl *rrl;
	const struct presence *presence;
	struct keyuse *keyuse;		/* NULL: keys not counted, no limits enforced */
	const struct keyuse_set *keyset;	/* with keyuse: every worker's tables */
	struct query_keycache *keycache;	/* query_ctx_init's: KEYED_CACHE_SLOTS entries */
	uint32_t key_day_start;		/* keyed access: quota days start here (keyuse_day) */
	const struct sockaddr *peer;	/* sockaddr_in or sockaddr_in6, or NULL */
	struct store_reader rd;
	uint32_t now;			/* seconds, set by query_ctx_refresh */
	uint64_t ticks;			/* rrl_now(), set by query_ctx_refresh */
	uint64_t serial_txnid;		/* snapshot the serial cache belongs to */
	uint32_t *serials;		/* per zone of zt, refreshed per snapshot */
	uint32_t serial_gen;		/* the zone table (its gen) the serials belong to */
	unsigned slip;			/* limited answers since the last truncated one (door.c) */
	uint64_t rrl_dropped;		/* answers RRL dropped, for the log */
	uint64_t rrl_slipped;		/* answers RRL sent truncated */
	uint64_t acl_dropped;		/* queries an ACL rule silenced */
	const uint8_t *nsid;		/* RFC 5001: sent to clients that ask; NULL = none */
	uint16_t nsidlen;
	struct query_info info;		/* the last query_answer's */
	struct query_text *texts;	/* QUERY_TEXT_SLOTS texts of the snapshot (query_text) */
	uint64_t texts_txnid;		/* the snapshot they lie in */
};

/*
 * Where texts lie in the snapshot's map, by id, so that a TXT answer with a
 * shared reason (most listings share one of a few hundred) costs no B-tree
 * descent in `strings`.  Direct-mapped; a text once written never changes
 * under its id, and its bytes stay where they are until a commit, after
 * which the snapshot's txnid differs and every slot is forgotten.
 */
#define QUERY_TEXT_SLOTS 1024
struct query_text {
	uint32_t id;			/* 0 = empty */
	uint32_t len;
	const char *text;
};

int query_ctx_init(struct query_ctx *q, const struct zonetab *zt, struct store *s);
void query_ctx_fini(struct query_ctx *q);
/* Before a batch: newest snapshot, current time.  Lock-free. */
int query_ctx_refresh(struct query_ctx *q);
/* After a batch, when going idle: let go of the snapshot. */
void query_ctx_release(struct query_ctx *q);

/*
 * Answer the parsed DNS message M received over TRANSPORT into OUT
 * (capacity OUTCAP >= QUERY_BUFSIZE for TCP, >= 512 for UDP; OUT may be
 * the buffer M was parsed from).  Reads the store through Q's snapshot and
 * writes only OUT and *outlen, unless Q has a PEER: then Q's ACL decides
 * first (allow, REFUSED, QUERY_DROP or a fixed A/TXT answer for the zone's
 * DNSBL names).  Rate limiting is not done here but at the front door
 * (door.h), for every reply alike.  Without PEER (tests, fuzzers) it is a
 * pure function of the bytes.  Either way Q->info tells what became of
 * the message.  With Q->nsid set, an OPT carrying the NSID option gets
 * ours back (RFC 5001).
 */
enum query_result query_answer_msg(struct query_ctx *q, const struct dns_msg *m,
    enum query_transport transport, uint8_t *out, size_t outcap, size_t *outlen);

/* The zone whose apex is the longest suffix of M's question; *OFF = where it starts; -1: none. */
int query_find_zone(const struct zonetab *zt, const struct dns_msg *m, size_t *off);

/* query_answer_msg on PKT[0..len), parsed here: for tests, fuzzers and benchmarks. */
enum query_result query_answer(struct query_ctx *q, const uint8_t *pkt, size_t len,
    enum query_transport transport, uint8_t *out, size_t outcap, size_t *outlen);

#endif
