/* rbldb log: the commits that changed zones, oldest first: when, who, what, and per zone the serials and counts. */
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>

#include "cmd.h"
#include "output.h"
#include "rb.h"
#include "timeutil.h"

enum { OPT_ZONE = 256, OPT_SINCE, OPT_JSON };

struct log_walk {
	const struct loader *L;
	struct store_reader *rd;
	int64_t since;
	bool have_zone;
	uint16_t zone;
	json_t *list;		/* --json: the array being filled */
};

/* The user name of UID, or its number. */
static const char *
user_name(uint32_t uid, char *buf, size_t len)
{
	struct passwd *pw = getpwuid((uid_t)uid);

	if (pw != NULL)
		return pw->pw_name;
	snprintf(buf, len, "%u", uid);
	return buf;
}

static int
log_cb(void *arg, const struct store_commit *c)
{
	struct log_walk *lw = arg;
	char t[TIME_BUFLEN], u[16], zb[256];
	json_t *o, *zones = NULL, *z;
	const char *zname;
	unsigned i;
	bool shown = false;

	if (c->at < lw->since)
		return 0;
	for (i = 0; i < c->nzones && lw->have_zone; i++)
		shown |= c->zones[i].zone == lw->zone;
	if (lw->have_zone && !shown)
		return 0;
	if (lw->list == NULL) {
		printf("commit %llu  %s  %s  %.*s\n", (unsigned long long)c->id,
		    time_format(c->at, t, sizeof(t)), user_name(c->uid, u, sizeof(u)),
		    (int)c->originlen, c->origin);
	} else {
		o = json_object();
		json_object_set_new(o, "commit", json_integer((json_int_t)c->id));
		json_object_set_new(o, "at", output_json_time(c->at));
		json_object_set_new(o, "user", json_string(user_name(c->uid, u, sizeof(u))));
		json_object_set_new(o, "uid", json_integer(c->uid));
		json_object_set_new(o, "command", json_stringn(c->origin, c->originlen));
		json_object_set_new(o, "zones", zones = json_array());
		json_array_append_new(lw->list, o);
	}
	for (i = 0; i < c->nzones; i++) {
		const struct store_commit_zone *cz = &c->zones[i];

		if (lw->have_zone && cz->zone != lw->zone)
			continue;
		zname = cmd_zone_name(lw->L, lw->rd, cz->zone, zb, sizeof(zb));
		if (lw->list == NULL) {
			printf("    %s serial %u -> %u: %u added, %u removed, %u changed\n", zname,
			    cz->serial_from, cz->serial_to, cz->added, cz->removed, cz->changed);
			continue;
		}
		z = json_object();
		json_object_set_new(z, "zone", json_string(zname));
		json_object_set_new(z, "serial_from", json_integer(cz->serial_from));
		json_object_set_new(z, "serial", json_integer(cz->serial_to));
		json_object_set_new(z, "added", json_integer(cz->added));
		json_object_set_new(z, "removed", json_integer(cz->removed));
		json_object_set_new(z, "changed", json_integer(cz->changed));
		json_array_append_new(zones, z);
	}
	return 0;
}

int
cmd_log(struct loader *L, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "zone", required_argument, NULL, OPT_ZONE },
		{ "since", required_argument, NULL, OPT_SINCE },
		{ "json", no_argument, NULL, OPT_JSON },
		{ NULL, 0, NULL, 0 },
	};
	struct log_walk lw = { .L = L, .since = INT64_MIN };
	struct store_reader rd;
	const char *zone = NULL;
	bool json = false;
	size_t zi;
	int c, rc;

	optind = 0;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (c) {
		case OPT_ZONE: zone = optarg; break;
		case OPT_SINCE:
			if ((rc = cmd_time("log", "--since", optarg, &lw.since)) != 0)
				return rc;
			break;
		case OPT_JSON: json = true; break;
		default: return cmd_bad_option("log", c, argv);
		}
	}
	if (optind < argc)
		return cmd_fail("log", CMD_USAGE, "unexpected argument %s", argv[optind]);
	if (zone != NULL) {
		if ((rc = cmd_zone(L, "log", zone, &zi)) != 0)
			return rc;
		lw.have_zone = true;
		lw.zone = L->zone_ids[zi];
	}
	if ((rc = cmd_reader(L, "log", &rd)) != 0)
		return rc;
	lw.rd = &rd;
	if (json)
		lw.list = json_array();
	rc = store_commits(&rd, 0, log_cb, &lw);
	store_reader_fini(&rd);
	if (rc != 0) {
		json_decref(lw.list);
		return cmd_fail("log", CMD_FAIL, "store: %s", rb_strerror(rc));
	}
	if (json && output_json_print(lw.list, JSON_INDENT(2)) != 0)
		return cmd_fail("log", CMD_FAIL, "writing output failed");
	return CMD_OK;
}
