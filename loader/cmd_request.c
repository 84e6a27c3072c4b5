/* rbldb requests, rbldb request accept|reject: the removal requests of rbldb-web's queue. */
#include <getopt.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "output.h"
#include "policy.h"
#include "rb.h"
#include "timeutil.h"

enum { OPT_ZONE = 256, OPT_JSON, OPT_ALL, OPT_REASON, OPT_DRY_RUN };

static const char *
state_name(uint8_t s)
{
	switch (s) {
	case STORE_REQ_PENDING: return "pending";
	case STORE_REQ_RETEST: return "pending-retest";
	case STORE_REQ_ACCEPTED: return "accepted";
	case STORE_REQ_REJECTED: return "rejected";
	case STORE_REQ_DONE: return "self-removed";
	default: return "unknown";
	}
}

static const char *
policy_name(uint8_t p)
{
	return p == STORE_REMOVAL_SELF ? "self" : p == STORE_REMOVAL_RETEST ? "retest" : "queue";
}

struct req_walk {
	const struct loader *L;
	struct store_reader *rd;
	bool have_zone, all;
	uint16_t zone;
	json_t *list;
	unsigned n;
};

static int
req_cb(void *arg, const struct store_request *rq)
{
	struct req_walk *rw = arg;
	char a[ADDR_STRLEN], t[TIME_BUFLEN], zb[256];
	const char *zname;
	json_t *o;

	if (rw->have_zone && rq->zone != rw->zone)
		return 0;
	if (!rw->all && rq->state != STORE_REQ_PENDING && rq->state != STORE_REQ_RETEST)
		return 0;
	rw->n++;
	addr_format(&rq->net, a, sizeof(a));
	zname = cmd_zone_name(rw->L, rw->rd, rq->zone, zb, sizeof(zb));
	if (rw->list == NULL) {
		printf("%" PRIu64 "  %s  %s  %s  %s  %s\n", rq->id, time_format(rq->at, t, sizeof(t)),
		    a, zname, state_name(rq->state), policy_name(rq->policy));
		printf("    reason: %s\n", rq->reason ? rq->reason : "-");
		printf("    contact: %s  client: %s\n", rq->contact ? rq->contact : "-",
		    rq->client ? rq->client : "-");
		if (rq->decided != 0)
			printf("    decided %s by %s: %s\n", time_format(rq->decided, t, sizeof(t)),
			    rq->by ? rq->by : "-", rq->decision ? rq->decision : "-");
		return 0;
	}
	o = json_object();
	json_object_set_new(o, "id", json_integer((json_int_t)rq->id));
	json_object_set_new(o, "at", output_json_time(rq->at));
	json_object_set_new(o, "addr", json_string(a));
	json_object_set_new(o, "zone", json_string(zname));
	json_object_set_new(o, "state", json_string(state_name(rq->state)));
	json_object_set_new(o, "policy", json_string(policy_name(rq->policy)));
	json_object_set_new(o, "reason", rq->reason ? json_string(rq->reason) : json_null());
	json_object_set_new(o, "contact", rq->contact ? json_string(rq->contact) : json_null());
	json_object_set_new(o, "client", rq->client ? json_string(rq->client) : json_null());
	if (rq->decided != 0) {
		json_object_set_new(o, "decided", output_json_time(rq->decided));
		json_object_set_new(o, "by", rq->by ? json_string(rq->by) : json_null());
		json_object_set_new(o, "decision",
		    rq->decision ? json_string(rq->decision) : json_null());
	}
	json_array_append_new(rw->list, o);
	return 0;
}

int
cmd_requests(struct loader *L, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "zone", required_argument, NULL, OPT_ZONE },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "all", no_argument, NULL, OPT_ALL },
		{ NULL, 0, NULL, 0 },
	};
	struct req_walk rw = { .L = L };
	struct store_reader rd;
	const char *zname = NULL;
	bool json = false;
	size_t zi;
	int opt, rc;

	optind = 0;
	while ((opt = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (opt) {
		case OPT_ZONE: zname = optarg; break;
		case OPT_JSON: json = true; break;
		case OPT_ALL: rw.all = true; break;
		default: return cmd_bad_option("requests", opt, argv);
		}
	}
	if (optind != argc)
		return cmd_fail("requests", CMD_USAGE, "unexpected argument '%s'", argv[optind]);
	if (zname != NULL) {
		if ((rc = cmd_zone(L, "requests", zname, &zi)) != 0)
			return rc;
		rw.have_zone = true;
		rw.zone = L->zone_ids[zi];
	}
	if ((rc = cmd_reader(L, "requests", &rd)) != 0)
		return rc;
	rw.rd = &rd;
	if (json)
		rw.list = json_array();
	rc = store_request_walk(&rd, req_cb, &rw);
	store_reader_fini(&rd);
	if (rc != 0) {
		json_decref(rw.list);
		return cmd_fail("requests", CMD_FAIL, "store: %s", rb_strerror(rc));
	}
	if (json) {
		/* output_json_print frees the list. */
		if (output_json_print(rw.list, JSON_INDENT(2)) != 0)
			return CMD_FAIL;
	} else if (rw.n == 0) {
		printf("no %srequests\n", rw.all ? "" : "pending ");
	}
	return CMD_OK;
}

/* Who decides: the user behind sudo, else the one running this. */
static const char *
operator_name(void)
{
	const char *s = getenv("SUDO_USER");
	struct passwd *pw;

	if (s != NULL && *s != '\0')
		return s;
	pw = getpwuid(geteuid());
	return pw != NULL ? pw->pw_name : "operator";
}

/* Accept: the decision and the delisting in one commit, so neither is ever alone. */
static int
decide(struct loader *L, uint64_t id, bool accept, const char *why, bool dry_run)
{
	struct store_request rq;
	struct delisting d;
	enum store_outcome out;
	struct store_wr *w;
	char a[ADDR_STRLEN], dflt[64];
	int rc;

	if ((rc = store_wr_begin(L->store, &w)) != 0)
		return cmd_fail("request", CMD_FAIL, "store: %s", rb_strerror(rc));
	if ((rc = store_request_get(store_wr_reader(w), id, &rq)) != 0) {
		store_wr_abort(w);
		return cmd_fail("request", CMD_FAIL, rc == RB_ENOTFOUND ? "no request %" PRIu64
		    " (rbldb requests lists them)" : "request %" PRIu64 ": store error", id);
	}
	addr_format(&rq.net, a, sizeof(a));
	snprintf(dflt, sizeof(dflt), "removal request #%" PRIu64 " %s", id,
	    accept ? "accepted" : "rejected");
	if (why == NULL)
		why = dflt;
	if ((rc = store_request_decide(w, id, accept ? STORE_REQ_ACCEPTED : STORE_REQ_REJECTED,
	    why, operator_name())) != 0) {
		store_wr_abort(w);
		return cmd_fail("request", CMD_FAIL, rc == RB_EPOLICY ? "request %" PRIu64
		    " was decided already (rbldb requests --all shows how)" : "request %" PRIu64
		    ": %s", id, rb_strerror(rc));
	}
	if (accept) {
		memset(&d, 0, sizeof(d));
		d.net = rq.net;
		d.at = time_now();
		d.reason = why;
		d.by = operator_name();
		if ((rc = store_delist(w, rq.zone, &d, &out)) != 0) {
			store_wr_abort(w);
			return cmd_fail("request", CMD_FAIL, "delist %s: %s", a, rb_strerror(rc));
		}
	}
	if (dry_run) {
		store_wr_abort(w);
		printf("would %s request %" PRIu64 " (%s)\n", accept ? "accept" : "reject", id, a);
		return CMD_OK;
	}
	if ((rc = store_wr_commit(w)) != 0)
		return cmd_commit_fail(L, "request", rc, "commit");
	printf("request %" PRIu64 " %s: %s%s\n", id, accept ? "accepted" : "rejected", a,
	    accept ? " delisted" : "");
	return CMD_OK;
}

int
cmd_request(struct loader *L, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "reason", required_argument, NULL, OPT_REASON },
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ NULL, 0, NULL, 0 },
	};
	const char *why = NULL;
	char whybuf[512], *end;
	bool dry_run = false, accept;
	unsigned long long id;
	int opt;

	optind = 0;
	while ((opt = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (opt) {
		case OPT_REASON: why = optarg; break;
		case OPT_DRY_RUN: dry_run = true; break;
		default: return cmd_bad_option("request", opt, argv);
		}
	}
	if (argc - optind != 2)
		return cmd_fail("request", CMD_USAGE, "usage: request accept|reject ID [--reason T]");
	if (strcmp(argv[optind], "accept") == 0)
		accept = true;
	else if (strcmp(argv[optind], "reject") == 0)
		accept = false;
	else
		return cmd_fail("request", CMD_USAGE, "'%s' is not accept or reject", argv[optind]);
	id = strtoull(argv[optind + 1], &end, 10);
	if (*argv[optind + 1] == '\0' || *end != '\0' || id == 0)
		return cmd_fail("request", CMD_USAGE, "'%s' is not a request id (rbldb requests "
		    "lists them)", argv[optind + 1]);
	if (why != NULL && policy_check_text("reason", why, 0, whybuf, sizeof(whybuf)) != 0)
		return cmd_fail("request", CMD_USAGE, "%s", whybuf);
	return decide(L, (uint64_t)id, accept, why, dry_run);
}
