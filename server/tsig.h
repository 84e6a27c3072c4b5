/* TSIG (RFC 8945): check signed requests, sign answers, transfer streams and NOTIFY messages. */
#ifndef TSIG_H
#define TSIG_H

/*
 * ldns 1.8.3 verifies a MAC but answers only yes or no and ignores the
 * time, so the checks RFC 8945 s5.2 orders (key, MAC, time) and the error
 * each one gives are done here, on the wire bytes we receive and send; the
 * HMAC is OpenSSL's, the library ldns itself links for it.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf_server.h"

#define TSIG_MAXMAC 64		/* hmac-sha512 */
#define TSIG_MAXNAME 255
#define TSIG_FUDGE 300		/* RFC 8945 s10: 300 seconds recommended, and our most */
#define TSIG_MIN_SECRET 16	/* octets; shorter secrets are refused at configuration load */
/* Room a TSIG record can take at the end of a message. */
#define TSIG_RR_MAX (2 * TSIG_MAXNAME + 10 + 6 + 2 + 2 + TSIG_MAXMAC + 2 + 2 + 2 + 6)

/* RFC 8945 s5.2: errors carried in the TSIG record; the RCODE is NOTAUTH (9). */
#define TSIG_NOERROR 0
#define TSIG_BADSIG 16
#define TSIG_BADKEY 17
#define TSIG_BADTIME 18
#define TSIG_BADTRUNC 22
#define TSIG_RCODE_NOTAUTH 9

struct tsig_key {
	char *name;			/* "xfr.", as in the configuration */
	uint8_t owner[TSIG_MAXNAME];	/* the name in lower-case wire form */
	size_t ownerlen;
	int alg;			/* index into the algorithm table */
	uint8_t *secret;
	size_t secretlen;
};

struct tsig_keyring {
	struct tsig_key *keys;
	size_t n;
};

/*
 * Decode every [key] of C.  NULL with ERR set when a secret does not
 * decode or an algorithm is unknown.
 */
struct tsig_keyring *tsig_keyring_new(const struct conf *c, char *err, size_t errlen);
void tsig_keyring_free(struct tsig_keyring *kr);
/* The key of the configuration named NAME ("xfr."), or NULL. */
const struct tsig_key *tsig_keyring_find(const struct tsig_keyring *kr, const char *name);

/* The TSIG record at the end of a message, names copied out in lower case. */
struct tsig_rr {
	size_t start;			/* where the record starts: the message without it */
	uint8_t name[TSIG_MAXNAME];	/* key name */
	size_t namelen;
	uint8_t alg[TSIG_MAXNAME];	/* algorithm name */
	size_t alglen;
	uint64_t signed_at;		/* 48 bits */
	uint16_t fudge;
	const uint8_t *mac;		/* points into the message */
	uint16_t maclen;
	uint16_t orig_id;
	uint16_t error;
	const uint8_t *other;
	uint16_t otherlen;
};

struct dns_msg;	/* dns.h */

/*
 * Read the TSIG record dns_parse found in M: 1 with *T filled when the
 * message is signed, 0 when it has none, RB_ESYNTAX when it is malformed
 * or the TSIG is not its last record (RFC 8945 s5.1: FORMERR).
 */
int tsig_parse(const struct dns_msg *m, struct tsig_rr *t);

/*
 * Signing state of one exchange: a request we answer (set by tsig_verify)
 * or a request we send (tsig_ctx_request).  It keeps the last MAC, since
 * each answer of a stream chains on the one before (RFC 8945 s5.3.1).
 */
struct tsig_ctx {
	const struct tsig_key *key;	/* NULL: the request's key is unknown */
	uint8_t name[TSIG_MAXNAME];	/* key and algorithm names to put in our TSIG */
	size_t namelen;
	uint8_t alg[TSIG_MAXNAME];
	size_t alglen;
	uint8_t mac[TSIG_MAXMAC];	/* request MAC, then the last MAC we sent */
	size_t maclen;
	uint64_t req_signed_at;		/* the request's time, echoed with BADTIME */
	unsigned sent;			/* messages signed so far */
};

/*
 * Check the TSIG T of the request M (RFC 8945 s5.2): the key by name and
 * algorithm (BADKEY); the MAC's length, where one longer than the hash or
 * shorter than max(10, half the hash) is RB_ESYNTAX (FORMERR) and a
 * truncated one BADTRUNC (our policy: whole MACs only), both before any
 * comparison, so no reply tells whether part of a MAC matched; the MAC in
 * constant time (BADSIG); then the time against NOW with min(the request's
 * fudge, TSIG_FUDGE) (BADTIME).  Returns TSIG_NOERROR or the error.  CTX
 * is ready for tsig_sign in every case, so the error itself can be sent;
 * it holds the key only once the MAC verified.
 */
int tsig_verify(const struct tsig_keyring *kr, const struct dns_msg *m,
    const struct tsig_rr *t, int64_t now, struct tsig_ctx *ctx);

/*
 * Check the reply M to a request we signed with CTX (a NOTIFY): signed by
 * CTX's key over our request's MAC, whole MAC, no TSIG error, in time.
 * TSIG_NOERROR when it verifies.
 */
int tsig_verify_reply(const struct tsig_ctx *ctx, const struct dns_msg *m, int64_t now);

/* Set CTX up to sign a request of our own (a NOTIFY) with KEY. */
void tsig_ctx_request(struct tsig_ctx *ctx, const struct tsig_key *key);

/*
 * Append a TSIG record to MSG[0..*len) (room CAP) and count it in ARCOUNT.
 * The first message of an answer covers the request MAC and every TSIG
 * variable; later ones the prior MAC and the timers only; a request of our
 * own the message and the variables.  With ERROR BADKEY or BADSIG the
 * record carries no MAC (RFC 8945 s5.3.2); with BADTIME it is signed,
 * keeps the request's time and tells ours in Other Data.  Returns 0, or
 * -ENOSPC when the record does not fit.
 */
int tsig_sign(struct tsig_ctx *ctx, uint8_t *msg, size_t *len, size_t cap, uint16_t error,
    int64_t now);

/* "BADSIG" and the like, for logs. */
const char *tsig_error_name(int error);

#endif
