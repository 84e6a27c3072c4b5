/* Parsing of configuration values shared by every section's setters (conf_parse.h). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "conf_parse.h"

void *
conf_push(void *arr, size_t n, size_t size)
{
	char *a = realloc(arr, (n + 1) * size);

	if (a != NULL)
		memset(a + n * size, 0, size);
	return a;
}

char *
conf_resolve_path(const struct conf *c, const char *path)
{
	char *s;

	if (path[0] == '/' || strcmp(c->dir, ".") == 0)
		return strdup(path);
	if (asprintf(&s, "%s/%s", c->dir, path) < 0)
		return NULL;
	return s;
}

bool
conf_next_item(const char **s, char *buf, size_t len)
{
	const char *p = *s;
	size_t n = 0;

	while (*p != '\0' && (isspace((unsigned char)*p) || *p == ','))
		p++;
	if (*p == '\0')
		return false;
	while (*p != '\0' && !isspace((unsigned char)*p) && *p != ',') {
		if (n + 1 < len)
			buf[n++] = *p;
		p++;
	}
	buf[n] = '\0';
	*s = p;
	return true;
}

/*
 * Zone names are kept lower case without the trailing dot.  Returns false
 * when IN is not a domain name (or is the root).
 */
bool
conf_norm_zone_name(const char *in, char *out, size_t len)
{
	size_t n = strlen(in), i;
	ldns_rdf *d;

	if (n > 0 && in[n - 1] == '.')
		n--;
	if (n == 0 || n >= len || n > 253)
		return false;
	for (i = 0; i < n; i++) {
		if (isspace((unsigned char)in[i]) || in[i] == '\\')
			return false;
		out[i] = (char)tolower((unsigned char)in[i]);
	}
	out[n] = '\0';
	if ((d = ldns_dname_new_frm_str(out)) == NULL)
		return false;
	ldns_rdf_deep_free(d);
	/* ldns takes "a..b"; an empty label is no name (RFC 1035 s3.1). */
	return strstr(out, "..") == NULL && out[0] != '.';
}

bool
conf_norm_key_name(const char *in, char *out, size_t len)
{
	size_t n;

	if (!conf_norm_zone_name(in, out, len - 1))
		return false;
	n = strlen(out);
	out[n] = '.';
	out[n + 1] = '\0';
	return true;
}

bool
conf_parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	if (!isdigit((unsigned char)s[0]))
		return false;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > max)
		return false;
	*out = v;
	return true;
}
