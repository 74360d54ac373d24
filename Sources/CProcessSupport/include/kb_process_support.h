#ifndef KB_PROCESS_SUPPORT_H
#define KB_PROCESS_SUPPORT_H
#include <spawn.h>

/// Adds a chdir to a posix_spawn file-actions object (glibc's _np extension). Returns 0 or an errno.
int kb_spawn_add_chdir(posix_spawn_file_actions_t *actions, const char *path);

/// Number of CPUs this process may run on (its affinity mask), or 0 if unknown.
int kb_usable_cpus(void);

#endif
