/* Relay tests in rbldb's output (verify_show.c). */
#ifndef VERIFY_SHOW_H
#define VERIFY_SHOW_H

#include <jansson.h>

#include "cmd.h"

/* The line of a report held for a relay test (STORE_PENDING), into MSG. */
void verify_held_message(struct store_reader *rd, const char *zname, uint16_t zone,
    const struct addr *net, char *msg, size_t len);

/* show: "relay tests:" and each job of address A with its transcript; nothing for ranges. */
int verify_show_text(const struct loader *L, struct store_reader *rd, const struct addr *a);

/* show --json: ROOT gets "relay_tests", an array of the jobs of A. */
int verify_show_json(const struct loader *L, struct store_reader *rd, const struct addr *a,
    json_t *root);

#endif
