/* Names given to rbldb for `kind = names` zones: U-labels to A-labels (libidn2), then name.h's check. */
#ifndef LOADER_NAMES_H
#define LOADER_NAMES_H

#include <stddef.h>

#include "conf.h"
#include "name.h"

/*
 * TEXT, a name for zone Z ("example.com", "*.example.com", U-labels
 * allowed), into its stored form in OUT (NAME_TEXTLEN).  Returns 0, or
 * RB_ESYNTAX / RB_EPOLICY with a one-line reason in WHY.
 */
int loader_name(const struct conf_zone *z, const char *text, char *out, char *why,
    size_t whylen);

struct loader;
struct addr;
/*
 * The ADDR (or NAME) argument of CMD for zone ZI: an address or range as
 * cmd_addr reads it, or in a `kind = names` zone a name (loader_name) into
 * NAMEBUF (NAME_TEXTLEN) with *name pointing there and NET its key.
 * Returns 0 or, after one line on stderr, an exit code.
 */
int cmd_target(const struct loader *L, const char *cmd, size_t zi, const char *text,
    struct addr *net, char *namebuf, const char **name);

/*
 * show's ADDR: an address or range, else a name of the zones that list
 * names, its stored form into NAME (NAME_TEXTLEN; "" for an address).
 */
int show_target(const struct loader *L, const char *text, struct addr *out, char *name);

#endif
