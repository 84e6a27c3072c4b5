/* The keys of name-based and aggregate zones: kind, never-list-names, zones, answer. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf.h"
#include "conf_parse.h"
#include "name.h"

int
set_kind(struct conf_parse *p, const char *v)
{
	struct conf_zone *z = conf_parse_zone(p);

	if (z->kind == ZONE_KIND_AGGREGATE)
		return conf_fail(p, "kind is not for an [aggregate] (its members have kinds)");
	if (strcasecmp(v, "addresses") == 0)
		z->kind = ZONE_KIND_ADDRESSES;
	else if (strcasecmp(v, "names") == 0)
		z->kind = ZONE_KIND_NAMES;
	else
		return conf_fail(p, "kind '%s' is unknown (use addresses or names)", v);
	return 0;
}

int
set_never_names(struct conf_parse *p, const char *v)
{
	struct conf_zone *z = conf_parse_zone(p);
	char item[NAME_TEXTLEN], norm[NAME_TEXTLEN], **arr;
	const char *why = NULL;

	while (conf_next_item(&v, item, sizeof(item))) {
		if (name_normalize(item, strlen(z->name), norm, &why) != 0)
			return conf_fail(p, "never-list-names '%s' is not a name: %s", item, why);
		if ((arr = conf_push(z->never_names, z->nnever_names, sizeof(*arr))) == NULL ||
		    (z->never_names = arr, arr[z->nnever_names] = strdup(norm)) == NULL)
			return conf_fail(p, "out of memory");
		z->nnever_names++;
	}
	return 0;
}

int
set_members(struct conf_parse *p, const char *v)
{
	struct conf_zone *z = conf_parse_zone(p);
	char item[256], **arr;
	size_t n;

	if (z->kind != ZONE_KIND_AGGREGATE)
		return conf_fail(p, "zones is for an [aggregate NAME] section (list its member "
		    "zones there)");
	while (conf_next_item(&v, item, sizeof(item))) {
		n = strlen(item);
		if (n > 0 && item[n - 1] == '.')
			item[--n] = '\0';
		for (n = 0; item[n] != '\0'; n++)
			if (item[n] >= 'A' && item[n] <= 'Z')
				item[n] = (char)(item[n] + 32);
		if ((arr = conf_push(z->member_names, z->nmembers, sizeof(*arr))) == NULL ||
		    (z->member_names = arr, arr[z->nmembers] = strdup(item)) == NULL)
			return conf_fail(p, "out of memory");
		z->nmembers++;
	}
	return 0;
}

int
set_answer(struct conf_parse *p, const char *v)
{
	struct conf_zone *z = conf_parse_zone(p);

	if (z->kind != ZONE_KIND_AGGREGATE)
		return conf_fail(p, "answer is for an [aggregate NAME] section");
	if (strcasecmp(v, "each") == 0)
		z->answer = ZONE_ANSWER_EACH;
	else if (strcasecmp(v, "bitmask") == 0)
		z->answer = ZONE_ANSWER_BITMASK;
	else
		return conf_fail(p, "answer '%s' is unknown (use each or bitmask)", v);
	return 0;
}

/* One member of aggregate Z: a zone of the file that is not an aggregate. */
static int
resolve_member(struct conf_parse *p, struct conf_zone *z, size_t m)
{
	struct conf *c = conf_parse_conf(p);
	const struct conf_zone *o;
	size_t i, k;

	for (i = 0; i < c->nzones; i++)
		if (strcmp(c->zones[i].name, z->member_names[m]) == 0)
			break;
	if (i == c->nzones || c->zones[i].kind == ZONE_KIND_AGGREGATE)
		return conf_fail_at(p, NULL, z->line, "aggregate %s: member %s is not a [zone] "
		    "of this file (name its [zone NAME] sections)", z->name, z->member_names[m]);
	o = &c->zones[i];
	for (k = 0; k < m; k++) {
		const struct conf_zone *e = &c->zones[z->members[k]];

		if (z->members[k] == i)
			return conf_fail_at(p, NULL, z->line, "aggregate %s names %s twice",
			    z->name, o->name);
		/* RFC 5782 s2.3: the answer's codes tell the members apart. */
		if (e->code == o->code)
			return conf_fail_at(p, NULL, z->line, "aggregate %s: members %s and %s "
			    "both answer 127.%u.%u.%u (give each member its own code)", z->name,
			    e->name, o->name, (o->code >> 16) & 255, (o->code >> 8) & 255,
			    o->code & 255);
	}
	z->members[m] = i;
	return 0;
}

int
conf_kind_check(struct conf_parse *p, struct conf_zone *z)
{
	size_t m;

	if (z->kind != ZONE_KIND_AGGREGATE)
		return 0;
	if (z->nmembers == 0)
		return conf_fail_at(p, NULL, z->line, "aggregate %s has no members (add zones = "
		    "Z1, Z2)", z->name);
	if ((z->members = calloc(z->nmembers, sizeof(*z->members))) == NULL)
		return conf_fail(p, "out of memory");
	for (m = 0; m < z->nmembers; m++)
		if (resolve_member(p, z, m) != 0)
			return -1;
	return 0;
}

void
conf_kind_free(struct conf_zone *z)
{
	size_t i;

	for (i = 0; i < z->nnever_names; i++)
		free(z->never_names[i]);
	free(z->never_names);
	for (i = 0; i < z->nmembers; i++)
		free(z->member_names[i]);
	free(z->member_names);
	free(z->members);
}
