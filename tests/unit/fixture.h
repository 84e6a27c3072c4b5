/*
 * The fixture the front door's unit tests share (test_door, test_xfr,
 * test_acl, test_notify, test_keys): a directory with apex files and a
 * configuration, the store and zone table made of them, a TSIG keyring
 * and a query context, each part made when a test asks for it and all
 * undone by fx_close.  Each fails the running test (cmocka) when it
 * cannot do its part.
 */
#ifndef FIXTURE_H
#define FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "query.h"
#include "store.h"
#include "testdir.h"
#include "tsig.h"
#include "zonetab.h"

#define FX_SERIAL 2026112801u	/* the serial of fx_apex's SOA */

struct fx {
	char dir[TESTDIR_LEN];
	struct conf *c;
	struct store *s;
	struct zonetab *zt;
	struct tsig_keyring *kr;	/* fx_keyring's */
	struct query_ctx q;		/* fx_query's */
	bool q_init;
	uint16_t zone;			/* the id of fx_store's zone */
	uint8_t out[QUERY_BUFSIZE];	/* room for an answer */
	size_t outlen;
};

/* F zeroed, and its directory /tmp/rbldb-test-NAME.XXXXXX made. */
void fx_open(struct fx *f, const char *name);
/*
 * DIR/FILE: the apex of ZONE with its SOA (serial FX_SERIAL) and NS
 * ns1.example.org., then the lines EXTRA ("" for none).
 */
void fx_apex(struct fx *f, const char *file, const char *zone, const char *extra);
/* TEXT as DIR/test.conf, loaded as rbldbd loads it into F->c. */
void fx_conf(struct fx *f, const char *text);
/*
 * The store of F->c (a 64 MiB map) into F->s, holding ZONE at SERIAL (its
 * id in F->zone) unless ZONE is NULL, and F->c's zone table on it.
 */
void fx_store(struct fx *f, const char *zone, uint32_t serial);
/* F->c's [key] sections as F->kr. */
void fx_keyring(struct fx *f);
/* F->q, a query context on F->zt and F->s. */
void fx_query(struct fx *f);
/* Undo all of the above that was done (the query context released first), the directory removed. */
void fx_close(struct fx *f);

#endif
