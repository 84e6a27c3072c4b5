/* Reports and delistings through the listing policy into a write transaction: report, delist, ingest. */
#ifndef APPLY_H
#define APPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cmd.h"
#include "store.h"

/*
 * The zone NAME of the configuration (NULL: the default zone).  Returns 0
 * with *zi its index in L->conf->zones, or RB_ENOTFOUND with a one-line
 * reason in WHY that names the configured zones.
 */
int apply_zone(const struct loader *L, const char *name, size_t *zi, char *why,
    size_t whylen);

/*
 * Check report R for zone L->conf->zones[ZI] against the listing policy at
 * NOW and, when it passes, write it in W (store_report; on a zone with
 * verify = required, verify_hold keeps it for a relay test, STORE_PENDING).  FORCE allows
 * ranges wider than max-range.  Returns 0 with *out set; RB_EPOLICY with
 * the reason in WHY and nothing written; or a store error, after which W
 * only aborts (the store's errors are sticky).
 */
int apply_report(const struct loader *L, struct store_wr *w, size_t zi,
    const struct report *r, bool force, int64_t now, enum store_outcome *out, char *why,
    size_t whylen);

/* The same for a delisting (store_delist); FORCE allows ranges wider than max-range. */
int apply_delist(const struct loader *L, struct store_wr *w, size_t zi,
    const struct delisting *d, bool force, int64_t now, enum store_outcome *out, char *why,
    size_t whylen);

/* How many reports and delistings ended in each outcome. */
struct apply_counts {
	uint64_t n[STORE_PENDING + 1];	/* indexed by enum store_outcome */
};

/*
 * Write the counts as "3 new, 1 refreshed, 0 duplicate, 0 outranked,
 * 1 delisted, 0 excepted, 0 not listed" into BUF; returns BUF.
 */
char *apply_counts_text(const struct apply_counts *c, char *buf, size_t len);

#endif
