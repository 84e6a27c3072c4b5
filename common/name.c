/* Domain names of name-based zones: the one check of their text. */
#include <string.h>

#include "name.h"
#include "rb.h"

static bool
label_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

/* Check the labels of S (already lower case); *why on failure. */
static int
check_labels(const char *s, size_t n, const char **why)
{
	size_t i, start = 0;

	if (n == 0) {
		*why = "the name is empty";
		return RB_ESYNTAX;
	}
	for (i = 0; i <= n; i++) {
		if (i < n && s[i] != '.') {
			if ((unsigned char)s[i] >= 0x80) {
				*why = "not an A-label (non-ASCII octet)";
				return RB_ESYNTAX;
			}
			if (!label_char(s[i])) {
				*why = s[i] == '*' ? "'*' only as the whole first label (*.example.com)" :
				    "a label holds a character other than a-z, 0-9, '-' and '_'";
				return RB_ESYNTAX;
			}
			continue;
		}
		if (i == start) {
			*why = "an empty label (two dots, or a dot in front)";
			return RB_ESYNTAX;
		}
		if (i - start > 63) {
			*why = "a label is longer than 63 octets";
			return RB_ESYNTAX;
		}
		start = i + 1;
	}
	return 0;
}

int
name_normalize(const char *in, size_t zonelen, char *out, const char **why)
{
	size_t n = strlen(in), i;
	bool wild;

	if (n > 0 && in[n - 1] == '.')
		n--;
	/* RFC 1035 s2.3.4: NAME.ZONE as wire labels, at most 255 octets. */
	if (n + 1 + zonelen + 2 > 255 || n >= NAME_TEXTLEN) {
		*why = "too long to be asked under the zone (name and zone over 255 octets)";
		return RB_ESYNTAX;
	}
	for (i = 0; i < n; i++)
		out[i] = in[i] >= 'A' && in[i] <= 'Z' ? (char)(in[i] + 32) : in[i];
	out[n] = '\0';
	wild = name_is_wild(out);
	if (check_labels(out + (wild ? 2 : 0), n - (wild ? 2 : 0), why) != 0)
		return RB_ESYNTAX;
	/* RFC 5782 s5: TEST is listed and INVALID is not, whatever the data says. */
	if (strcmp(out, "test") == 0 || strcmp(out, "invalid") == 0) {
		*why = "test and invalid are RFC 5782's test points (built in, never listed)";
		return RB_EPOLICY;
	}
	return 0;
}
