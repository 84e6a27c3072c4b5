/* The drop-in's apex files: rbldnsd's $SOA and $NS of a zone's data files as its SOA and NS. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "compat_impl.h"

/* The first "$SOA ..." and "$NS ..." of ZONE's files, for its apex file. */
static void
find_soa_ns(const struct compat *c, const char *zone, char *soa, size_t soalen, char *ns,
    size_t nslen)
{
	char line[1024];
	size_t i;
	FILE *f;

	soa[0] = ns[0] = '\0';
	for (i = 0; i < c->nfiles; i++) {
		if (strcmp(c->files[i].zone, zone) != 0 || (f = fopen(c->files[i].path, "r")) == NULL)
			continue;
		while (fgets(line, sizeof(line), f) != NULL) {
			line[strcspn(line, "\r\n")] = '\0';
			if (soa[0] == '\0' && strncasecmp(line, "$SOA ", 5) == 0)
				snprintf(soa, soalen, "%s", line + 5);
			else if (ns[0] == '\0' && strncasecmp(line, "$NS ", 4) == 0)
				snprintf(ns, nslen, "%s", line + 4);
		}
		fclose(f);
	}
}

/* Do ZONE's files give its NS records ($NS)?  rbldnsd has none to add without. */
bool
compat_has_ns(const struct compat *c, const char *zone)
{
	char soa[1024], ns[1024];

	find_soa_ns(c, zone, soa, sizeof(soa), ns, sizeof(ns));
	return ns[0] != '\0';
}

/* NAME as an absolute name into OUT. */
static const char *
absolute(const char *name, char *out, size_t len)
{
	snprintf(out, len, "%s%s", name, name[0] != '\0' && name[strlen(name) - 1] == '.' ? "" : ".");
	return out;
}

/* ZONE's apex file: rbldnsd's $SOA and $NS when the files give them, else ones of its own. */
int
compat_write_apex(const struct compat *c, const char *zone, const char *path, time_t newest)
{
	char soa[1024], ns[1024], f[8][256], a[256], b[256], *tok, *save = NULL;
	const char *nsttl = "3600";
	unsigned long serial;
	int n = 0;
	FILE *fp;

	find_soa_ns(c, zone, soa, sizeof(soa), ns, sizeof(ns));
	if ((fp = fopen(path, "w")) == NULL)
		return -errno;
	fprintf(fp, "$ORIGIN %s.\n", zone);
	/* "$SOA ttl origin person serial refresh retry expire minttl"; serial 0 = the files' time. */
	if (soa[0] != '\0')
		n = sscanf(soa, "%255s %255s %255s %255s %255s %255s %255s %255s", f[0], f[1], f[2],
		    f[3], f[4], f[5], f[6], f[7]);
	serial = n == 8 ? strtoul(f[3], NULL, 10) : 0;
	if (serial == 0)
		serial = (unsigned long)newest;
	if (n == 8)
		fprintf(fp, "@ %s IN SOA %s %s %lu %s %s %s %s\n", f[0], absolute(f[1], a, sizeof(a)),
		    absolute(f[2], b, sizeof(b)), serial, f[4], f[5], f[6], f[7]);
	else
		fprintf(fp, "@ 3600 IN SOA ns.%s. hostmaster.%s. %lu 3600 600 86400 %s\n", zone,
		    zone, serial, c->ttl != NULL ? c->ttl : "2100");
	/* "$NS ttl name name...": the first word is the TTL when it is a number. */
	tok = strtok_r(ns, " \t", &save);
	if (tok != NULL && strspn(tok, "0123456789") == strlen(tok)) {
		nsttl = tok;
		tok = strtok_r(NULL, " \t", &save);
	}
	if (tok == NULL)
		fprintf(fp, "@ 3600 IN NS ns.%s.\n", zone);
	for (; tok != NULL; tok = strtok_r(NULL, " \t", &save))
		fprintf(fp, "@ %s IN NS %s\n", nsttl, absolute(tok, a, sizeof(a)));
	return fclose(fp) == 0 ? 0 : -errno;
}
