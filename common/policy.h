/* The listing policy's refusals, shared by report, delist and ingest. */
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

/* Check a delisting of D in zone Z at NOW (family, future time). */
int policy_check_delist(const struct conf_zone *z, const struct delisting *d,
    int64_t now, char *why, size_t whylen);

#endif
