/*
 * common/argv.h — splitting a command line into argv without a shell.
 *
 * The rules are the POSIX shell's quoting and nothing else: words are
 * separated by blanks; '...' keeps everything literally; "..." keeps
 * everything but \" \\ \$ \` (which lose their backslash); outside quotes a
 * backslash keeps the next character literally. No expansion of any kind:
 * $HOME, *, ~ and ; are ordinary characters.
 */
#ifndef COMMON_ARGV_H
#define COMMON_ARGV_H

#include "sup/err.h"

/*
 * Splits s into a NULL-terminated vector. On success *argvp is a new
 * vector (free it with argv_free()) and *argcp its length (0 for a blank
 * string). On SUP_EINVAL (an unbalanced quote or a trailing backslash)
 * *why is a static description; nothing is allocated. SUP_ENOMEM too.
 */
sup_err argv_split(const char *s, char ***argvp, int *argcp, const char **why);

/* Frees a vector from argv_split(). Accepts NULL. */
void argv_free(char **argv);

#endif
