/* Relay verification's decisions on the store: which targets may be tested, hold, confirm, close. */
#ifndef VERIFY_APPLY_H
#define VERIFY_APPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "conf_verify.h"
#include "store.h"

/*
 * The escape of one octet of evidence (transcripts, Received chains): CR,
 * LF, TAB and backslash as \r \n \t \\, other octets outside 0x20-0x7e
 * as \xNN, the rest as they are.  OUT gets it (no NUL); returns its length.
 */
size_t verify_escape_octet(unsigned char c, char out[4]);

/* Longest lifetime a relapsing relay's listing gets (verify_lifetime). */
#define VERIFY_MAX_LIFETIME (365u * 86400u)

/*
 * May address A be connected to?  Never: [verify] never-test, the zone's
 * never-list (Z may be NULL), and unless LAB (the --connect path, which
 * speaks to another host anyway) private, loopback, link-local, shared,
 * documentation and other reserved ranges (RFC 6890).  Returns 0 or
 * RB_EPOLICY with a one-line reason in WHY.
 */
int verify_check_target(const struct conf_verify *v, const struct conf_zone *z,
    const struct addr *a, bool lab, char *why, size_t whylen);

/*
 * The lifetime of a confirmed listing: the report's (or the zone's)
 * lifetime doubled for each time a confirmed listing of the address was
 * delisted after a clean retest, at most VERIFY_MAX_LIFETIME.
 */
uint32_t verify_lifetime(uint32_t base, uint32_t delistings);

/*
 * A report R on zone Z (store id ZONE) with verify = required, at NOW:
 * not published but held.  An address whose latest test confirmed it and
 * that is listed now is refreshed as on any zone (*out from store_report);
 * otherwise the report joins the job already pending or testing, or a new
 * PENDING job is queued, due when min-interval after the last test has
 * passed; *out = STORE_PENDING and *job its id.  Ranges cannot be tested:
 * RB_EPOLICY with the reason in WHY; so are never-test addresses.
 */
int verify_hold(struct store_wr *w, const struct conf *c, const struct conf_zone *z,
    uint16_t zone, const struct report *r, int64_t now, enum store_outcome *out,
    uint64_t *job, char *why, size_t whylen);

/*
 * A test of address A in zone ZONE asked for now (rbldb verify, or a
 * removal request on a zone with removal = retest): the address's PENDING
 * job is made due now, or a new one is queued (a retest when A is listed,
 * else an operator's test), with CONNECT (may be NULL) as its lab target.
 * Within min-interval of A's last finished test, unless FORCE, nothing is
 * queued: *cached is set and *out is that test (the cached verdict).  A
 * job TESTING now is RB_EBUSY with *out it.  Otherwise *out is the job,
 * whose strings are valid until W ends.
 */
int verify_request(struct store_wr *w, const struct conf *c, uint16_t zone,
    const struct addr *a, const char *connect, bool force, int64_t now,
    struct verify_job *out, bool *cached);

/*
 * Job J's message arrived with a valid cookie for relay form FORM: J is
 * CONFIRMED (NOTE saying what arrived) and its report published in zone Z
 * with verify_lifetime.  *out is store_report's.
 */
int verify_confirm(struct store_wr *w, const struct conf_zone *z, struct verify_job *j,
    unsigned form, const char *note, int64_t now, enum store_outcome *out);

/*
 * Job J found no relay: CLOSED with NOTE.  When the address is listed in
 * zone Z (a retest), it is delisted, the delisting citing the job (whose
 * transcript is the evidence) and counted for the relapse rule; *delisted
 * says so.
 */
int verify_close(struct store_wr *w, const struct conf_zone *z, struct verify_job *j,
    const char *note, int64_t now, bool *delisted);

#endif
