/*
 * common/size.c — parsing sizes (size.h).
 */
#include <ctype.h>
#include <stdbool.h>
#include <string.h>

#include "size.h"

sup_err
size_parse(const char *s, int64_t *bytes)
{
	static const char units[] = "KMGT";
	int64_t v = 0, unit = 1;
	const char *p = s, *u;
	bool big = false;

	if (!isdigit((unsigned char)*p))
		return SUP_EINVAL;
	for (; isdigit((unsigned char)*p); p++) {
		if (v > SIZE_MAX_BYTES)
			big = true; /* keep reading: it may not be a size */
		else
			v = v * 10 + (*p - '0');
	}
	if (*p != '\0') {
		if ((u = strchr(units, toupper((unsigned char)*p))) == NULL ||
		    p[1] != '\0')
			return SUP_EINVAL;
		for (const char *k = units; k <= u; k++)
			unit *= 1024;
	}
	if (big || v > SIZE_MAX_BYTES / unit)
		return SUP_ETOOBIG;
	*bytes = v * unit;
	return SUP_OK;
}
