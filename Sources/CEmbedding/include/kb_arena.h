#ifndef KB_ARENA_H
#define KB_ARENA_H
#include <stddef.h>

/// Grows the calling thread's malloc arena by `bytes` once, so the arena does not grow a page per `mprotect` later;
/// raises glibc's mmap threshold above `bytes` (process-wide) so the block comes from the arena. Returns 0 on success.
int kb_reserve_thread_arena(size_t bytes);

#endif
