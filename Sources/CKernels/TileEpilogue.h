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
// and its remainder, then p = 2^f by the degree-6 polynomial. W is _mm512 or _mm256. EACH runs
// a step: once (YOLO_EXP2_FRACTION), or over several vectors indexed by `i`, each step for all
// of them before the next.
#define YOLO_MINUS_LOG2E (-1.44269504f)
#define YOLO_ONCE(statement) statement
#define YOLO_EXP2_FRACTION_EACH(W, EACH, clamped, n, f, p)                                         \
    EACH(f = W##_fmsub_ps(clamped, W##_set1_ps(-1.44269502163f), n);)                             \
    EACH(f = W##_fmadd_ps(clamped, W##_set1_ps(-1.9259630335e-8f), f);)                           \
    EACH(p = W##_fmadd_ps(W##_set1_ps(1.5353361888e-4f), f, W##_set1_ps(1.3398874422e-3f));)      \
    EACH(p = W##_fmadd_ps(p, f, W##_set1_ps(9.6184373578e-3f));)                                  \
    EACH(p = W##_fmadd_ps(p, f, W##_set1_ps(5.5503324711e-2f));)                                  \
    EACH(p = W##_fmadd_ps(p, f, W##_set1_ps(2.4022647914e-1f));)                                  \
    EACH(p = W##_fmadd_ps(p, f, W##_set1_ps(6.9314720286e-1f));)                                  \
    EACH(p = W##_fmadd_ps(p, f, W##_set1_ps(1.0f));)
#define YOLO_EXP2_FRACTION(W, clamped, n, f, p) YOLO_EXP2_FRACTION_EACH(W, YOLO_ONCE, clamped, n, f, p)

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

// x clamped to ±80 and n = round(−x·log2 e) on eight lanes (x is clamped so that n stays
// within −116…116 and 2^n is a normal number).
#define YOLO_EXP2_START8(x, clamped, n)                                                            \
    clamped = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(-80.0f)), _mm256_set1_ps(80.0f));    \
    n = _mm256_round_ps(_mm256_mul_ps(clamped, _mm256_set1_ps(YOLO_MINUS_LOG2E)),                 \
                        _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);

// p·2^n + 1, 2^n through the exponent field, in one fused operation, not a product and a sum
// (one operation and one rounding fewer; yolov5n 0.992 at 320, 0.988 at 640, in-process A/B).
YOLO_AVX2_TARGET static inline __m256 yolo_scaled_plus_one8(__m256 p, __m256 n) {
    __m256i exponent = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    return _mm256_fmadd_ps(p, _mm256_castsi256_ps(exponent), _mm256_set1_ps(1.0f));
}

// 1 + exp(−x) on eight lanes, as yolo_sigmoid16 forms it: the same reduction and polynomial.
YOLO_AVX2_TARGET static inline __m256 yolo_sigmoid_denominator8(__m256 x) {
    __m256 clamped, n, f, p;
    YOLO_EXP2_START8(x, clamped, n)
    YOLO_EXP2_FRACTION(_mm256, clamped, n, f, p)
    return yolo_scaled_plus_one8(p, n);
}

// SiLU of four vectors in place, each step taken for all four before the next: four chains of
// dependent operations in flight, where a vector at a time (its activation chosen anew each
// time) left the multiply-add pipes idle. The 4×24 tile with SiLU alone on Zen 3, interleaved
// in one process: 0.85 of the time at k = 16, 0.90 at 32, 0.95 at 64 (sigmoid, chosen once per
// tile: 0.84 at 32); yolov5n 0.977 at 320, 0.997 at 640 (16 interleaved process pairs). Lane by
// lane the same operations as yolo_activate8.
#define YOLO_EACH4(statement) for (int i = 0; i < 4; i++) { statement }
YOLO_AVX2_TARGET static inline void yolo_silu8x4(__m256 *v0, __m256 *v1, __m256 *v2, __m256 *v3) {
    __m256 x[4] = {*v0, *v1, *v2, *v3}, clamped[4], n[4], f[4], p[4];
    YOLO_EACH4(YOLO_EXP2_START8(x[i], clamped[i], n[i]))
    YOLO_EXP2_FRACTION_EACH(_mm256, YOLO_EACH4, clamped[i], n[i], f[i], p[i])
    YOLO_EACH4(x[i] = _mm256_div_ps(x[i], yolo_scaled_plus_one8(p[i], n[i]));)
    *v0 = x[0], *v1 = x[1], *v2 = x[2], *v3 = x[3];
}
#undef YOLO_EACH4

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

// YOLO_TILE_STORE for the AVX2 tier. The activation is chosen once for the tile, and SiLU runs
// over four accumulators at a time (yolo_silu8x4).
#define YOLO_TILE_ROW_AVX2(row, a, b, c, adding)                                                   \
    yolo_put8(row, a, adding);                                                                    \
    yolo_put8(row + 8, b, adding);                                                                \
    yolo_put8(row + 16, c, adding);
#define YOLO_TILE_STORE_AVX2(activation, out, rowStride, adding)                                   \
    do {                                                                                          \
        if ((activation) == YOLO_TILE_SILU) {                                                     \
            yolo_silu8x4(&c00, &c01, &c02, &c10);                                                 \
            yolo_silu8x4(&c11, &c12, &c20, &c21);                                                 \
            yolo_silu8x4(&c22, &c30, &c31, &c32);                                                 \
        } else if ((activation) == YOLO_TILE_SIGMOID) {                                           \
            c00 = yolo_sigmoid8(c00), c01 = yolo_sigmoid8(c01), c02 = yolo_sigmoid8(c02);        \
            c10 = yolo_sigmoid8(c10), c11 = yolo_sigmoid8(c11), c12 = yolo_sigmoid8(c12);        \
            c20 = yolo_sigmoid8(c20), c21 = yolo_sigmoid8(c21), c22 = yolo_sigmoid8(c22);        \
            c30 = yolo_sigmoid8(c30), c31 = yolo_sigmoid8(c31), c32 = yolo_sigmoid8(c32);        \
        }                                                                                         \
        float *r0 = (out), *r1 = r0 + (rowStride), *r2 = r1 + (rowStride), *r3 = r2 + (rowStride); \
        YOLO_TILE_ROW_AVX2(r0, c00, c01, c02, adding)                                             \
        YOLO_TILE_ROW_AVX2(r1, c10, c11, c12, adding)                                             \
        YOLO_TILE_ROW_AVX2(r2, c20, c21, c22, adding)                                             \
        YOLO_TILE_ROW_AVX2(r3, c30, c31, c32, adding)                                             \
    } while (0)

#endif
