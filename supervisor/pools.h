/*
 * supervisor/pools.h — the size of each pool, published in RUN/pool/ for
 * sup_pool_call() and sup_pool_multicall() (see pools.c).
 */
#ifndef SUPD_POOLS_H
#define SUPD_POOLS_H

struct supd;

/* Writes RUN/pool/POOL for every pool of cfg and removes the others'.
 * Failures are logged: supervision goes on without them. */
void pools_publish(struct supd *d);

#endif
