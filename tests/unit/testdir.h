/*
 * What the unit tests share: a temporary directory, files in it, and the
 * configuration, store and zone table the programs would make of them.
 * Each fails the running test (cmocka) when it cannot do its part.
 */
#ifndef TESTDIR_H
#define TESTDIR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "conf.h"
#include "store.h"
#include "query.h"

#define TESTDIR_LEN 64

/* Make the directory /tmp/rbldb-test-NAME.XXXXXX; its path goes into DIR. */
void testdir_make(char dir[TESTDIR_LEN], const char *name);
/* Write TEXT as the file DIR/FILE. */
void testdir_write(const char *dir, const char *file, const char *text);
/* Remove DIR and everything in it. */
void testdir_remove(const char *dir);

/* The address or CIDR prefix CIDR ("192.0.2.0/24"); fails the test when it is not one. */
struct addr testdir_net(const char *cidr);

/* The store at PATH (64 MiB map) holding ZONE at SERIAL; *id (if not NULL) gets its id. */
struct store *testdir_store(const char *path, const char *zone, uint32_t serial, uint16_t *id);
/* DIR/FILE loaded as the configuration. */
struct conf *testdir_conf(const char *dir, const char *file);
/* The zone table of C on S. */
struct zonetab *testdir_zonetab(const struct conf *c, struct store *s);

struct tsig_rr;
/*
 * MSG is a copy of BASE, whose TSIG is T (tsig.h): rewrite it to carry a
 * MAC of N octets, the first N of T's MAC when RIGHT, else those with every
 * octet changed.  Returns the new length.
 */
size_t testdir_remac(uint8_t *msg, const uint8_t *base, const struct tsig_rr *t, size_t n,
    bool right);

#endif
