/* Names given to rbldb: IDNA2008 U-labels become the A-labels the store keeps. */
#include <idn2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "names.h"
#include "rb.h"

static bool
ascii(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s >= 0x80)
			return false;
	return true;
}

int
loader_name(const struct conf_zone *z, const char *text, char *out, char *why, size_t whylen)
{
	char buf[NAME_TEXTLEN + 2], *alabel = NULL;
	const char *rest = text, *reason = NULL;
	bool wild = name_is_wild(text);
	int rc;

	if (!ascii(text)) {
		if (wild)
			rest = text + 2;
		/* RFC 5891 (IDNA2008, as libidn2 reads it): the A-label form. */
		rc = idn2_to_ascii_8z(rest, &alabel, IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
		if (rc != IDN2_OK) {
			snprintf(why, whylen, "%s is not a valid internationalized name: %s (give "
			    "its A-labels, xn--...)", text, idn2_strerror(rc));
			return RB_ESYNTAX;
		}
		snprintf(buf, sizeof(buf), "%s%s", wild ? "*." : "", alabel);
		idn2_free(alabel);
		text = buf;
	}
	if ((rc = name_normalize(text, strlen(z->name), out, &reason)) != 0) {
		snprintf(why, whylen, "%s is refused for zone %s: %s", text, z->name, reason);
		return rc;
	}
	return 0;
}

int
cmd_target(const struct loader *L, const char *cmd, size_t zi, const char *text,
    struct addr *net, char *namebuf, const char **name)
{
	const struct conf_zone *z = &L->conf->zones[zi];
	char why[512];
	int rc;

	*name = NULL;
	if (z->kind != ZONE_KIND_NAMES)
		return cmd_addr(cmd, text, net);
	if ((rc = loader_name(z, text, namebuf, why, sizeof(why))) != 0)
		return cmd_fail(cmd, rc == RB_ESYNTAX ? CMD_USAGE : CMD_FAIL, "%s", why);
	store_name_key(L->store, namebuf, net);
	*name = namebuf;
	return 0;
}

int
show_target(const struct loader *L, const char *text, struct addr *out, char *name)
{
	char why[512];
	const char *reason;
	struct addr a;
	size_t i;

	name[0] = '\0';
	if (addr_parse_cidr(text, &a, &reason) == 0)
		return cmd_addr("show", text, out);
	/* Not an address: a name, when some zone lists names (keys are the same in every zone). */
	for (i = 0; i < L->conf->nzones; i++) {
		if (L->conf->zones[i].kind != ZONE_KIND_NAMES)
			continue;
		if (loader_name(&L->conf->zones[i], text, name, why, sizeof(why)) != 0)
			return cmd_fail("show", CMD_USAGE, "%s", why);
		store_name_key(L->store, name, out);
		return 0;
	}
	return cmd_addr("show", text, out);
}
