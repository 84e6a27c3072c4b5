/*
 * rbldnsd's acl dataset in rbldnsd mode (compat.c): its lines become the
 * zone's query access rules (`acl =` of rbldb.conf(5)), which the front
 * door applies per client before any lookup.  rbldnsd's actions map one to
 * one: :ignore drop, :refuse refuse, :pass allow, an A:TXT template answer;
 * :empty (no data for every name) has no rule of its own in rbldb and is
 * served as refuse, said once per file (README "Replacing rbldnsd").
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "compat.h"
#include "log.h"

enum acl_act { ACT_DROP, ACT_REFUSE, ACT_ALLOW, ACT_ANSWER, ACT_EMPTY };

struct acl_value {
	enum acl_act act;
	char code[16];		/* ACT_ANSWER: 127.X.Y.Z */
	char text[256];		/* ACT_ANSWER: the TXT, '"' made '\'' */
};

/* ":action", ":A:TXT", ":A" or "TXT" after an entry (or alone: the file's default). */
static int
parse_value(const char *s, struct acl_value *v)
{
	static const struct { const char *w; enum acl_act act; } words[] = {
		{ "ignore", ACT_DROP }, { "refuse", ACT_REFUSE }, { "pass", ACT_ALLOW },
		{ "empty", ACT_EMPTY },
	};
	const char *a, *e;
	size_t i, n;
	char *q;

	memset(v, 0, sizeof(*v));
	v->act = ACT_ANSWER;
	snprintf(v->code, sizeof(v->code), "127.0.0.2");
	if (*s != ':') {
		snprintf(v->text, sizeof(v->text), "%s", s);
		goto quote;
	}
	a = s + 1;
	n = strcspn(a, ": \t");
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strlen(words[i].w) == n && strncasecmp(a, words[i].w, n) == 0) {
			v->act = words[i].act;
			return 0;
		}
	/* An A value: 127.X.Y.Z, or a number N for 127.0.0.N. */
	if (n == 0)
		return -1;
	if (memchr(a, '.', n) != NULL)
		snprintf(v->code, sizeof(v->code), "%.*s", (int)n, a);
	else if (strspn(a, "0123456789") == n && n <= 3 && atoi(a) > 0 && atoi(a) < 256)
		snprintf(v->code, sizeof(v->code), "127.0.0.%d", atoi(a));
	else
		return -1;
	if (strncmp(v->code, "127.", 4) != 0)
		return -1;
	e = a + n;
	if (*e == ':')
		snprintf(v->text, sizeof(v->text), "%s", e + 1);
quote:
	for (q = v->text; *q != '\0'; q++)
		if (*q == '"' || *q == '\\')
			*q = '\'';
	return 0;
}

/*
 * rbldnsd's `$` in an acl text is the client's address: written out for a
 * single client, left as `$` for a range (the rule's text is fixed).
 */
static void
write_rule(FILE *conf, const char *net, bool host, const struct acl_value *v)
{
	static const char *const names[] = { "drop", "refuse", "allow", "answer", "refuse" };
	const char *t;

	if (v->act == ACT_ANSWER) {
		fprintf(conf, "acl = %s answer %s \"", net, v->code);
		for (t = v->text; *t != '\0'; t++)
			if (*t == '$' && host)
				fprintf(conf, "%.*s", (int)strcspn(net, "/"), net);
			else
				fputc(*t, conf);
		fputs("\"\n", conf);
	} else
		fprintf(conf, "acl = %s %s\n", net, names[v->act]);
}

/* One line of the file; 1 when it made a rule. */
struct acl_file {
	const char *path;
	struct acl_value def;
	bool empty_said;
	struct compat_acl_seen *seen;
};

/* Has NET a rule already (the configuration takes one per range)? Noted when not. */
static bool
seen_before(struct compat_acl_seen *seen, const struct addr *net)
{
	struct addr *p;
	size_t i;

	for (i = 0; i < seen->n; i++)
		if (memcmp(&seen->v[i], net, sizeof(*net)) == 0)
			return true;
	if (seen->n == seen->cap) {
		seen->cap = seen->cap ? seen->cap * 2 : 64;
		if ((p = realloc(seen->v, seen->cap * sizeof(*p))) == NULL)
			return true;	/* out of memory: the rule is left out */
		seen->v = p;
	}
	seen->v[seen->n++] = *net;
	return false;
}

static int
acl_line(FILE *conf, struct acl_file *af, unsigned ln, char *line)
{
	const char *path = af->path;
	struct acl_value *def = &af->def;
	struct acl_value v;
	struct addr net;
	const char *why = NULL;
	char *s = line, *val, txt[ADDR_STRLEN];
	bool pass = false;

	line[strcspn(line, "\r\n")] = '\0';
	while (isspace((unsigned char)*s))
		s++;
	if (*s == '\0' || *s == '#' || *s == ';' || *s == '$')
		return 0;
	if (*s == ':') {
		if (parse_value(s, def) != 0)
			log_warnx("%s:%u: warning: unrecognized acl action (skipped)", path, ln);
		return 0;
	}
	if (*s == '!') {	/* an exclusion: served as usual */
		pass = true;
		s++;
	}
	val = s + strcspn(s, " \t");
	if (*val != '\0')
		*val++ = '\0';
	while (isspace((unsigned char)*val))
		val++;
	if (addr_parse_cidr(s, &net, &why) != 0) {
		log_warnx("%s:%u: warning: %s: %s (skipped)", path, ln, s, why ? why : "bad address");
		return 0;
	}
	if (pass)
		v.act = ACT_ALLOW;
	else if (*val == '\0')
		v = *def;
	else if (parse_value(val, &v) != 0) {
		log_warnx("%s:%u: warning: unrecognized acl action '%s' (skipped)", path, ln, val);
		return 0;
	}
	if (seen_before(af->seen, &net)) {
		log_warnx("%s:%u: warning: %s has a rule already: the first is kept", path, ln, s);
		return 0;
	}
	if (v.act == ACT_EMPTY && !af->empty_said) {
		log_warnx("%s:%u: warning: :empty is served as :refuse (rbldb's query rules have "
		    "no empty answer; a resolver takes either as not listed)", path, ln);
		af->empty_said = true;
	}
	write_rule(conf, addr_format(&net, txt, sizeof(txt)), addr_is_host(&net), &v);
	return 1;
}

int
compat_acl_write(FILE *conf, const char *path, struct compat_acl_seen *seen)
{
	/* rbldnsd's default action: ignore. */
	struct acl_file af = { path, { ACT_DROP, "", "" }, false, seen };
	char *line = NULL;
	size_t cap = 0;
	unsigned ln = 0;
	int n = 0;
	FILE *f;

	if ((f = fopen(path, "r")) == NULL) {
		log_warnx("%s: cannot read the acl file", path);
		return -1;
	}
	fprintf(conf, "; rbldnsd acl %s\n", path);
	while (getline(&line, &cap, f) >= 0)
		n += acl_line(conf, &af, ++ln, line);
	free(line);
	fclose(f);
	return n;
}
