/* The rbldnsd data-file syntax of IP datasets: one line in, entries out, no store. */
#ifndef RBLDNSD_H
#define RBLDNSD_H

/*
 * What rbldnsd(8) accepts in ip4set, ip4tset, ip4trie, ip6tset and ip6trie
 * data (and the IP sections of a combined file):
 *   192.0.2.5  192.0.2  10  192.0.2.0/24  127/8  010.1.1.1  (decimal octets)
 *   10.0.0.0-10.0.3.255  10.0.0-10.0.3  10.31.0.1-5  10.16-31  (ranges, IPv4)
 *   2001:db8::1  2001:db8::/32  2001:db8:1:2 (= /64)  2001:db8/32
 *   !ENTRY                   an exception (any value is ignored)
 *   ENTRY :A:TXT  ENTRY :A  ENTRY :A:  ENTRY TXT   a value of its own
 *   :A:TXT                   the default value of the entries that follow
 *   A as 127.0.0.3 or 3 (= 127.0.0.3); TXT with '$' for the queried address
 *   # ; comments, blank lines
 *   $SOA $NS $TTL $TIMESTAMP  (reported, not applied: rbldb's apex file rules)
 *   $MAXRANGE4 /N or COUNT    entries larger than it are skipped, as rbldnsd does
 *   $0..$9 TEXT               substitution variables, expanded here
 *   $DATASET TYPE[:NAME] SUBZONE...  sections of a combined file: the IP ones
 *                             for "@" are read, the others skipped
 *   #$X ;$X :$X               specials written for rbldnsd and rbldns alike
 * rbldnsd has no default TXT: a value without one gives none.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"

/* An IPv4 a-b range splits into at most 62 aligned CIDR pieces. */
#define RBLDNSD_MAX_NETS 62
/* The A of an entry when neither it nor a default line gives one. */
#define RBLDNSD_DEFAULT_CODE 0x7f000002u

enum rbldnsd_kind {
	RBLDNSD_NOTHING = 0,	/* blank, comment, or a line that only set state */
	RBLDNSD_ENTRIES,	/* nets[0..nnets) listed, or excepted */
	RBLDNSD_NOTE,		/* read but not applied, or skipped: NOTE says what */
};

/* A dnset entry's text, at most (a name of 253 octets, "*." and the NUL). */
#define RBLDNSD_NAME_MAX 258

struct rbldnsd_line {
	enum rbldnsd_kind kind;
	struct addr nets[RBLDNSD_MAX_NETS];
	size_t nnets;
	bool exception;
	uint32_t code;		/* A in host order: the entry's, the default's or 127.0.0.2 */
	const char *text;	/* TXT template after $0..$9, NULL for none */
	const char *note;	/* for RBLDNSD_NOTE */
	/* A dnset line (rbldnsd_set_dnset): the names it lists or excepts. */
	char names[2][RBLDNSD_NAME_MAX];
	size_t nnames;
};

struct rbldnsd_parser;

/* A parser for one file; NULL when out of memory. */
struct rbldnsd_parser *rbldnsd_new(void);
void rbldnsd_free(struct rbldnsd_parser *p);

/*
 * Parse one LINE (its newline may be left on).  Returns 0 and fills *OUT,
 * whose pointers stay valid until the next call; or RB_ESYNTAX with a
 * reason (no file or line number) in ERR; or -ENOMEM.
 */
int rbldnsd_parse(struct rbldnsd_parser *p, const char *line, struct rbldnsd_line *out,
    char *err, size_t errlen);

/*
 * Read the entries of the following lines as rbldnsd's dnset does
 * (rbldnsd_dnset.c): "example.com" the name alone, "*.example.com" every
 * name under it, ".example.com" both (two names), "!" an exception.
 */
void rbldnsd_set_dnset(struct rbldnsd_parser *p);
/* rbldnsd_dnset.c: the names of one dnset entry TOK..E into OUT->names. */
int rbldnsd_dnset_entry(const char *tok, const char *e, struct rbldnsd_line *out, char *err,
    size_t errlen);

/* Parse an A value as rbldnsd does: "3" is 127.0.0.3, "127.0.0.3" itself. */
int rbldnsd_parse_code(const char *s, size_t len, uint32_t *code);

#endif
