/* rbldb import: an rbldnsd data file into a zone, parsed and sorted in chunks, merged into one commit. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "apply.h"
#include "cmd.h"
#include "names.h"
#include "policy.h"
#include "privs.h"
#include "rb.h"
#include "rbldnsd.h"
#include "runs.h"
#include "timeutil.h"

/* Messages printed before the rest are only counted (rbldnsd's dswarn). */
#define IMPORT_MAX_MESSAGES 100
/* A longer line is refused rather than held. */
#define IMPORT_MAX_LINE (64 * 1024)
/*
 * Items sorted in memory at a time (about 48 MiB of them): a file with
 * more is sorted chunk by chunk into temporary runs and merged (runs.h),
 * so memory follows the chunk and the file's distinct texts, not its size.
 */
#define IMPORT_CHUNK (1 << 20)

enum { OPT_FORMAT = 256, OPT_ZONE, OPT_DRY_RUN, OPT_FORCE, OPT_KEEP_GOING, OPT_DATASET,
	OPT_ACCEPT_IN_CIDR, OPT_REPLACE,
	OPT_APEX_FROM_FILE, OPT_VERIFIED };

/* Each entry's private evidence under --verified (its history shows it). */
#define VERIFIED_EVIDENCE "imported with --verified: confirmed as an open relay " \
	"elsewhere, not tested by rbldb-verify"

/* An item without a text of its own (it may still get the base template's). */
#define NOTEXT UINT32_MAX

/* One listing or exception of the file. */
struct item {
	struct addr net;
	uint32_t code;		/* 0 = the zone's */
	uint32_t text;		/* index into the import's texts, or NOTEXT */
	uint32_t line;
	bool exception;
	char *name;		/* a dnset entry of a names zone (stored form), owned; else NULL */
};

struct import {
	const char *name;	/* FILE as given, or "<stdin>" */
	const struct conf_zone *cz;
	struct item *items;	/* the chunk being read (the whole file when it is one) */
	size_t n, cap, chunk;
	int (*cmp)(const void *, const void *);	/* the order items are written in */
	struct runs rs;		/* the chunks before, sorted (none: the file was one chunk) */
	bool spill_failed;	/* a run could not be written (its error says why) */
	uint64_t nitems;	/* every item read, then those whose texts expanded */
	struct rbldnsd_parser *p;
	char **texts;		/* every distinct raw text, then its expansion (NULL = none) */
	uint32_t *tline;	/* the line each text is first seen on */
	uint64_t *tcount;	/* the items with each text */
	uint64_t nnotext;	/* the items with NOTEXT */
	bool *tbad;		/* its expansion was refused */
	char *notext;		/* what NOTEXT expands to (the base template's), or NULL */
	size_t ntexts, textcap;
	uint32_t *thash;	/* open addressing over texts[] (index + 1, 0 empty), while read */
	size_t thashcap;
	uint32_t line;
	uint64_t errors, messages, nozonetext;
	bool testpoint_noted, keep_going;
	bool apex_from_file;	/* $SOA and $NS are the caller's (rbldbd's rbldnsd mode) */
	const char *evidence;	/* each listing's private evidence (--verified), or NULL */
};

static void __attribute__((format(printf, 4, 5)))
message(struct import *im, uint32_t line, bool error, const char *fmt, ...)
{
	va_list ap;

	if (error)
		im->errors++;
	if (++im->messages > IMPORT_MAX_MESSAGES)
		return;
	fprintf(stderr, "%s:%u: %s", im->name, line, error && im->keep_going ? "warning: " :
	    error ? "" : "note: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(error && im->keep_going ? " (skipped)\n" : "\n", stderr);
}

/* FNV-1a: the distinct texts' table. */
static uint32_t
text_hash(const char *t)
{
	uint32_t h = 2166136261u;

	while (*t != '\0')
		h = (h ^ (unsigned char)*t++) * 16777619u;
	return h;
}

/* TEXT's slot in the table: where it is, or the empty one it would go in. */
static size_t
text_slot(const struct import *im, const char *text)
{
	size_t mask = im->thashcap - 1, i = text_hash(text) & mask;

	while (im->thash[i] != 0 && strcmp(im->texts[im->thash[i] - 1], text) != 0)
		i = (i + 1) & mask;
	return i;
}

/* The table grown to twice its size (kept at most half full). */
static int
text_rehash(struct import *im)
{
	size_t cap = im->thashcap ? im->thashcap * 2 : 256, i;
	uint32_t *old = im->thash;

	if ((im->thash = calloc(cap, sizeof(*im->thash))) == NULL) {
		im->thash = old;
		return -ENOMEM;
	}
	im->thashcap = cap;
	for (i = 0; i < im->ntexts; i++)
		im->thash[text_slot(im, im->texts[i])] = (uint32_t)(i + 1);
	free(old);
	return 0;
}

/*
 * The index of raw TEXT (NULL = NOTEXT): one copy per distinct text, as
 * a list's entries share a few texts in any order and a copy per entry
 * would cost more than the entries.
 */
static int
text_of(struct import *im, const char *text, uint32_t *out)
{
	size_t slot;
	void *t;

	*out = NOTEXT;
	if (text == NULL || *text == '\0')
		return 0;
	/* Entries under one default line share its text: the last one, without a lookup. */
	if (im->ntexts > 0 && strcmp(im->texts[im->ntexts - 1], text) == 0) {
		*out = (uint32_t)(im->ntexts - 1);
		return 0;
	}
	if ((im->ntexts + 1) * 2 > im->thashcap && text_rehash(im) != 0)
		return -ENOMEM;
	slot = text_slot(im, text);
	if (im->thash[slot] != 0) {
		*out = im->thash[slot] - 1;
		return 0;
	}
	if (im->ntexts == im->textcap) {
		im->textcap = im->textcap ? im->textcap * 2 : 64;
		if ((t = realloc(im->texts, im->textcap * sizeof(*im->texts))) == NULL)
			return -ENOMEM;
		im->texts = t;
		if ((t = realloc(im->tline, im->textcap * sizeof(*im->tline))) == NULL)
			return -ENOMEM;
		im->tline = t;
		if ((t = realloc(im->tcount, im->textcap * sizeof(*im->tcount))) == NULL)
			return -ENOMEM;
		im->tcount = t;
	}
	if ((im->texts[im->ntexts] = strdup(text)) == NULL)
		return -ENOMEM;
	im->tline[im->ntexts] = im->line;
	im->tcount[im->ntexts] = 0;
	im->thash[slot] = (uint32_t)(im->ntexts + 1);
	*out = (uint32_t)im->ntexts++;
	return 0;
}

/* The final text of an item: NULL for the zone's own (or none). */
static const char *
item_text(const struct import *im, const struct item *it)
{
	const char *t = it->text == NOTEXT ? im->notext : im->texts[it->text];

	return t != NULL && im->cz->text != NULL && strcmp(t, im->cz->text) == 0 ? NULL : t;
}

/*
 * Every raw text expanded as rbldnsd expands it, now that the file's
 * variables and base template are known; a text the policy refuses is
 * reported at its first line and its entries are dropped.  The table
 * that found a text's index goes: the texts change.
 */
static int
expand_texts(struct import *im)
{
	const char *t;
	char why[512];
	size_t i;
	int rc;

	free(im->thash);
	im->thash = NULL;
	im->thashcap = 0;
	if ((im->tbad = calloc(im->ntexts + 1, sizeof(*im->tbad))) == NULL)
		return -ENOMEM;
	for (i = 0; i <= im->ntexts; i++) {
		char **slot = i < im->ntexts ? &im->texts[i] : &im->notext;
		uint32_t line = i < im->ntexts ? im->tline[i] : 0;

		rc = rbldnsd_expand(im->p, i < im->ntexts ? *slot : NULL, &t, why, sizeof(why));
		if (rc == 0 && policy_check_text("TXT", t, POLICY_TEXT_TEMPLATE, why,
		    sizeof(why)) != 0)
			rc = RB_ESYNTAX;
		if (rc == RB_ESYNTAX) {
			message(im, line, true, "%s", why);
			im->tbad[i] = true;
			t = NULL;
		} else if (rc != 0) {
			return rc;
		}
		free(*slot);
		*slot = NULL;
		if (t != NULL && (*slot = strdup(t)) == NULL)
			return -ENOMEM;
	}
	/* Their items are dropped as they are taken (item_next); they are not counted. */
	for (i = 0; i < im->ntexts; i++)
		if (im->tbad[i])
			im->nitems -= im->tcount[i];
	if (im->tbad[im->ntexts])
		im->nitems -= im->nnotext;
	return 0;
}

/*
 * The chunk read so far sorted and written as a run, its names freed.
 * Records are copied whole (padding and all, as take() zeroed it), the
 * name left out: it follows as the record's bytes.
 */
static int
spill_chunk(struct import *im)
{
	struct item h;
	size_t i;
	int rc;

	qsort(im->items, im->n, sizeof(*im->items), im->cmp);
	rc = runs_begin(&im->rs);
	for (i = 0; i < im->n; i++) {
		const char *name = im->items[i].name;

		if (rc == 0) {
			memcpy(&h, &im->items[i], sizeof(h));
			h.name = NULL;
			runs_put(&im->rs, &h, name, name != NULL ? strlen(name) : 0);
		}
		free(im->items[i].name);
	}
	im->n = 0;
	if (rc == 0)
		rc = runs_end(&im->rs);
	im->spill_failed = rc != 0;
	return rc;
}

static int
item_add(struct import *im, const struct item *it)
{
	struct item *p;
	int rc;

	if (im->n == im->chunk && (rc = spill_chunk(im)) != 0) {
		free(it->name);
		return rc;
	}
	if (im->n == im->cap) {
		im->cap = im->cap ? im->cap * 2 : 1024;
		if (im->cap > im->chunk)
			im->cap = im->chunk;
		if ((p = realloc(im->items, im->cap * sizeof(*p))) == NULL) {
			free(it->name);
			return -ENOMEM;
		}
		im->items = p;
	}
	memcpy(&im->items[im->n++], it, sizeof(*it));
	im->nitems++;
	if (it->text == NOTEXT)
		im->nnotext++;
	else
		im->tcount[it->text]++;
	return 0;
}

/* 127.0.0.2, which rbldnsd files list by custom. */
static bool
is_testpoint(const struct addr *a)
{
	return a->fam == ADDR_V4 && a->plen == 32 && a->a[0] == 127 && a->a[1] == 0 &&
	    a->a[2] == 0 && a->a[3] == 2;
}

/* The checks rbldnsd does not make but a zone of ours needs, then the item. */
static int
take(struct import *im, const struct rbldnsd_line *pl, struct addr net)
{
	const struct conf_zone *cz = im->cz;
	struct item it;
	char a[ADDR_STRLEN], why[512];
	int want;

	/* Like report: an IPv4 host listed in IPv6 form is listed under its IPv4 name. */
	if (net.fam == ADDR_V6 && net.plen >= 96 && addr_is_v4mapped(&net)) {
		struct addr m;

		addr_unmap(&net, &m);
		net = m;
	}
	want = net.fam == ADDR_V4 ? ZONE_FAMILY_V4 : ZONE_FAMILY_V6;
	if (!(cz->family & want)) {
		message(im, im->line, true, "%s is IPv%d, and zone %s lists IPv%d only",
		    addr_format(&net, a, sizeof(a)), net.fam, cz->name, net.fam == 4 ? 6 : 4);
		return 0;
	}
	memset(&it, 0, sizeof(it));
	it.text = NOTEXT;
	it.net = net;
	it.line = im->line;
	it.exception = pl->exception;
	if (!pl->exception) {
		if (is_testpoint(&net)) {
			/* The server answers it with the zone's code and text whatever the store says. */
			if (!im->testpoint_noted)
				message(im, im->line, false, "127.0.0.2 is the RFC 5782 test point, "
				    "always listed with the zone's code and text: not imported");
			im->testpoint_noted = true;
			return 0;
		}
		/* The rule report and ingest apply: 127.0.0.1 is never listed, nor a range over it. */
		if (policy_check_loopback(&net, why, sizeof(why)) != 0) {
			message(im, im->line, true, "%s", why);
			return 0;
		}
		if (pl->code >> 24 != 127) {
			message(im, im->line, true, "A value %u.%u.%u.%u is outside 127.0.0.0/8",
			    pl->code >> 24, pl->code >> 16 & 255, pl->code >> 8 & 255,
			    pl->code & 255);
			return 0;
		}
		/* The listing policy's rules for addresses hold here too (texts: expand_texts). */
		if (policy_check_bogon(&net, why, sizeof(why)) != 0) {
			message(im, im->line, true, "%s", why);
			return 0;
		}
		it.code = pl->code == cz->code ? 0 : pl->code;
		if (text_of(im, pl->text, &it.text) != 0)
			return -ENOMEM;
	}
	return item_add(im, &it);
}

/* A dnset entry's NAME for a names zone: its stored form and key, then the item. */
static int
take_name(struct import *im, const struct loader *L, const struct rbldnsd_line *pl,
    const char *text)
{
	char name[NAME_TEXTLEN], why[512];
	struct item it;

	if (loader_name(im->cz, text, name, why, sizeof(why)) != 0 ||
	    (!pl->exception && policy_check_name(im->cz, name, why, sizeof(why)) != 0)) {
		message(im, im->line, true, "%s", why);
		return 0;
	}
	memset(&it, 0, sizeof(it));
	it.text = NOTEXT;
	it.line = im->line;
	it.exception = pl->exception;
	if (!pl->exception) {
		if (pl->code >> 24 != 127) {
			message(im, im->line, true, "A value outside 127.0.0.0/8");
			return 0;
		}
		it.code = pl->code == im->cz->code ? 0 : pl->code;
		/* The text rule is checked once expanded (expand_texts). */
		if (text_of(im, pl->text, &it.text) != 0)
			return -ENOMEM;
	}
	store_name_key(L->store, name, &it.net);
	if ((it.name = strdup(name)) == NULL)
		return -ENOMEM;
	return item_add(im, &it);
}

/* Read FILE: items (in runs, or one chunk in memory), or FILE:LINE errors. */
static int
parse_file(struct import *im, const struct loader *L, FILE *f)
{
	struct rbldnsd_parser *p = im->p;
	struct rbldnsd_line pl;
	char *line = NULL, err[256];
	size_t cap = 0, i;
	ssize_t len;
	int rc = 0;

	if (im->cz->kind == ZONE_KIND_NAMES)
		rbldnsd_set_dnset(p);
	while (rc == 0 && (len = getline(&line, &cap, f)) >= 0) {
		im->line++;
		if (len > IMPORT_MAX_LINE) {
			message(im, im->line, true, "line longer than %d octets", IMPORT_MAX_LINE);
			continue;
		}
		if (memchr(line, '\0', (size_t)len) != NULL) {
			message(im, im->line, true, "NUL octet in the line (not a text file?)");
			continue;
		}
		rc = rbldnsd_parse(p, line, &pl, err, sizeof(err));
		if (rc == RB_ESYNTAX) {
			message(im, im->line, true, "%s", err);
			rc = 0;
			continue;
		}
		if (rc != 0)
			break;
		if (pl.kind == RBLDNSD_NOTE && !(im->apex_from_file &&
		    (strncmp(pl.note, "$SOA ", 5) == 0 || strncmp(pl.note, "$NS ", 4) == 0)))
			message(im, im->line, false, "%s", pl.note);
		for (i = 0; i < pl.nnets && rc == 0; i++)
			rc = take(im, &pl, pl.nets[i]);
		for (i = 0; i < pl.nnames && rc == 0; i++)
			rc = take_name(im, L, &pl, pl.names[i]);
	}
	if (rc == 0 && ferror(f))
		rc = -errno;
	free(line);
	/* The last chunk of several joins the others; one alone stays in memory. */
	if (rc == 0 && im->rs.nruns > 0 && im->n > 0)
		rc = spill_chunk(im);
	if (rc == 0 && im->rs.nruns > 0) {
		free(im->items);	/* the merge needs none of it */
		im->items = NULL;
		im->cap = 0;
	}
	if (rc == 0)
		rc = expand_texts(im);
	return rc;
}

/* Key order only, then listings before exceptions, then line (store_sync's order). */
static int
item_key_cmp(const void *pa, const void *pb)
{
	const struct item *a = pa, *b = pb;
	int d;

	if (a->net.fam != b->net.fam)
		return a->net.fam < b->net.fam ? -1 : 1;
	if ((d = memcmp(a->net.a, b->net.a, sizeof(a->net.a))) != 0)
		return d;
	if (a->net.plen != b->net.plen)
		return a->net.plen < b->net.plen ? -1 : 1;
	if (a->exception != b->exception)
		return a->exception ? 1 : -1;
	return a->line < b->line ? -1 : a->line > b->line;
}

/*
 * Key order, then listings before exceptions (so an exception of the same
 * net wins), then line.  Items are compared as written to a run too,
 * without their names: a name is known by its key's family.
 */
static int
item_cmp(const void *pa, const void *pb)
{
	const struct item *a = pa, *b = pb;

	/* Names do not nest by key: every listing first, so an exception finds its wildcard. */
	if (a->net.fam == ADDR_NAME && b->net.fam == ADDR_NAME && a->exception != b->exception)
		return a->exception ? 1 : -1;
	return item_key_cmp(pa, pb);
}

static bool
same_net(const struct item *a, const struct item *b)
{
	return memcmp(&a->net, &b->net, sizeof(a->net)) == 0;
}

/*
 * The items in the order they are written: from the one chunk sorted in
 * memory, or merged from the runs.  Items whose text was refused are
 * dropped here; the rest are counted, and what rbldnsd would have done
 * differently with a repeated net is said, as they go by.
 */
struct pass {
	struct runs_merge *m;	/* NULL: im->items */
	size_t i;
	struct item cur, prev;	/* cur.name points into the merge, prev's is not kept */
	bool started;
	size_t listings, n;
};

static int
pass_begin(struct import *im, struct pass *ps)
{
	memset(ps, 0, sizeof(*ps));
	if (im->rs.nruns == 0) {
		qsort(im->items, im->n, sizeof(*im->items), im->cmp);
		return 0;
	}
	return runs_merge_begin(&im->rs, &ps->m);
}

static void
pass_end(struct import *im, struct pass *ps)
{
	runs_merge_end(&im->rs, ps->m);
	ps->m = NULL;
}

/* An item's next from PS's source, refused or not: 1, 0 at the end, or -errno. */
static int
pass_read(struct import *im, struct pass *ps, const struct item **it)
{
	const void *hdr, *data;
	size_t len;
	int rc;

	if (ps->m == NULL) {
		if (ps->i == im->n)
			return 0;
		*it = &im->items[ps->i++];
		return 1;
	}
	if ((rc = runs_merge_next(ps->m, &hdr, &data, &len)) != 1)
		return rc;
	memcpy(&ps->cur, hdr, sizeof(ps->cur));
	ps->cur.name = len > 0 ? (char *)data : NULL;
	*it = &ps->cur;
	return 1;
}

/* Say what rbldnsd would have done differently with C, which repeats the net of P. */
static void
note_repeat(struct import *im, const struct item *p, const struct item *c)
{
	char a[NAME_TEXTLEN];

	if (c->name != NULL)
		snprintf(a, sizeof(a), "%s", c->name);
	else
		addr_format(&c->net, a, sizeof(a));
	if (c->exception && !p->exception)
		message(im, c->line, false, "%s is listed at line %u and excepted here: "
		    "the exception wins", a, p->line);
	else if (!c->exception)
		message(im, c->line, false, "%s repeats line %u: the first is kept", a, p->line);
}

/* The next item to write into *IT (valid until the next call): 1, 0 at the end, or -errno. */
static int
pass_next(struct import *im, struct pass *ps, const struct item **it)
{
	const struct item *c;
	int rc;

	do {
		if ((rc = pass_read(im, ps, &c)) != 1)
			return rc;
	} while (c->text != NOTEXT ? im->tbad[c->text] : im->tbad[im->ntexts]);
	if (ps->started && same_net(&ps->prev, c))
		note_repeat(im, &ps->prev, c);
	memcpy(&ps->prev, c, sizeof(ps->prev));
	ps->prev.name = NULL;
	ps->started = true;
	ps->n++;
	if (!c->exception) {
		ps->listings++;
		if (item_text(im, c) == NULL && im->cz->text != NULL &&
		    (c->text != NOTEXT ? im->texts[c->text] : im->notext) == NULL)
			im->nozonetext++;
	}
	*it = c;
	return 1;
}

/* A failure of the pass's source: a run that could not be read back. */
static void
pass_failed(int rc, char *why, size_t whylen)
{
	snprintf(why, whylen, "reading back a temporary file in %s: %s (free space there, "
	    "or set TMPDIR)", getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp",
	    rb_strerror(rc));
}

/*
 * Write the items in key order: a range before what lies inside it, so an
 * exception finds its listed range and a listing inside an exception comes
 * after it.  An exception already in the store is left alone, as its
 * delisting would also remove the listings inside it (and a listing with
 * the same source and time is not counted twice: importing the same file
 * again changes nothing).
 */
static int
apply(const struct loader *L, struct import *im, struct pass *ps, size_t zi, int64_t at,
    int64_t now, bool dry_run, struct apply_counts *counts, char *why, size_t whylen)
{
	struct store_wr *w = NULL;
	struct listing l;
	enum store_outcome out;
	const struct item *it;
	const char *base = strrchr(im->name, '/');
	char source[256];
	int rc, more = 0;

	snprintf(source, sizeof(source), "import:%s", base != NULL ? base + 1 : im->name);
	if ((rc = store_wr_begin(L->store, &w)) != 0)
		return rc;
	store_wr_set_now(w, now);
	if (im->nitems > STORE_BULK_REPORTS)
		store_wr_set_compact(w);	/* a bulk load: its new entries go in compact */
	while (rc == 0 && (more = pass_next(im, ps, &it)) == 1) {
		if (!it->exception) {
			struct report r = { it->net, at, it->code, 0, item_text(im, it), source,
			    im->evidence, true, it->name };

			rc = it->name != NULL ? store_name_report(w, L->zone_ids[zi], &r, &out) :
			    store_report(w, L->zone_ids[zi], &r, &out);
		} else if (cmd_find_entry(store_wr_reader(w), L->zone_ids[zi], &it->net, false,
		    (uint32_t)now, &l) == 0 && (l.flags & LISTING_EXCEPTION)) {
			out = STORE_DUPLICATE;
		} else {
			struct delisting d = { it->net, at, "imported exception", source, it->name };

			rc = it->name != NULL ? store_name_delist(w, L->zone_ids[zi], &d, &out) :
			    store_delist(w, L->zone_ids[zi], &d, &out);
		}
		if (rc == 0)
			counts->n[out]++;
	}
	if (rc == 0 && more < 0) {
		pass_failed(more, why, whylen);
		store_wr_abort(w);
		return more;
	}
	if (rc != 0) {
		snprintf(why, whylen, "%s", rb_strerror(rc));
		store_wr_abort(w);
		return rc;
	}
	if (dry_run) {
		cmd_dry_run_guard(L, w);
		store_wr_abort(w);
		return 0;
	}
	if ((rc = store_wr_commit(w)) != 0)
		snprintf(why, whylen, "commit: %s", rb_strerror(rc));
	return rc;
}

/*
 * --replace's list for store_sync_stream: one item per net, an exclusion
 * winning over a listing of the same net and the first listing over the
 * others, as apply() leaves them.  The item after a net's last is read
 * ahead, so each is copied out of the pass (names too).
 */
struct feed {
	struct import *im;
	struct pass *ps;
	struct item ahead;	/* the next net's first item, when have_ahead */
	char ahead_name[NAME_TEXTLEN];
	bool have_ahead, started;
	struct store_sync_item out;
	char out_name[NAME_TEXTLEN];
	int err;		/* the pass's own failure (not the store's) */
};

/* The pass's next item into F->ahead: 1, 0 at the end, or -errno (kept in F->err). */
static int
feed_read(struct feed *f)
{
	const struct item *it;
	int rc;

	f->have_ahead = false;
	if ((rc = pass_next(f->im, f->ps, &it)) != 1) {
		if (rc < 0)
			f->err = rc;
		return rc;
	}
	memcpy(&f->ahead, it, sizeof(f->ahead));
	if (it->name != NULL) {
		snprintf(f->ahead_name, sizeof(f->ahead_name), "%s", it->name);
		f->ahead.name = f->ahead_name;
	}
	f->have_ahead = true;
	return 1;
}

static int
feed_next(void *arg, const struct store_sync_item **out)
{
	struct feed *f = arg;
	const struct item *it = &f->ahead;
	struct store_sync_item *v = &f->out;
	int rc;

	if (!f->started) {
		f->started = true;
		if ((rc = feed_read(f)) < 0)
			return rc;
	}
	if (!f->have_ahead)
		return 0;
	memset(v, 0, sizeof(*v));
	v->net = it->net;
	v->exception = it->exception;
	v->code = it->exception ? 0 : it->code;
	v->reason = it->exception ? NULL : item_text(f->im, it);
	v->evidence = it->exception ? NULL : f->im->evidence;
	if (it->name != NULL) {
		memcpy(f->out_name, f->ahead_name, sizeof(f->out_name));
		v->name = f->out_name;
	}
	while ((rc = feed_read(f)) == 1 && memcmp(&f->ahead.net, &v->net, sizeof(v->net)) == 0)
		if (f->ahead.exception)	/* sorted last among its net: it wins */
			v->exception = true;
	if (rc < 0)
		return rc;
	*out = v;
	return 1;
}

/*
 * --replace: the zone's entries from this file's source made equal to the
 * file in one commit (store_sync_stream), fed from the pass.
 */
static int
apply_replace(const struct loader *L, struct import *im, struct pass *ps, size_t zi,
    int64_t at, int64_t now, bool dry_run, struct store_sync_counts *sc, char *why,
    size_t whylen)
{
	struct store_wr *w = NULL;
	struct feed f;
	const char *base = strrchr(im->name, '/');
	char source[256];
	int rc;

	snprintf(source, sizeof(source), "import:%s", base != NULL ? base + 1 : im->name);
	memset(&f, 0, sizeof(f));
	f.im = im;
	f.ps = ps;
	if ((rc = store_wr_begin(L->store, &w)) != 0)
		return rc;
	store_wr_set_now(w, now);
	rc = store_sync_stream(w, L->zone_ids[zi], source, at, feed_next, &f, sc);
	if (rc != 0) {
		if (f.err != 0)
			pass_failed(f.err, why, whylen);
		else
			snprintf(why, whylen, "%s", rb_strerror(rc));
		store_wr_abort(w);
		return rc;
	}
	if (dry_run) {
		cmd_dry_run_guard(L, w);
		store_wr_abort(w);
		return 0;
	}
	if ((rc = store_wr_commit(w)) != 0)
		snprintf(why, whylen, "commit: %s", rb_strerror(rc));
	return rc;
}

static void
import_free(struct import *im)
{
	size_t i;

	for (i = 0; i < im->ntexts; i++)
		free(im->texts[i]);
	free(im->texts);
	free(im->tline);
	free(im->tcount);
	free(im->thash);
	free(im->tbad);
	free(im->notext);
	for (i = 0; i < im->n; i++)
		free(im->items[i].name);
	free(im->items);
	runs_discard(&im->rs);
	rbldnsd_free(im->p);
}

/* import's command line. */
struct import_opts {
	const char *format, *zone, *dataset;
	enum rbldnsd_dataset dtype;
	bool keep_going, accept_in_cidr, replace, apex_from_file, dry_run, force, verified;
};

/* ARGV into O; CMD_OK with the FILE argument at argv[optind], else the failure (said). */
static int
import_options(int argc, char **argv, struct import_opts *o)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "zone", required_argument, NULL, OPT_ZONE },
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ "force", no_argument, NULL, OPT_FORCE },
		{ "keep-going", no_argument, NULL, OPT_KEEP_GOING },
		{ "dataset", required_argument, NULL, OPT_DATASET },
		{ "accept-in-cidr", no_argument, NULL, OPT_ACCEPT_IN_CIDR },
		{ "replace", no_argument, NULL, OPT_REPLACE },
		{ "apex-from-file", no_argument, NULL, OPT_APEX_FROM_FILE },
		{ "verified", no_argument, NULL, OPT_VERIFIED },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->dataset = "combined";
	optind = 0;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (c) {
		case OPT_FORMAT: o->format = optarg; break;
		case OPT_ZONE: o->zone = optarg; break;
		case OPT_DRY_RUN: o->dry_run = true; break;
		case OPT_FORCE: o->force = true; break;
		case OPT_KEEP_GOING: o->keep_going = true; break;
		case OPT_DATASET: o->dataset = optarg; break;
		case OPT_ACCEPT_IN_CIDR: o->accept_in_cidr = true; break;
		case OPT_REPLACE: o->replace = true; break;
		case OPT_APEX_FROM_FILE: o->apex_from_file = true; break;
		case OPT_VERIFIED: o->verified = true; break;
		default:
			return cmd_bad_option("import", c, argv);
		}
	}
	if (o->format == NULL || strcmp(o->format, "rbldnsd") != 0)
		return cmd_fail("import", CMD_USAGE, "--format rbldnsd is needed (the only format "
		    "import reads)");
	if (optind + 1 != argc)
		return cmd_fail("import", CMD_USAGE, "want one FILE (or - for stdin)");
	if (rbldnsd_dataset_type(o->dataset, strlen(o->dataset), &o->dtype) != 0)
		return cmd_fail("import", CMD_USAGE, "--dataset %s: not an IP dataset (want ip4set, "
		    "ip4tset, ip4trie, ip6tset, ip6trie or combined; a names zone reads its file "
		    "as dnset, with no --dataset)", o->dataset);
	return CMD_OK;
}

/* PATH (or - for stdin) read into IM, *AT its time; CMD_OK, else the failure (said). */
static int
import_read(struct import *im, const struct loader *L, const struct import_opts *o,
    const char *path, int64_t now, int64_t *at)
{
	struct stat st;
	FILE *f;
	int rc;

	if ((im->p = rbldnsd_new()) == NULL)
		return cmd_fail("import", CMD_FAIL, "%s", rb_strerror(-ENOMEM));
	rbldnsd_set_dataset(im->p, o->dtype);
	rbldnsd_set_accept_in_cidr(im->p, o->accept_in_cidr);
	if (strcmp(path, "-") == 0) {
		im->name = "<stdin>";
		f = stdin;
	} else if ((f = privs_fopen_read(path)) == NULL) {
		return cmd_fail("import", CMD_FAIL, "%s: %s", path, rb_strerror(-errno));
	} else {
		im->name = path;
		/*
		 * The file's time is the reports' time: importing it again is
		 * recognised as the same reports, and a later delisting outranks it.
		 */
		if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && st.st_mtime < now)
			*at = st.st_mtime;
	}
	rc = parse_file(im, L, f);
	if (f != stdin)
		fclose(f);
	if (rc != 0 && im->spill_failed)
		return cmd_fail("import", CMD_FAIL, "%s: line %u: temporary file in %s: %s; "
		    "nothing imported (free space there, or set TMPDIR)", im->name, im->line,
		    getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp", rb_strerror(rc));
	if (rc != 0)
		return cmd_fail("import", CMD_FAIL, "%s: %s", im->name, rb_strerror(rc));
	if (im->messages > IMPORT_MAX_MESSAGES)
		fprintf(stderr, "%s: %llu more %s suppressed\n", im->name,
		    (unsigned long long)(im->messages - IMPORT_MAX_MESSAGES),
		    cmd_plural(im->messages - IMPORT_MAX_MESSAGES, "message", "messages"));
	if (im->errors > 0 && o->keep_going)
		fprintf(stderr, "%s: %llu bad line%s skipped (--keep-going)\n", im->name,
		    (unsigned long long)im->errors, im->errors == 1 ? "" : "s");
	if (im->errors > 0 && !o->keep_going)
		return cmd_fail("import", CMD_FAIL, "%s: %llu bad line%s, nothing imported",
		    im->name, (unsigned long long)im->errors, im->errors == 1 ? "" : "s");
	return CMD_OK;
}

/*
 * A zone with verify = required publishes only what a relay test confirmed
 * (SPEC "Relay verification"): an import, which publishes at once, is
 * refused there unless the operator states with --verified that the list
 * was verified elsewhere (a migration); each entry's history then says so.
 * Reports to be tested go through rbldb report or ingest, which queue them.
 */
static int
import_verify_gate(const struct conf_zone *z, const struct import_opts *o)
{
	if (z->verify_required && !o->verified)
		return cmd_fail("import", CMD_FAIL, "zone %s has verify = required: an import "
		    "would publish its entries without a relay test; nothing imported (to migrate "
		    "a list verified elsewhere, give --verified, which each entry's history "
		    "records; to have addresses tested, report them with rbldb report or "
		    "ingest)", z->name);
	if (!z->verify_required && o->verified)
		return cmd_fail("import", CMD_USAGE, "--verified is for zones with verify = "
		    "required, and zone %s has verify = off; nothing imported", z->name);
	return CMD_OK;
}

/* The import's one line of result (and the note on entries given the zone's text). */
static void
import_said(const struct loader *L, const struct import *im, size_t zi,
    const struct import_opts *o, size_t listings, size_t n, const char *ctext)
{
	struct store_reader rd;
	struct store_zone sz;

	printf("%s %s into %s: %zu %s, %zu %s: %s", o->dry_run ? "would import" : o->replace ?
	    "replaced" : "imported",
	    im->name, im->cz->name, listings, cmd_plural(listings, "listing", "listings"),
	    n - listings, cmd_plural(n - listings, "exception", "exceptions"), ctext);
	if (!o->dry_run && cmd_reader(L, "import", &rd) == 0) {
		if (store_zone_get(&rd, L->zone_ids[zi], &sz) == 0)
			printf("; serial %u", sz.serial);
		store_reader_fini(&rd);
	}
	putchar('\n');
	if (im->nozonetext > 0)
		printf("%llu %s without a TXT of %s own %s the zone's text\n",
		    (unsigned long long)im->nozonetext, cmd_plural(im->nozonetext, "entry", "entries"),
		    cmd_plural(im->nozonetext, "its", "their"),
		    cmd_plural(im->nozonetext, "gets", "get"));
}

int
cmd_import(struct loader *L, int argc, char **argv)
{
	struct store_sync_counts sc;
	struct import_opts o;
	struct import im;
	struct pass ps;
	struct apply_counts counts;
	char why[512], ctext[256];
	int64_t now = time_now(), at = now;
	size_t zi, listings, n;
	const char *path;
	int rc;

	if ((rc = import_options(argc, argv, &o)) != CMD_OK ||
	    (rc = cmd_zone(L, "import", o.zone, &zi)) != 0 ||
	    (rc = import_verify_gate(&L->conf->zones[zi], &o)) != CMD_OK)
		return rc;
	path = argv[optind];
	memset(&im, 0, sizeof(im));
	memset(&counts, 0, sizeof(counts));
	im.cz = &L->conf->zones[zi];
	im.keep_going = o.keep_going;
	im.apex_from_file = o.apex_from_file;
	im.evidence = o.verified ? VERIFIED_EVIDENCE : NULL;
	/* store_sync takes key order (a names zone's exceptions it takes last itself). */
	im.cmp = o.replace && im.cz->kind == ZONE_KIND_NAMES ? item_key_cmp : item_cmp;
	im.chunk = runs_chunk("RBLDB_IMPORT_CHUNK", IMPORT_CHUNK);
	runs_init(&im.rs, sizeof(struct item), im.cmp);
	if ((rc = import_read(&im, L, &o, path, now, &at)) != CMD_OK) {
		import_free(&im);
		return rc;
	}
	store_set_force(L->store, o.force);
	if ((rc = pass_begin(&im, &ps)) != 0)
		pass_failed(rc, why, sizeof(why));
	else if (o.replace)
		rc = apply_replace(L, &im, &ps, zi, at, now, o.dry_run, &sc, why, sizeof(why));
	else
		rc = apply(L, &im, &ps, zi, at, now, o.dry_run, &counts, why, sizeof(why));
	pass_end(&im, &ps);
	listings = ps.listings;
	n = ps.n;
	if (rc == RB_EMAXCHANGE || rc != 0) {
		import_free(&im);
		return rc == RB_EMAXCHANGE ? cmd_commit_fail(L, "import", rc, path) :
		    cmd_fail("import", CMD_FAIL, "%s: %s, nothing imported", path, why);
	}
	if (o.replace)
		snprintf(ctext, sizeof(ctext), "%llu added, %llu changed, %llu withdrawn, "
		    "%llu unchanged", (unsigned long long)sc.added, (unsigned long long)sc.changed,
		    (unsigned long long)(sc.withdrawn + sc.withdrawn_kept),
		    (unsigned long long)sc.unchanged);
	else
		apply_counts_text(&counts, ctext, sizeof(ctext));
	import_said(L, &im, zi, &o, listings, n, ctext);
	import_free(&im);
	return CMD_OK;
}
