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

// The same lanes of eight, as the sign bits AVX2's maskload and maskstore read.
__attribute__((target("avx2"))) static inline __m256i yolo_lanes8(long first, long end) {
    __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    __m256i low = _mm256_cmpgt_epi32(lane, _mm256_set1_epi32((int)(first < -1 ? -1 : first > 8 ? 8 : first) - 1));
    __m256i high = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)(end < 0 ? 0 : end > 8 ? 8 : end)), lane);
    return _mm256_and_si256(low, high);
}

// The first `count` (0–8) lanes of v stored at p by plain 128-, 64- and 32-bit stores. AVX2's
// masked store is microcoded on AMD: on Zen 3 one takes 4.2–5.2 ns against 0.65–0.8 for a
// 128-bit and a 64-bit store (the six lanes of a direct-convolution tile).
__attribute__((target("avx2"))) static inline void yolo_store_first8(float *p, __m256 v, long count) {
    if (count >= 8) {
        _mm256_storeu_ps(p, v);
        return;
    }
    __m128 part = _mm256_castps256_ps128(v);
    if (count >= 4) {
        _mm_storeu_ps(p, part);
        p += 4;
        count -= 4;
        part = _mm256_extractf128_ps(v, 1);
    }
    if (count >= 2) {
        _mm_storel_pi((__m64 *)p, part);
        p += 2;
        count -= 2;
        part = _mm_movehl_ps(part, part);
    }
    if (count == 1) _mm_store_ss(p, part);
}

#endif
