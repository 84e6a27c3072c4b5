/* rbldnsd data-file lines to entries, as rbldnsd(8) reads its IP datasets (see rbldnsd.h). */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rb.h"
#include "rbldnsd.h"
#include "rbldnsd_impl.h"
#include "store.h"

struct rbldnsd_parser {
	uint32_t def_code;	/* from the last :A:TXT line, 0 = none */
	char *def_text;		/* its TXT, NULL = none */
	char *vars[10];		/* $0..$9: the first definition wins, as in rbldnsd */
	char *base;		/* "$=": the base template, NULL = none */
	enum rbldnsd_dataset type;	/* the syntax of the current section */
	bool def_set;		/* a default line seen (the t-sets keep only the first) */
	bool accept_in_cidr;	/* rbldnsd -e: host bits set are cleared, not refused */
	uint64_t maxrange4;	/* addresses per IPv4 entry at most, 0 = no limit */
	bool skipping;		/* in a $DATASET section that is not ours */
	char *text;		/* rbldnsd_expand's result */
	size_t textcap;
	char *raw;		/* the current entry's raw TXT template */
	char note[160];
	bool dnset;		/* entries are names (rbldnsd_set_dnset) */
};

int
rbldnsd_fail(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return RB_ESYNTAX;
}

static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

static const char *
skip_space(const char *s)
{
	while (is_space(*s))
		s++;
	return s;
}

struct rbldnsd_parser *
rbldnsd_new(void)
{
	return calloc(1, sizeof(struct rbldnsd_parser));
}

void
rbldnsd_set_dataset(struct rbldnsd_parser *p, enum rbldnsd_dataset type)
{
	p->type = type;
}

void
rbldnsd_set_accept_in_cidr(struct rbldnsd_parser *p, bool on)
{
	p->accept_in_cidr = on;
}

int
rbldnsd_dataset_type(const char *name, size_t n, enum rbldnsd_dataset *type)
{
	static const struct { const char *name; enum rbldnsd_dataset type; } types[] = {
		{ "ip4set", RBLDNSD_IP4SET }, { "ip4tset", RBLDNSD_IP4TSET },
		{ "ip4trie", RBLDNSD_IP4TRIE }, { "ip6tset", RBLDNSD_IP6TSET },
		{ "ip6trie", RBLDNSD_IP6TRIE }, { "combined", RBLDNSD_ANY },
	};
	size_t i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strlen(types[i].name) == n && strncasecmp(name, types[i].name, n) == 0) {
			*type = types[i].type;
			return 0;
		}
	return -1;
}

void
rbldnsd_set_dnset(struct rbldnsd_parser *p)
{
	p->dnset = true;
}

void
rbldnsd_free(struct rbldnsd_parser *p)
{
	int i;

	if (p == NULL)
		return;
	for (i = 0; i < 10; i++)
		free(p->vars[i]);
	free(p->base);
	free(p->def_text);
	free(p->text);
	free(p->raw);
	free(p);
}

static char *
dup_n(const char *s, size_t n)
{
	char *d = malloc(n + 1);

	if (d != NULL) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

/* ---- Values ---- */

int
rbldnsd_parse_code(const char *s, size_t len, uint32_t *code)
{
	uint32_t part[4];
	unsigned n = 0, digits;
	size_t i = 0;

	/* rbldnsd reads A as inet_aton does, and a lone number N as 127.0.0.N. */
	while (i < len) {
		if (n == 4)
			return -1;
		for (part[n] = 0, digits = 0; i < len && rbldnsd_is_digit(s[i]); i++, digits++) {
			part[n] = part[n] * 10 + (uint32_t)(s[i] - '0');
			if (part[n] > 0xffffff)
				return -1;
		}
		if (digits == 0)
			return -1;
		n++;
		if (i < len && (s[i++] != '.' || i == len))
			return -1;
	}
	switch (n) {
	case 1:
		if (part[0] > 255)
			return -1;
		*code = 0x7f000000u | part[0];
		return 0;
	case 2:
		if (part[0] > 255 || part[1] > 0xffffff)
			return -1;
		*code = part[0] << 24 | part[1];
		return 0;
	case 3:
		if (part[0] > 255 || part[1] > 255 || part[2] > 0xffff)
			return -1;
		*code = part[0] << 24 | part[1] << 16 | part[2];
		return 0;
	case 4:
		if (part[0] > 255 || part[1] > 255 || part[2] > 255 || part[3] > 255)
			return -1;
		*code = part[0] << 24 | part[1] << 16 | part[2] << 8 | part[3];
		return 0;
	}
	return -1;
}

/*
 * V (trimmed, maybe empty) as a value, as rbldnsd reads one: ":A:TXT",
 * ":A:" (no TXT), ":A" (the default's TXT), "TXT", or nothing or a comment
 * (the default's A and TXT).  A ends at ':', a blank or the end, and 0 is
 * refused; after ":A" only blanks and a ':' may follow.  *TEXT is the raw
 * template (before "$n" and "$="), NULL for none.
 */
static int
parse_value(const struct rbldnsd_parser *p, const char *v, uint32_t *code, const char **text,
    size_t *textlen, char *err, size_t errlen)
{
	const char *e;

	*code = p->def_code != 0 ? p->def_code : RBLDNSD_DEFAULT_CODE;
	*text = p->def_text;
	*textlen = p->def_text != NULL ? strlen(p->def_text) : 0;
	if (*v == '\0' || *v == '#' || *v == ';')
		return 0;
	if (*v != ':') {
		*text = v;
		*textlen = strlen(v);
		return 0;
	}
	for (e = ++v; *e != '\0' && *e != ':' && !is_space(*e); e++)
		;
	/* rbldnsd refuses an A of 0 before it reads a lone N as 127.0.0.N. */
	if (rbldnsd_parse_code(v, (size_t)(e - v), code) != 0 || strspn(v, "0.") >= (size_t)(e - v))
		return rbldnsd_fail(err, errlen, "bad A value \"%.*s\" (want 127.0.0.N or N)",
		    (int)(e - v), v);
	e = skip_space(e);
	if (*e == ':') {
		*text = skip_space(e + 1);
		*textlen = strlen(*text);
	} else if (*e != '\0') {
		/* Not even a comment: rbldnsd refuses "ENTRY :A ; comment". */
		return rbldnsd_fail(err, errlen, "unrecognized value after the A (want :A:TXT, :A: or :A)");
	}
	return 0;
}

static int
append(struct rbldnsd_parser *p, size_t *n, const char *s, size_t len)
{
	char *t;
	size_t cap;

	if (*n + len + 1 > p->textcap) {
		cap = (*n + len + 1) * 2;
		if ((t = realloc(p->text, cap)) == NULL)
			return -ENOMEM;
		p->text = t;
		p->textcap = cap;
	}
	memcpy(p->text + *n, s, len);
	*n += len;
	p->text[*n] = '\0';
	return 0;
}

/* S as it is, in rbldb's text syntax: each '$' doubled. */
static int
append_literal(struct rbldnsd_parser *p, size_t *n, const char *s)
{
	int rc = 0;

	for (; *s != '\0' && rc == 0; s++)
		rc = append(p, n, *s == '$' ? "$$" : s, *s == '$' ? 2 : 1);
	return rc;
}

/*
 * The raw template RAW of an entry, expanded as rbldnsd expands it when it
 * answers, into rbldb's text syntax ('$' the address, "$$" a '$'): with a
 * base template ("$=") the base is expanded instead, its "$=" being the
 * entry's text as written (the address when it has none); a text starting
 * with '=' is used without the base.  "$n" is the first definition of $n
 * (anywhere in the file), or "$n" itself when there is none; "$=" without a
 * base is the entry's text; "$$" a '$'; any other '$' the address.
 */
int
rbldnsd_expand(struct rbldnsd_parser *p, const char *raw, const char **out, char *err,
    size_t errlen)
{
	const char *t = raw, *eq = raw;
	size_t n = 0;
	int rc;

	*out = NULL;
	if (raw == NULL || *raw == '\0') {
		if (p->base == NULL)
			return 0;
		t = p->base;
		eq = NULL;
	} else if (*raw == '=') {
		t = eq = raw + 1;
	} else if (p->base != NULL) {
		t = p->base;
	}
	if ((rc = append(p, &n, "", 0)) != 0)
		return rc;
	for (; *t != '\0' && rc == 0; t++) {
		if (*t != '$') {
			rc = append(p, &n, t, 1);
		} else if (t[1] == '$') {
			rc = append(p, &n, "$$", 2);
			t++;
		} else if (rbldnsd_is_digit(t[1])) {
			rc = p->vars[t[1] - '0'] != NULL ? append_literal(p, &n, p->vars[t[1] - '0']) :
			    append(p, &n, "$$", 2) || append(p, &n, t + 1, 1);
			t++;
		} else if (t[1] == '=') {
			rc = eq != NULL && *eq != '\0' ? append_literal(p, &n, eq) : append(p, &n, "$", 1);
			t++;
		} else {
			rc = append(p, &n, "$", 1);
		}
	}
	if (rc != 0)
		return -ENOMEM;
	if (n > STORE_MAX_TEXT)
		return rbldnsd_fail(err, errlen, "text longer than %d octets after expansion", STORE_MAX_TEXT);
	if (n > 0)
		*out = p->text;
	return 0;
}

/* ---- Lines ---- */

static bool
word_is(const char *w, size_t n, const char *kw)
{
	return strlen(kw) == n && strncasecmp(w, kw, n) == 0;
}

static bool
ip_dataset(const char *type, size_t n)
{
	static const char *types[] = { "ip4set", "ip4tset", "ip4trie", "ip6tset", "ip6trie" };
	size_t i;

	for (i = 0; i < RB_ARRAY_LEN(types); i++)
		if (word_is(type, n, types[i]))
			return true;
	return false;
}

/* "$DATASET type[:name] subzone...": read the IP sections of the zone itself ("@"). */
static int
dataset(struct rbldnsd_parser *p, const char *s, struct rbldnsd_line *out)
{
	const char *type = skip_space(s), *e = type, *colon;
	bool apex = false;
	size_t n;

	while (*e != '\0' && !is_space(*e))
		e++;
	colon = memchr(type, ':', (size_t)(e - type));
	n = (size_t)((colon != NULL ? colon : e) - type);
	for (s = skip_space(e); *s != '\0'; s = skip_space(s)) {
		if (s[0] == '@' && (s[1] == '\0' || is_space(s[1])))
			apex = true;
		while (*s != '\0' && !is_space(*s))
			s++;
	}
	/* Defaults belong to the section they are given in. */
	p->def_code = 0;
	free(p->def_text);
	p->def_text = NULL;
	p->skipping = !(apex && ip_dataset(type, n));
	p->def_set = false;
	if (!p->skipping)
		(void)rbldnsd_dataset_type(type, n, &p->type);
	if (p->skipping) {
		out->kind = RBLDNSD_NOTE;
		snprintf(p->note, sizeof(p->note), "section %.*s skipped: only the IP datasets of "
		    "the zone itself (\"@\") are imported", (int)(e - type), type);
		out->note = p->note;
	}
	return 0;
}

/* A line starting with '$' (or "#$", ";$", ":$"); S is past the '$'. */
static int
special(struct rbldnsd_parser *p, const char *s, bool lenient, struct rbldnsd_line *out,
    char *err, size_t errlen)
{
	const char *w = s, *arg;
	size_t n;
	unsigned plen;
	uint64_t count;
	char *c;

	while (*s != '\0' && !is_space(*s))
		s++;
	n = (size_t)(s - w);
	arg = skip_space(s);
	if (word_is(w, n, "DATASET"))
		return dataset(p, arg, out);
	if (p->skipping)
		return 0;
	if (word_is(w, n, "SOA") || word_is(w, n, "NS") || word_is(w, n, "TTL") ||
	    word_is(w, n, "TIMESTAMP")) {
		out->kind = RBLDNSD_NOTE;
		snprintf(p->note, sizeof(p->note), "$%.*s is not applied: %s", (int)n, w,
		    word_is(w, n, "TTL") ? "answers have the zone's ttl" :
		    word_is(w, n, "TIMESTAMP") ? "rbldb listings expire by their lifetime" :
		    "SOA and NS come from the zone's apex file");
		out->note = p->note;
		return 0;
	}
	if (word_is(w, n, "MAXRANGE4")) {
		if (*arg == '/') {
			if (rbldnsd_parse_plen(arg + 1, arg + strlen(arg), 32, &plen) != 0)
				return rbldnsd_fail(err, errlen, "bad $MAXRANGE4 %s", arg);
			count = 1ull << (32 - plen);
		} else {
			count = strtoull(arg, &c, 10);
			if (c == arg || *c != '\0' || count == 0)
				return rbldnsd_fail(err, errlen, "bad $MAXRANGE4 %s", arg);
		}
		/* It may lower the limit, never raise it. */
		if (p->maxrange4 == 0 || count < p->maxrange4)
			p->maxrange4 = count;
		return 0;
	}
	if (n == 1 && (rbldnsd_is_digit(*w) || *w == '=')) {
		char **var = *w == '=' ? &p->base : &p->vars[*w - '0'];

		if (*arg == '\0')
			return rbldnsd_fail(err, errlen, "$%c without a text", *w);
		/* The first definition wins, as in rbldnsd; a later one is ignored. */
		if (*var == NULL && (*var = dup_n(arg, strlen(arg))) == NULL)
			return -ENOMEM;
		return 0;
	}
	if (lenient)
		return 0;	/* "#$..." that is not ours is a comment */
	return rbldnsd_fail(err, errlen, "unknown special $%.*s", (int)n, w);
}

static bool
is_tset(const struct rbldnsd_parser *p)
{
	return p->type == RBLDNSD_IP4TSET || p->type == RBLDNSD_IP6TSET;
}

/*
 * Where an entry's address ends: at a blank, or for IPv4 at a ':' too
 * ("192.0.2.1:127.0.0.3:text").  In the IPv4 datasets every ':' ends it;
 * elsewhere only one after digits and dots with at least one dot, as an
 * IPv6 address never starts so.
 */
static const char *
address_end(const struct rbldnsd_parser *p, const char *s)
{
	const char *e, *c, *q;
	bool dot = false;

	for (e = s; *e != '\0' && !is_space(*e); e++)
		;
	if ((c = memchr(s, ':', (size_t)(e - s))) == NULL)
		return e;
	if (p->type == RBLDNSD_IP4SET || p->type == RBLDNSD_IP4TRIE || p->type == RBLDNSD_IP4TSET)
		return c;
	if (p->type != RBLDNSD_ANY)
		return e;
	for (q = s; q < c; q++) {
		if (*q == '.')
			dot = true;
		else if (!rbldnsd_is_digit(*q) && *q != '/' && *q != '-')
			return e;
	}
	return dot ? c : e;
}

static int entry_value(struct rbldnsd_parser *p, const char *s, struct rbldnsd_line *out,
    char *err, size_t errlen);

/* A dnset entry line (S past '!' and blanks): its names (rbldnsd_dnset.c) and value. */
static int
dnset_line(struct rbldnsd_parser *p, const char *s, struct rbldnsd_line *out, char *err,
    size_t errlen)
{
	const char *e;
	int rc;

	for (e = s; *e != '\0' && !is_space(*e); e++)
		;
	if (s == e)
		return rbldnsd_fail(err, errlen, "no name after '!'");
	if ((rc = rbldnsd_dnset_entry(s, e, out, err, errlen)) != 0)
		return rc;
	out->kind = RBLDNSD_ENTRIES;
	/* An exception's value is ignored, as rbldnsd ignores it. */
	return out->exception ? 0 : entry_value(p, skip_space(e), out, err, errlen);
}

/* An entry line (S past leading blanks, trimmed): its nets and value. */
static int
entry_line(struct rbldnsd_parser *p, const char *s, struct rbldnsd_line *out, char *err,
    size_t errlen)
{
	const char *e;
	uint64_t size = 1;
	bool v6;
	int rc;

	if ((out->exception = *s == '!'))
		s = skip_space(s + 1);
	if (out->exception && p->type == RBLDNSD_IP4TSET)
		return rbldnsd_fail(err, errlen, "ip4tset has no exclusions (use ip4set)");
	if (p->dnset)
		return dnset_line(p, s, out, err, errlen);
	e = address_end(p, s);
	v6 = memchr(s, ':', (size_t)(e - s)) != NULL;
	if (s == e)
		return rbldnsd_fail(err, errlen, "no address after '!'");
	if (v6 && (p->type == RBLDNSD_IP4SET || p->type == RBLDNSD_IP4TRIE ||
	    p->type == RBLDNSD_IP4TSET))
		return rbldnsd_fail(err, errlen, "an IPv6 address in an IPv4 dataset");
	if (!v6 && rbldnsd_is_digit(*s) && (p->type == RBLDNSD_IP6TSET || p->type == RBLDNSD_IP6TRIE))
		return rbldnsd_fail(err, errlen, "not an IPv6 address: \"%.*s\"", (int)(e - s), s);
	if (v6)
		rc = rbldnsd_parse_v6(s, e, p->type, p->accept_in_cidr, out, err, errlen);
	else if (rbldnsd_is_digit(*s))
		rc = rbldnsd_parse_v4(s, e, p->type, p->accept_in_cidr, out, &size, err, errlen);
	else
		rc = rbldnsd_fail(err, errlen, "not an address: \"%.*s\"", (int)(e - s), s);
	if (rc != 0)
		return rc;
	out->kind = RBLDNSD_ENTRIES;
	if (!v6 && p->maxrange4 != 0 && size > p->maxrange4) {
		out->kind = RBLDNSD_NOTE;
		snprintf(p->note, sizeof(p->note), "skipped, as rbldnsd skips it: %llu "
		    "addresses, more than $MAXRANGE4 %llu", (unsigned long long)size,
		    (unsigned long long)p->maxrange4);
		out->note = p->note;
		out->nnets = 0;
		return 0;
	}
	/* An exception's value is ignored, as rbldnsd ignores it; a t-set's too. */
	if (out->exception)
		return 0;
	return entry_value(p, is_tset(p) ? "" : skip_space(e), out, err, errlen);
}

/* The value V of an entry (":A:TXT", "A:TXT" or a TXT) into OUT. */
static int
entry_value(struct rbldnsd_parser *p, const char *v, struct rbldnsd_line *out, char *err,
    size_t errlen)
{
	const char *text;
	size_t textlen;
	int rc;

	rc = parse_value(p, v, &out->code, &text, &textlen, err, errlen);
	if (rc != 0 || text == NULL || textlen == 0)
		return rc;
	if (textlen > STORE_MAX_TEXT)
		return rbldnsd_fail(err, errlen, "text longer than %d octets", STORE_MAX_TEXT);
	free(p->raw);
	if ((p->raw = dup_n(text, textlen)) == NULL)
		return -ENOMEM;
	out->text = p->raw;
	return 0;
}

/* A default value line ":A:TXT". */
static int
defaults(struct rbldnsd_parser *p, const char *s, char *err, size_t errlen)
{
	const char *text;
	size_t len;
	uint32_t code;
	int rc;

	if ((rc = parse_value(p, s, &code, &text, &len, err, errlen)) != 0)
		return rc;
	/* ip4tset and ip6tset keep the first default line only. */
	if (is_tset(p) && p->def_set)
		return 0;
	p->def_set = true;
	if (strchr(s + 1, ':') == NULL) {
		/* ":A" alone: no TXT from now on, as rbldnsd reads it. */
		text = NULL;
		len = 0;
	}
	p->def_code = code;
	free(p->def_text);
	p->def_text = NULL;
	if (text != NULL && len > 0 && (p->def_text = dup_n(text, len)) == NULL)
		return -ENOMEM;
	return 0;
}

int
rbldnsd_parse(struct rbldnsd_parser *p, const char *line, struct rbldnsd_line *out,
    char *err, size_t errlen)
{
	char *buf = NULL;
	const char *s;
	size_t len;
	int rc;

	out->kind = RBLDNSD_NOTHING;
	out->nnets = 0;
	out->nnames = 0;
	out->exception = false;
	out->code = 0;
	out->text = NULL;
	out->note = NULL;
	/* A copy without the line end and trailing blanks. */
	len = strlen(line);
	while (len > 0 && is_space(line[len - 1]))
		len--;
	if ((buf = dup_n(line, len)) == NULL)
		return -ENOMEM;
	s = skip_space(buf);
	rc = 0;

	if (*s == '$')
		rc = special(p, s + 1, false, out, err, errlen);
	else if ((*s == '#' || *s == ';' || *s == ':') && s[1] == '$')
		rc = special(p, s + 2, *s != ':', out, err, errlen);
	else if (*s == '\0' || *s == '#' || *s == ';' || p->skipping)
		rc = 0;
	else if (*s == ':' && s[1] != ':')	/* "::1" is an IPv6 entry */
		rc = defaults(p, s, err, errlen);
	else
		rc = entry_line(p, s, out, err, errlen);
	if (rc != 0)
		out->nnets = 0;
	free(buf);
	return rc;
}
