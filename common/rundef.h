/*
 * common/rundef.h — the default run directory, the same for supd, supctl
 * and libsup so that all three find each other without being told.
 */
#ifndef COMMON_RUNDEF_H
#define COMMON_RUNDEF_H

#include <stddef.h>
#include <sys/types.h>

/*
 * The run dir to use when neither -r, $SUP_RUN_DIR nor a config gives
 * one: /run/sup for root, else $XDG_RUNTIME_DIR/sup, else /tmp/sup-UID.
 * Writes it into buf (n bytes) and returns buf.
 */
char *run_dir_default(char *buf, size_t n);

/*
 * Creates the directories leading to path's last component, each missing
 * one with mode. Returns 0 or an errno.
 */
int mkdir_parents(const char *path, mode_t mode);

#endif
