/* rbldb ingest: a JSON Lines batch of reports and delistings, streamed into one write transaction. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <ldns/sha2.h>

#include "apply.h"
#include "cmd.h"
#include "ingest_sort.h"
#include "jsonl.h"
#include "names.h"
#include "privs.h"
#include "rb.h"
#include "timeutil.h"

/*
 * The longest line read.  Four texts of STORE_MAX_TEXT octets, JSON-escaped
 * at worst as \uXXXX, fit; a longer line is refused without being held, so
 * memory stays bounded whatever the input.
 */
#define INGEST_MAX_LINE (4 * 6 * STORE_MAX_TEXT + 4096)
/* Bad lines printed before the rest are only counted (rbldnsd's dswarn). */
#define INGEST_MAX_ERRORS 100

enum { OPT_KEEP_GOING = 256, OPT_DRY_RUN, OPT_FORCE };

struct ingest {
	const char *name;	/* FILE, or "<stdin>" */
	FILE *f;
	off_t size;		/* of a regular file, for the ETA; 0 = unknown */
	uint64_t line;		/* number of the line being read */
	uint64_t ops;		/* reports and delistings applied */
	uint64_t bad;
	struct apply_counts counts;
	ldns_sha256_CTX *hash;	/* the content's digest, taken while reading; NULL: taken before */
	bool progress;		/* stderr is a terminal */
	bool progress_shown;
	double started, last_progress;
};

/* Input in blocks, split at newlines with memchr rather than octet by octet. */
struct reader {
	FILE *f;
	ldns_sha256_CTX *hash;	/* fed every block, when not NULL */
	size_t pos, len;
	char block[1 << 16];
};

/* One line into BUF (at most CAP octets, newline dropped); -1 at the end. */
static ssize_t
read_line(struct reader *r, char *buf, size_t cap, bool *toolong)
{
	size_t n = 0, k;
	char *nl;

	*toolong = false;
	for (;;) {
		if (r->pos == r->len) {
			r->pos = 0;
			if ((r->len = fread(r->block, 1, sizeof(r->block), r->f)) == 0)
				return n == 0 && !*toolong ? -1 : (ssize_t)n;
			if (r->hash != NULL)
				ldns_sha256_update(r->hash, (const uint8_t *)r->block, r->len);
		}
		nl = memchr(r->block + r->pos, '\n', r->len - r->pos);
		k = (nl != NULL ? (size_t)(nl - r->block) : r->len) - r->pos;
		if (k > cap - n) {
			*toolong = true;
			k = cap - n;
		}
		memcpy(buf + n, r->block + r->pos, k);
		n += k;
		r->pos = nl != NULL ? (size_t)(nl - r->block) + 1 : r->len;
		if (nl != NULL)
			return (ssize_t)n;
	}
}

/*
 * Lines are applied out of order (sorted chunks, below), so their errors
 * are held and printed by line number once the chunk is done.
 */
struct line_msg {
	uint64_t line;
	char text[600];
};
static struct line_msg held[INGEST_MAX_ERRORS];
static size_t nheld;

static void __attribute__((format(printf, 3, 4)))
line_error(struct ingest *in, uint64_t line, const char *fmt, ...)
{
	va_list ap;

	in->bad++;
	if (in->bad > INGEST_MAX_ERRORS || nheld == INGEST_MAX_ERRORS)
		return;
	held[nheld].line = line;
	va_start(ap, fmt);
	vsnprintf(held[nheld].text, sizeof(held[nheld].text), fmt, ap);
	va_end(ap);
	nheld++;
}

static int
line_msg_cmp(const void *a, const void *b)
{
	const struct line_msg *x = a, *y = b;

	return x->line < y->line ? -1 : x->line > y->line;
}

static void
print_errors(struct ingest *in)
{
	size_t i;

	qsort(held, nheld, sizeof(held[0]), line_msg_cmp);
	if (nheld > 0 && in->progress_shown)
		fputs("\r\033[K", stderr);
	for (i = 0; i < nheld; i++)
		fprintf(stderr, "%s:%llu: %s\n", in->name, (unsigned long long)held[i].line,
		    held[i].text);
	nheld = 0;
}

static double
mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Lines, rate and, for a regular file, the share read and the time left. */
static void
progress(struct ingest *in, bool last)
{
	double now = mono_now(), rate, done;
	off_t pos;
	char eta[32] = "";

	if (!in->progress || (!last && now - in->last_progress < 1.0))
		return;
	in->last_progress = now;
	rate = now > in->started ? (double)in->line / (now - in->started) : 0;
	if (in->size > 0 && (pos = ftello(in->f)) > 0) {
		done = (double)pos / (double)in->size;
		if (done > 0 && done <= 1)
			snprintf(eta, sizeof(eta), ", %3.0f%%, ETA %.0fs", done * 100,
			    (now - in->started) * (1 - done) / done);
	}
	fprintf(stderr, "\r\033[K%s: %llu lines, %.0f lines/s%s", in->name,
	    (unsigned long long)in->line, rate, eta);
	if (last)
		putc('\n', stderr);
	in->progress_shown = !last;
}

/* Apply one parsed line of zone ZI; 0 also for a line refused (counted in in->bad). */
static int
apply_line(struct ingest *in, const struct loader *L, struct store_wr *w, struct jsonl_op *op,
    size_t zi, uint64_t line, int64_t now)
{
	enum store_outcome outcome;
	char why[512], name[NAME_TEXTLEN];
	const char **np = op->kind == JSONL_REPORT ? &op->report.name : &op->delist.name;
	const char *given = *np;
	int rc;

	/* A "name": its stored form for this zone (U-labels converted), or the line is refused. */
	if (*np != NULL) {
		if (loader_name(&L->conf->zones[zi], *np, name, why, sizeof(why)) != 0) {
			line_error(in, line, "%s", why);
			return 0;
		}
		*np = name;
	}
	if (op->kind == JSONL_REPORT) {
		if (!op->has_at)
			op->report.at = now;
		if (!op->has_lifetime)
			op->report.lifetime = L->conf->zones[zi].lifetime;
		rc = apply_report(L, w, zi, &op->report, op->force, now, &outcome, why,
		    sizeof(why));
	} else {
		if (!op->has_at)
			op->delist.at = now;
		rc = apply_delist(L, w, zi, &op->delist, op->force, now, &outcome, why,
		    sizeof(why));
	}
	*np = given;	/* NAME dies here; the op keeps what the line said */
	if (rc == RB_EPOLICY) {
		line_error(in, line, "%s", why);
		return 0;
	}
	if (rc != 0)
		return rc;
	in->ops++;
	in->counts.n[outcome]++;
	return 0;
}

/*
 * Reports are applied in chunks sorted by address: B-tree pages are then
 * touched in order, each once per chunk, so the larger the chunk the
 * cheaper a large batch.  The sort is stable, so the lines of one address
 * keep their order; a delisting ends a chunk; a chunk's lines and text
 * bound the memory whatever the input's length.  The lines are parsed in
 * place in one text buffer (jsonl_parse_in), reused by the next chunk.
 */
#define INGEST_CHUNK (1 << 19)		/* lines */
#define INGEST_CHUNK_TEXT (128 << 20)	/* octets of text */

static void
prefetch_texts(const struct jsonl_op *op)
{
	if (op->kind == JSONL_REPORT) {
		__builtin_prefetch(op->report.reason);
		__builtin_prefetch(op->report.source);
	}
}

static int
apply_chunk(struct ingest *in, const struct loader *L, struct store_wr *w, int64_t now,
    struct pending *p, struct sort_key *keys, size_t n)
{
	struct pending *q;
	size_t i;
	int rc = 0;

	/* A chunk this large makes the batch a bulk load: its new entries go in compact. */
	if (n > STORE_BULK_REPORTS)
		store_wr_set_compact(w);
	sort_chunk(p, keys, n);
	for (i = 0; i < n; i++) {
		/*
		 * Lines are taken in address order, scattered over the chunk:
		 * fetch a line's record, then its texts, ahead of their turn.
		 */
		if (i + 16 < n)
			__builtin_prefetch(&p[KEY_INDEX(keys[i + 16])]);
		if (i + 8 < n)
			prefetch_texts(&p[KEY_INDEX(keys[i + 8])].op);
		q = &p[KEY_INDEX(keys[i])];
		if (rc == 0 && (rc = apply_line(in, L, w, &q->op, q->zi, q->line, now)) != 0) {
			if (in->progress_shown)
				fputs("\r\033[K", stderr);
			cmd_fail("ingest", CMD_FAIL, "%s:%llu: store: %s; nothing committed",
			    in->name, (unsigned long long)q->line, rb_strerror(rc));
		}
		jsonl_op_fini(&q->op);
	}
	print_errors(in);
	return rc == 0 ? 0 : CMD_FAIL;
}

/* A store error at line Q: the batch stops, and its transaction is lost. */
static int
store_failed(struct ingest *in, const struct pending *q, int rc)
{
	if (in->progress_shown)
		fputs("\r\033[K", stderr);
	return cmd_fail("ingest", CMD_FAIL, "%s:%llu: store: %s; nothing committed", in->name,
	    (unsigned long long)q->line, rb_strerror(rc));
}

static int
spill_failed(struct ingest *in, int rc)
{
	if (in->progress_shown)
		fputs("\r\033[K", stderr);
	return cmd_fail("ingest", CMD_FAIL, "%s: line %llu: temporary file in %s: %s; nothing "
	    "committed (free space there, or set TMPDIR)", in->name,
	    (unsigned long long)in->line, getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp",
	    rb_strerror(rc));
}

/* Apply the lines of SP's runs in one key order (struct spill), and forget the runs. */
static int
merge_runs(struct ingest *in, const struct loader *L, struct store_wr *w, int64_t now,
    struct spill *sp)
{
	struct spill_merge *m;
	struct pending *q;
	int rc;

	if ((rc = spill_merge_begin(sp, &m)) == 0)
		while ((rc = spill_merge_next(m, &q)) == 1)
			if ((rc = apply_line(in, L, w, &q->op, q->zi, q->line, now)) != 0) {
				spill_merge_end(sp, m);
				return store_failed(in, q, rc);
			}
	spill_merge_end(sp, m);
	if (rc < 0)
		return spill_failed(in, rc);
	print_errors(in);
	return 0;
}

/* A full chunk of a load of several: written out sorted, as a run to merge. */
static int
spill_reports(struct ingest *in, const struct loader *L, struct store_wr *w, int64_t now,
    struct spill *sp, struct pending *p, struct sort_key *keys, size_t n)
{
	int rc;

	if (n > STORE_BULK_REPORTS)
		store_wr_set_compact(w);
	/* Beyond the runs one merge takes, the runs so far are applied first. */
	if (sp->rs.nruns == sp->maxruns && (rc = merge_runs(in, L, w, now, sp)) != 0) {
		while (n > 0)
			jsonl_op_fini(&p[--n].op);
		return rc;
	}
	if ((rc = spill_chunk(sp, p, keys, n)) != 0)
		return spill_failed(in, rc);
	return 0;
}

/* The reports read since the last delisting: applied, with the runs before them if any. */
static int
flush_reports(struct ingest *in, const struct loader *L, struct store_wr *w, int64_t now,
    struct spill *sp, struct pending *p, struct sort_key *keys, size_t n)
{
	int rc;

	if (sp->rs.nruns == 0)
		return apply_chunk(in, L, w, now, p, keys, n);
	if (n > 0 && (rc = spill_reports(in, L, w, now, sp, p, keys, n)) != 0)
		return rc;
	return merge_runs(in, L, w, now, sp);
}

/*
 * Parse the line in BUF (LEN octets) into Q, with its zone looked up.
 * False, after saying why (or quietly for a blank line), when the line
 * is not to be applied.
 */
static bool
take_line(struct ingest *in, const struct loader *L, char *buf, ssize_t len,
    bool toolong, struct pending *q)
{
	char why[JSONL_WHYLEN];
	int rc;

	if (toolong) {
		line_error(in, in->line, "line longer than %d octets", INGEST_MAX_LINE);
		return false;
	}
	/* A byte order mark, as some editors write, is no part of the first object. */
	if (in->line == 1 && len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
		rc = jsonl_parse_in(buf + 3, (size_t)len - 3, &q->op, why, sizeof(why));
	else
		rc = jsonl_parse_in(buf, (size_t)len, &q->op, why, sizeof(why));
	if (rc == JSONL_BLANK)
		return false;
	if (rc != 0) {
		line_error(in, in->line, "%s", why);
		return false;
	}
	if (apply_zone(L, q->op.zone, &q->zi, why, sizeof(why)) != 0) {
		line_error(in, in->line, "%s", why);
		jsonl_op_fini(&q->op);
		return false;
	}
	return true;
}

/* Read and apply every line; a store error stops the batch (the transaction is lost). */
static int
ingest_lines(struct ingest *in, const struct loader *L, struct store_wr *w, int64_t now)
{
	struct reader rd;
	struct pending *p;
	struct sort_key *keys;
	struct spill sp;
	size_t n = 0, used = 0, chunk = runs_chunk("RBLDB_INGEST_CHUNK", INGEST_CHUNK);
	char *text, *buf;
	bool toolong;
	ssize_t len;
	int rc = 0;

	spill_init(&sp);
	/* Untouched memory costs nothing: a short batch uses little of either. */
	p = calloc(INGEST_CHUNK, sizeof(*p));
	keys = malloc(INGEST_CHUNK * sizeof(*keys));
	text = malloc(INGEST_CHUNK_TEXT + INGEST_MAX_LINE);
	if (p == NULL || keys == NULL || text == NULL) {
		free(p);
		free(keys);
		free(text);
		return cmd_fail("ingest", CMD_FAIL, "out of memory");
	}
	rd.f = in->f;
	rd.hash = in->hash;
	rd.pos = rd.len = 0;
	while (rc == 0 && (len = read_line(&rd, buf = text + used, INGEST_MAX_LINE,
	    &toolong)) >= 0) {
		in->line++;
		if ((in->line & 255) == 0)
			progress(in, false);
		if (!take_line(in, L, buf, len, toolong, &p[n]))
			continue;
		p[n++].line = in->line;
		used += (size_t)len;
		/*
		 * A delisting's effect depends on what is listed around it at
		 * its turn (ranges, exceptions): it is applied in file order,
		 * after the lines before it.
		 */
		if (p[n - 1].op.kind == JSONL_DELIST) {
			if ((n > 1 || sp.rs.nruns > 0) &&
			    (rc = flush_reports(in, L, w, now, &sp, p, keys, n - 1)) != 0) {
				jsonl_op_fini(&p[n - 1].op);
				n = 0;
				break;
			}
			p[0] = p[n - 1];
			rc = apply_chunk(in, L, w, now, p, keys, 1);
			n = used = 0;
		} else if (n == chunk || used >= INGEST_CHUNK_TEXT) {
			rc = spill_reports(in, L, w, now, &sp, p, keys, n);
			n = used = 0;
		}
	}
	if (rc == 0)
		rc = flush_reports(in, L, w, now, &sp, p, keys, n);
	else
		while (n > 0)
			jsonl_op_fini(&p[--n].op);
	spill_discard(&sp);
	free(p);
	free(keys);
	free(text);
	if (rc != 0)
		return rc;
	if (ferror(in->f))
		return cmd_fail("ingest", CMD_FAIL, "reading %s failed; nothing committed",
		    in->name);
	progress(in, true);
	return 0;
}

/*
 * The digest of a regular file's content, read once before the batch so
 * that a file ingested before is recognised without applying it; the file
 * is left at its start.  Input that cannot be read twice is hashed while
 * it is read (struct reader).
 */
static int
digest_file(FILE *f, unsigned char *digest)
{
	ldns_sha256_CTX ctx;
	unsigned char buf[1 << 16];
	size_t n;

	ldns_sha256_init(&ctx);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		ldns_sha256_update(&ctx, buf, n);
	if (ferror(f) || fseeko(f, 0, SEEK_SET) != 0)
		return -1;
	ldns_sha256_final(digest, &ctx);
	return 0;
}

/*
 * SPEC "Listing policy": the same file a second time changes nothing, not
 * even the serial.  True (after saying so) when DIGEST was ingested before.
 */
static bool
seen_before(const struct loader *L, const struct ingest *in, const unsigned char *digest)
{
	struct store_reader rd;
	char t[TIME_BUFLEN], c[48] = "";
	uint64_t commit;
	int64_t at;
	bool seen;

	if (cmd_reader(L, "ingest", &rd) != 0)
		return false;	/* the batch's own transaction will say what is wrong */
	seen = store_batch_find(&rd, digest, &at, &commit) == RB_OK;
	store_reader_fini(&rd);
	if (!seen)
		return false;
	if (commit != 0)
		snprintf(c, sizeof(c), " (commit %llu)", (unsigned long long)commit);
	printf("%s: already ingested at %s%s: nothing changed\n", in->name,
	    time_format(at, t, sizeof(t)), c);
	return true;
}

/* The command line of `ingest`: [--keep-going] [--dry-run] [--force] FILE. */
struct ingest_opts {
	bool keep_going, dry_run, force;
	const char *file;	/* FILE, or "-" for standard input */
};

static int
ingest_options(int argc, char **argv, struct ingest_opts *o)
{
	static const struct option opts[] = {
		{ "keep-going", no_argument, NULL, OPT_KEEP_GOING },
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ "force", no_argument, NULL, OPT_FORCE },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	optind = 0;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (c) {
		case OPT_KEEP_GOING: o->keep_going = true; break;
		case OPT_DRY_RUN: o->dry_run = true; break;
		case OPT_FORCE: o->force = true; break;
		default: return cmd_bad_option("ingest", c, argv);
		}
	}
	if (optind >= argc)
		return cmd_fail("ingest", CMD_USAGE, "missing FILE (or - for standard input)");
	if (optind + 1 < argc)
		return cmd_fail("ingest", CMD_USAGE, "unexpected argument %s", argv[optind + 1]);
	o->file = argv[optind];
	return 0;
}

/* Open FILE ("-": standard input) into IN, with its size when it is a regular file. */
static int
open_input(struct ingest *in, const char *file)
{
	struct stat st;

	if (strcmp(file, "-") == 0) {
		in->name = "<stdin>";
		in->f = stdin;
	} else {
		in->name = file;
		if ((in->f = privs_fopen_read(in->name)) == NULL)
			return cmd_fail("ingest", CMD_FAIL, "%s: %s", in->name, rb_strerror(-errno));
	}
	if (fstat(fileno(in->f), &st) == 0 && S_ISREG(st.st_mode))
		in->size = st.st_size;
	return 0;
}

/*
 * Remember the batch by DIGEST, then commit it, or abort it (a dry run, or
 * bad lines without --keep-going), and say what happened.  Ends W either way.
 */
static int
finish_batch(const struct loader *L, const struct ingest *in, struct store_wr *w,
    const unsigned char *digest, const struct ingest_opts *o)
{
	char counts[256];
	const char *what;
	unsigned changed;
	int rc;

	/* A batch that applied nothing (an empty file) is not remembered. */
	if (in->ops > 0 && (rc = store_batch_add(w, digest)) != 0) {
		store_wr_abort(w);
		return cmd_fail("ingest", CMD_FAIL, "store: %s", rb_strerror(rc));
	}
	if (in->bad > INGEST_MAX_ERRORS)
		fprintf(stderr, "%s: %llu more bad %s suppressed\n", in->name,
		    (unsigned long long)(in->bad - INGEST_MAX_ERRORS),
		    cmd_plural(in->bad - INGEST_MAX_ERRORS, "line", "lines"));

	changed = store_wr_changed_zones(w);
	if (o->dry_run || (in->bad > 0 && !o->keep_going)) {
		if (o->dry_run)
			cmd_dry_run_guard(L, w);
		store_wr_abort(w);
		what = o->dry_run ? "dry run, nothing committed" : "nothing committed";
	} else {
		rc = store_wr_commit(w);
		if (rc == RB_EMAXCHANGE)
			return cmd_commit_fail(L, "ingest", rc, in->name);
		if (rc != 0)
			return cmd_fail("ingest", CMD_FAIL, "%s: commit: %s; nothing committed",
			    in->name, rb_strerror(rc));
		what = "committed";
	}
	printf("%s: %llu %s, %llu applied: %s; %llu bad; %s, %u zone%s %s\n", in->name,
	    (unsigned long long)in->line, cmd_plural(in->line, "line", "lines"),
	    (unsigned long long)in->ops,
	    apply_counts_text(&in->counts, counts, sizeof(counts)), (unsigned long long)in->bad,
	    what, changed, changed == 1 ? "" : "s",
	    o->dry_run || (in->bad > 0 && !o->keep_going) ? "would change" : "changed");
	if (in->bad > 0 && !o->keep_going)
		return cmd_fail("ingest", CMD_FAIL, "%llu bad line%s, nothing committed (fix %s, "
		    "or use --keep-going to commit the good lines)", (unsigned long long)in->bad,
		    in->bad == 1 ? "" : "s", in->bad == 1 ? "it" : "them");
	return in->bad > 0 ? CMD_PARTIAL : CMD_OK;
}

int
cmd_ingest(struct loader *L, int argc, char **argv)
{
	struct ingest_opts o;
	struct ingest in = { 0 };
	ldns_sha256_CTX hash;
	unsigned char digest[LDNS_SHA256_DIGEST_LENGTH];
	struct store_wr *w = NULL;
	int64_t now;
	int rc;

	if ((rc = ingest_options(argc, argv, &o)) != 0)
		return rc;
	if ((rc = open_input(&in, o.file)) != 0)
		return rc;
	if (in.size > 0 && digest_file(in.f, digest) == 0) {
		if (seen_before(L, &in, digest)) {
			rc = CMD_OK;
			goto out;
		}
	} else {
		if (in.size > 0 && fseeko(in.f, 0, SEEK_SET) != 0) {
			rc = cmd_fail("ingest", CMD_FAIL, "%s: %s", in.name, rb_strerror(-errno));
			goto out;
		}
		ldns_sha256_init(&hash);
		in.hash = &hash;
	}
	in.progress = isatty(STDERR_FILENO) == 1;
	in.started = in.last_progress = mono_now();

	/*
	 * One transaction for the whole batch: all-or-nothing, and a kill at
	 * any moment leaves the store as before (LMDB commits atomically).
	 * Every line judges `at` and liveness by the same clock.
	 */
	now = time_now();
	if ((rc = store_wr_begin(L->store, &w)) != 0) {
		rc = cmd_fail("ingest", CMD_FAIL, "store: %s", rb_strerror(rc));
		goto out;
	}
	store_wr_set_now(w, now);
	store_set_force(L->store, o.force);
	if ((rc = ingest_lines(&in, L, w, now)) != 0)
		goto out;
	if (in.hash != NULL) {
		ldns_sha256_final(digest, in.hash);
		if (seen_before(L, &in, digest)) {
			rc = CMD_OK;
			goto out;
		}
	}
	rc = finish_batch(L, &in, w, digest, &o);
	w = NULL;
out:
	if (w != NULL)
		store_wr_abort(w);
	if (in.f != NULL && in.f != stdin)
		fclose(in.f);
	return rc;
}
