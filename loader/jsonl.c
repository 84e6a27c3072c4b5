/* One JSON Lines batch line into a report or delisting: syntax only, no store, no clock. */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "jsonl.h"
#include "rb.h"
#include "timeutil.h"

/* The fields each op takes; "by" belongs to delistings only, as on the command line. */
static const char *const report_fields[] = {
	"op", "addr", "zone", "reason", "code", "source", "evidence", "at", "lifetime", "force",
};
static const char *const delist_fields[] = {
	"op", "addr", "zone", "reason", "by", "at",
};

static int __attribute__((format(printf, 3, 4)))
bad(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	if (why != NULL && whylen > 0) {
		va_start(ap, fmt);
		vsnprintf(why, whylen, fmt, ap);
		va_end(ap);
	}
	return RB_ESYNTAX;
}

/*
 * Input quoted in a message, so a hostile line cannot put control octets on
 * the operator's terminal or make the message endless.
 */
static const char *
quote(const char *s, char *buf, size_t len)
{
	size_t i, n = 0;

	for (i = 0; s[i] != '\0' && n + 4 < len; i++)
		buf[n++] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
	if (s[i] != '\0') {
		memcpy(buf + n, "...", 3);
		n += 3;
	}
	buf[n] = '\0';
	return buf;
}

static const char *
type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER:
	case JSON_REAL: return "a number";
	case JSON_TRUE:
	case JSON_FALSE: return "a boolean";
	default: return "null";
	}
}

/* A string field: *out = NULL when absent or null. */
static int
get_str(json_t *obj, const char *key, const char *example, const char **out, char *why,
    size_t whylen)
{
	json_t *v = json_object_get(obj, key);

	*out = NULL;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return bad(why, whylen, "\"%s\" must be a string such as \"%s\", not %s", key,
		    example, type_name(v));
	*out = json_string_value(v);
	return 0;
}

static bool
allowed(const char *key, const char *const *fields, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(key, fields[i]) == 0)
			return true;
	return false;
}

static int
check_fields(json_t *obj, const char *op, const char *const *fields, size_t n, char *why,
    size_t whylen)
{
	char list[256], q[48];
	const char *key;
	json_t *v;
	size_t i, len = 0;

	json_object_foreach(obj, key, v) {
		if (allowed(key, fields, n))
			continue;
		list[0] = '\0';
		for (i = 0; i < n && len < sizeof(list); i++)
			len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s",
			    i ? ", " : "", fields[i]);
		return bad(why, whylen, "unknown field \"%s\" for op %s (fields: %s)",
		    quote(key, q, sizeof(q)), op, list);
	}
	return 0;
}

/* As on the command line: an IPv4-mapped address or /96+ prefix is listed as IPv4. */
static int
parse_addr(const char *text, struct addr *out, char *why, size_t whylen)
{
	const char *reason = NULL;
	char q[80];
	struct addr v4;

	if (addr_parse_cidr(text, out, &reason) != 0)
		return bad(why, whylen, "bad \"addr\" \"%s\": %s", quote(text, q, sizeof(q)),
		    reason ? reason : "not an IPv4 or IPv6 address or CIDR range");
	if (out->fam == ADDR_V6 && out->plen >= 96 && addr_is_v4mapped(out)) {
		addr_unmap(out, &v4);
		*out = v4;
	}
	return 0;
}

static int
parse_at(json_t *obj, bool *has, int64_t *at, char *why, size_t whylen)
{
	const char *s;
	char q[80];
	int rc;

	if ((rc = get_str(obj, "at", "2026-11-27T10:00:00Z", &s, why, whylen)) != 0)
		return rc;
	*has = s != NULL;
	if (s != NULL && time_parse_rfc3339(s, at) != 0)
		return bad(why, whylen, "bad \"at\" \"%s\" (want RFC 3339, e.g. "
		    "2026-11-27T10:00:00Z)", quote(s, q, sizeof(q)));
	return 0;
}

static int
parse_report(json_t *obj, struct jsonl_op *op, char *why, size_t whylen)
{
	struct report *r = &op->report;
	const char *code, *lifetime;
	struct in_addr in;
	json_t *force;
	char q[80];
	int rc;

	if ((rc = check_fields(obj, "report", report_fields, RB_ARRAY_LEN(report_fields),
	    why, whylen)) != 0 ||
	    (rc = get_str(obj, "reason", "accepted relay", &r->reason, why, whylen)) != 0 ||
	    (rc = get_str(obj, "source", "trap-7", &r->source, why, whylen)) != 0 ||
	    (rc = get_str(obj, "evidence", "Received: ...", &r->evidence, why, whylen)) != 0 ||
	    (rc = get_str(obj, "code", "127.0.0.2", &code, why, whylen)) != 0 ||
	    (rc = get_str(obj, "lifetime", "30d", &lifetime, why, whylen)) != 0 ||
	    (rc = parse_at(obj, &op->has_at, &r->at, why, whylen)) != 0)
		return rc;
	if (code != NULL) {
		/* Any dotted quad parses; the policy judges whether it is in 127/8. */
		if (inet_pton(AF_INET, code, &in) != 1)
			return bad(why, whylen, "bad \"code\" \"%s\" (want an address such as "
			    "127.0.0.2)", quote(code, q, sizeof(q)));
		r->code = ntohl(in.s_addr);
		/* 0 stands for "the zone's code" inside the store. */
		if (r->code == 0)
			return bad(why, whylen, "code 0.0.0.0 is outside 127.0.0.0/8");
	}
	op->has_lifetime = lifetime != NULL;
	if (lifetime != NULL && time_parse_duration(lifetime, &r->lifetime) != 0)
		return bad(why, whylen, "bad \"lifetime\" \"%s\" (want a duration such as "
		    "90s, 15m, 12h, 30d)", quote(lifetime, q, sizeof(q)));
	force = json_object_get(obj, "force");
	if (force != NULL && !json_is_null(force) && !json_is_boolean(force))
		return bad(why, whylen, "\"force\" must be true or false, not %s",
		    type_name(force));
	op->force = force != NULL && json_is_true(force);
	return 0;
}

static int
parse_delist(json_t *obj, struct jsonl_op *op, char *why, size_t whylen)
{
	struct delisting *d = &op->delist;
	int rc;

	if ((rc = check_fields(obj, "delist", delist_fields, RB_ARRAY_LEN(delist_fields),
	    why, whylen)) != 0 ||
	    (rc = get_str(obj, "reason", "relay closed", &d->reason, why, whylen)) != 0 ||
	    (rc = get_str(obj, "by", "postmaster@example.net", &d->by, why, whylen)) != 0 ||
	    (rc = parse_at(obj, &op->has_at, &d->at, why, whylen)) != 0)
		return rc;
	/* As `rbldb delist --reason` is required: the listed party is told why. */
	if (d->reason == NULL)
		return bad(why, whylen, "missing \"reason\" (a delisting says why)");
	return 0;
}

int
jsonl_parse(const char *line, size_t len, struct jsonl_op *op, char *why, size_t whylen)
{
	json_error_t err;
	const char *kind, *addr;
	struct addr *net = &op->report.net;
	char q[48], qe[JSON_ERROR_TEXT_LENGTH + 4];
	size_t i;
	int rc;

	memset(op, 0, sizeof(*op));
	for (i = 0; i < len && line[i] != '\0' && strchr(" \t\r\n", line[i]) != NULL; i++)
		;
	if (i == len)
		return JSONL_BLANK;
	/* One value per line: trailing text after the object is an error too. */
	op->root = json_loadb(line, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &err);
	if (op->root == NULL)
		return bad(why, whylen, "not JSON: %s (column %d)", quote(err.text, qe, sizeof(qe)),
		    err.column);
	if (!json_is_object(op->root)) {
		rc = bad(why, whylen, "not a JSON object but %s (one object per line)",
		    type_name(op->root));
		goto fail;
	}
	if ((rc = get_str(op->root, "op", "report", &kind, why, whylen)) != 0)
		goto fail;
	if (kind == NULL) {
		rc = bad(why, whylen, "missing \"op\" (\"report\" or \"delist\")");
		goto fail;
	}
	if (strcmp(kind, "report") == 0) {
		op->kind = JSONL_REPORT;
		rc = parse_report(op->root, op, why, whylen);
	} else if (strcmp(kind, "delist") == 0) {
		op->kind = JSONL_DELIST;
		net = &op->delist.net;
		rc = parse_delist(op->root, op, why, whylen);
	} else {
		rc = bad(why, whylen, "unknown op \"%s\" (want \"report\" or \"delist\")",
		    quote(kind, q, sizeof(q)));
	}
	if (rc != 0 ||
	    (rc = get_str(op->root, "zone", "relays.example.org", &op->zone, why, whylen)) != 0 ||
	    (rc = get_str(op->root, "addr", "192.0.2.5", &addr, why, whylen)) != 0)
		goto fail;
	if (addr == NULL) {
		rc = bad(why, whylen, "missing \"addr\"");
		goto fail;
	}
	if ((rc = parse_addr(addr, net, why, whylen)) != 0)
		goto fail;
	return 0;
fail:
	jsonl_op_fini(op);
	return rc;
}

void
jsonl_op_fini(struct jsonl_op *op)
{
	json_decref(op->root);
	op->root = NULL;
}
