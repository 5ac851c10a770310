/*
 * ipc/ipc_int.h — what the files of ipc/ share, and nobody else sees.
 */
#ifndef IPC_IPC_INT_H
#define IPC_IPC_INT_H

#include <stdbool.h>

#include <nng/nng.h>

/*
 * nng_close(s), waited for at most 5 s: nng 1.5.2's close can deadlock
 * with a pipe going away (upstream #1543). A close still stuck then is
 * left to a thread of its own, and to the process's exit; false then:
 * what its callbacks use must stay.
 */
bool ipc_close_bounded(nng_socket s);

#endif
