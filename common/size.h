/*
 * common/size.h — sizes as users write them: "50M", "512K", "1G", "1T",
 * a bare number of bytes, or 0.
 */
#ifndef COMMON_SIZE_H
#define COMMON_SIZE_H

#include <stdint.h>

#include "sup/err.h"

/* The largest size: 1 PiB, far below what int64_t arithmetic allows. */
#define SIZE_MAX_BYTES (INT64_C(1) << 50)

/*
 * Parses s into bytes: digits, then at most one of K, M, G, T (powers of
 * 1024, either case). SUP_ETOOBIG above SIZE_MAX_BYTES (never an
 * overflow), SUP_EINVAL for anything else: empty, a sign, a blank, a
 * fraction, another unit. *bytes is written only on success.
 */
sup_err size_parse(const char *s, int64_t *bytes);

#endif
