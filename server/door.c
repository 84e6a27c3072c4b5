/* The front door: parse once, gate, route, and gate the reply again. */
#include <string.h>

#include "acl.h"
#include "addr.h"
#include "dns.h"
#include "door.h"
#include "log.h"
#include "rb.h"
#include "rrl.h"
#include "timeutil.h"
#include "zonetab.h"

/* Lines a stranger can cause with every packet: one per interval each. */
static struct log_limit tsig_log;

/* Errors are what RRL and the size rule treat apart from answers. */
static bool
is_error(unsigned rcode)
{
	return rcode != DNS_NOERROR && rcode != DNS_NXDOMAIN;
}

/*
 * A reply of our own making: the least reply with RCODE and, with CTX, a
 * TSIG carrying TSIGERR (RFC 8945 s5.3.2: no MAC unless the key was proven).
 */
static enum query_result
reply(struct query_ctx *q, const struct dns_msg *m, unsigned rcode, struct tsig_ctx *ctx,
    int tsigerr, uint8_t *out, size_t cap, size_t *olen)
{
	size_t n = dns_reply_min(m, rcode, false, out, cap);

	if (n == 0)
		return QUERY_DROP;
	*olen = n;
	if (ctx != NULL && tsig_sign(ctx, out, olen, cap, (uint16_t)tsigerr, time_now()) != 0)
		*olen = n;
	q->info.rcode = (uint16_t)rcode;
	return QUERY_ANSWER;
}

enum gate { GATE_PASS = 0, GATE_DROP, GATE_REFUSE };

/*
 * The query ACL for a message the query answerer has not seen yet (a
 * signed one): drop or refuse before anything else is looked at.  A fixed
 * answer is left to the query answerer, once the TSIG is checked.
 */
static enum gate
acl_gate(struct query_ctx *q, const struct dns_msg *m, const struct addr *cl)
{
	const struct acl_rule *rule;
	size_t off;
	int zi;

	if (cl == NULL)
		return GATE_PASS;
	zi = m->hasq && m->ok ? query_find_zone(q->zt, m, &off) : -1;
	if ((rule = acl_match(q->acl, zi, cl)) == NULL)
		return GATE_PASS;
	q->info.zi = (int16_t)zi;
	if (rule->action == CONF_QACL_DROP) {
		q->acl_dropped++;
		q->info.action = QUERY_ACT_ACL_DROP;
		return GATE_DROP;
	}
	if (rule->action == CONF_QACL_REFUSE) {
		q->info.action = QUERY_ACT_ACL_REFUSE;
		return GATE_REFUSE;
	}
	return GATE_PASS;
}

/* PEER as text for a log line. */
static const char *
peer_text(const struct sockaddr *peer, char *buf, size_t len)
{
	struct addr a;

	if (peer == NULL || !acl_client(peer, &a))
		return "?";
	return addr_format(&a, buf, len);
}

/*
 * A signed message: the ACL, the TSIG, then the message without its TSIG
 * through the query answerer or a transfer, and the answer signed.
 * *PROVEN tells whether the reply goes to a holder of the key.
 */
static enum query_result
signed_answer(struct query_ctx *q, struct xfr *x, const struct tsig_keyring *kr,
    const struct sockaddr *peer, const struct dns_msg *m, const struct addr *cl,
    enum query_transport tr, uint8_t *out, size_t cap, size_t *olen, struct xfr_job **job,
    bool *proven)
{
	size_t limit = tr == QUERY_TCP ? cap : dns_udp_limit(m, cap), room;
	struct tsig_ctx ctx;
	struct tsig_rr t;
	enum query_result r;
	int64_t now;
	int rc;

	switch (acl_gate(q, m, cl)) {
	case GATE_DROP:
		return QUERY_DROP;
	case GATE_REFUSE:
		return reply(q, m, DNS_REFUSED, NULL, 0, out, limit, olen);
	case GATE_PASS:
		break;
	}
	now = time_now();
	rc = tsig_parse(m, &t) == 1 ? tsig_verify(kr, m, &t, now, &ctx) : RB_ESYNTAX;
	*proven = rc >= 0 && ctx.key != NULL;
	if (rc != TSIG_NOERROR) {
		char who[ADDR_STRLEN];

		log_limited(&tsig_log, "tsig: request from %s: %s", peer_text(peer, who, sizeof(who)),
		    tsig_error_name(rc));
		/* RFC 8945 s5.2.2.1 and s5.1: FORMERR, unsigned. */
		if (rc < 0)
			return reply(q, m, DNS_FORMERR, NULL, 0, out, limit, olen);
		/* RFC 8945 s5.2: NOTAUTH, the error in the TSIG. */
		return reply(q, m, DNS_NOTAUTH, &ctx, rc, out, limit, olen);
	}
	/* Answer the message as it was before it was signed, leaving room to sign the answer. */
	room = ctx.namelen + 10 + ctx.alglen + 16 + ctx.maclen;
	r = query_answer_msg(q, m, tr, out, limit - room, olen);
	if (r == QUERY_XFR) {
		if (x == NULL || (rc = xfr_start(x, peer, m, &ctx, job)) != 0)
			return reply(q, m, x == NULL ? DNS_REFUSED : (unsigned)rc, &ctx, 0, out,
			    limit, olen);
		return QUERY_XFR;
	}
	if (r == QUERY_ANSWER && tsig_sign(&ctx, out, olen, limit, 0, now) != 0)
		return QUERY_DROP;
	return r;
}

/*
 * Over UDP, take a token for the reply with RCODE to CL.  Without one the
 * reply is dropped, or every slip-th time cut to the least reply with TC,
 * which sends a real client to TCP.  The slip count is the worker's: one
 * word a bucket in the shared table, and the same share truncated.
 */
static enum query_result
rate_gate(struct query_ctx *q, const struct dns_msg *m, const struct addr *cl, unsigned rcode,
    uint8_t *out, size_t cap, size_t *olen)
{
	int zi = q->info.zi;
	struct acl_rrl lim = acl_rrl(q->acl, zi);
	uint32_t zone = zi >= 0 ? q->zt->zones[zi].id : UINT32_C(0x10000);
	enum rrl_category cat;

	if (lim.rate == 0)
		return QUERY_ANSWER;
	if (rcode == DNS_NOERROR)
		cat = *olen >= DNS_HDRLEN && (out[6] != 0 || out[7] != 0) ? RRL_POSITIVE : RRL_NODATA;
	else
		cat = rcode == DNS_NXDOMAIN ? RRL_NXDOMAIN : RRL_ERROR;
	if (rrl_check(q->rrl, cl, zone, cat, lim.rate, q->ticks) == RRL_PASS ||
	    acl_rrl_exempt(q->acl, cl))
		return QUERY_ANSWER;
	if (lim.slip == 0 || ++q->slip < lim.slip) {
		q->rrl_dropped++;
		q->info.action = QUERY_ACT_RRL_DROP;
		return QUERY_DROP;
	}
	q->slip = 0;
	q->rrl_slipped++;
	q->info.action = QUERY_ACT_RRL_TRUNCATE;
	*olen = dns_reply_min(m, rcode, true, out, cap);
	return *olen > 0 ? QUERY_ANSWER : QUERY_DROP;
}

enum query_result
door_answer(struct query_ctx *q, struct xfr *x, const struct tsig_keyring *kr,
    const struct sockaddr *peer, const uint8_t *pkt, size_t len, enum query_transport tr,
    uint8_t *out, size_t cap, size_t *olen, struct xfr_job **job)
{
	struct addr client, *cl = NULL;
	enum query_result r;
	struct dns_msg m;
	unsigned rcode;
	bool proven = false;

	*olen = 0;
	*job = NULL;
	if (dns_silent(pkt, len)) {
		memset(&q->info, 0, sizeof(q->info));
		q->info.zi = -1;
		q->info.action = QUERY_ACT_MALFORMED;
		return QUERY_DROP;
	}
	dns_parse(&m, pkt, len);
	if (q->acl != NULL && peer != NULL && acl_client(peer, &client))
		cl = &client;
	/* The query answerer applies the ACL itself; it needs the client for that. */
	q->peer = cl != NULL ? peer : NULL;
	if (m.tsig != 0 || m.badtsig) {
		/* Replies made here are counted as the query answerer counts its own. */
		memset(&q->info, 0, sizeof(q->info));
		q->info.zi = -1;
		if (m.hasq) {
			q->info.qtype = m.qtype;
			q->info.qnamelen = m.qnamelen;
		}
		r = signed_answer(q, x, kr, peer, &m, cl, tr, out, cap, olen, job, &proven);
	} else {
		r = query_answer_msg(q, &m, tr, out, cap, olen);
		if (r == QUERY_XFR) {
			int rc = x == NULL ? DNS_REFUSED : xfr_start(x, peer, &m, NULL, job);

			if (rc != 0)
				r = reply(q, &m, (unsigned)rc, NULL, 0, out, cap, olen);
		}
	}
	q->peer = NULL;
	if (r == QUERY_XFR && tr != QUERY_TCP) {
		/* The answerer never starts a transfer over UDP; be safe all the same. */
		xfr_job_free(*job);
		*job = NULL;
		r = QUERY_DROP;
	}
	if (r != QUERY_ANSWER)
		return r;
	rcode = q->info.rcode;
	if (tr == QUERY_UDP && cl != NULL && q->rrl != NULL && acl_rrl_on(q->acl) &&
	    rate_gate(q, &m, cl, rcode, out, cap, olen) == QUERY_DROP)
		return QUERY_DROP;
	/*
	 * An error is never larger than the request: the least reply holds only
	 * what the request held.  A reply signed with a key the request proved
	 * to hold (BADTIME's, which tells our time) goes to no stranger.
	 */
	if (is_error(rcode) && *olen > len && !proven)
		*olen = dns_reply_min(&m, rcode, false, out, cap);
	return QUERY_ANSWER;
}
