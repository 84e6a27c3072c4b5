/* What every fuzz target defines, and the helpers they share (fuzz_store.c). */
#ifndef FUZZ_H
#define FUZZ_H

#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "query.h"
#include "store.h"

/* The fixture's TSIG secrets (base64), for targets and seeds that sign. */
#define FUZZ_XFR_SECRET "c2VjcmV0LWtleS1mb3ItZnV6emluZy1yYmxkYi14ZnI="
#define FUZZ_OTHER_SECRET "b3RoZXIta2V5LWZvci1mdXp6aW5n"

/*
 * The libFuzzer entry points.  Every target defines both, so replay_main.c
 * can call them without weak symbols; libFuzzer calls them the same way.
 */
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A broken invariant: print what and abort, which libFuzzer and replay both report. */
void fuzz_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* A parsed address or range must be well formed: a known family, its prefix within its
 * bits, no bit set past the prefix.  WHAT names it in the failure ("entry", "addr"). */
void fuzz_check_net(const struct addr *a, const char *what);

/*
 * A query context on a store made once per process in a temporary
 * directory: three zones (relays.example.org of both families with a long
 * text, v4.example.net, v6.sub.relays.example.org nested in the first) and
 * a few listings, ranges, an exception and an expired entry; query ACLs
 * (203.0.113.5 refused, .6 dropped, .7 a fixed answer), two TSIG keys and
 * allow-transfer items, the presence maps of its IPv4 zones (presence.h),
 * and keyed access in v4.example.net (keys fuzzkey1, fuzzkey2 disabled).
 * The context has no ACL and no client: the
 * fuzz_server() parts are for targets that act as net.c does.  Removed at
 * exit.  Aborts when the fixture cannot be built.
 */
struct query_ctx *fuzz_query_ctx(void);

/* The rest of what the server builds from the same configuration, as net.c holds it. */
struct fuzz_server {
	const struct conf *c;
	struct store *s;
	const struct zonetab *zt;
	const struct acl *acl;
	const struct tsig_keyring *kr;
	struct xfr *xfr;
};
const struct fuzz_server *fuzz_server(void);

/*
 * Check what query_answer did with PKT[0..len) over T into OUT (capacity
 * OUTCAP): the SPEC's silences and nothing else, ID, QR and opcode echoed,
 * the question echoed as asked, size limits, and an answer ldns can parse.
 * FLAGS: FUZZ_QUERY_RCODES also checks NOTIMP for unknown opcodes and
 * FORMERR for QDCOUNT != 1 (query_answer's order; a TSIG error may come
 * first elsewhere), FUZZ_MAY_DROP allows silence (an ACL drop rule).
 */
#define FUZZ_QUERY_RCODES 1
#define FUZZ_MAY_DROP 2
void fuzz_check_answer(const uint8_t *pkt, size_t len, enum query_transport t, size_t outcap,
    enum query_result r, const uint8_t *out, size_t outlen, unsigned flags);

#endif
