/* rbldb purge: withdraw a faulty feed's reports (RFC 6471 s3.9) and what rests only on them. */
#include <getopt.h>
#include <stdio.h>

#include "cmd.h"
#include "name.h"
#include "rb.h"
#include "timeutil.h"

enum { OPT_SOURCE = 256, OPT_SINCE, OPT_DRY_RUN, OPT_FORCE };

struct purge_list {
	const struct loader *L;
	struct store_reader *rd;
	bool dry_run;
};

/* Each entry removed (or, in a dry run, that would be) is named. */
static int
purge_cb(void *arg, const struct listing *l)
{
	struct purge_list *pl = arg;
	char zbuf[256], a[NAME_TEXTLEN];

	printf("%s %s %s\n", pl->dry_run ? "would remove" : "removed",
	    cmd_zone_name(pl->L, pl->rd, l->zone, zbuf, sizeof(zbuf)),
	    store_net_text(pl->rd, &l->net, a, sizeof(a)));
	return 0;
}

int
cmd_purge(struct loader *L, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "source", required_argument, NULL, OPT_SOURCE },
		{ "since", required_argument, NULL, OPT_SINCE },
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ "force", no_argument, NULL, OPT_FORCE },
		{ NULL, 0, NULL, 0 },
	};
	struct purge_list pl = { L, NULL, false };
	bool force = false;
	struct store_wr *w = NULL;
	const char *source = NULL, *since_text = NULL;
	char t[TIME_BUFLEN], from[TIME_BUFLEN + 16] = "";
	uint64_t reports = 0, removed = 0;
	unsigned changed = 0;
	int64_t since = INT64_MIN;
	int c, rc;

	optind = 0;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (c) {
		case OPT_SOURCE: source = optarg; break;
		case OPT_SINCE: since_text = optarg; break;
		case OPT_DRY_RUN: pl.dry_run = true; break;
		case OPT_FORCE: force = true; break;
		default: return cmd_bad_option("purge", c, argv);
		}
	}
	if (optind < argc)
		return cmd_fail("purge", CMD_USAGE, "unexpected argument %s", argv[optind]);
	if (source == NULL)
		return cmd_fail("purge", CMD_USAGE, "--source S is required");
	if (since_text != NULL) {
		if ((rc = cmd_time("purge", "--since", since_text, &since)) != 0)
			return rc;
		snprintf(from, sizeof(from), " since %s", time_format(since, t, sizeof(t)));
	}

	store_set_force(L->store, force);
	if ((rc = store_wr_begin(L->store, &w)) != 0)
		goto out;
	pl.rd = store_wr_reader(w);
	if ((rc = store_purge(w, source, since, pl.dry_run, purge_cb, &pl, &reports,
	    &removed)) != 0)
		goto out;
	changed = store_wr_changed_zones(w);
	if (pl.dry_run) {
		cmd_dry_run_guard(L, w);
		store_wr_abort(w);
	} else if ((rc = store_wr_commit(w)) != 0)
		return cmd_commit_fail(L, "purge", rc, "store");
	w = NULL;
out:
	if (w != NULL)
		store_wr_abort(w);
	if (rc != 0)
		return cmd_fail("purge", CMD_FAIL, "store: %s", rb_strerror(rc));
	if (pl.dry_run)
		printf("source %s%s: %llu report%s would be withdrawn, %llu entr%s removed "
		    "(dry run, nothing committed)\n", source, from, (unsigned long long)reports,
		    reports == 1 ? "" : "s", (unsigned long long)removed,
		    removed == 1 ? "y" : "ies");
	else
		printf("source %s%s: %llu report%s withdrawn, %llu entr%s removed, %u zone%s "
		    "changed\n", source, from, (unsigned long long)reports,
		    reports == 1 ? "" : "s", (unsigned long long)removed,
		    removed == 1 ? "y" : "ies", changed, changed == 1 ? "" : "s");
	return CMD_OK;
}
