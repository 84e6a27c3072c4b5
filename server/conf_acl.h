/* Between conf_server.c and conf_acl.c: the parser of the query ACL key (acl). */
#ifndef CONF_ACL_H
#define CONF_ACL_H

#include <stdbool.h>
#include <stddef.h>

#include "conf_parse.h"
#include "conf_server.h"

/*
 * The acl hook conf_server.c puts in its table (conf_parse.h): one rule per
 * line, "CIDR [CIDR...] ACTION", into [server]'s rules or the zone's.
 */
conf_set_fn conf_acl_set;

/*
 * The next token of a rule into BUF: a word ending at a blank or comma, or
 * a "double-quoted text" in which \" and \\ stand for " and \.  Returns 1
 * (*QUOTED tells which), 0 at the end, -1 for a quote left open.  The
 * key-refusal key reads its answer with it too.
 */
int conf_acl_next_token(const char **s, char *buf, size_t len, bool *quoted);

/* Free N rules and their texts. */
void conf_acl_free(struct conf_query_acl *acl, size_t n);

#endif
