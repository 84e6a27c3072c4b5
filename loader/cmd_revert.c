/* rbldb revert: undo one commit of the log as a new commit, from its undo record. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "name.h"
#include "output.h"
#include "rb.h"
#include "timeutil.h"

enum { OPT_DRY_RUN = 256, OPT_FORCE };

/* Conflicts named before the rest are only counted. */
#define REVERT_MAX_NAMED 20

struct revert_run {
	const struct loader *L;
	struct store_reader *rd;
	uint64_t commit;
	bool dry_run, force;
	uint64_t named;
};

/* The commit record of id ID, for its time and command line. */
struct commit_find {
	uint64_t id;
	bool found;
	int64_t at;
	char origin[512];
};

static int
commit_find_cb(void *arg, const struct store_commit *c)
{
	struct commit_find *cf = arg;

	/* The first commit after id - 1 is it, or there is none: stop either way. */
	if (c->id == cf->id) {
		cf->found = true;
		cf->at = c->at;
		snprintf(cf->origin, sizeof(cf->origin), "%.*s", (int)c->originlen, c->origin);
	}
	return -ECANCELED;
}

static const char *
listing_words(const struct listing *l, char *buf, size_t len)
{
	char code[OUTPUT_CODELEN], t[TIME_BUFLEN];

	if (l->flags & LISTING_EXCEPTION)
		snprintf(buf, len, "an exception");
	else
		snprintf(buf, len, "listed%s%s, expires %s", l->code ? " with " : "",
		    l->code ? output_code(l->code, code, sizeof(code)) : "",
		    l->expires ? time_format(l->expires, t, sizeof(t)) : "never");
	return buf;
}

/* Each entry of the commit: a dry run names what would change; conflicts are named. */
static int
revert_cb(void *arg, const struct store_revert_entry *e)
{
	struct revert_run *rr = arg;
	char zb[256], a[NAME_TEXTLEN], was[128], now[128];
	const char *zname = cmd_zone_name(rr->L, rr->rd, e->zone, zb, sizeof(zb));

	output_entry(rr->rd, &e->net, a, sizeof(a));
	if (e->state == STORE_REVERT_CONFLICT) {
		if (++rr->named > REVERT_MAX_NAMED)
			return 0;
		fprintf(stderr, "%s %s: changed since commit %llu (now %s, before it %s)%s\n",
		    zname, a, (unsigned long long)rr->commit,
		    e->has ? listing_words(&e->now, now, sizeof(now)) : "not listed",
		    e->had ? listing_words(&e->before, was, sizeof(was)) : "not listed",
		    rr->force ? ": left as it is" : "");
		return 0;
	}
	if (!rr->dry_run || e->state != STORE_REVERT_DONE)
		return 0;
	if (e->had && (!e->has || (e->now.flags & LISTING_EXCEPTION) !=
	    (e->before.flags & LISTING_EXCEPTION)))
		printf("would restore %s %s (%s)\n", zname, a,
		    listing_words(&e->before, was, sizeof(was)));
	else if (e->had)
		printf("would set back %s %s (%s)\n", zname, a,
		    listing_words(&e->before, was, sizeof(was)));
	else if (e->has)
		printf("would remove %s %s (%s)\n", zname, a,
		    listing_words(&e->now, now, sizeof(now)));
	else
		printf("would set back the details of %s %s\n", zname, a);
	return 0;
}

/* Per changed zone: "Z: 3 added, 1 removed, 0 changed" (the counts before commit). */
static void
zone_lines(FILE *f, const struct loader *L, struct store_wr *w, const char *prefix)
{
	struct store_commit_zone cz;
	char zb[256];
	unsigned i;

	for (i = 0; store_wr_zone_counts(w, i, &cz) == 0; i++)
		fprintf(f, "%s%s: %u added, %u removed, %u changed\n", prefix,
		    cmd_zone_name(L, store_wr_reader(w), cz.zone, zb, sizeof(zb)), cz.added,
		    cz.removed, cz.changed);
}

/* The same lines in an allocated string, to print once the commit succeeded. */
static char *
zone_text(const struct loader *L, struct store_wr *w)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (f == NULL)
		return NULL;
	zone_lines(f, L, w, "");
	fclose(f);
	return buf;
}

/* The options and COMMIT into RR.  CMD_OK, or CMD_USAGE after the message. */
static int
revert_args(struct revert_run *rr, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ "force", no_argument, NULL, OPT_FORCE },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (c) {
		case OPT_DRY_RUN: rr->dry_run = true; break;
		case OPT_FORCE: rr->force = true; break;
		default: return cmd_bad_option("revert", c, argv);
		}
	}
	if (optind >= argc)
		return cmd_fail("revert", CMD_USAGE, "missing COMMIT (its number in rbldb log)");
	if (optind + 1 < argc)
		return cmd_fail("revert", CMD_USAGE, "unexpected argument %s", argv[optind + 1]);
	rr->commit = strtoull(argv[optind], &end, 10);
	if (*argv[optind] < '0' || *argv[optind] > '9' || *end != '\0' || rr->commit == 0)
		return cmd_fail("revert", CMD_USAGE, "COMMIT %s is not a commit number (see "
		    "rbldb log)", argv[optind]);
	return CMD_OK;
}

/*
 * Why store_revert refused or failed (RC, not 0) for commit RR->commit,
 * made at T; W is aborted.  Returns CMD_FAIL after the message.
 */
static int
revert_failed(struct store_wr *w, int rc, const struct revert_run *rr,
    const struct store_revert_counts *n, const char *t)
{
	store_wr_abort(w);
	if (rc == RB_ENOUNDO) {
		if (n->too_large)
			return cmd_fail("revert", CMD_FAIL, "commit %llu (%s) changed more than %d "
			    "entries (%d in a bulk load), too many to keep its undo record; restore "
			    "a backup instead", (unsigned long long)rr->commit, t,
			    STORE_UNDO_MAX_ENTRIES, STORE_UNDO_MAX_BULK);
		return cmd_fail("revert", CMD_FAIL, "commit %llu (%s) has no undo record: undo "
		    "records are kept %d days, and not for commits made before rbldb kept them",
		    (unsigned long long)rr->commit, t, STORE_UNDO_KEEP / 86400);
	}
	if (rc == RB_ECONFLICT)
		return cmd_fail("revert", CMD_FAIL, "%llu of the %llu entries commit %llu changed "
		    "have changed again since; nothing committed (--force reverts the others "
		    "and leaves those as they are)", (unsigned long long)n->conflicts,
		    (unsigned long long)n->entries, (unsigned long long)rr->commit);
	return cmd_fail("revert", CMD_FAIL, "store: %s", rb_strerror(rc));
}

int
cmd_revert(struct loader *L, int argc, char **argv)
{
	struct revert_run rr = { .L = L };
	struct commit_find cf = { 0 };
	struct store_revert_counts n;
	struct store_wr *w = NULL;
	char t[TIME_BUFLEN], summary[1024], *zbuf;
	int rc;

	if ((rc = revert_args(&rr, argc, argv)) != CMD_OK)
		return rc;
	/* --force lifts the zone's max-change guard too: a revert is a commit like others. */
	store_set_force(L->store, rr.force);
	if ((rc = store_wr_begin(L->store, &w)) != 0)
		return cmd_fail("revert", CMD_FAIL, "store: %s", rb_strerror(rc));
	rr.rd = store_wr_reader(w);
	cf.id = rr.commit;
	rc = store_commits(rr.rd, rr.commit - 1, commit_find_cb, &cf);
	if ((rc != 0 && rc != -ECANCELED) || !cf.found) {
		store_wr_abort(w);
		if (rc != 0 && rc != -ECANCELED)
			return cmd_fail("revert", CMD_FAIL, "store: %s", rb_strerror(rc));
		return cmd_fail("revert", CMD_FAIL, "no commit %llu in the log (see rbldb log)",
		    (unsigned long long)rr.commit);
	}
	time_format(cf.at, t, sizeof(t));
	rc = store_revert(w, rr.commit, rr.force ? STORE_REVERT_FORCE : 0, revert_cb, &rr, &n);
	if (rr.named > REVERT_MAX_NAMED)
		fprintf(stderr, "%llu more entries changed since commit %llu\n",
		    (unsigned long long)(rr.named - REVERT_MAX_NAMED),
		    (unsigned long long)rr.commit);
	if (rc != 0)
		return revert_failed(w, rc, &rr, &n, t);
	snprintf(summary, sizeof(summary), "commit %llu (%s, %s): %llu entr%s set back, "
	    "%llu already as before, %llu left as changed since",
	    (unsigned long long)rr.commit, t, cf.origin, (unsigned long long)n.done,
	    n.done == 1 ? "y" : "ies", (unsigned long long)n.already,
	    (unsigned long long)n.conflicts);
	if (rr.dry_run) {
		printf("%s (dry run)\n", summary);
		zone_lines(stdout, L, w, "would change ");
		cmd_dry_run_guard(L, w);
		store_wr_abort(w);
		printf("dry run, nothing committed\n");
		return CMD_OK;
	}
	/* What the new commit changes, read before the commit frees W. */
	zbuf = zone_text(L, w);
	if ((rc = store_wr_commit(w)) != 0) {
		free(zbuf);
		return cmd_commit_fail(L, "revert", rc, "store");
	}
	printf("%s\n%s", summary, zbuf != NULL ? zbuf : "");
	if (zbuf == NULL || *zbuf == '\0')
		printf("no zone changed\n");
	free(zbuf);
	return CMD_OK;
}
