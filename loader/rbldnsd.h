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
 *   192.0.2.1:127.0.0.3:TXT  192.0.2.1:3   IPv4 with the value after a colon
 *   :A:TXT                   the default value of the entries that follow
 *   A as 127.0.0.3 or 3 (= 127.0.0.3); TXT with '$' for the queried address
 *   # ; comments, blank lines
 *   $SOA $NS $TTL $TIMESTAMP  (reported, not applied: rbldb's apex file rules)
 *   $MAXRANGE4 /N or COUNT    entries larger than it are skipped, as rbldnsd does
 *   $0..$9 TEXT  $= TEXT      substitution variables and the base template:
 *                             the first definition wins and applies to the
 *                             whole file (rbldnsd expands them when it
 *                             answers): see rbldnsd_expand
 *   $DATASET TYPE[:NAME] SUBZONE...  sections of a combined file: the IP ones
 *                             for "@" are read, the others skipped
 *   #$X ;$X :$X               specials written for rbldnsd and rbldns alike
 * rbldnsd has no default TXT: a value without one gives none.
 * Per dataset type (rbldnsd_set_dataset): ip4trie takes no a-b ranges;
 * ip4tset single addresses, no exclusions, values ignored, the first
 * default line only; ip6tset /64s as four groups and /128 exclusions.
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
	const char *text;	/* raw TXT template (before $n, $=), NULL for none */
	const char *note;	/* for RBLDNSD_NOTE */
	/* A dnset line (rbldnsd_set_dnset): the names it lists or excepts. */
	char names[2][RBLDNSD_NAME_MAX];
	size_t nnames;
};

struct rbldnsd_parser;

/* The dataset a file is read as; ANY = every IP form (combined, and import's default). */
enum rbldnsd_dataset {
	RBLDNSD_ANY = 0,
	RBLDNSD_IP4SET,
	RBLDNSD_IP4TSET,
	RBLDNSD_IP4TRIE,
	RBLDNSD_IP6TSET,
	RBLDNSD_IP6TRIE,
};

/* NAME[0..N) as a dataset type ("combined" is ANY); -1 for others (dnset, generic, acl). */
int rbldnsd_dataset_type(const char *name, size_t n, enum rbldnsd_dataset *type);
void rbldnsd_set_dataset(struct rbldnsd_parser *p, enum rbldnsd_dataset type);
/* rbldnsd -e: a CIDR with host bits set is masked instead of refused. */
void rbldnsd_set_accept_in_cidr(struct rbldnsd_parser *p, bool on);

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
 * RAW (an entry's text from rbldnsd_parse, copied; NULL for none) as the
 * TXT rbldnsd answers, in rbldb's text syntax ('$' the address, "$$" a '$'),
 * with the variables and base template of the whole file: call it after
 * the last line.  *OUT is NULL for no TXT, else valid until the next call.
 * Returns 0, RB_ESYNTAX (too long) or -ENOMEM.
 */
int rbldnsd_expand(struct rbldnsd_parser *p, const char *raw, const char **out, char *err,
    size_t errlen);

/*
 * Read the entries of the following lines as rbldnsd's dnset does
 * (rbldnsd_dnset.c): "example.com" the name alone, "*.example.com" every
 * name under it, ".example.com" both (two names), "!" an exception.
 */
void rbldnsd_set_dnset(struct rbldnsd_parser *p);
/* rbldnsd_dnset.c: the names of one dnset entry TOK..E into OUT->names. */
int rbldnsd_dnset_entry(const char *tok, const char *e, struct rbldnsd_line *out, char *err,
    size_t errlen);
/*
 * rbldnsd_addr.c: one IP dataset entry S..END of section TYPE into OUT->nets
 * (ACCEPT_IN_CIDR: host bits set are cleared, as rbldnsd -e, not refused).
 * An IPv4 range may give several nets; *SIZE gets its number of addresses.
 * Returns 0 or RB_ESYNTAX with ERR saying why.
 */
int rbldnsd_parse_v4(const char *s, const char *end, enum rbldnsd_dataset type,
    bool accept_in_cidr, struct rbldnsd_line *out, uint64_t *size, char *err, size_t errlen);
int rbldnsd_parse_v6(const char *s, const char *end, enum rbldnsd_dataset type,
    bool accept_in_cidr, struct rbldnsd_line *out, char *err, size_t errlen);
/* rbldnsd_addr.c: a prefix length S..END of at most MAX into *PLEN; 0 or -1. */
int rbldnsd_parse_plen(const char *s, const char *end, unsigned max, unsigned *plen);

/* Parse an A value as rbldnsd does: "3" is 127.0.0.3, "127.0.0.3" itself. */
int rbldnsd_parse_code(const char *s, size_t len, uint32_t *code);

#endif
