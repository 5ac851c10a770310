/*
 * sup/err.h — the error codes every sup module returns.
 *
 * A fallible function returns sup_err: 0 (SUP_OK) on success, a code
 * below otherwise. Errors that come from outside keep their information
 * by tagging: SUP_ESYS | errno, SUP_EIPC | nng error, SUP_EDB | SQLite
 * result code. sup_strerror() renders every one of them.
 */
#ifndef SUP_ERR_H
#define SUP_ERR_H

#ifdef __cplusplus
extern "C" {
#endif

typedef int sup_err;

enum {
	SUP_OK = 0,
	SUP_EINVAL = 1,	   /* invalid argument or input */
	SUP_ENOMEM = 2,	   /* out of memory */
	SUP_ENOTFOUND = 3, /* no such name */
	SUP_ETIMEDOUT = 4, /* deadline passed */
	SUP_EDOWN = 5,	   /* the peer died or is not running */
	SUP_EBUSY = 6,	   /* resource held by someone else */
	SUP_EPROTO = 7,	   /* malformed message */
	SUP_ETOOBIG = 8,   /* message or value too large */
	SUP_EREFUSED = 9,  /* the peer refused the request */
	SUP_ECLOSED = 10,  /* object closed */
	SUP_EEXIST = 11,   /* already exists */
	SUP_ESTATE = 12,   /* not allowed in the current state */
	SUP_EFAILED = 13,  /* the operation ran and failed */
	SUP_ENOKEY = 14,   /* no such key in a published table */

	SUP_ETAG_MASK = 0x70000000,
	SUP_ESYS = 0x10000000, /* | errno */
	SUP_EIPC = 0x20000000, /* | nng error code */
	SUP_EDB = 0x40000000,  /* | SQLite extended result code */
};

/* The tag of an error (SUP_ESYS, SUP_EIPC, SUP_EDB) or 0 for a plain one. */
#define SUP_ERR_TAG(e) ((e) & SUP_ETAG_MASK)
/* The foreign code inside a tagged error. */
#define SUP_ERR_CODE(e) ((e) & ~SUP_ETAG_MASK)

/*
 * Returns a human-readable description of e. Static storage for plain
 * codes; for tagged codes the library's own (static) message.
 */
#if defined(__GNUC__)
__attribute__((visibility("default")))
#endif
const char *sup_strerror(sup_err e);

#ifdef __cplusplus
}
#endif
#endif
