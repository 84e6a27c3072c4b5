/* The listing policy's refusals, shared by report, delist, ingest and import. */
#ifndef POLICY_H
#define POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "store.h"

/* How far in the future a report's `at` may be (clock skew of feeds). */
#define POLICY_MAX_FUTURE 300

/*
 * Check report R for zone Z at time NOW.  FORCE allows ranges shorter than
 * max-range.  Returns 0, or RB_EPOLICY with a one-line reason in WHY
 * ("192.168.1.1 is inside never-list 192.168.0.0/16").
 */
int policy_check_report(const struct conf_zone *z, const struct report *r, bool force,
    int64_t now, char *why, size_t whylen);

/*
 * NET must not touch 127.0.0.0/8 (or ::ffff:127.0.0.0/104): the RFC 5782
 * test points are built in, and 127.0.0.1 is never listed.  Every path that
 * lists (report, ingest, import) refuses such a net.  Returns 0, or
 * RB_EPOLICY with the reason in WHY ("127.0.0.0/24 is in 127.0.0.0/8, ...").
 */
int policy_check_loopback(const struct addr *net, char *why, size_t whylen);

/* Check a delisting of D in zone Z at NOW (family, future time). */
int policy_check_delist(const struct conf_zone *z, const struct delisting *d,
    int64_t now, char *why, size_t whylen);

#endif
