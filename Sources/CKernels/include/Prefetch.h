#ifndef YOLO_PREFETCH_H
#define YOLO_PREFETCH_H

// Asks for the cache line holding `address` to be brought into L1, without waiting for it (an
// address past the end of a buffer is harmless: a prefetch never faults).
static inline void yolo_prefetch(const void *address) { __builtin_prefetch(address, 0, 3); }

// A spin-wait hint (x86-64's pause; nothing elsewhere): the waiting thread keeps its CPU but
// issues no work that would slow a hyperthread sibling.
static inline void yolo_cpu_relax(void) {
#if defined(__x86_64__)
    __builtin_ia32_pause();
#endif
}

#endif
