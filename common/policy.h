/* The listing policy: the refusals report, delist, ingest, import and the configuration share. */
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
 * max-range (max-range6).  Returns 0, or RB_EPOLICY with a one-line reason
 * in WHY ("192.168.1.1 is inside never-list 192.168.0.0/16").
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

/*
 * Check a delisting of D in zone Z at NOW: family, future time, texts and,
 * unless FORCE, a range wider than max-range (max-range6), which would
 * remove every listing inside it at once.
 */
int policy_check_delist(const struct conf_zone *z, const struct delisting *d, bool force,
    int64_t now, char *why, size_t whylen);

/*
 * Addresses no MTA can connect from: 0.0.0.0/8, 224.0.0.0/3 (multicast,
 * reserved, broadcast), ::/128, ::1/128, ff00::/8, and the IPv4-mapped
 * forms of the IPv4 ones.  NET inside or covering one is RB_EPOLICY with
 * the reason in WHY; report, ingest and import all ask here.
 */
int policy_check_bogon(const struct addr *net, char *why, size_t whylen);

/*
 * The one rule for texts, on every path (command line, batch, import, the
 * zone's text): at most STORE_MAX_TEXT octets of UTF-8 without control
 * characters (C0, DEL, C1).  FLAGS:
 *  - POLICY_TEXT_TEMPLATE: a public text served in TXT, where '$' is the
 *    queried address and "$$" a literal '$'; '$' before a digit or '='
 *    is refused, as rbldnsd reads those as its own substitutions (exports
 *    stay rbldnsd's answers);
 *  - POLICY_TEXT_LINES: private evidence (a transcript) may hold TAB, LF, CR.
 * FIELD names the text in the reason ("reason", "text").  Returns 0 or
 * RB_EPOLICY with a one-line reason in WHY that never quotes the text.
 */
/*
 * A name NAME (stored form, name.h) for zone Z, on every path that lists
 * names (report, ingest, import): Z must have kind = names, and NAME must
 * be neither at or under one of its never-list-names nor a wildcard
 * covering one.  0, or RB_EPOLICY with the reason in WHY.
 */
int policy_check_name(const struct conf_zone *z, const char *name, char *why, size_t whylen);

#define POLICY_TEXT_TEMPLATE 0x01
#define POLICY_TEXT_LINES 0x02
int policy_check_text(const char *field, const char *s, unsigned flags, char *why,
    size_t whylen);

#endif
