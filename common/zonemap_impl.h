/* The mapping's rooms: zonemap.c (the tree), zonemap_entries.c, zonemap_records.c.  Private to them. */
#ifndef ZONEMAP_IMPL_H
#define ZONEMAP_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "zonemap.h"

/*
 * The entries SRC maps into *OUT (all, or those overlapping one of NETS[0..nnets)
 * when NETS is given): live ones of the zone's families, in key order, with
 * the RFC 5782 test points laid over them.  free(out->v) when done.
 */
int zonemap_gather(const struct zonemap_src *src, const struct addr *nets, size_t nnets,
    struct listing_vec *out);

/*
 * For zonemap_zone, which maps the apex's children one at a time: into
 * *OUT the entries the apex itself needs, those no longer than a label
 * (/8 IPv4, /4 IPv6: they govern whole children), and of every child with
 * entries inside at least one, so that the children needing a walk of
 * their own show; test points included, in key order.  free(out->v).
 */
int zonemap_gather_top(const struct zonemap_src *src, struct listing_vec *out);

/*
 * Append to OUT, after its OUT->n entries (left as they are), those
 * strictly inside one of NETS[0..nnets) as zonemap_gather gives them, in
 * key order.  On error OUT may hold some; its owner frees OUT->v anyway.
 */
int zonemap_gather_inside(const struct zonemap_src *src, const struct addr *nets, size_t nnets,
    struct listing_vec *out);

/*
 * zonemap_zone of an address zone, holding the entries of one child of the
 * apex at a time besides those of zonemap_gather_top.  *PEAK gets the most
 * entries held at once (for tests).
 */
int zonemap_stream(const struct zonemap_src *src, zonemap_cb cb, void *arg, size_t *peak);

/*
 * The name tree below the apex: a node at depth k is an IPv4 prefix of 8k
 * bits when its labels are octets and k <= 4, and an IPv6 prefix of 4k bits
 * when they are nibbles; the labels 0-9 are both.  A node's "part" of a
 * family is that prefix with the entries strictly inside it (a contiguous
 * slice of the key-ordered array) and the entry governing the prefix as a
 * whole (the most specific one covering it).
 *
 * solve() works bottom-up.  A node whose addresses all answer alike is
 * "uniform" and writes nothing: its parent decides whether it needs a name.
 * Otherwise it is "mixed": it writes its own records, a wildcard with the
 * answer most of its children share, and a name (or wildcard) for each
 * uniform child that answers otherwise; mixed children wrote their own.
 */

#define NX (-1)			/* no entry governs: not listed */
#define DEPTH4 4		/* labels of an IPv4 address */
#define DEPTH6 32		/* labels of an IPv6 address */
#define RDATA_MAX 65535

enum fam { F4 = 0, F6 = 1, FBOTH = 2 };	/* a label's family: 0-9 are both */
/* SHALLOW: a node's own records and the names it gives its children, not theirs. */
enum mode { EMIT_NONE, EMIT_ALL, FOCUS, SHALLOW };

struct part {
	bool on;
	struct addr p;
	int g;			/* governing entry or NX */
	size_t lo, hi;		/* entries strictly inside p */
};

struct node {
	unsigned depth;
	struct part part[2];	/* [F4], [F6] */
};

struct result {
	bool mixed;
	int v;			/* the one answer of a uniform node */
};

/* Children first..last of a node that answer alike, or one child with entries inside. */
struct run {
	unsigned first, last;
	int g;
	size_t lo, hi;
};

/* Children of a node with their result, in label order. */
struct group {
	unsigned first, last;
	enum fam fam;
	struct result res;
};

struct label {
	uint8_t v;
	uint8_t fam;
};

/* One uniform group's answer as a sortable key, for choosing a wildcard. */
struct tally {
	uint8_t kind;		/* 0 not listed, 1 listed by code and reason, 2 an entry's own */
	uint32_t a, b;
	int v;			/* a representative entry */
	size_t n;		/* children */
	size_t order;		/* first group, for ties */
};

struct ctx {
	const struct zonemap_src *src;
	const struct listing *e;	/* the entries, e[0..n): held.v */
	size_t n;
	struct listing_vec held;
	int8_t *dollar;		/* per entry: -1 not yet known, else whether its text has '$' */
	/*
	 * Streaming (zonemap_stream): held.v[0..base) are kept throughout, the
	 * apex's entries and then copies of the entries its children answer
	 * with; a child of the apex loads its own after them while it is solved.
	 */
	bool stream;
	size_t base;
	size_t peak;		/* most entries held at once */
	zonemap_cb cb;
	void *arg;
	int err;
	unsigned fdepth;	/* FOCUS: depth of the region's name */
	bool probe;		/* zonemap_node: find the region's result, write nothing */
	bool shallow;		/* zonemap_shallow: the region's node in SHALLOW mode */
	bool phit;		/* the probe found it: PRES */
	struct result pres;
	struct label fpath[DEPTH6];
	struct label path[DEPTH6];	/* labels from the apex down to the current node */
	struct run runs4[DEPTH4][256];
	struct run runs6[DEPTH6][16];
	struct group groups[DEPTH6 + 1][10 + 256 + 16];
	struct tally tally[10 + 256 + 16];
	char name[2 * DEPTH6 + 8];
	uint8_t wire[2 * DEPTH6 + 8];
	uint8_t rdata[RDATA_MAX];
};

/* zonemap_records.c: the answers of entries and the records written for them. */
bool zm_is_nx(const struct ctx *c, int v);
uint32_t zm_code_of(const struct ctx *c, int v);
bool zm_has_dollar(struct ctx *c, int v);
bool zm_same(struct ctx *c, int a, int b);
void zm_put_listed(struct ctx *c, unsigned depth, bool wild, int v, const char *sub);
void zm_put_unlisted(struct ctx *c, unsigned depth, int v);
void zm_put_wildcard(struct ctx *c, unsigned depth, int v);

#endif
