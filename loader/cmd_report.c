/* rbldb report and delist: one policy-checked change per run, in one write transaction. */
#include <arpa/inet.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apply.h"
#include "cmd.h"
#include "names.h"
#include "rb.h"
#include "timeutil.h"
#include "verify_show.h"

/* Option values past any octet, so only the long forms exist. */
enum {
	OPT_REASON = 256, OPT_CODE, OPT_SOURCE, OPT_EVIDENCE, OPT_AT, OPT_LIFETIME, OPT_BY,
};

/* "127.0.0.2" into host order; any dotted quad parses, the policy judges it. */
static int
parse_code(const char *text, uint32_t *code)
{
	struct in_addr in;

	if (inet_pton(AF_INET, text, &in) != 1)
		return cmd_fail("report", CMD_USAGE,
		    "bad --code %s (want an address such as 127.0.0.2)", text);
	*code = ntohl(in.s_addr);
	return 0;
}

/*
 * Say what the report did, reading the entry inside the transaction; the
 * line is printed only once the commit succeeded.
 */
static void
report_message(struct store_wr *w, const char *zname, uint16_t zone, const struct addr *net,
    enum store_outcome outcome, uint32_t now, char *msg, size_t len)
{
	struct store_reader *rd = store_wr_reader(w);
	struct listing_detail d;
	struct listing l;
	char a[NAME_TEXTLEN], t[TIME_BUFLEN];
	const char *verb;

	store_net_text(rd, net, a, sizeof(a));
	switch (outcome) {
	case STORE_NEW:
	case STORE_REFRESHED:
		verb = outcome == STORE_NEW ? "listed" : "refreshed";
		if (cmd_find_entry(rd, zone, net, false, now, &l) != 0)
			snprintf(msg, len, "%s %s in %s", a, verb, zname);
		else if (l.expires == 0)
			snprintf(msg, len, "%s %s in %s, no expiry", a, verb, zname);
		else
			snprintf(msg, len, "%s %s in %s until %s%s", a, verb, zname,
			    time_format(l.expires, t, sizeof(t)),
			    l.expires <= now ? " (already expired)" : "");
		break;
	case STORE_DUPLICATE:
		snprintf(msg, len, "%s duplicate report, nothing changed", a);
		break;
	case STORE_PENDING:
		verify_held_message(rd, zname, zone, net, msg, len);
		break;
	case STORE_OUTRANKED:
		if (store_detail(rd, zone, net, &d) == 0 && d.delisted_at != 0)
			snprintf(msg, len, "%s outranked by delisting at %s, not listed in %s",
			    a, time_format(d.delisted_at, t, sizeof(t)), zname);
		else
			snprintf(msg, len, "%s outranked by a later delisting, not listed in %s",
			    a, zname);
		break;
	default:
		snprintf(msg, len, "%s: %s (outcome %d)", a, zname, (int)outcome);
		break;
	}
}

/* Say what the delisting did (see report_message). */
static void
delist_message(struct store_wr *w, const char *zname, uint16_t zone, const struct addr *net,
    enum store_outcome outcome, uint32_t now, char *msg, size_t len)
{
	struct listing_detail d;
	struct listing range;
	char a[NAME_TEXTLEN], r[NAME_TEXTLEN], t[TIME_BUFLEN];

	store_net_text(store_wr_reader(w), net, a, sizeof(a));
	switch (outcome) {
	case STORE_DELISTED:
		snprintf(msg, len, "%s delisted from %s", a, zname);
		break;
	case STORE_EXCEPTED:
		if (net->fam == ADDR_NAME &&
		    store_name_cover(store_wr_reader(w), zone, a, now, &range) == 0)
			snprintf(msg, len, "%s excepted under listed wildcard %s in %s", a,
			    store_net_text(store_wr_reader(w), &range.net, r, sizeof(r)), zname);
		else if (cmd_find_entry(store_wr_reader(w), zone, net, true, now, &range) == 0)
			snprintf(msg, len, "%s excepted inside listed range %s in %s", a,
			    addr_format(&range.net, r, sizeof(r)), zname);
		else
			snprintf(msg, len, "%s excepted inside a listed range in %s", a, zname);
		break;
	case STORE_NOT_LISTED:
		snprintf(msg, len, "%s not listed in %s; delisting recorded", a, zname);
		break;
	case STORE_OUTRANKED:
		/* By a range over it reported later, when NET is not listed itself. */
		if (cmd_find_entry(store_wr_reader(w), zone, net, false, now, &range) != 0 &&
		    cmd_find_entry(store_wr_reader(w), zone, net, true, now, &range) == 0 &&
		    store_detail(store_wr_reader(w), zone, &range.net, &d) == 0)
			snprintf(msg, len, "%s outranked by range %s reported at %s, still listed "
			    "in %s", a, addr_format(&range.net, r, sizeof(r)),
			    time_format(d.last_seen, t, sizeof(t)), zname);
		else if (store_detail(store_wr_reader(w), zone, net, &d) == 0 && d.last_seen != 0)
			snprintf(msg, len, "%s outranked by report at %s, still listed in %s",
			    a, time_format(d.last_seen, t, sizeof(t)), zname);
		else
			snprintf(msg, len, "%s outranked by a later report, still listed in %s",
			    a, zname);
		break;
	case STORE_DUPLICATE:
		snprintf(msg, len, "%s duplicate delisting, nothing changed", a);
		break;
	default:
		snprintf(msg, len, "%s: %s (outcome %d)", a, zname, (int)outcome);
		break;
	}
}

/* What a dry run of a delisting names: the entries it would take away. */
struct doomed {
	const struct addr *net;
	struct listing_vec v;
};

static int
doomed_cb(void *arg, const struct listing *l)
{
	struct doomed *dm = arg;

	if (!addr_contains(dm->net, &l->net))
		return 0;	/* a range around NET stays (NET becomes its exception) */
	if ((l->flags & LISTING_EXCEPTION) && l->net.plen == dm->net->plen)
		return 0;	/* an exception at NET itself stays */
	return listing_vec_push(&dm->v, l);
}

/* "would remove relays.example.org 192.0.2.5/32 (listed, expires ...)" per entry. */
static void
doomed_print(const char *zname, const struct doomed *dm, uint32_t now)
{
	char a[ADDR_STRLEN], t[TIME_BUFLEN];
	const struct listing *l;
	size_t i;

	for (i = 0; i < dm->v.n; i++) {
		l = &dm->v.v[i];
		addr_format(&l->net, a, sizeof(a));
		if (l->flags & LISTING_EXCEPTION)
			printf("would remove %s %s (an exception)\n", zname, a);
		else if (l->expires != 0 && l->expires <= now)
			printf("would remove %s %s (expired at %s)\n", zname, a,
			    time_format(l->expires, t, sizeof(t)));
		else
			printf("would remove %s %s (listed)\n", zname, a);
	}
}

/*
 * One report R (with FORCE) or delisting D, the other NULL, in a commit of
 * its own: the policy, then the store, through apply.c as ingest does.
 * DRY_RUN goes as far as the commit, prints what it would do and aborts.
 * Prints the outcome; returns the exit code.
 */
static int
commit_one(struct loader *L, const char *cmd, size_t zi, int64_t now, const struct report *r,
    bool force, const struct delisting *d, bool dry_run)
{
	const struct conf_zone *z = &L->conf->zones[zi];
	struct doomed dm = { NULL, { NULL, 0, 0 } };
	struct store_wr *w = NULL;
	enum store_outcome outcome;
	char why[512], msg[512];
	int rc, guard = 0;

	/* --force lifts max-range and the zone's max-change guard alike. */
	store_set_force(L->store, force);
	if ((rc = store_wr_begin(L->store, &w)) != 0)
		goto out;
	/* The store judges liveness by the same clock the policy used. */
	store_wr_set_now(w, now);
	if (r != NULL) {
		if ((rc = apply_report(L, w, zi, r, force, now, &outcome, why, sizeof(why))) != 0)
			goto out;
		report_message(w, z->name, L->zone_ids[zi], &r->net, outcome, (uint32_t)now, msg,
		    sizeof(msg));
	} else {
		dm.net = &d->net;
		if (dry_run && (rc = store_foreach_overlapping(store_wr_reader(w),
		    L->zone_ids[zi], &d->net, doomed_cb, &dm)) != 0)
			goto out;
		if ((rc = apply_delist(L, w, zi, d, force, now, &outcome, why,
		    sizeof(why))) != 0)
			goto out;
		delist_message(w, z->name, L->zone_ids[zi], &d->net, outcome, (uint32_t)now, msg,
		    sizeof(msg));
	}
	if (dry_run) {
		guard = store_wr_check_max_change(w);
		store_wr_abort(w);
		rc = 0;
	} else {
		rc = store_wr_commit(w);
	}
	w = NULL;
	if (rc != 0)
		return cmd_commit_fail(L, cmd, rc, "store");
out:
	if (w != NULL)
		store_wr_abort(w);
	if (rc != 0)
		free(dm.v.v);
	if (rc == RB_EPOLICY)
		return cmd_fail(cmd, CMD_FAIL, "%s", why);
	if (rc != 0)
		return cmd_fail(cmd, CMD_FAIL, "store: %s", rb_strerror(rc));
	if (dry_run) {
		/* An outranked or repeated delisting removes nothing. */
		if (d != NULL && outcome != STORE_OUTRANKED && outcome != STORE_DUPLICATE)
			doomed_print(z->name, &dm, (uint32_t)now);
		free(dm.v.v);
		printf("%s (dry run, nothing committed)\n", msg);
		cmd_guard_note(L, guard);
		return CMD_OK;
	}
	printf("%s\n", msg);
	return CMD_OK;
}

/* What report and delist read besides cmd_args. */
struct change_args {
	struct report *r;
	struct delisting *d;
	const char *at, *lifetime;
};

static int
change_opt(void *arg, int opt, const char *val)
{
	struct change_args *a = arg;
	int rc;

	switch (opt) {
	case OPT_REASON:
		if (a->r != NULL)
			a->r->reason = val;
		else
			a->d->reason = val;
		return 0;
	case OPT_CODE:
		if ((rc = parse_code(val, &a->r->code)) != 0)
			return rc;
		/* Code 0 means "zone default" inside the store. */
		if (a->r->code == 0)
			return cmd_fail("report", CMD_FAIL, "code 0.0.0.0 is outside 127.0.0.0/8");
		return 0;
	case OPT_SOURCE: a->r->source = val; return 0;
	case OPT_EVIDENCE: a->r->evidence = val; return 0;
	case OPT_AT: a->at = val; return 0;
	case OPT_LIFETIME: a->lifetime = val; return 0;
	case OPT_BY: a->d->by = val; return 0;
	default: return cmd_fail(a->r != NULL ? "report" : "delist", CMD_USAGE,
	    "option not handled");
	}
}

int
cmd_report(struct loader *L, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "reason", required_argument, NULL, OPT_REASON },
		{ "code", required_argument, NULL, OPT_CODE },
		{ "source", required_argument, NULL, OPT_SOURCE },
		{ "evidence", required_argument, NULL, OPT_EVIDENCE },
		{ "at", required_argument, NULL, OPT_AT },
		{ "lifetime", required_argument, NULL, OPT_LIFETIME },
		{ NULL, 0, NULL, 0 },
	};
	struct report r = { 0 };
	struct change_args ca = { &r, NULL, NULL, NULL };
	struct cmd_args o;
	char name[NAME_TEXTLEN];
	const struct conf_zone *z;
	int64_t now;
	size_t zi;
	int rc;

	if ((rc = cmd_args_addr("report", argc, argv, opts, change_opt, &ca, &o)) != CMD_OK)
		return rc;
	if ((rc = cmd_zone(L, "report", o.zone, &zi)) != 0 ||
	    (rc = cmd_target(L, "report", zi, o.addr, &r.net, name, &r.name)) != 0)
		return rc;
	z = &L->conf->zones[zi];

	now = time_now();
	r.at = now;
	r.lifetime = z->lifetime;
	if ((ca.at != NULL && (rc = cmd_time("report", "--at", ca.at, &r.at)) != 0) ||
	    (ca.lifetime != NULL &&
	    (rc = cmd_duration("report", "--lifetime", ca.lifetime, &r.lifetime)) != 0))
		return rc;
	return commit_one(L, "report", zi, now, &r, o.force, NULL, o.dry_run);
}

int
cmd_delist(struct loader *L, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "reason", required_argument, NULL, OPT_REASON },
		{ "by", required_argument, NULL, OPT_BY },
		{ "at", required_argument, NULL, OPT_AT },
		{ NULL, 0, NULL, 0 },
	};
	struct delisting d = { 0 };
	struct change_args ca = { NULL, &d, NULL, NULL };
	struct cmd_args o;
	char name[NAME_TEXTLEN];
	int64_t now;
	size_t zi;
	int rc;

	if ((rc = cmd_args_addr("delist", argc, argv, opts, change_opt, &ca, &o)) != CMD_OK)
		return rc;
	if (d.reason == NULL)
		return cmd_fail("delist", CMD_USAGE, "--reason is required");
	if ((rc = cmd_zone(L, "delist", o.zone, &zi)) != 0 ||
	    (rc = cmd_target(L, "delist", zi, o.addr, &d.net, name, &d.name)) != 0)
		return rc;

	now = time_now();
	d.at = now;
	if (ca.at != NULL && (rc = cmd_time("delist", "--at", ca.at, &d.at)) != 0)
		return rc;
	return commit_one(L, "delist", zi, now, NULL, o.force, &d, o.dry_run);
}
