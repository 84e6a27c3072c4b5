/*
 * Fuzz target: one message through the front door (door.h), as net.c
 * hands it over: the one parse, the query ACLs for the client, TSIG checks
 * and signing, allow-transfer, AXFR/IXFR jobs drained to the end, RRL off
 * (the fixture has none) and the error-size rule: a reply carrying an
 * error is never larger than the request.
 *
 * Input: octet 0 says who asks and how, the rest is the message.
 *   bits 0-2  the client: 127.0.0.1, 192.0.2.1, 198.51.100.1, 203.0.113.5
 *             (ACL refuse), 203.0.113.6 (ACL drop), 203.0.113.7 (ACL
 *             answer), ::1, ::ffff:203.0.113.6 (drop, mapped)
 *   bit 3     TCP instead of UDP
 *   bit 4     sign the message with a TSIG before sending it
 *   bit 5     sign with key "other" instead of "xfr"
 *   bit 6     sign 1000 seconds in the past (BADTIME)
 *   bit 7     sign with a wrong secret (BADSIG)
 * A signature the fuzzer could not forge is so made by the target, and the
 * paths behind a valid TSIG are reached as well as the errors.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ldns/ldns.h>

#include "door.h"
#include "fuzz.h"
#include "query.h"
#include "timeutil.h"
#include "tsig.h"
#include "xfr.h"

#define UDP_BUF 4096			/* NET_UDP_BUFSIZE */
#define MSGMAX 65535
#define MAX_XFR_MSGS 10000		/* far more than the fixture's zones need */

static struct sockaddr_storage peers[8];
static uint8_t msg[MSGMAX + TSIG_RR_MAX], out[QUERY_BUFSIZE], xmsg[MSGMAX];

struct waiter {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool woken;
};
static struct waiter waiter = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false };

static void
set_peer(int i, const char *text)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)&peers[i];
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&peers[i];

	memset(&peers[i], 0, sizeof(peers[i]));
	if (inet_pton(AF_INET, text, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(53000);
	} else if (inet_pton(AF_INET6, text, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(53000);
	} else {
		fuzz_fail("peer %s", text);
	}
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fuzz_server();
	set_peer(0, "127.0.0.1");
	set_peer(1, "192.0.2.1");
	set_peer(2, "198.51.100.1");
	set_peer(3, "203.0.113.5");
	set_peer(4, "203.0.113.6");
	set_peer(5, "203.0.113.7");
	set_peer(6, "::1");
	set_peer(7, "::ffff:203.0.113.6");
	return 0;
}

static void
wake(void *arg)
{
	struct waiter *w = arg;

	pthread_mutex_lock(&w->mu);
	w->woken = true;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

/* Every message of a transfer until its end: each one whole, ours, parseable. */
static void
drain(struct xfr_job *job, const uint8_t *pkt)
{
	enum xfr_next_result nr;
	struct timespec until;
	ldns_pkt *p = NULL;
	size_t len;
	unsigned n = 0;

	xfr_job_set_wake(job, wake, &waiter);
	for (;;) {
		pthread_mutex_lock(&waiter.mu);
		waiter.woken = false;
		pthread_mutex_unlock(&waiter.mu);
		nr = xfr_next(job, xmsg, sizeof(xmsg), &len);
		if (nr == XFR_END || nr == XFR_FAIL)
			break;
		if (nr == XFR_AGAIN) {
			/* The producer calls wake() when the next message is ready. */
			clock_gettime(CLOCK_REALTIME, &until);
			until.tv_sec += 10;
			pthread_mutex_lock(&waiter.mu);
			while (!waiter.woken)
				if (pthread_cond_timedwait(&waiter.cv, &waiter.mu, &until) != 0)
					break;
			if (!waiter.woken)
				fuzz_fail("a transfer stalled: no message and no wake-up in 10 s");
			pthread_mutex_unlock(&waiter.mu);
			continue;
		}
		if (nr != XFR_MSG)
			fuzz_fail("xfr_next returned %d", (int)nr);
		if (++n > MAX_XFR_MSGS)
			fuzz_fail("a transfer of more than %u messages", MAX_XFR_MSGS);
		if (len < 12 || len > MSGMAX || xmsg[0] != pkt[0] || xmsg[1] != pkt[1] ||
		    (xmsg[2] & 0x80) == 0)
			fuzz_fail("transfer message %u: %zu octets, ID or QR wrong", n, len);
		if (ldns_wire2pkt(&p, xmsg, len) != LDNS_STATUS_OK)
			fuzz_fail("transfer message %u does not parse", n);
		ldns_pkt_free(p);
	}
	xfr_job_free(job);
}

/* Sign MSG[0..*len) for the request flags of CTL; the caller made room for the TSIG. */
static void
sign(const struct fuzz_server *sv, uint8_t ctl, size_t *len)
{
	const struct tsig_key *k = tsig_keyring_find(sv->kr, ctl & 0x20 ? "other." : "xfr.");
	static uint8_t wrong[32] = "not the secret of any key here!";
	struct tsig_key forged;
	struct tsig_ctx ctx;

	if (k == NULL)
		fuzz_fail("the fixture's key is missing");
	if (ctl & 0x80) {
		forged = *k;
		forged.secret = wrong;
		forged.secretlen = sizeof(wrong);
		k = &forged;
	}
	memset(&ctx, 0, sizeof(ctx));
	tsig_ctx_request(&ctx, k);
	/* A message too long for the TSIG is sent unsigned, as it is. */
	(void)tsig_sign(&ctx, msg, len, sizeof(msg), 0, time_now() - (ctl & 0x40 ? 1000 : 0));
}

/* True when the query asks for no more than 512 octets over UDP (no OPT ldns can see). */
static bool
plain_udp(const uint8_t *pkt, size_t len)
{
	ldns_pkt *p = NULL;
	bool plain;

	if (ldns_wire2pkt(&p, pkt, len) != LDNS_STATUS_OK)
		return false;
	plain = !ldns_pkt_edns(p);
	ldns_pkt_free(p);
	return plain;
}

/*
 * Does the reply carry an error rcode (not NOERROR or NXDOMAIN, extended
 * bits included) that the size rule covers?  BADTIME is signed for a
 * client that proved it holds the key, and tells our time: not covered.
 */
static bool
is_error_reply(const uint8_t *rep, size_t len)
{
	ldns_pkt *p = NULL;
	ldns_rr *t;
	unsigned rcode;
	bool badtime;

	if (ldns_wire2pkt(&p, rep, len) != LDNS_STATUS_OK)
		fuzz_fail("ldns cannot parse the reply");
	rcode = (unsigned)ldns_pkt_get_rcode(p) | (unsigned)ldns_pkt_edns_extended_rcode(p) << 4;
	t = ldns_pkt_tsig(p);
	badtime = t != NULL && ldns_rr_rd_count(t) > 5 &&
	    ldns_rdf2native_int16(ldns_rr_rdf(t, 5)) == TSIG_BADTIME;
	ldns_pkt_free(p);
	return rcode != 0 && rcode != 3 && !badtime;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct fuzz_server *sv = fuzz_server();
	struct query_ctx *q = fuzz_query_ctx();
	const struct sockaddr *peer;
	enum query_transport tr;
	enum query_result r;
	struct xfr_job *job = NULL;
	size_t len, cap, olen = 0;
	uint8_t ctl;
	int who;

	if (size < 1)
		return 0;
	ctl = data[0];
	who = ctl & 7;
	peer = (const struct sockaddr *)&peers[who];
	tr = ctl & 0x08 ? QUERY_TCP : QUERY_UDP;
	len = size - 1 > MSGMAX ? MSGMAX : size - 1;
	memcpy(msg, data + 1, len);
	/* tsig_sign signs our own messages, which always have a header. */
	if ((ctl & 0x10) && len >= 12)
		sign(sv, ctl, &len);
	cap = tr == QUERY_TCP ? QUERY_BUFSIZE : UDP_BUF;

	q->acl = sv->acl;
	r = door_answer(q, sv->xfr, sv->kr, peer, msg, len, tr, out, cap, &olen, &job);
	q->acl = NULL;

	if (r == QUERY_XFR) {
		if (tr != QUERY_TCP)
			fuzz_fail("a transfer job started over UDP");
		if (job == NULL)
			fuzz_fail("QUERY_XFR without a job");
		drain(job, msg);
		return 0;
	}
	if (job != NULL)
		fuzz_fail("a job with result %d", (int)r);
	fuzz_check_answer(msg, len, tr, cap, r, out, olen,
	    who == 4 || who == 7 ? FUZZ_MAY_DROP : 0);
	if (r == QUERY_ANSWER && tr == QUERY_UDP && olen > 512 && plain_udp(msg, len))
		fuzz_fail("a %zu-octet UDP answer to a query without EDNS", olen);
	if (r == QUERY_ANSWER && olen > len && is_error_reply(out, olen))
		fuzz_fail("an error reply of %zu octets to a request of %zu", olen, len);
	return 0;
}
