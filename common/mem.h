/*
 * common/mem.h — allocation for the fatal zone only.
 *
 * These exit(1) with a message when memory runs out. Use them where dying
 * is allowed: config loading before supd's loop starts, and supctl. The
 * running daemon handles ENOMEM itself and never calls these.
 */
#ifndef COMMON_MEM_H
#define COMMON_MEM_H

#include <stddef.h>

void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n, size_t size); /* n elements of size */
char *xstrdup(const char *s);

#endif
