/*
 * common/argv.c — shell-style word splitting without a shell (argv.h).
 *
 * Two passes over the string: the first validates and counts words and
 * bytes, the second copies into one allocation (the vector followed by
 * the strings), so argv_free() is a single free().
 */
#include <stdlib.h>
#include <string.h>

#include "argv.h"

static int
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/*
 * One word starting at *sp. Writes the unquoted bytes to out (when not
 * NULL) and returns their count, or -1 with *why set. Leaves *sp after it.
 */
static long
word_scan(const char **sp, char *out, const char **why)
{
	const char *s = *sp;
	long n = 0;

	while (*s != '\0' && !is_blank(*s)) {
		if (*s == '\'') {
			const char *e = strchr(s + 1, '\'');
			if (e == NULL) {
				*why = "unbalanced single quote";
				return -1;
			}
			if (out)
				memcpy(out + n, s + 1, (size_t)(e - s - 1));
			n += e - s - 1;
			s = e + 1;
		} else if (*s == '"') {
			for (s++; *s != '"'; s++) {
				if (*s == '\0') {
					*why = "unbalanced double quote";
					return -1;
				}
				if (*s == '\\' && s[1] != '\0' &&
				    strchr("\"\\$`", s[1]) != NULL)
					s++;
				if (out)
					out[n] = *s;
				n++;
			}
			s++;
		} else if (*s == '\\') {
			if (s[1] == '\0') {
				*why = "trailing backslash";
				return -1;
			}
			if (out)
				out[n] = s[1];
			n++;
			s += 2;
		} else {
			if (out)
				out[n] = *s;
			n++;
			s++;
		}
	}
	*sp = s;
	return n;
}

sup_err
argv_split(const char *s, char ***argvp, int *argcp, const char **why)
{
	const char *p = s;
	size_t words = 0, bytes = 0;
	char **argv, *out;

	for (;;) {
		while (is_blank(*p))
			p++;
		if (*p == '\0')
			break;
		long n = word_scan(&p, NULL, why);
		if (n < 0)
			return SUP_EINVAL;
		words++;
		bytes += (size_t)n + 1;
	}
	argv = malloc((words + 1) * sizeof(char *) + bytes);
	if (argv == NULL)
		return SUP_ENOMEM;
	out = (char *)(argv + words + 1);
	p = s;
	for (size_t i = 0; i < words; i++) {
		while (is_blank(*p))
			p++;
		long n = word_scan(&p, out, why);
		argv[i] = out;
		out[n] = '\0';
		out += n + 1;
	}
	argv[words] = NULL;
	*argvp = argv;
	*argcp = (int)words;
	return SUP_OK;
}

void
argv_free(char **argv)
{
	free(argv);
}
