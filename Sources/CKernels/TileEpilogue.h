#ifndef YOLO_TILE_EPILOGUE_H
#define YOLO_TILE_EPILOGUE_H

// The register tile every C convolution tile shares, 4 output rows x 3 vectors of 8 pixels in
// twelve accumulators: their start, their step, and what is done with them once the sums are
// done (the activation sixteen lanes at a time, then the stores). Private to the kernels' .c
// files; their functions name a superset of these extensions, so these inline.

#include <immintrin.h>

#include "TileActivation.h"

#define YOLO_AVX512_TARGET __attribute__((target("avx512f,avx512vl,avx512dq")))

// −log2 e, and the steps both vector widths share from n = round(−x·log2 e) on (the rounding
// instructions differ): f = −x·log2 e − n in two fused multiply-adds, log2 e split in a float
// and its remainder, then p = 2^f by the degree-6 polynomial. W is _mm512 or _mm256.
#define YOLO_MINUS_LOG2E (-1.44269504f)
#define YOLO_EXP2_FRACTION(W, clamped, n, f, p)                                                    \
    f = W##_fmsub_ps(clamped, W##_set1_ps(-1.44269502163f), n);                                   \
    f = W##_fmadd_ps(clamped, W##_set1_ps(-1.9259630335e-8f), f);                                 \
    p = W##_fmadd_ps(W##_set1_ps(1.5353361888e-4f), f, W##_set1_ps(1.3398874422e-3f));            \
    p = W##_fmadd_ps(p, f, W##_set1_ps(9.6184373578e-3f));                                        \
    p = W##_fmadd_ps(p, f, W##_set1_ps(5.5503324711e-2f));                                        \
    p = W##_fmadd_ps(p, f, W##_set1_ps(2.4022647914e-1f));                                        \
    p = W##_fmadd_ps(p, f, W##_set1_ps(6.9314720286e-1f));                                        \
    p = W##_fmadd_ps(p, f, W##_set1_ps(1.0f));

// sigmoid(x) (and x·sigmoid(x)) on sixteen lanes. exp(−x) = 2^t, t = −x·log2 e: n = round(t),
// f = t − n by two fused multiply-adds (log2 e split in a float and its remainder, so f keeps its
// precision at large |x|), 2^f by a degree-6 polynomial fitted for relative error on [−½, ½]
// (2e-9), 2^n applied by vscalefps; the reciprocal by rcp14 and one Newton step instead of a
// division. Within 1.5e-7 of the exact values (2.5 float32 ulp), three operations fewer than
// Cephes' expf form this replaced (3 ulp; SiLU was ~8% of yolov5n's forward pass at 320, this
// made the pass 1.3% faster).
YOLO_AVX512_TARGET static inline __m512 yolo_sigmoid16(__m512 x) {
    // x at least −80: exp(80) and its reciprocal stay normal numbers (an infinite exp would make
    // the Newton step 0·∞); below x = −80 sigmoid is then e⁻⁸⁰ instead of smaller, under 1e-34
    __m512 clamped = _mm512_max_ps(x, _mm512_set1_ps(-80.0f));
    __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(clamped, _mm512_set1_ps(YOLO_MINUS_LOG2E)),
                                    _MM_FROUND_TO_NEAREST_INT);
    __m512 f, p;
    YOLO_EXP2_FRACTION(_mm512, clamped, n, f, p)
    __m512 d = _mm512_add_ps(_mm512_scalef_ps(p, n), _mm512_set1_ps(1.0f));
    __m512 q = _mm512_rcp14_ps(d);
    return _mm512_fmadd_ps(q, _mm512_fnmadd_ps(d, q, _mm512_set1_ps(1.0f)), q);
}

// `activation` (a YOLO_TILE_ value) on sixteen lanes.
YOLO_AVX512_TARGET static inline __m512 yolo_activate16(__m512 v, int activation) {
    if (activation == YOLO_TILE_SILU) return _mm512_mul_ps(v, yolo_sigmoid16(v));
    if (activation == YOLO_TILE_SIGMOID) return yolo_sigmoid16(v);
    return v;
}

// Two consecutive eight-float vectors of the tile as one, with the activation applied.
YOLO_AVX512_TARGET static inline __m512 yolo_activated16(__m256 low, __m256 high, int activation) {
    return yolo_activate16(_mm512_insertf32x8(_mm512_castps256_ps512(low), high, 1), activation);
}

// The AVX2 tier (x86-64-v3 CPUs without AVX-512, such as AMD's Zen 3): the same tiles, their
// activation eight lanes at a time.
#define YOLO_AVX2_TARGET __attribute__((target("avx2,fma")))

// 1 + exp(−x) on eight lanes, as yolo_sigmoid16 forms it: the same reduction and polynomial,
// 2^n through the exponent field (x is clamped to ±80, so n stays within −116…116 and 2^n is a
// normal number).
YOLO_AVX2_TARGET static inline __m256 yolo_sigmoid_denominator8(__m256 x) {
    __m256 clamped = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(-80.0f)), _mm256_set1_ps(80.0f));
    __m256 n = _mm256_round_ps(_mm256_mul_ps(clamped, _mm256_set1_ps(YOLO_MINUS_LOG2E)),
                               _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 f, p;
    YOLO_EXP2_FRACTION(_mm256, clamped, n, f, p)
    __m256i exponent = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    // p·2^n + 1 in one fused operation, not a product and a sum (one operation and one rounding
    // fewer; yolov5n 0.992 at 320, 0.988 at 640, in-process A/B)
    return _mm256_fmadd_ps(p, _mm256_castsi256_ps(exponent), _mm256_set1_ps(1.0f));
}

// sigmoid(x) on eight lanes, and SiLU as x / (1 + exp(−x)). A division here, not rcp with
// Newton steps: the divider runs beside the multiply-add pipes, so over a tile's twelve
// vectors it costs less than the four multiply-adds of two Newton steps (Zen 3: 3.6 against
// 4.8–5.8 ns a vector, alone), and it rounds once. Within 1.5e-7 of the exact values.
YOLO_AVX2_TARGET static inline __m256 yolo_sigmoid8(__m256 x) {
    return _mm256_div_ps(_mm256_set1_ps(1.0f), yolo_sigmoid_denominator8(x));
}

// `activation` (a YOLO_TILE_ value) on eight lanes.
YOLO_AVX2_TARGET static inline __m256 yolo_activate8(__m256 v, int activation) {
    if (activation == YOLO_TILE_SILU) return _mm256_div_ps(v, yolo_sigmoid_denominator8(v));
    if (activation == YOLO_TILE_SIGMOID) return yolo_sigmoid8(v);
    return v;
}

// Eight outputs written, or added to what is there (AVX only, so both tiers inline it).
__attribute__((target("avx"))) static inline void yolo_put8(float *p, __m256 v, int adding) {
    _mm256_storeu_ps(p, adding ? _mm256_add_ps(v, _mm256_loadu_ps(p)) : v);
}

// The twelve accumulators of a tile, row r's three (pixels 0–7, 8–15, 16–23) starting at
// bias[r].
#define YOLO_TILE_START(bias)                                                                     \
    __m256 c00 = _mm256_set1_ps((bias)[0]), c01 = c00, c02 = c00;                                \
    __m256 c10 = _mm256_set1_ps((bias)[1]), c11 = c10, c12 = c10;                                \
    __m256 c20 = _mm256_set1_ps((bias)[2]), c21 = c20, c22 = c20;                                \
    __m256 c30 = _mm256_set1_ps((bias)[3]), c31 = c30, c32 = c30;

// One step of every accumulator: row r's three take MADD(c, b0…b2, wr), the products of the
// step's three input vectors with row r's broadcast weight (MADD(c, b, w) returns c + b·w).
#define YOLO_TILE_STEP(MADD, b0, b1, b2, w0, w1, w2, w3)                                          \
    c00 = MADD(c00, b0, w0); c01 = MADD(c01, b1, w0); c02 = MADD(c02, b2, w0);                    \
    c10 = MADD(c10, b0, w1); c11 = MADD(c11, b1, w1); c12 = MADD(c12, b2, w1);                    \
    c20 = MADD(c20, b0, w2); c21 = MADD(c21, b1, w2); c22 = MADD(c22, b2, w2);                    \
    c30 = MADD(c30, b0, w3); c31 = MADD(c31, b1, w3); c32 = MADD(c32, b2, w3);

// The tile's rows r = 0…3 (accumulators cr0, cr1, cr2: pixels 0–7, 8–15, 16–23) activated and
// written to out + r·rowStride, or added there; the activation runs over the tile in row order.
#define YOLO_TILE_STORE(activation, out, rowStride, adding)                                                  \
    do {                                                                                                      \
        __m512 v0 = yolo_activated16(c00, c01, activation), v1 = yolo_activated16(c02, c10, activation);       \
        __m512 v2 = yolo_activated16(c11, c12, activation), v3 = yolo_activated16(c20, c21, activation);       \
        __m512 v4 = yolo_activated16(c22, c30, activation), v5 = yolo_activated16(c31, c32, activation);       \
        float *r0 = (out), *r1 = r0 + (rowStride), *r2 = r1 + (rowStride), *r3 = r2 + (rowStride);           \
        yolo_put8(r0, _mm512_castps512_ps256(v0), adding); yolo_put8(r0 + 8, _mm512_extractf32x8_ps(v0, 1), adding); \
        yolo_put8(r0 + 16, _mm512_castps512_ps256(v1), adding); yolo_put8(r1, _mm512_extractf32x8_ps(v1, 1), adding); \
        yolo_put8(r1 + 8, _mm512_castps512_ps256(v2), adding); yolo_put8(r1 + 16, _mm512_extractf32x8_ps(v2, 1), adding); \
        yolo_put8(r2, _mm512_castps512_ps256(v3), adding); yolo_put8(r2 + 8, _mm512_extractf32x8_ps(v3, 1), adding); \
        yolo_put8(r2 + 16, _mm512_castps512_ps256(v4), adding); yolo_put8(r3, _mm512_extractf32x8_ps(v4, 1), adding); \
        yolo_put8(r3 + 8, _mm512_castps512_ps256(v5), adding); yolo_put8(r3 + 16, _mm512_extractf32x8_ps(v5, 1), adding); \
    } while (0)

// YOLO_TILE_STORE for the AVX2 tier: each accumulator activated on its own, row by row.
#define YOLO_TILE_ROW_AVX2(row, a, b, c, activation, adding)                                       \
    yolo_put8(row, yolo_activate8(a, activation), adding);                                        \
    yolo_put8(row + 8, yolo_activate8(b, activation), adding);                                    \
    yolo_put8(row + 16, yolo_activate8(c, activation), adding);
#define YOLO_TILE_STORE_AVX2(activation, out, rowStride, adding)                                   \
    do {                                                                                          \
        float *r0 = (out), *r1 = r0 + (rowStride), *r2 = r1 + (rowStride), *r3 = r2 + (rowStride); \
        YOLO_TILE_ROW_AVX2(r0, c00, c01, c02, activation, adding)                                 \
        YOLO_TILE_ROW_AVX2(r1, c10, c11, c12, activation, adding)                                 \
        YOLO_TILE_ROW_AVX2(r2, c20, c21, c22, activation, adding)                                 \
        YOLO_TILE_ROW_AVX2(r3, c30, c31, c32, activation, adding)                                 \
    } while (0)

#endif
