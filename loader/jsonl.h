/* One line of a JSON Lines batch (SPEC "JSON Lines batch") as a report or delisting. */
#ifndef JSONL_H
#define JSONL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "store.h"

/* The longest reason jsonl_parse writes into WHY is well below this. */
#define JSONL_WHYLEN 512

enum jsonl_kind {
	JSONL_REPORT = 1,	/* {"op":"report", ...}: struct report */
	JSONL_DELIST,		/* {"op":"delist", ...}: struct delisting */
};

/*
 * One parsed line.  The strings (zone, texts) point into the line or its
 * JSON tree and live until jsonl_op_fini().  Fields the line leaves out
 * are 0/NULL with their has_ flag false; the caller fills the defaults
 * that need the configuration or the clock (zone, at, lifetime).
 */
struct jsonl_op {
	enum jsonl_kind kind;
	const char *zone;	/* NULL = the default zone */
	bool has_at;
	bool has_lifetime;	/* report only */
	bool force;		/* ranges wider than max-range: listed, or delisted */
	union {
		struct report report;	/* JSONL_REPORT: net, at, code, lifetime, texts */
		struct delisting delist;	/* JSONL_DELIST: net, at, reason, by */
	};
	/*
	 * What jsonl_op_fini frees: the line's JSON tree (TREE) or the copy
	 * of the line that jsonl_parse made; NULL when the strings point into
	 * the caller's line (jsonl_parse_in) or once finished.
	 */
	void *root;
	bool tree;
};

#define JSONL_BLANK 1	/* the line is empty or white space: nothing to do */

/*
 * Parse the LEN octets of LINE (its newline already removed) into *OP.
 * The object must have "op" ("report" or "delist") and "addr"; a delisting
 * needs "reason".  Other fields are those of the command line: zone,
 * reason, code, source, evidence, at, lifetime and force (a boolean) for a
 * report; zone, reason, by, at and force for a delisting.  Values are strings (a
 * null counts as absent); addr is an address or CIDR range, an IPv4-mapped
 * one becoming IPv4 as on the command line.
 *
 * Returns 0 (call jsonl_op_fini after use), JSONL_BLANK, or RB_ESYNTAX
 * with a one-line reason in WHY ("unknown field \"foo\" ...").  Only the
 * syntax is judged here; the listing policy is the caller's (policy.h).
 */
int jsonl_parse(const char *line, size_t len, struct jsonl_op *op, char *why, size_t whylen);

/*
 * The same without a copy, for a bulk reader that keeps its lines: the
 * strings of a flat object of plain strings (what feeds write) point into
 * LINE, whose octets are changed (NULs end them), so LINE must live until
 * jsonl_op_fini.  Other lines go to jansson, and LINE is left as it was.
 */
int jsonl_parse_in(char *line, size_t len, struct jsonl_op *op, char *why, size_t whylen);
void jsonl_op_fini(struct jsonl_op *op);

#endif
