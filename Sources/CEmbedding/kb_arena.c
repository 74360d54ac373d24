#include <malloc.h>
#include <stdlib.h>
#include "kb_arena.h"

int kb_reserve_thread_arena(size_t bytes) {
    if (mallopt(M_MMAP_THRESHOLD, (int)(bytes + (1u << 20))) != 1) return -1;
    void *block = malloc(bytes);
    if (!block) return -1;
    // Keeps the compiler from removing the unused allocation.
    __asm__ volatile("" : : "r"(block) : "memory");
    free(block);
    return 0;
}
