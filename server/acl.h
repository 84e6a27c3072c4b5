/* Per-client policy of the query path, from the configuration: query ACLs and rate limits. */
#ifndef ACL_H
#define ACL_H

/*
 * Built once per configuration, beside its zone table, and read-only
 * afterwards, so a reload swaps both together.  Rules come from the acl
 * keys of [server] and [zone NAME] (conf_server.h, struct conf_query_acl):
 *  - a query for a name in zone Z is looked up in Z's rules, then, when
 *    none matches, in [server]'s; any other query only in [server]'s;
 *  - within one section the longest prefix containing the client wins, so
 *    rules read as a routing table and their order does not matter;
 *  - no match means allow.
 * A lookup masks the client once per prefix length in use and searches
 * the rules of that length, so thousands of rules stay cheap.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "addr.h"
#include "conf_server.h"
#include "query.h"

/* One compiled rule. */
struct acl_rule {
	struct addr net;
	enum conf_qacl_action action;
	uint32_t code;		/* CONF_QACL_ANSWER: A, host order */
	const char *text;	/* CONF_QACL_ANSWER: TXT or NULL */
	size_t textlen;
};

/* Rate limits for the answers of one zone, or of answers outside every zone. */
struct acl_rrl {
	uint32_t rate;		/* answers per second per client prefix; 0 = off */
	uint32_t slip;		/* every Nth limited answer truncated; 0 = never */
};

struct acl;

/*
 * Compile the policy of C for the zones of ZT (matched by name, so the
 * zone indexes of ZT are the ones acl_match and acl_rrl take).  The texts
 * of answer rules are borrowed: C must outlive the policy.  NULL with ERR
 * set on ENOMEM.
 */
struct acl *acl_new(const struct conf *c, const struct zonetab *zt, char *err, size_t errlen);
void acl_free(struct acl *a);

/*
 * The rule for CLIENT asking in zone ZI (an index of the zone table; -1
 * for a query outside every zone or not a query at all), or NULL when no
 * rule matches (allow).  The rule lives as long as A.
 */
const struct acl_rule *acl_match(const struct acl *a, int zi, const struct addr *client);

/* The rate limits of zone ZI (-1: outside every zone). */
struct acl_rrl acl_rrl(const struct acl *a, int zi);

/* True when the configuration limits the rate somewhere (the table is worth consulting). */
bool acl_rrl_on(const struct acl *a);

/* True when CLIENT is in rrl-exempt. */
bool acl_rrl_exempt(const struct acl *a, const struct addr *client);

/*
 * The client address of PEER (sockaddr_in or sockaddr_in6; IPv4-mapped
 * IPv6 becomes IPv4) into *OUT.  Returns false for other families.
 */
bool acl_client(const struct sockaddr *peer, struct addr *out);

#endif
