/*
 * ipc/frame.c — the header of every frame (ipc.h): a version byte and a
 * type byte, checked before anything reads the body. No nng here: the
 * decoders that use it are tested and fuzzed without it.
 */
#include "ipc.h"

sup_err
ipc_frame_check(const void *frame, size_t len, int want, const void **body,
    size_t *blen)
{
	const unsigned char *f = frame;

	if (len < 2 || f[0] != IPC_VERSION || f[1] != want)
		return SUP_EPROTO;
	*body = f + 2;
	*blen = len - 2;
	return SUP_OK;
}
