/* Between conf_server.c and conf_xfr.c: the parsers of the zone transfer keys. */
#ifndef CONF_XFR_H
#define CONF_XFR_H

#include "conf.h"
#include "conf_parse.h"

struct conf_server;

/*
 * The hooks conf_server.c puts in its table (conf_parse.h): allow-transfer
 * and notify items, each an address optionally followed by "key NAME",
 * and [key NAME] sections.  A key may be defined after the zone naming
 * it: conf_xfr_finish() binds the names once the file is read.
 */
conf_set_fn conf_xfr_set_allow_transfer, conf_xfr_set_notify;
conf_set_fn conf_xfr_set_algorithm, conf_xfr_set_secret;
int conf_xfr_open_key(struct conf_parse *p, const char *name, const char *written);
int conf_xfr_value_end(struct conf_parse *p);
int conf_xfr_finish(struct conf_parse *p);
/* Free what parsing needed, once the file is read. */
void conf_xfr_free_parse(struct conf_server *s);
/* Free S's keys, and what a failed parse left (a zone's items are plain arrays). */
void conf_xfr_free(struct conf_server *s);

#endif
