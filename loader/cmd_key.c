/* rbldb key: the query keys of keyed access (add, disable, enable, remove, list, show). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "output.h"
#include "rb.h"
#include "timeutil.h"

enum { OPT_CUSTOMER = 256, OPT_QPS, OPT_DAILY, OPT_ZONE, OPT_JSON, OPT_DRY_RUN };

#define LABEL_RULE "a key is one DNS label of 8 to 63 octets of a-z, 0-9 and '-', " \
	"neither starting nor ending with '-'"

/* Operators and logs name a key by its first 4 octets: enough to tell, not to use. */
static void
prefix(const char *label, char out[8])
{
	snprintf(out, 8, "%.4s...", label);
}

static json_t *
key_json(const struct loader *L, struct store_reader *rd, const struct store_key *k)
{
	json_t *o = json_object(), *zones = json_array();
	char zb[256];
	unsigned i;

	json_object_set_new(o, "key", json_string(k->label));
	json_object_set_new(o, "customer", json_string(k->customer));
	json_object_set_new(o, "enabled", json_boolean(!k->disabled));
	json_object_set_new(o, "qps", json_integer(k->qps));
	json_object_set_new(o, "daily", json_integer(k->daily));
	json_object_set_new(o, "created", output_json_time(k->created));
	for (i = 0; i < k->nzones; i++)
		json_array_append_new(zones,
		    json_string(cmd_zone_name(L, rd, k->zones[i], zb, sizeof(zb))));
	json_object_set_new(o, "zones", zones);
	return o;
}

static void
key_text(const struct loader *L, struct store_reader *rd, const struct store_key *k, bool full)
{
	char t[TIME_BUFLEN], zb[256];
	unsigned i;

	if (!full) {
		printf("%s  %s  qps %u  daily %u  %s\n", k->label,
		    k->disabled ? "disabled" : "enabled", k->qps, k->daily,
		    k->customer[0] ? k->customer : "-");
		return;
	}
	printf("key       %s\n", k->label);
	printf("customer  %s\n", k->customer[0] ? k->customer : "-");
	printf("state     %s\n", k->disabled ? "disabled" : "enabled");
	printf("qps       %u%s\n", k->qps, k->qps ? "" : " (no limit)");
	printf("daily     %u%s\n", k->daily, k->daily ? "" : " (no limit)");
	printf("created   %s\n", time_format(k->created, t, sizeof(t)));
	printf("zones    ");
	if (k->nzones == 0)
		printf(" every zone with keys");
	for (i = 0; i < k->nzones; i++)
		printf(" %s", cmd_zone_name(L, rd, k->zones[i], zb, sizeof(zb)));
	printf("\n");
}

/* Usage by day, as rbldbd folds its counters into the store (every 30 s or so). */
#define USAGE_DAYS 7

struct usage_walk {
	json_t *list;	/* --json: the array being filled */
	unsigned n;
};

static int
usage_cb(void *arg, const struct store_key_usage *u)
{
	struct usage_walk *uw = arg;
	char t[TIME_BUFLEN];
	json_t *o;

	time_format((int64_t)u->day * 86400, t, sizeof(t));
	t[10] = '\0';	/* the date */
	uw->n++;
	if (uw->list == NULL) {
		printf("  %s  queries %llu  hits %llu  refusals %llu\n", t,
		    (unsigned long long)u->queries, (unsigned long long)u->hits,
		    (unsigned long long)u->refusals);
		return 0;
	}
	o = json_object();
	json_object_set_new(o, "date", json_string(t));
	json_object_set_new(o, "queries", json_integer((json_int_t)u->queries));
	json_object_set_new(o, "hits", json_integer((json_int_t)u->hits));
	json_object_set_new(o, "refusals", json_integer((json_int_t)u->refusals));
	json_array_append_new(uw->list, o);
	return 0;
}

/* The key's usage of the last USAGE_DAYS days: printed, or into O as "usage". */
static int
usage(struct store_reader *rd, const struct store_key *k, json_t *o)
{
	struct usage_walk uw = { .list = o != NULL ? json_array() : NULL };
	uint32_t today = (uint32_t)(time_now() / 86400);
	int rc;

	if (o == NULL)
		printf("usage     by quota day ([server] key-day-start), as rbldbd last folded it\n");
	rc = store_key_usage_walk(rd, k->hash, today - (USAGE_DAYS - 1), usage_cb, &uw);
	if (o != NULL)
		json_object_set_new(o, "usage", uw.list);
	else if (uw.n == 0)
		printf("  none\n");
	return rc;
}

struct list_walk {
	const struct loader *L;
	struct store_reader *rd;
	json_t *list;
};

static int
list_cb(void *arg, const struct store_key *k)
{
	struct list_walk *lw = arg;

	if (lw->list != NULL)
		json_array_append_new(lw->list, key_json(lw->L, lw->rd, k));
	else
		key_text(lw->L, lw->rd, k, false);
	return 0;
}

static int
parse_uint(const char *opt, const char *text, uint32_t *out)
{
	char *end;
	unsigned long v;

	v = strtoul(text, &end, 10);
	if (*text == '\0' || *end != '\0' || text[0] == '-' || v > UINT32_MAX)
		return cmd_fail("key", CMD_USAGE, "%s '%s' is not a number from 0 to %u (0 = no "
		    "limit)", opt, text, UINT32_MAX);
	*out = (uint32_t)v;
	return 0;
}

/* One write: add, disable, enable or remove. */
static int
key_write(struct loader *L, const char *sub, const struct store_key *k, bool dry_run)
{
	struct store_wr *w;
	char pre[8];
	int rc;

	if ((rc = store_wr_begin(L->store, &w)) != 0)
		return cmd_fail("key", CMD_FAIL, "store: %s", rb_strerror(rc));
	if (strcmp(sub, "add") == 0)
		rc = store_key_add(w, k);
	else if (strcmp(sub, "remove") == 0)
		rc = store_key_remove(w, k->label);
	else
		rc = store_key_set_disabled(w, k->label, strcmp(sub, "disable") == 0);
	if (rc != 0 || dry_run) {
		store_wr_abort(w);
		if (rc == RB_EPOLICY)
			return cmd_fail("key", CMD_FAIL, "key %s exists already", k->label);
		if (rc == RB_ENOTFOUND)
			return cmd_fail("key", CMD_FAIL, "no key %s (see rbldb key list)", k->label);
		if (rc != 0)
			return cmd_fail("key", CMD_FAIL, "store: %s", rb_strerror(rc));
	} else if ((rc = store_wr_commit(w)) != 0) {
		return cmd_fail("key", CMD_FAIL, "store: %s", rb_strerror(rc));
	}
	prefix(k->label, pre);
	printf("%s%s key %s\n", dry_run ? "would " : "",
	    strcmp(sub, "add") == 0 ? (dry_run ? "add" : "added") :
	    strcmp(sub, "remove") == 0 ? (dry_run ? "remove" : "removed") :
	    strcmp(sub, "disable") == 0 ? (dry_run ? "disable" : "disabled") :
	    (dry_run ? "enable" : "enabled"), strcmp(sub, "add") == 0 ? k->label : pre);
	return CMD_OK;
}

/* What the options of a key command say. */
struct key_args {
	struct store_key k;	/* key add's fields */
	bool json, dry_run, changes;
};

/* Read the options of ARGV into *A: 0, or the exit status of a bad one. */
static int
key_options(struct loader *L, int argc, char **argv, struct key_args *a)
{
	static const struct option opts[] = {
		{ "customer", required_argument, NULL, OPT_CUSTOMER },
		{ "qps", required_argument, NULL, OPT_QPS },
		{ "daily", required_argument, NULL, OPT_DAILY },
		{ "zone", required_argument, NULL, OPT_ZONE },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ NULL, 0, NULL, 0 },
	};
	struct store_key *k = &a->k;
	size_t zi;
	unsigned i;
	int c, rc;

	optind = 0;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (c) {
		case OPT_CUSTOMER:
			if (strlen(optarg) > STORE_KEY_MAX_CUSTOMER)
				return cmd_fail("key", CMD_USAGE, "--customer is longer than %d "
				    "octets", STORE_KEY_MAX_CUSTOMER);
			strcpy(k->customer, optarg);
			a->changes = true;
			break;
		case OPT_QPS:
			if ((rc = parse_uint("--qps", optarg, &k->qps)) != 0)
				return rc;
			a->changes = true;
			break;
		case OPT_DAILY:
			if ((rc = parse_uint("--daily", optarg, &k->daily)) != 0)
				return rc;
			a->changes = true;
			break;
		case OPT_ZONE:
			if ((rc = cmd_zone(L, "key", optarg, &zi)) != 0)
				return rc;
			if (k->nzones == STORE_KEY_MAX_ZONES)
				return cmd_fail("key", CMD_USAGE, "more than %d --zone",
				    STORE_KEY_MAX_ZONES);
			for (i = 0; i < k->nzones && k->zones[i] != L->zone_ids[zi]; i++)
				;
			if (i == k->nzones)
				k->zones[k->nzones++] = L->zone_ids[zi];
			a->changes = true;
			break;
		case OPT_JSON: a->json = true; break;
		case OPT_DRY_RUN: a->dry_run = true; break;
		default: return cmd_bad_option("key", c, argv);
		}
	}
	return 0;
}

/* rbldb key show LABEL [--json]. */
static int
key_show(struct loader *L, struct store_reader *rd, const char *label, bool json)
{
	struct store_key found;
	int rc;

	rc = store_key_get(rd, label, &found);
	if (rc == 0 && json) {
		json_t *o = key_json(L, rd, &found);

		if ((rc = usage(rd, &found, o)) == 0)
			rc = output_json_print(o, JSON_INDENT(2));
		else
			json_decref(o);
	} else if (rc == 0) {
		key_text(L, rd, &found, true);
		rc = usage(rd, &found, NULL);
	}
	if (rc == RB_ENOTFOUND)
		return cmd_fail("key", CMD_FAIL, "no key %s (see rbldb key list)", label);
	if (rc != 0)
		return cmd_fail("key", CMD_FAIL, "store: %s", rb_strerror(rc));
	return CMD_OK;
}

/* rbldb key list [--json]. */
static int
key_list(struct loader *L, struct store_reader *rd, bool json)
{
	struct list_walk lw;
	int rc;

	lw.L = L;
	lw.rd = rd;
	lw.list = json ? json_array() : NULL;
	if ((rc = store_key_walk(rd, list_cb, &lw)) != 0) {
		json_decref(lw.list);
		return cmd_fail("key", CMD_FAIL, "store: %s", rb_strerror(rc));
	}
	if (json && output_json_print(lw.list, JSON_INDENT(2)) != 0)
		return cmd_fail("key", CMD_FAIL, "writing output failed");
	return CMD_OK;
}

int
cmd_key(struct loader *L, int argc, char **argv)
{
	static struct key_args a;
	struct store_reader rd;
	const char *sub, *label = NULL;
	int rc;

	memset(&a, 0, sizeof(a));
	if ((rc = key_options(L, argc, argv, &a)) != 0)
		return rc;
	if (optind >= argc)
		return cmd_fail("key", CMD_USAGE, "no subcommand (add, disable, enable, remove, "
		    "list or show)");
	sub = argv[optind++];
	if (strcmp(sub, "list") != 0) {
		if (optind >= argc)
			return cmd_fail("key", CMD_USAGE, "key %s needs a LABEL", sub);
		label = argv[optind++];
	}
	if (optind < argc)
		return cmd_fail("key", CMD_USAGE, "unexpected argument %s", argv[optind]);
	if (a.changes && strcmp(sub, "add") != 0)
		return cmd_fail("key", CMD_USAGE, "--customer, --qps, --daily and --zone go with "
		    "key add");
	if (a.json && strcmp(sub, "list") != 0 && strcmp(sub, "show") != 0)
		return cmd_fail("key", CMD_USAGE, "--json goes with key list and key show");
	if (label != NULL) {
		if (!store_key_label_ok(label, strlen(label)))
			return cmd_fail("key", CMD_USAGE, "'%s' is not a key label (%s)", label,
			    LABEL_RULE);
		strcpy(a.k.label, label);
	}

	if (strcmp(sub, "add") == 0) {
		a.k.created = time_now();
		return key_write(L, sub, &a.k, a.dry_run);
	}
	if (strcmp(sub, "disable") == 0 || strcmp(sub, "enable") == 0 ||
	    strcmp(sub, "remove") == 0)
		return key_write(L, sub, &a.k, a.dry_run);
	if (strcmp(sub, "list") != 0 && strcmp(sub, "show") != 0)
		return cmd_fail("key", CMD_USAGE, "unknown subcommand %s (add, disable, enable, "
		    "remove, list or show)", sub);

	if ((rc = cmd_reader(L, "key", &rd)) != 0)
		return rc;
	rc = strcmp(sub, "show") == 0 ? key_show(L, &rd, label, a.json) : key_list(L, &rd, a.json);
	store_reader_fini(&rd);
	return rc;
}
