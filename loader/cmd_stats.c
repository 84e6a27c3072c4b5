/* rbldb stats: per zone listed, excepted, expiring within a day and serial; the store's size. */
#include <getopt.h>
#include <stdio.h>

#include "cmd.h"
#include "output.h"
#include "rb.h"
#include "timeutil.h"

#define STATS_SOON (24 * 3600)	/* "expiring soon": within a day */

enum { OPT_JSON = 256 };

struct zone_stats {
	uint32_t now;
	uint64_t listed;	/* live entries that are listed (not exceptions) */
	uint64_t excepted;	/* live exceptions */
	uint64_t soon;		/* listed ones that expire within STATS_SOON */
};

static int
count_cb(void *arg, const struct listing *l)
{
	struct zone_stats *zs = arg;

	/* Expired but not yet removed entries are not served, so not counted. */
	if (l->expires != 0 && l->expires <= zs->now)
		return 0;
	if (l->flags & LISTING_EXCEPTION) {
		zs->excepted++;
		return 0;
	}
	zs->listed++;
	if (l->expires != 0 && l->expires <= (uint64_t)zs->now + STATS_SOON)
		zs->soon++;
	return 0;
}

int
cmd_stats(struct loader *L, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, OPT_JSON },
		{ NULL, 0, NULL, 0 },
	};
	struct store_reader rd;
	struct store_zone sz;
	struct zone_stats zs;
	json_t *root = NULL, *zones = NULL, *o, *st;
	uint64_t file_bytes = 0, map_bytes = 0;
	bool json = false;
	uint32_t now;
	size_t i;
	int c, rc;

	optind = 0;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (c) {
		case OPT_JSON: json = true; break;
		default: return cmd_bad_option("stats", c, argv);
		}
	}
	if (optind < argc)
		return cmd_fail("stats", CMD_USAGE, "unexpected argument %s", argv[optind]);
	if ((rc = cmd_reader(L, "stats", &rd)) != 0)
		return rc;
	now = (uint32_t)time_now();
	if (json) {
		root = json_object();
		zones = json_array();
	} else {
		printf("%-32s %10s %10s %10s %10s\n", "zone", "listed", "excepted", "expiring",
		    "serial");
	}
	for (i = 0; i < L->conf->nzones; i++) {
		zs = (struct zone_stats){ .now = now };
		if ((rc = store_zone_get(&rd, L->zone_ids[i], &sz)) != 0 ||
		    (rc = store_foreach(&rd, L->zone_ids[i], count_cb, &zs)) != 0)
			break;
		if (!json) {
			printf("%-32s %10llu %10llu %10llu %10u\n", L->conf->zones[i].name,
			    (unsigned long long)zs.listed, (unsigned long long)zs.excepted,
			    (unsigned long long)zs.soon, sz.serial);
			continue;
		}
		o = json_object();
		json_object_set_new(o, "zone", json_string(L->conf->zones[i].name));
		json_object_set_new(o, "listed", json_integer((json_int_t)zs.listed));
		json_object_set_new(o, "excepted", json_integer((json_int_t)zs.excepted));
		json_object_set_new(o, "expiring_24h", json_integer((json_int_t)zs.soon));
		json_object_set_new(o, "serial", json_integer(sz.serial));
		json_object_set_new(o, "changed", output_json_time(sz.changed));
		json_array_append_new(zones, o);
	}
	store_reader_fini(&rd);
	if (rc == 0)
		rc = store_size(L->store, &file_bytes, &map_bytes);
	if (rc != 0) {
		json_decref(root);
		json_decref(zones);
		return cmd_fail("stats", CMD_FAIL, "store: %s", rb_strerror(rc));
	}
	if (!json) {
		printf("expiring = within 24 hours; store: data file %.1f MiB, map %.1f MiB\n",
		    (double)file_bytes / 1048576, (double)map_bytes / 1048576);
		return CMD_OK;
	}
	st = json_object();
	json_object_set_new(st, "file_bytes", json_integer((json_int_t)file_bytes));
	json_object_set_new(st, "map_bytes", json_integer((json_int_t)map_bytes));
	json_object_set_new(root, "zones", zones);
	json_object_set_new(root, "store", st);
	if (output_json_print(root, JSON_INDENT(2)) != 0)
		return cmd_fail("stats", CMD_FAIL, "writing output failed");
	return CMD_OK;
}
