/* One JSON Lines batch line into a report or delisting: syntax only, no store, no clock. */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonl.h"
#include "rb.h"
#include "timeutil.h"

enum field {
	F_OP, F_ADDR, F_ZONE, F_REASON, F_CODE, F_SOURCE, F_EVIDENCE, F_AT, F_LIFETIME,
	F_FORCE, F_BY, F_UNKNOWN
};
static const char *const field_names[F_UNKNOWN] = {
	"op", "addr", "zone", "reason", "code", "source", "evidence", "at", "lifetime",
	"force", "by",
};
/* The fields each op takes; "by" belongs to delistings only, as on the command line. */
static const enum field report_fields[] = {
	F_OP, F_ADDR, F_ZONE, F_REASON, F_CODE, F_SOURCE, F_EVIDENCE, F_AT, F_LIFETIME, F_FORCE,
};
static const enum field delist_fields[] = {
	F_OP, F_ADDR, F_ZONE, F_REASON, F_BY, F_AT,
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

/*
 * A line's object as the fields below read it: its members in order, each
 * a string, true, false or null, or another type named in messages.  A
 * line with more members than MAX_MEMBERS goes to jansson (plain_object),
 * and of jansson's objects at most 12 members are kept (tree_object).
 */
#define MAX_MEMBERS 16
enum vtype { V_NULL, V_STRING, V_TRUE, V_FALSE, V_NUMBER, V_ARRAY, V_OBJECT };
struct member {
	const char *key;
	const char *str;	/* V_STRING */
	enum vtype type;
	enum field field;
};
struct object {
	struct member m[MAX_MEMBERS];
	size_t n;
	const struct member *f[F_UNKNOWN];	/* by field; NULL when absent */
};

static const char *
type_name(enum vtype t)
{
	switch (t) {
	case V_OBJECT: return "an object";
	case V_ARRAY: return "an array";
	case V_STRING: return "a string";
	case V_NUMBER: return "a number";
	case V_TRUE:
	case V_FALSE: return "a boolean";
	default: return "null";
	}
}

static enum vtype
json_vtype(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return V_OBJECT;
	case JSON_ARRAY: return V_ARRAY;
	case JSON_STRING: return V_STRING;
	case JSON_INTEGER:
	case JSON_REAL: return V_NUMBER;
	case JSON_TRUE: return V_TRUE;
	case JSON_FALSE: return V_FALSE;
	default: return V_NULL;
	}
}

/* The field KEY names, F_UNKNOWN for none; the first octet spares most strcmp calls. */
static enum field
field_of(const char *key)
{
	unsigned f;

	for (f = 0; f < F_UNKNOWN; f++)
		if (key[0] == field_names[f][0] && strcmp(key, field_names[f]) == 0)
			break;
	return (enum field)f;
}

/* Index the members by field, once, so fields are then found without comparisons. */
static void
index_fields(struct object *o)
{
	size_t i;

	memset(o->f, 0, sizeof(o->f));
	for (i = 0; i < o->n; i++)
		if (o->m[i].field != F_UNKNOWN)
			o->f[o->m[i].field] = &o->m[i];
}

/* A string field: *out = NULL when absent or null. */
static int
get_str(const struct object *o, enum field f, const char *example, const char **out,
    char *why, size_t whylen)
{
	const struct member *v = o->f[f];

	*out = NULL;
	if (v == NULL || v->type == V_NULL)
		return 0;
	if (v->type != V_STRING)
		return bad(why, whylen, "\"%s\" must be a string such as \"%s\", not %s",
		    field_names[f], example, type_name(v->type));
	*out = v->str;
	return 0;
}

static bool
allowed(enum field f, const enum field *fields, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (f == fields[i])
			return true;
	return false;
}

static int
check_fields(const struct object *o, const char *op, const enum field *fields, size_t n,
    char *why, size_t whylen)
{
	char list[256], q[48];
	size_t i, j, len = 0;

	for (j = 0; j < o->n; j++) {
		if (allowed(o->m[j].field, fields, n))
			continue;
		list[0] = '\0';
		for (i = 0; i < n && len < sizeof(list); i++)
			len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s",
			    i ? ", " : "", field_names[fields[i]]);
		return bad(why, whylen, "unknown field \"%s\" for op %s (fields: %s)",
		    quote(o->m[j].key, q, sizeof(q)), op, list);
	}
	return 0;
}

/* White space as JSON has it (RFC 8259 s2). */
static const char *
skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
		p++;
	return p;
}

/*
 * A string without escapes, of ASCII from space to DEL: its first octet, and its
 * closing quote in *CLOSE.  NULL for anything else.
 */
static char *
plain_string(char *p, const char *end, char **close)
{
	static bool plain[256], ready;	/* octets a plain string runs on */
	unsigned c;
	char *s;

	if (!ready) {
		for (c = 0x20; c <= 0x7f; c++)
			plain[c] = c != '"' && c != '\\';
		ready = true;
	}
	if (p == end || *p != '"')
		return NULL;
	for (s = ++p; p < end && plain[(unsigned char)*p]; p++)
		;
	if (p == end || *p != '"')
		return NULL;
	*close = p;
	return s;
}

/*
 * The fast path for what feeds write: a flat object of plain strings,
 * true, false and null, as in SPEC's examples.  Parses the LEN octets of
 * LINE into *O, ending its strings with NULs in place; false, with LINE
 * untouched, for anything else (escapes, non-ASCII, numbers, nesting,
 * duplicate keys, errors), which jansson then parses and judges, so both
 * paths accept and refuse the same lines.
 */
static bool
plain_object(char *line, size_t len, struct object *o)
{
	char *p = line, *end = line + len, *close[2 * MAX_MEMBERS];
	size_t klen[MAX_MEMBERS], nclose = 0, i;
	struct member *m;

	o->n = 0;
	p = (char *)skip_ws(p, end);
	if (p == end || *p++ != '{')
		return false;
	p = (char *)skip_ws(p, end);
	if (p < end && *p == '}')
		p++;
	else
		for (;;) {
			if (o->n == MAX_MEMBERS)
				return false;
			m = &o->m[o->n];
			if ((m->key = plain_string(p, end, &close[nclose])) == NULL)
				return false;
			klen[o->n] = (size_t)(close[nclose] - m->key);
			for (i = 0; i < o->n; i++)
				if (klen[i] == klen[o->n] && memcmp(o->m[i].key, m->key, klen[i]) == 0)
					return false;
			p = (char *)skip_ws(close[nclose++] + 1, end);
			if (p == end || *p++ != ':')
				return false;
			p = (char *)skip_ws(p, end);
			if ((m->str = plain_string(p, end, &close[nclose])) != NULL)
				m->type = V_STRING, p = close[nclose++] + 1;
			else if (end - p >= 4 && memcmp(p, "true", 4) == 0)
				m->type = V_TRUE, p += 4;
			else if (end - p >= 5 && memcmp(p, "false", 5) == 0)
				m->type = V_FALSE, p += 5;
			else if (end - p >= 4 && memcmp(p, "null", 4) == 0)
				m->type = V_NULL, p += 4;
			else
				return false;
			o->n++;
			p = (char *)skip_ws(p, end);
			if (p < end && *p == ',') {
				p = (char *)skip_ws(p + 1, end);
				continue;
			}
			if (p == end || *p++ != '}')
				return false;
			break;
		}
	if (skip_ws(p, end) != end)
		return false;
	for (i = 0; i < nclose; i++)
		*close[i] = '\0';
	for (i = 0; i < o->n; i++)
		o->m[i].field = field_of(o->m[i].key);
	return true;
}

/*
 * Jansson's object as members; keys and strings point into the tree.  Of
 * the unknown fields only the first is kept, for its message: the members
 * kept are then at most the 11 fields and one more.
 */
static void
tree_object(json_t *root, struct object *o)
{
	const char *key;
	bool unknown = false;
	enum field f;
	json_t *v;

	o->n = 0;
	json_object_foreach(root, key, v) {
		if ((f = field_of(key)) == F_UNKNOWN && unknown)
			continue;
		unknown = unknown || f == F_UNKNOWN;
		o->m[o->n].field = f;
		o->m[o->n].key = key;
		o->m[o->n].type = json_vtype(v);
		o->m[o->n].str = json_is_string(v) ? json_string_value(v) : NULL;
		o->n++;
	}
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

static struct {
	char text[40];
	int64_t t;
} last_at;

static int
parse_at(const struct object *obj, bool *has, int64_t *at, char *why, size_t whylen)
{
	const char *s;
	char q[80];
	int rc;

	if ((rc = get_str(obj, F_AT, "2026-11-27T10:00:00Z", &s, why, whylen)) != 0)
		return rc;
	*has = s != NULL;
	if (s == NULL)
		return 0;
	/* Feeds stamp runs of lines with one time: the last one parsed is kept. */
	if (s[0] != '\0' && strcmp(s, last_at.text) == 0) {
		*at = last_at.t;
		return 0;
	}
	if (time_parse_rfc3339(s, at) != 0)
		return bad(why, whylen, "bad \"at\" \"%s\" (want RFC 3339, e.g. "
		    "2026-11-27T10:00:00Z)", quote(s, q, sizeof(q)));
	if (strlen(s) < sizeof(last_at.text)) {
		strcpy(last_at.text, s);
		last_at.t = *at;
	}
	return 0;
}

static int
parse_report(const struct object *obj, struct jsonl_op *op, char *why, size_t whylen)
{
	struct report *r = &op->report;
	const struct member *force;
	const char *code, *lifetime;
	struct in_addr in;
	char q[80];
	int rc;

	if ((rc = check_fields(obj, "report", report_fields, RB_ARRAY_LEN(report_fields),
	    why, whylen)) != 0 ||
	    (rc = get_str(obj, F_REASON, "accepted relay", &r->reason, why, whylen)) != 0 ||
	    (rc = get_str(obj, F_SOURCE, "trap-7", &r->source, why, whylen)) != 0 ||
	    (rc = get_str(obj, F_EVIDENCE, "Received: ...", &r->evidence, why, whylen)) != 0 ||
	    (rc = get_str(obj, F_CODE, "127.0.0.2", &code, why, whylen)) != 0 ||
	    (rc = get_str(obj, F_LIFETIME, "30d", &lifetime, why, whylen)) != 0 ||
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
	force = obj->f[F_FORCE];
	if (force != NULL && force->type != V_NULL && force->type != V_TRUE &&
	    force->type != V_FALSE)
		return bad(why, whylen, "\"force\" must be true or false, not %s",
		    type_name(force->type));
	op->force = force != NULL && force->type == V_TRUE;
	return 0;
}

static int
parse_delist(const struct object *obj, struct jsonl_op *op, char *why, size_t whylen)
{
	struct delisting *d = &op->delist;
	int rc;

	if ((rc = check_fields(obj, "delist", delist_fields, RB_ARRAY_LEN(delist_fields),
	    why, whylen)) != 0 ||
	    (rc = get_str(obj, F_REASON, "relay closed", &d->reason, why, whylen)) != 0 ||
	    (rc = get_str(obj, F_BY, "postmaster@example.net", &d->by, why, whylen)) != 0 ||
	    (rc = parse_at(obj, &op->has_at, &d->at, why, whylen)) != 0)
		return rc;
	/* As `rbldb delist --reason` is required: the listed party is told why. */
	if (d->reason == NULL)
		return bad(why, whylen, "missing \"reason\" (a delisting says why)");
	return 0;
}

int
jsonl_parse_in(char *line, size_t len, struct jsonl_op *op, char *why, size_t whylen)
{
	json_error_t err;
	json_t *tree;
	struct object obj;
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
	if (!plain_object(line, len, &obj)) {
		/* One value per line: trailing text after the object is an error too. */
		tree = json_loadb(line, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &err);
		if (tree == NULL)
			return bad(why, whylen, "not JSON: %s (column %d)",
			    quote(err.text, qe, sizeof(qe)), err.column);
		op->root = tree;
		op->tree = true;
		if (!json_is_object(tree)) {
			rc = bad(why, whylen, "not a JSON object but %s (one object per line)",
			    type_name(json_vtype(tree)));
			goto fail;
		}
		tree_object(tree, &obj);
	}
	index_fields(&obj);
	if ((rc = get_str(&obj, F_OP, "report", &kind, why, whylen)) != 0)
		goto fail;
	if (kind == NULL) {
		rc = bad(why, whylen, "missing \"op\" (\"report\" or \"delist\")");
		goto fail;
	}
	if (strcmp(kind, "report") == 0) {
		op->kind = JSONL_REPORT;
		rc = parse_report(&obj, op, why, whylen);
	} else if (strcmp(kind, "delist") == 0) {
		op->kind = JSONL_DELIST;
		net = &op->delist.net;
		rc = parse_delist(&obj, op, why, whylen);
	} else {
		rc = bad(why, whylen, "unknown op \"%s\" (want \"report\" or \"delist\")",
		    quote(kind, q, sizeof(q)));
	}
	if (rc != 0 ||
	    (rc = get_str(&obj, F_ZONE, "relays.example.org", &op->zone, why, whylen)) != 0 ||
	    (rc = get_str(&obj, F_ADDR, "192.0.2.5", &addr, why, whylen)) != 0)
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

int
jsonl_parse(const char *line, size_t len, struct jsonl_op *op, char *why, size_t whylen)
{
	char *copy;
	int rc;

	/* Plain lines are parsed in a copy, which the strings then point into. */
	if ((copy = malloc(len + 1)) == NULL) {
		memset(op, 0, sizeof(*op));
		return bad(why, whylen, "out of memory");
	}
	memcpy(copy, line, len);
	copy[len] = '\0';
	rc = jsonl_parse_in(copy, len, op, why, whylen);
	if (rc == 0 && op->root == NULL)
		op->root = copy;
	else
		free(copy);
	return rc;
}

void
jsonl_op_fini(struct jsonl_op *op)
{
	if (op->tree)
		json_decref(op->root);
	else
		free(op->root);
	op->root = NULL;
	op->tree = false;
}
