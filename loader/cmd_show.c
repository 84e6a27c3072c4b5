/* rbldb show and list: read-only views of the store, as text for people and JSON for scripts. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "names.h"
#include "log.h"
#include "output.h"
#include "rb.h"
#include "timeutil.h"
#include "verify_show.h"

enum { OPT_JSON = 256, OPT_ZONE };

static const char *
op_name(uint8_t op)
{
	switch (op) {
	case HISTORY_REPORT: return "report";
	case HISTORY_DELIST: return "delist";
	case HISTORY_EXPIRE: return "expire";
	case HISTORY_PURGE: return "purge";
	case HISTORY_IMPORT: return "import";
	case HISTORY_REVERT: return "revert";
	case HISTORY_RECOUNT: return "recount";
	case HISTORY_REQUEST: return "removal-request";
	case HISTORY_DECISION: return "request-decision";
	case HISTORY_VERIFY: return "verify";
	}
	return "unknown";
}

/* A reason text by id, or NULL (*len 0) for id 0 or a missing text. */
static const char *
text_of(struct store_reader *rd, uint32_t id, size_t *len)
{
	const char *t;

	*len = 0;
	if (id == 0 || store_text(rd, id, &t, len) != 0)
		return NULL;
	return t;
}

/* The A record a listing answers with: its own code or the zone's default. */
static uint32_t
code_of(const struct conf_zone *z, uint32_t code)
{
	return code != 0 || z == NULL ? code : z->code;
}

/* ---- show ---- */

/* History records gathered from the address and every prefix covering it. */
struct hist_item {
	struct history h;	/* strings are copies, freed by hist_vec_free */
	size_t order;		/* arrival, so equal times keep the store's order */
};

struct hist_vec {
	struct hist_item *v;
	size_t n, cap;
};

static void
hist_vec_free(struct hist_vec *hv)
{
	size_t i;

	for (i = 0; i < hv->n; i++) {
		free((char *)hv->v[i].h.reason);
		free((char *)hv->v[i].h.source);
		free((char *)hv->v[i].h.evidence);
		free((char *)hv->v[i].h.by);
	}
	free(hv->v);
}

static int
hist_cb(void *arg, const struct history *h)
{
	struct hist_vec *hv = arg;

	if (hv->n == hv->cap) {
		hv->cap = hv->cap ? hv->cap * 2 : 16;
		hv->v = xrealloc(hv->v, hv->cap * sizeof(*hv->v));
	}
	hv->v[hv->n].h = *h;
	/* The texts are valid only during the call (store_history): keep copies. */
	hv->v[hv->n].h.reason = h->reason ? xstrdup(h->reason) : NULL;
	hv->v[hv->n].h.source = h->source ? xstrdup(h->source) : NULL;
	hv->v[hv->n].h.evidence = h->evidence ? xstrdup(h->evidence) : NULL;
	hv->v[hv->n].h.by = h->by ? xstrdup(h->by) : NULL;
	hv->v[hv->n].order = hv->n;
	hv->n++;
	return 0;
}

/*
 * By `at` first, since "later" in the listing policy means later `at` and a
 * report outranked by a delisting then reads before it; then by commit time.
 */
static int
hist_cmp(const void *pa, const void *pb)
{
	const struct hist_item *a = pa, *b = pb;

	if (a->h.at != b->h.at)
		return a->h.at < b->h.at ? -1 : 1;
	if (a->h.recorded != b->h.recorded)
		return a->h.recorded < b->h.recorded ? -1 : 1;
	return a->order < b->order ? -1 : a->order > b->order;
}

/* The history of ADDR and of every prefix that covers it, sorted. */
static int
hist_collect(struct store_reader *rd, const struct addr *a, struct hist_vec *hv)
{
	struct addr p;
	int plen, rc;

	for (plen = a->plen; plen >= 0; plen--) {
		p = *a;
		addr_mask(&p, (unsigned)plen);
		if ((rc = store_history(rd, &p, hist_cb, hv)) != 0 && rc != RB_ENOTFOUND)
			return rc;
	}
	if (hv->n > 1)
		qsort(hv->v, hv->n, sizeof(*hv->v), hist_cmp);
	return 0;
}

/* One zone's view of the address, as store_lookup and store_detail give it. */
struct zone_state {
	const struct conf_zone *z;
	uint16_t id;
	struct store_zone sz;
	int match;		/* enum store_match */
	struct listing l;
	bool have_detail;
	struct listing_detail d;
	bool have_range;	/* excepted: the listed range the exception sits in */
	struct listing range;
	bool expired;		/* not listed: the entry that listed it expired, not yet removed */
	struct listing gone;
	struct listing_vec inside;	/* ADDR a range: the entries inside it */
};

/* What find_expired and inside_cb look at: the address or range shown. */
struct overlap_walk {
	const struct addr *a;
	uint32_t now;
	struct zone_state *st;
};

/* The most specific expired listing that covers A, until expire removes it. */
static int
expired_cb(void *arg, const struct listing *l)
{
	struct overlap_walk *ow = arg;

	if ((l->flags & LISTING_EXCEPTION) || l->expires == 0 || l->expires > ow->now ||
	    l->net.plen > ow->a->plen || !addr_contains(&l->net, ow->a))
		return 0;
	if (!ow->st->expired || l->net.plen > ow->st->gone.net.plen) {
		ow->st->gone = *l;
		ow->st->expired = true;
	}
	return 0;
}

/* Entries strictly inside range A, listed, excepted or expired. */
static int
inside_cb(void *arg, const struct listing *l)
{
	struct overlap_walk *ow = arg;

	if (l->net.plen <= ow->a->plen || !addr_contains(ow->a, &l->net))
		return 0;
	return listing_vec_push(&ow->st->inside, l);
}

static void
zone_state_fini(struct zone_state *st)
{
	free(st->inside.v);
	st->inside.v = NULL;
}

/*
 * A name in a names zone, as rbldbd answers it: its own entry, else the
 * wildcard above that lists it; an exception, with the wildcard it is
 * excepted from as its "range".
 */
static int
name_state(struct store_reader *rd, const char *name, uint32_t now, struct zone_state *st)
{
	int rc;

	if ((rc = store_name_match(rd, st->id, name, now, &st->l)) < 0)
		return rc;
	st->match = rc;
	if (st->match == STORE_MATCH_NONE) {
		/* A wildcard past its expiry, until expire removes it (at time 0 every entry is live). */
		rc = store_name_cover(rd, st->id, name, 0, &st->gone);
		st->expired = rc == 0 && st->gone.expires != 0 && st->gone.expires <= now;
		return rc == RB_ENOTFOUND ? 0 : rc;
	}
	if (st->match != STORE_MATCH_EXCEPTED)
		return 0;
	rc = store_name_cover(rd, st->id, name, now, &st->range);
	if (rc == 0)
		st->have_range = true;
	return rc == RB_ENOTFOUND ? 0 : rc;
}

static int
zone_state(const struct loader *L, struct store_reader *rd, size_t zi, const struct addr *a,
    const char *name, uint32_t now, struct zone_state *st)
{
	struct overlap_walk ow = { a, now, st };
	int rc;

	memset(st, 0, sizeof(*st));
	st->z = &L->conf->zones[zi];
	st->id = L->zone_ids[zi];
	if ((rc = store_zone_get(rd, st->id, &st->sz)) != 0)
		return rc;
	if (name[0] != '\0' && !name_is_wild(name) && st->z->kind == ZONE_KIND_NAMES) {
		if ((rc = name_state(rd, name, now, st)) != 0)
			return rc;
	} else if ((rc = store_lookup(rd, st->id, a, now, &st->l)) < 0) {
		return rc;
	} else {
		st->match = rc;
	}
	if (st->match == STORE_MATCH_EXCEPTED && a->fam != ADDR_NAME) {
		rc = cmd_find_entry(rd, st->id, &st->l.net, true, now, &st->range);
		if (rc == 0)
			st->have_range = true;
		else if (rc != RB_ENOTFOUND)
			return rc;
	}
	/*
	 * Details of the entry that applies, or of the address itself when
	 * nothing does: a delisting of an unlisted address is kept there.
	 */
	rc = store_detail(rd, st->id, st->match != STORE_MATCH_NONE ? &st->l.net : a, &st->d);
	if (rc == 0)
		st->have_detail = true;
	else if (rc != RB_ENOTFOUND)
		return rc;
	/* Expired is not listed, but until expire runs the operator may wonder why. */
	if (st->match == STORE_MATCH_NONE &&
	    (rc = store_foreach_overlapping(rd, st->id, a, expired_cb, &ow)) != 0)
		return rc;
	if (!addr_is_host(a) &&
	    (rc = store_foreach_overlapping(rd, st->id, a, inside_cb, &ow)) != 0)
		return rc;
	return 0;
}

static const char *
state_name(int match)
{
	return match == STORE_MATCH_LISTED ? "listed" :
	    match == STORE_MATCH_EXCEPTED ? "excepted" : "not listed";
}

static void
show_zone_text(struct store_reader *rd, const struct zone_state *st)
{
	const struct listing_detail *d = &st->d;
	char net[NAME_TEXTLEN], code[OUTPUT_CODELEN], t1[TIME_BUFLEN], t2[TIME_BUFLEN];
	const char *text;
	size_t len;

	printf("%s (serial %u): %s", st->z->name, (unsigned)st->sz.serial,
	    state_name(st->match));
	if (st->match != STORE_MATCH_NONE)
		printf(" by entry %s", output_entry(rd, &st->l.net, net, sizeof(net)));
	if (st->expired)
		printf(": entry %s expired at %s (not yet removed)",
		    output_entry(rd, &st->gone.net, net, sizeof(net)),
		    time_format(st->gone.expires, t1, sizeof(t1)));
	if (st->have_range)
		printf(st->range.net.fam == ADDR_NAME ? " under listed wildcard %s" :
		    " inside listed range %s", output_entry(rd, &st->range.net, net, sizeof(net)));
	if (st->match == STORE_MATCH_LISTED) {
		printf(", code %s, ", output_code(code_of(st->z, st->l.code), code,
		    sizeof(code)));
		if (st->l.expires == 0)
			printf("no expiry");
		else
			printf("expires %s", time_format(st->l.expires, t1, sizeof(t1)));
	}
	printf("\n");
	if (st->match == STORE_MATCH_LISTED) {
		printf("  reason: ");
		if ((text = text_of(rd, st->l.reason_id, &len)) != NULL)
			output_text(stdout, text, len, false);
		else
			printf("(none; the zone's text is served)");
		printf("\n");
		if (st->have_detail)
			printf("  first seen %s, last seen %s, %u report%s from %u source%s\n",
			    time_format(d->first_seen, t1, sizeof(t1)),
			    time_format(d->last_seen, t2, sizeof(t2)), (unsigned)d->count,
			    d->count == 1 ? "" : "s", (unsigned)d->nsources,
			    d->nsources == 1 ? "" : "s");
	}
	if (st->have_detail && d->delisted_at != 0) {
		printf("  delisted at %s", time_format(d->delisted_at, t1, sizeof(t1)));
		if ((text = text_of(rd, d->delist_by_id, &len)) != NULL) {
			printf(" by ");
			output_text(stdout, text, len, false);
		}
		if ((text = text_of(rd, d->delist_reason_id, &len)) != NULL) {
			printf(": ");
			output_text(stdout, text, len, false);
		}
		printf("\n");
	}
}

/* How many of the entries inside a range are listed, excepted and expired. */
static void
inside_counts(const struct zone_state *st, uint32_t now, size_t n[3])
{
	const struct listing *l;
	size_t i;

	n[0] = n[1] = n[2] = 0;
	for (i = 0; i < st->inside.n; i++) {
		l = &st->inside.v[i];
		n[(l->flags & LISTING_EXCEPTION) ? 1 :
		    l->expires != 0 && l->expires <= now ? 2 : 0]++;
	}
}

/* The entries inside range A, one a line, after a count. */
static void
show_inside_text(struct store_reader *rd, const struct zone_state *st, const struct addr *a,
    uint32_t now)
{
	char net[NAME_TEXTLEN], code[OUTPUT_CODELEN], t[TIME_BUFLEN];
	const struct listing *l;
	const char *text;
	size_t i, n[3], len;

	inside_counts(st, now, n);
	printf("  inside %s: %zu %s, %zu %s", output_entry(rd, a, net, sizeof(net)), n[0],
	    cmd_plural(n[0], "listing", "listings"), n[1],
	    cmd_plural(n[1], "exception", "exceptions"));
	if (n[2] > 0)
		printf(", %zu expired", n[2]);
	printf("\n");
	for (i = 0; i < st->inside.n; i++) {
		l = &st->inside.v[i];
		printf("    %s ", output_entry(rd, &l->net, net, sizeof(net)));
		if (l->flags & LISTING_EXCEPTION) {
			printf("excepted\n");
			continue;
		}
		if (l->expires != 0 && l->expires <= now) {
			printf("expired at %s (not yet removed)\n",
			    time_format(l->expires, t, sizeof(t)));
			continue;
		}
		printf("listed, code %s, ", output_code(code_of(st->z, l->code), code,
		    sizeof(code)));
		if (l->expires == 0)
			printf("no expiry");
		else
			printf("expires %s", time_format(l->expires, t, sizeof(t)));
		if ((text = text_of(rd, l->reason_id, &len)) != NULL) {
			printf(", reason ");
			output_text(stdout, text, len, true);
		}
		printf("\n");
	}
}

static json_t *
show_inside_json(struct store_reader *rd, const struct zone_state *st, uint32_t now)
{
	char net[NAME_TEXTLEN];
	const struct listing *l;
	const char *text;
	json_t *arr = json_array(), *o;
	size_t i, len;
	bool exc, gone;

	for (i = 0; i < st->inside.n; i++) {
		l = &st->inside.v[i];
		exc = (l->flags & LISTING_EXCEPTION) != 0;
		gone = !exc && l->expires != 0 && l->expires <= now;
		o = json_object();
		json_object_set_new(o, "entry", json_string(output_entry(rd, &l->net, net,
		    sizeof(net))));
		json_object_set_new(o, "state", json_string(exc ? "excepted" :
		    gone ? "expired" : "listed"));
		if (!exc) {
			json_object_set_new(o, "code", output_json_code(code_of(st->z, l->code)));
			text = text_of(rd, l->reason_id, &len);
			json_object_set_new(o, "reason", output_json_text(text, len));
			json_object_set_new(o, "expires", output_json_time(l->expires));
		}
		json_array_append_new(arr, o);
	}
	return arr;
}

static json_t *
show_zone_json(struct store_reader *rd, const struct zone_state *st, const struct addr *a,
    uint32_t now)
{
	const struct listing_detail *d = &st->d;
	char net[NAME_TEXTLEN];
	const char *text;
	size_t len;
	json_t *o = json_object();

	json_object_set_new(o, "zone", json_string(st->z->name));
	json_object_set_new(o, "serial", json_integer(st->sz.serial));
	json_object_set_new(o, "state", json_string(state_name(st->match)));
	if (st->match != STORE_MATCH_NONE)
		json_object_set_new(o, "entry",
		    json_string(output_entry(rd, &st->l.net, net, sizeof(net))));
	if (st->have_range)
		json_object_set_new(o, st->range.net.fam == ADDR_NAME ? "wildcard" : "range",
		    json_string(output_entry(rd, &st->range.net, net, sizeof(net))));
	if (st->expired) {
		json_object_set_new(o, "entry",
		    json_string(output_entry(rd, &st->gone.net, net, sizeof(net))));
		json_object_set_new(o, "expired_at", output_json_time(st->gone.expires));
	}
	if (st->match == STORE_MATCH_LISTED) {
		json_object_set_new(o, "code", output_json_code(code_of(st->z, st->l.code)));
		text = text_of(rd, st->l.reason_id, &len);
		json_object_set_new(o, "reason", output_json_text(text, len));
		if (st->have_detail) {
			json_object_set_new(o, "first_seen", output_json_time(d->first_seen));
			json_object_set_new(o, "last_seen", output_json_time(d->last_seen));
			json_object_set_new(o, "count", json_integer(d->count));
			json_object_set_new(o, "sources", json_integer(d->nsources));
		}
		json_object_set_new(o, "expires", output_json_time(st->l.expires));
	}
	if (st->have_detail && d->delisted_at != 0) {
		json_object_set_new(o, "delisted_at", output_json_time(d->delisted_at));
		text = text_of(rd, d->delist_reason_id, &len);
		json_object_set_new(o, "delist_reason", output_json_text(text, len));
		text = text_of(rd, d->delist_by_id, &len);
		json_object_set_new(o, "delist_by", output_json_text(text, len));
	}
	if (!addr_is_host(a))
		json_object_set_new(o, "inside", show_inside_json(rd, st, now));
	return o;
}

/* Text form of an optional history field: ` name "value"`. */
static void
hist_field(const char *name, const char *value)
{
	if (value == NULL)
		return;
	printf(" %s ", name);
	output_text(stdout, value, strlen(value), true);
}

static void
show_history_text(const struct loader *L, struct store_reader *rd, const struct history *h)
{
	const struct conf_zone *z = cmd_zone_by_id(L, h->zone);
	char t1[TIME_BUFLEN], t2[TIME_BUFLEN], zname[256], net[ADDR_STRLEN];
	char code[OUTPUT_CODELEN], dur[32];
	uint32_t c = h->code;
	/* A removal request's code and lifetime hold its id and policy: `by` names it. */
	bool req = h->op == HISTORY_REQUEST || h->op == HISTORY_DECISION;

	if (h->op == HISTORY_REPORT || h->op == HISTORY_IMPORT)
		c = code_of(z, c);
	printf("  %s %s %s %s at %s", time_format(h->recorded, t1, sizeof(t1)),
	    cmd_zone_name(L, rd, h->zone, zname, sizeof(zname)), op_name(h->op),
	    output_entry(rd, &h->net, net, sizeof(net)), time_format(h->at, t2, sizeof(t2)));
	if (c != 0 && !req)
		printf(" code %s", output_code(c, code, sizeof(code)));
	if (h->lifetime != 0 && !req)
		printf(" lifetime %s", time_format_duration(h->lifetime, dur, sizeof(dur)));
	hist_field("reason", h->reason);
	hist_field("source", h->source);
	hist_field("evidence", h->evidence);
	hist_field("by", h->by);
	printf("\n");
}

static json_t *
show_history_json(const struct loader *L, struct store_reader *rd, const struct history *h)
{
	const struct conf_zone *z = cmd_zone_by_id(L, h->zone);
	char zname[256], net[ADDR_STRLEN];
	uint32_t c = h->code;
	json_t *o = json_object();

	if (h->op == HISTORY_REPORT || h->op == HISTORY_IMPORT)
		c = code_of(z, c);
	json_object_set_new(o, "time", output_json_time(h->recorded));
	json_object_set_new(o, "zone",
	    json_string(cmd_zone_name(L, rd, h->zone, zname, sizeof(zname))));
	json_object_set_new(o, "op", json_string(op_name(h->op)));
	json_object_set_new(o, "entry", json_string(output_entry(rd, &h->net, net, sizeof(net))));
	json_object_set_new(o, "at", output_json_time(h->at));
	json_object_set_new(o, "code", c != 0 ? output_json_code(c) : json_null());
	json_object_set_new(o, "lifetime", h->lifetime != 0 ? json_integer(h->lifetime) :
	    json_null());
	json_object_set_new(o, "reason", output_json_str(h->reason));
	json_object_set_new(o, "source", output_json_str(h->source));
	json_object_set_new(o, "evidence", output_json_str(h->evidence));
	json_object_set_new(o, "by", output_json_str(h->by));
	return o;
}

/* What each zone holds for A: appended to ZONES with JSON, else as text. */
static int
show_zones(const struct loader *L, struct store_reader *rd, const struct addr *a,
    const char *name, uint32_t now, bool json, json_t *zones)
{
	struct zone_state st;
	size_t i;
	int rc;

	for (i = 0; i < L->conf->nzones; i++) {
		rc = zone_state(L, rd, i, a, name, now, &st);
		if (rc == 0 && json)
			json_array_append_new(zones, show_zone_json(rd, &st, a, now));
		else if (rc == 0)
			show_zone_text(rd, &st);
		if (rc == 0 && !json && !addr_is_host(a))
			show_inside_text(rd, &st, a, now);
		zone_state_fini(&st);
		if (rc != 0)
			return rc;
	}
	return 0;
}

int
cmd_show(struct loader *L, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, OPT_JSON },
		{ NULL, 0, NULL, 0 },
	};
	struct store_reader rd;
	struct hist_vec hv = { 0 };
	struct addr a;
	json_t *root = NULL, *zones = NULL, *hist = NULL;
	char text[NAME_TEXTLEN], name[NAME_TEXTLEN];
	bool json = false;
	uint32_t now;
	size_t i;
	int c, rc;

	optind = 0;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		if (c != OPT_JSON)
			return cmd_bad_option("show", c, argv);
		json = true;
	}
	if (optind >= argc)
		return cmd_fail("show", CMD_USAGE, "missing ADDR (see rbldb --help)");
	if (optind + 1 < argc)
		return cmd_fail("show", CMD_USAGE, "unexpected argument %s", argv[optind + 1]);
	if ((rc = show_target(L, argv[optind], &a, name)) != 0)
		return rc;
	if ((rc = cmd_reader(L, "show", &rd)) != 0)
		return rc;
	now = (uint32_t)time_now();
	/* A name the store has never seen has no text there: the name as given. */
	if (name[0] != '\0')
		snprintf(text, sizeof(text), "%s", name);
	else
		store_net_text(&rd, &a, text, sizeof(text));

	if (json) {
		root = json_object();
		zones = json_array();
		hist = json_array();
		json_object_set_new(root, a.fam == ADDR_NAME ? "name" : "address", json_string(text));
	} else {
		printf("%s\n", text);
	}
	if ((rc = show_zones(L, &rd, &a, name, now, json, zones)) != 0)
		goto out;
	if ((rc = hist_collect(&rd, &a, &hv)) != 0)
		goto out;
	if (!json)
		printf("history:%s\n", hv.n == 0 ? " none" : "");
	for (i = 0; i < hv.n; i++) {
		if (json)
			json_array_append_new(hist, show_history_json(L, &rd, &hv.v[i].h));
		else
			show_history_text(L, &rd, &hv.v[i].h);
	}
	if ((rc = json ? verify_show_json(L, &rd, &a, root) :
	    verify_show_text(L, &rd, &a)) != 0)
		goto out;
	if (json) {
		json_object_set_new(root, "zones", zones);
		json_object_set_new(root, "history", hist);
		zones = hist = NULL;
		rc = output_json_print(root, JSON_INDENT(2));
		root = NULL;
	}
out:
	json_decref(hist);
	json_decref(zones);
	json_decref(root);
	hist_vec_free(&hv);
	store_reader_fini(&rd);
	if (rc != 0)
		return cmd_fail("show", CMD_FAIL, "%s", rb_strerror(rc));
	return CMD_OK;
}

/* ---- list ---- */

struct list_walk {
	struct store_reader *rd;
	const struct conf_zone *z;
	uint16_t id;
	uint32_t now;
	bool json;
	size_t shown;		/* JSON objects written so far, for the commas */
};

static int
list_cb(void *arg, const struct listing *l)
{
	struct list_walk *lw = arg;
	struct listing_detail d;
	bool exc = (l->flags & LISTING_EXCEPTION) != 0, have_d;
	char net[NAME_TEXTLEN], code[OUTPUT_CODELEN], t[TIME_BUFLEN];
	const char *text;
	char *line;
	size_t len;
	json_t *o;
	int rc;

	/* Expired entries are never served, even before `expire` runs. */
	if (l->expires != 0 && l->expires <= lw->now)
		return 0;
	output_entry(lw->rd, &l->net, net, sizeof(net));
	text = text_of(lw->rd, l->reason_id, &len);
	if (!lw->json) {
		printf("%s %s %s ", net, exc ? "excepted" :
		    output_code(code_of(lw->z, l->code), code, sizeof(code)),
		    l->expires != 0 ? time_format(l->expires, t, sizeof(t)) : "never");
		if (text != NULL)
			output_text(stdout, text, len, false);
		else
			printf("-");
		printf("\n");
		return 0;
	}

	if ((rc = store_detail(lw->rd, lw->id, &l->net, &d)) != 0 && rc != RB_ENOTFOUND)
		return rc;
	have_d = rc == 0;
	o = json_object();
	json_object_set_new(o, "zone", json_string(lw->z->name));
	json_object_set_new(o, "entry", json_string(net));
	json_object_set_new(o, "state", json_string(exc ? "excepted" : "listed"));
	json_object_set_new(o, "code", exc ? json_null() :
	    output_json_code(code_of(lw->z, l->code)));
	json_object_set_new(o, "reason", output_json_text(text, len));
	json_object_set_new(o, "expires", output_json_time(l->expires));
	json_object_set_new(o, "first_seen", have_d ? output_json_time(d.first_seen) :
	    json_null());
	json_object_set_new(o, "last_seen", have_d ? output_json_time(d.last_seen) :
	    json_null());
	json_object_set_new(o, "count", have_d ? json_integer(d.count) : json_null());
	json_object_set_new(o, "sources", have_d ? json_integer(d.nsources) : json_null());
	line = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (line == NULL)
		return -ENOMEM;
	printf("%s%s", lw->shown++ == 0 ? "\n" : ",\n", line);
	free(line);
	return 0;
}

/*
 * JSON output is one array with one object per line, "[", objects, "]":
 * valid JSON for a parser and line-oriented for grep.  Only the store's
 * state goes into it (no clock), so equal states give equal bytes.
 */
int
cmd_list(struct loader *L, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, OPT_JSON },
		{ "zone", required_argument, NULL, OPT_ZONE },
		{ NULL, 0, NULL, 0 },
	};
	struct list_walk lw = { 0 };
	struct store_reader rd;
	const char *zname = NULL;
	size_t i, zi = 0, from, to;
	int c, rc;

	optind = 0;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (c) {
		case OPT_JSON: lw.json = true; break;
		case OPT_ZONE: zname = optarg; break;
		default: return cmd_bad_option("list", c, argv);
		}
	}
	if (optind < argc)
		return cmd_fail("list", CMD_USAGE, "unexpected argument %s", argv[optind]);
	if (zname != NULL && (rc = cmd_zone(L, "list", zname, &zi)) != 0)
		return rc;
	from = zname != NULL ? zi : 0;
	to = zname != NULL ? zi + 1 : L->conf->nzones;
	if ((rc = cmd_reader(L, "list", &rd)) != 0)
		return rc;
	lw.rd = &rd;
	lw.now = (uint32_t)time_now();

	if (lw.json)
		fputs("[", stdout);
	for (i = from; i < to; i++) {
		lw.z = &L->conf->zones[i];
		lw.id = L->zone_ids[i];
		/* Several zones in text: a comment line says where each starts. */
		if (!lw.json && to - from > 1)
			printf("; zone %s\n", lw.z->name);
		if ((rc = store_foreach(&rd, lw.id, list_cb, &lw)) != 0)
			break;
	}
	if (lw.json && rc == 0)
		fputs(lw.shown ? "\n]\n" : "]\n", stdout);
	store_reader_fini(&rd);
	if (rc != 0)
		return cmd_fail("list", CMD_FAIL, "%s", rb_strerror(rc));
	return CMD_OK;
}
