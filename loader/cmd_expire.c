/* rbldb expire: remove the listings whose lifetime has passed, in one write transaction. */
#include <getopt.h>
#include <stdio.h>

#include "cmd.h"
#include "name.h"
#include "policy.h"
#include "rb.h"
#include "timeutil.h"

enum { OPT_AT = 256, OPT_DRY_RUN, OPT_FORCE };

struct expire_list {
	const struct loader *L;
	struct store_reader *rd;
};

/* A dry run names each entry that would go. */
static int
expire_cb(void *arg, const struct listing *l)
{
	struct expire_list *el = arg;
	char zbuf[256], a[NAME_TEXTLEN], t[TIME_BUFLEN];

	printf("would expire %s %s%s (expires %s)\n",
	    cmd_zone_name(el->L, el->rd, l->zone, zbuf, sizeof(zbuf)),
	    store_net_text(el->rd, &l->net, a, sizeof(a)),
	    (l->flags & LISTING_EXCEPTION) ? " exception" : "",
	    time_format(l->expires, t, sizeof(t)));
	return 0;
}

int
cmd_expire(struct loader *L, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "at", required_argument, NULL, OPT_AT },
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ "force", no_argument, NULL, OPT_FORCE },
		{ NULL, 0, NULL, 0 },
	};
	struct expire_list el = { L, NULL };
	struct store_wr *w = NULL;
	const char *at = NULL;
	bool dry_run = false, force = false;
	char t[TIME_BUFLEN], nowt[TIME_BUFLEN];
	uint64_t n = 0;
	unsigned changed = 0;
	int64_t when;
	int c, rc;

	optind = 0;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (c) {
		case OPT_AT: at = optarg; break;
		case OPT_DRY_RUN: dry_run = true; break;
		case OPT_FORCE: force = true; break;
		default: return cmd_bad_option("expire", c, argv);
		}
	}
	if (optind < argc)
		return cmd_fail("expire", CMD_USAGE, "unexpected argument %s", argv[optind]);
	when = time_now();
	if (at != NULL && (rc = cmd_time("expire", "--at", at, &when)) != 0)
		return rc;
	if (when <= 0 || when > (int64_t)UINT32_MAX)
		return cmd_fail("expire", CMD_USAGE, "--at %s is out of range", at);
	/*
	 * A time ahead expires what is still meant to be listed: a mistyped
	 * year empties the list.  A dry run shows what a time ahead would do.
	 */
	if (!dry_run && !force && when > time_now() + POLICY_MAX_FUTURE)
		return cmd_fail("expire", CMD_FAIL, "--at %s is more than %d minutes ahead (now "
		    "%s): it would expire listings before their time (use --dry-run to see "
		    "which, --force to expire them anyway)", time_format(when, t, sizeof(t)),
		    POLICY_MAX_FUTURE / 60, time_format(time_now(), nowt, sizeof(nowt)));

	store_set_force(L->store, force);
	if ((rc = store_wr_begin(L->store, &w)) != 0)
		goto out;
	el.rd = store_wr_reader(w);
	/* The expiry index is ordered by time: this costs what expires, not the list. */
	if ((rc = store_expire(w, (uint32_t)when, dry_run, dry_run ? expire_cb : NULL, &el,
	    &n)) != 0)
		goto out;
	changed = store_wr_changed_zones(w);
	if (dry_run) {
		cmd_dry_run_guard(L, w);
		store_wr_abort(w);
	} else if ((rc = store_wr_commit(w)) != 0) {
		return cmd_commit_fail(L, "expire", rc, "store");
	}
	w = NULL;
out:
	if (w != NULL)
		store_wr_abort(w);
	if (rc != 0)
		return cmd_fail("expire", CMD_FAIL, "store: %s", rb_strerror(rc));
	time_format(when, t, sizeof(t));
	if (dry_run)
		printf("%llu listing%s would expire by %s (dry run, nothing committed)\n",
		    (unsigned long long)n, n == 1 ? "" : "s", t);
	else
		printf("expired %llu listing%s due by %s, %u zone%s changed\n",
		    (unsigned long long)n, n == 1 ? "" : "s", t, changed,
		    changed == 1 ? "" : "s");
	return CMD_OK;
}
