#ifndef YOLO_LANE_MASK_H
#define YOLO_LANE_MASK_H

// Private to the kernels' .c files (x86-64 only).

#include <immintrin.h>

// Lanes [first, end) of sixteen, as a mask (first and end clamped to 0…16): the lanes of a
// sixteen-float vector that fall inside a row, for masked loads and stores at its edges.
static inline __mmask16 yolo_lanes16(long first, long end) {
    if (first < 0) first = 0;
    if (end > 16) end = 16;
    if (end <= first) return 0;
    return (__mmask16)(((1u << (end - first)) - 1) << first);
}

#endif
