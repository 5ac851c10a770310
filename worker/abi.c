/*
 * worker/abi.c — what keeps libsup.so.0 good for programs built with an
 * older sup.h: the library's version (sup_version), and struct sup_ops
 * read only as far as the program knew it.
 *
 * struct sup_ops grows at its end only, and its first member, size, is
 * sizeof(struct sup_ops) as the program was compiled. The runtime never
 * reads the program's struct past that: it copies the members within
 * size into a zeroed struct of its own (w->ops_copy), so a member the
 * program did not have reads as 0, its default. A size this library
 * cannot have come from (0: never set; more than it knows: a newer sup.h;
 * one that ends inside a member) is refused before anything runs.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "wrk.h"

SUP_API const char *
sup_version(void)
{
	return SUP_VERSION_STRING;
}

#define MEMBER(m)                                                          \
	{ offsetof(struct sup_ops, m),                                     \
	    offsetof(struct sup_ops, m) + sizeof(((struct sup_ops *)0)->m) }

/* Where each member starts and ends, in the order of sup.h. */
static const struct {
	size_t start, end;
} members[] = {
	MEMBER(size), MEMBER(name), MEMBER(state_size), MEMBER(fields),
	MEMBER(nfields), MEMBER(checkpoint), MEMBER(init),
	MEMBER(handle_continue), MEMBER(handle_call), MEMBER(handle_cast),
	MEMBER(handle_info), MEMBER(terminate), MEMBER(task_threads),
	MEMBER(hibernate), MEMBER(hibernate_after),
};

/* A member added to struct sup_ops is added above too (this fails until
 * it is), and size stays first. */
_Static_assert(offsetof(struct sup_ops, size) == 0, "size comes first");
_Static_assert(offsetof(struct sup_ops, hibernate_after) + sizeof(int64_t) ==
    sizeof(struct sup_ops), "members[] names every member of sup_ops");

bool
wrk_ops_load(sup_worker *w, const struct sup_ops *ops, char *why, size_t n)
{
	size_t size;

	memset(&w->ops_copy, 0, sizeof(w->ops_copy));
	w->ops = &w->ops_copy;
	if (ops == NULL) {
		snprintf(why, n, "no struct sup_ops (NULL)");
		return false;
	}
	size = ops->size;
	if (size < members[0].end) {
		snprintf(why, n, "struct sup_ops: .size is %zu: set it to "
		    "sizeof(struct sup_ops)", size);
		return false;
	}
	if (size > sizeof(struct sup_ops)) {
		snprintf(why, n, "struct sup_ops: .size is %zu, and this "
		    "libsup (%s) knows %zu bytes of it: the program was built "
		    "with a newer sup.h; run it with that libsup or a later "
		    "one", size, sup_version(), sizeof(struct sup_ops));
		return false;
	}
	for (size_t i = 0; i < sizeof(members) / sizeof(members[0]); i++)
		if (members[i].start < size && size < members[i].end) {
			snprintf(why, n, "struct sup_ops: .size is %zu, which "
			    "ends inside a member: set it to "
			    "sizeof(struct sup_ops)", size);
			return false;
		}
	memcpy(&w->ops_copy, ops, size);
	return true;
}
