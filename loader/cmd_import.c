/* rbldb import: an rbldnsd data file into a zone, parsed whole, sorted, then written in one commit. */
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
#include "timeutil.h"

/* Messages printed before the rest are only counted (rbldnsd's dswarn). */
#define IMPORT_MAX_MESSAGES 100
/* A longer line is refused rather than held. */
#define IMPORT_MAX_LINE (64 * 1024)

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
	struct item *items;
	size_t n, cap;
	struct rbldnsd_parser *p;
	char **texts;		/* every distinct raw text, then its expansion (NULL = none) */
	uint32_t *tline;	/* the line each text is first seen on */
	bool *tbad;		/* its expansion was refused */
	char *notext;		/* what NOTEXT expands to (the base template's), or NULL */
	size_t ntexts, textcap;
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

/* The index of raw TEXT (NULL = NOTEXT); one copy per distinct text in a row. */
static int
text_of(struct import *im, const char *text, uint32_t *out)
{
	void *t;

	*out = NOTEXT;
	if (text == NULL || *text == '\0')
		return 0;
	/* Entries under one default line share its text: reuse the last copy. */
	if (im->ntexts > 0 && strcmp(im->texts[im->ntexts - 1], text) == 0) {
		*out = (uint32_t)(im->ntexts - 1);
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
	}
	if ((im->texts[im->ntexts] = strdup(text)) == NULL)
		return -ENOMEM;
	im->tline[im->ntexts] = im->line;
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
 * reported at its first line and its entries are dropped.
 */
static int
expand_texts(struct import *im)
{
	const char *t;
	char why[512];
	size_t i, j;
	int rc;

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
	for (i = j = 0; i < im->n; i++) {
		const struct item *it = &im->items[i];

		if (it->text != NOTEXT ? im->tbad[it->text] : im->tbad[im->ntexts])
			continue;
		if (!it->exception && item_text(im, it) == NULL && im->cz->text != NULL &&
		    (it->text != NOTEXT ? im->texts[it->text] : im->notext) == NULL)
			im->nozonetext++;
		im->items[j++] = *it;
	}
	im->n = j;
	return 0;
}

static int
item_add(struct import *im, const struct item *it)
{
	struct item *p;

	if (im->n == im->cap) {
		im->cap = im->cap ? im->cap * 2 : 1024;
		if ((p = realloc(im->items, im->cap * sizeof(*p))) == NULL)
			return -ENOMEM;
		im->items = p;
	}
	im->items[im->n++] = *it;
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

/* Read FILE whole: items, or FILE:LINE errors. */
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

/* Key order, then listings before exceptions (so an exception of the same net wins), then line. */
static int
item_cmp(const void *pa, const void *pb)
{
	const struct item *a = pa, *b = pb;

	/* Names do not nest by key: every listing first, so an exception finds its wildcard. */
	if (a->name != NULL && b->name != NULL && a->exception != b->exception)
		return a->exception ? 1 : -1;
	return item_key_cmp(pa, pb);
}

static bool
same_net(const struct item *a, const struct item *b)
{
	return memcmp(&a->net, &b->net, sizeof(a->net)) == 0;
}

/* Say what rbldnsd would have done differently with repeated nets. */
static void
note_repeats(struct import *im)
{
	char a[NAME_TEXTLEN];
	size_t i;

	for (i = 1; i < im->n; i++) {
		const struct item *p = &im->items[i - 1], *c = &im->items[i];

		if (!same_net(p, c))
			continue;
		if (c->name != NULL)
			snprintf(a, sizeof(a), "%s", c->name);
		else
			addr_format(&c->net, a, sizeof(a));
		if (c->exception && !p->exception)
			message(im, c->line, false, "%s is listed at line %u and excepted here: "
			    "the exception wins", a, p->line);
		else if (!c->exception)
			message(im, c->line, false, "%s repeats line %u: the first is kept", a,
			    p->line);
	}
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
apply(const struct loader *L, struct import *im, size_t zi, int64_t at, int64_t now,
    bool dry_run, struct apply_counts *counts, char *why, size_t whylen)
{
	struct store_wr *w = NULL;
	struct listing l;
	enum store_outcome out;
	const char *base = strrchr(im->name, '/');
	char source[256];
	size_t i;
	int rc;

	snprintf(source, sizeof(source), "import:%s", base != NULL ? base + 1 : im->name);
	if ((rc = store_wr_begin(L->store, &w)) != 0)
		return rc;
	store_wr_set_now(w, now);
	if (im->n > STORE_BULK_REPORTS)
		store_wr_set_compact(w);	/* a bulk load: its new entries go in compact */
	for (i = 0; i < im->n && rc == 0; i++) {
		const struct item *it = &im->items[i];

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
 * --replace: the zone's entries from this file's source made equal to the
 * file in one commit (store_sync): one item per net, an exclusion winning
 * over a listing of the same net and the first listing over the others,
 * as apply() leaves them.
 */
static int
apply_replace(const struct loader *L, struct import *im, size_t zi, int64_t at, int64_t now,
    bool dry_run, struct store_sync_counts *sc, char *why, size_t whylen)
{
	struct store_sync_item *v;
	struct store_wr *w = NULL;
	const char *base = strrchr(im->name, '/');
	char source[256];
	size_t i, n = 0;
	int rc;

	snprintf(source, sizeof(source), "import:%s", base != NULL ? base + 1 : im->name);
	if ((v = calloc(im->n + 1, sizeof(*v))) == NULL)
		return -ENOMEM;
	/* store_sync takes key order (a names zone's exceptions it takes last itself). */
	if (im->cz->kind == ZONE_KIND_NAMES)
		qsort(im->items, im->n, sizeof(*im->items), item_key_cmp);
	for (i = 0; i < im->n; i++) {
		const struct item *it = &im->items[i];

		if (n > 0 && i > 0 && same_net(it, &im->items[i - 1])) {
			if (it->exception)	/* sorted last among its net: it wins */
				v[n - 1].exception = true;
			continue;
		}
		v[n].net = it->net;
		v[n].exception = it->exception;
		v[n].code = it->exception ? 0 : it->code;
		v[n].reason = it->exception ? NULL : item_text(im, it);
		v[n].evidence = it->exception ? NULL : im->evidence;
		v[n].name = it->name;
		n++;
	}
	if ((rc = store_wr_begin(L->store, &w)) != 0) {
		free(v);
		return rc;
	}
	store_wr_set_now(w, now);
	rc = store_sync(w, L->zone_ids[zi], source, at, v, n, sc);
	free(v);
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

static void
import_free(struct import *im)
{
	size_t i;

	for (i = 0; i < im->ntexts; i++)
		free(im->texts[i]);
	free(im->texts);
	free(im->tline);
	free(im->tbad);
	free(im->notext);
	for (i = 0; i < im->n; i++)
		free(im->items[i].name);
	free(im->items);
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

/* PATH (or - for stdin) read whole into IM, *AT its time; CMD_OK, else the failure (said). */
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
	struct apply_counts counts;
	char why[256], ctext[256];
	int64_t now = time_now(), at = now;
	size_t zi, listings = 0, n, i;
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
	if ((rc = import_read(&im, L, &o, path, now, &at)) != CMD_OK) {
		import_free(&im);
		return rc;
	}
	qsort(im.items, im.n, sizeof(*im.items), item_cmp);
	note_repeats(&im);
	for (i = 0; i < im.n; i++)
		listings += !im.items[i].exception;
	n = im.n;
	store_set_force(L->store, o.force);
	if (o.replace)
		rc = apply_replace(L, &im, zi, at, now, o.dry_run, &sc, why, sizeof(why));
	else
		rc = apply(L, &im, zi, at, now, o.dry_run, &counts, why, sizeof(why));
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
