/* One JSON Lines batch line into a report or delisting: syntax only, no store, no clock. */
#include <arpa/inet.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* jsmn is header-only: its functions are compiled here, static; strict as RFC 8259 is. */
#define JSMN_STATIC
#define JSMN_STRICT
#include <jsmn.h>

#include "jsonl.h"
#include "rb.h"
#include "timeutil.h"

enum field {
	F_OP, F_ADDR, F_ZONE, F_REASON, F_CODE, F_SOURCE, F_EVIDENCE, F_AT, F_LIFETIME,
	F_FORCE, F_BY, F_NAME, F_UNKNOWN
};
static const char *const field_names[F_UNKNOWN] = {
	"op", "addr", "zone", "reason", "code", "source", "evidence", "at", "lifetime",
	"force", "by", "name",
};
/* The fields each op takes; "by" belongs to delistings only, as on the command line. */
static const enum field report_fields[] = {
	F_OP, F_ADDR, F_ZONE, F_REASON, F_CODE, F_SOURCE, F_EVIDENCE, F_AT, F_LIFETIME, F_FORCE,
	F_NAME,
};
static const enum field delist_fields[] = {
	F_OP, F_ADDR, F_ZONE, F_REASON, F_BY, F_AT, F_FORCE, F_NAME,
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
static bool
is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/*
 * Whether LINE[FROM, TO) is white space around exactly the one octet SEP, or
 * only white space when SEP is NUL.  jsmn 1.1.0 does not check the commas
 * and colons between tokens ({"a"::"b",} gives the tokens of {"a":"b"}), so
 * the fast path checks every gap itself.
 */
static bool
gap_is(const char *line, int from, int to, char sep)
{
	bool seen = sep == '\0';

	for (; from < to; from++) {
		if (is_ws(line[from]))
			continue;
		if (seen || line[from] != sep)
			return false;
		seen = true;
	}
	return seen;
}

/* A string token without escapes, of ASCII from space to DEL. */
static bool
plain_string(const char *line, const jsmntok_t *t)
{
	int i;

	if (t->type != JSMN_STRING)
		return false;
	for (i = t->start; i < t->end; i++)
		if ((unsigned char)line[i] < 0x20 || (unsigned char)line[i] > 0x7f ||
		    line[i] == '\\')
			return false;
	return true;
}

/* Token T is the primitive WORD (true, false, null), exactly. */
static bool
is_word(const char *line, const jsmntok_t *t, const char *word)
{
	size_t n = strlen(word);

	return t->type == JSMN_PRIMITIVE && (size_t)(t->end - t->start) == n &&
	    memcmp(line + t->start, word, n) == 0;
}

/* Where token T's text begins and ends in the line: a string's quotes are outside it. */
static int
tok_begin(const jsmntok_t *t)
{
	return t->type == JSMN_STRING ? t->start - 1 : t->start;
}

static int
tok_end(const jsmntok_t *t)
{
	return t->type == JSMN_STRING ? t->end + 1 : t->end;
}

/*
 * The fast path for what feeds write: a flat object of plain strings,
 * true, false and null, as in SPEC's examples.  jsmn tokenises the LEN
 * octets of LINE; each token and each gap between tokens is then checked,
 * and the strings are ended with NULs in place into *O.  False, with LINE
 * untouched, for anything else (escapes, non-ASCII, numbers, nesting,
 * duplicate keys, errors, and whatever jsmn takes that JSON does not),
 * which jansson then parses and judges, so both paths accept and refuse
 * the same lines.
 */
static bool
plain_object(char *line, size_t len, struct object *o)
{
	jsmntok_t tok[1 + 2 * MAX_MEMBERS], *k, *v;
	size_t klen[MAX_MEMBERS], i, j;
	jsmn_parser parser;
	int n, at;

	o->n = 0;
	if (len >= INT_MAX)
		return false;
	jsmn_init(&parser);
	n = jsmn_parse(&parser, line, len, tok, RB_ARRAY_LEN(tok));
	/* One object, its members and nothing else; jsmn stops early at a NUL. */
	if (n < 1 || tok[0].type != JSMN_OBJECT || tok[0].size > MAX_MEMBERS ||
	    n != 1 + 2 * tok[0].size || !gap_is(line, 0, tok[0].start, '\0') ||
	    !gap_is(line, tok[0].end, (int)len, '\0'))
		return false;
	at = tok[0].start + 1;
	for (i = 0; i < (size_t)tok[0].size; i++) {
		k = &tok[1 + 2 * i];
		v = k + 1;
		/* A key has its value as its one child; a value has none. */
		if (!plain_string(line, k) || k->size != 1 || v->size != 0 ||
		    !gap_is(line, at, tok_begin(k), i > 0 ? ',' : '\0') ||
		    !gap_is(line, tok_end(k), tok_begin(v), ':'))
			return false;
		o->m[i].key = line + k->start;
		klen[i] = (size_t)(k->end - k->start);
		for (j = 0; j < i; j++)
			if (klen[j] == klen[i] && memcmp(o->m[j].key, o->m[i].key, klen[i]) == 0)
				return false;
		o->m[i].str = NULL;
		if (plain_string(line, v))
			o->m[i].type = V_STRING, o->m[i].str = line + v->start;
		else if (is_word(line, v, "true"))
			o->m[i].type = V_TRUE;
		else if (is_word(line, v, "false"))
			o->m[i].type = V_FALSE;
		else if (is_word(line, v, "null"))
			o->m[i].type = V_NULL;
		else
			return false;
		at = tok_end(v);
	}
	if (!gap_is(line, at, tok[0].end - 1, '\0'))
		return false;
	for (i = 1; i < (size_t)n; i++)
		if (tok[i].type == JSMN_STRING)
			line[tok[i].end] = '\0';
	o->n = (size_t)tok[0].size;
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

/* "force": true lets a report list, or a delisting remove, more than max-range. */
static int
get_force(const struct object *obj, struct jsonl_op *op, char *why, size_t whylen)
{
	const struct member *force = obj->f[F_FORCE];

	if (force != NULL && force->type != V_NULL && force->type != V_TRUE &&
	    force->type != V_FALSE)
		return bad(why, whylen, "\"force\" must be true or false, not %s",
		    type_name(force->type));
	op->force = force != NULL && force->type == V_TRUE;
	return 0;
}

static int
parse_report(const struct object *obj, struct jsonl_op *op, char *why, size_t whylen)
{
	struct report *r = &op->report;
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
	return get_force(obj, op, why, whylen);
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
	return get_force(obj, op, why, whylen);
}

int
jsonl_parse_in(char *line, size_t len, struct jsonl_op *op, char *why, size_t whylen)
{
	json_error_t err;
	json_t *tree;
	struct object obj;
	const char *kind, *addr, *name;
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
	if ((rc = get_str(&obj, F_NAME, "example.com", &name, why, whylen)) != 0)
		goto fail;
	if (addr != NULL && name != NULL) {
		rc = bad(why, whylen, "both \"addr\" and \"name\" (give one: an address, or a "
		    "name for a zone of kind = names)");
		goto fail;
	}
	if (name != NULL) {
		/* Checked against its zone by the caller (loader_name). */
		*(op->kind == JSONL_REPORT ? &op->report.name : &op->delist.name) = name;
		return 0;
	}
	if (addr == NULL) {
		rc = bad(why, whylen, "missing \"addr\" (or \"name\")");
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
