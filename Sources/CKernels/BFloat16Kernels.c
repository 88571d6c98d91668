#include "BFloat16Kernels.h"

#include <immintrin.h>

#define BF16_TARGET __attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,avx512bf16")))

int yolo_bf16_supported(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512bf16") && __builtin_cpu_supports("avx512vl")
        && __builtin_cpu_supports("avx512bw");
#else
    return 0;
#endif
}

#if defined(__x86_64__)

BF16_TARGET void yolo_bf16_round(const float *in, uint16_t *out, long count) {
    long i = 0;
    for (; i + 8 <= count; i += 8) {
        __m128bh packed = _mm256_cvtneps_pbh(_mm256_loadu_ps(in + i));
        _mm_storeu_si128((__m128i *)(out + i), (__m128i)packed);
    }
    if (i < count) {
        __mmask8 mask = (__mmask8)((1u << (count - i)) - 1);
        __m128bh packed = _mm256_cvtneps_pbh(_mm256_maskz_loadu_ps(mask, in + i));
        _mm_mask_storeu_epi16(out + i, mask, (__m128i)packed);
    }
}

BF16_TARGET void yolo_bf16_interleave(const float *even, const float *odd, long count, uint16_t *out) {
    long i = 0;
    for (; i < count; i += 8) {
        long left = count - i;
        __mmask8 mask = left >= 8 ? (__mmask8)0xff : (__mmask8)((1u << left) - 1);
        __m128i e = (__m128i)_mm256_cvtneps_pbh(_mm256_maskz_loadu_ps(mask, even + i));
        __m128i o = odd ? (__m128i)_mm256_cvtneps_pbh(_mm256_maskz_loadu_ps(mask, odd + i)) : _mm_setzero_si128();
        __m128i low = _mm_unpacklo_epi16(e, o), high = _mm_unpackhi_epi16(e, o);
        if (left >= 8) {
            _mm_storeu_si128((__m128i *)(out + 2 * i), low);
            _mm_storeu_si128((__m128i *)(out + 2 * i + 8), high);
        } else {
            // 2·left halves: up to eight from the low part, the rest from the high part
            __mmask8 lowMask = left >= 4 ? (__mmask8)0xff : (__mmask8)((1u << (2 * left)) - 1);
            __mmask8 highMask = left > 4 ? (__mmask8)((1u << (2 * (left - 4))) - 1) : 0;
            _mm_mask_storeu_epi16(out + 2 * i, lowMask, low);
            _mm_mask_storeu_epi16(out + 2 * i + 8, highMask, high);
        }
    }
}

BF16_TARGET void yolo_bf16_interleave_panels(const float *even, const float *odd, long count, uint16_t *out,
                                             long panelStride) {
    for (long first = 0; first < count; first += 24) {
        long filled = count - first < 24 ? count - first : 24;
        uint16_t *panel = out + first / 24 * panelStride;
        yolo_bf16_interleave(even + first, odd ? odd + first : 0, filled, panel);
        for (long j = 2 * filled; j < 48; j++) panel[j] = 0;
    }
}

// sigmoid(x) (and x·sigmoid(x)) on sixteen lanes: exp(−x) by Cephes' range reduction and
// polynomial (as the float32 kernels' fastExp) with 2^n applied by vscalefps, and the reciprocal
// by rcp14 and one Newton step instead of a division (within 4 float32 ulp of the exact values,
// far inside bfloat16's rounding of the next layer's inputs; yolov5n 8% faster than a division).
BF16_TARGET static inline __m512 sigmoid16(__m512 x) {
    // −x at most 80: exp(80) and its reciprocal stay normal numbers (an infinite exp would make
    // the Newton step 0·∞); below x = −80 sigmoid is then e⁻⁸⁰ instead of smaller, under 1e-34
    __m512 z = _mm512_min_ps(_mm512_xor_ps(x, _mm512_set1_ps(-0.0f)), _mm512_set1_ps(80.0f));
    __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(z, _mm512_set1_ps(1.44269504f)), _MM_FROUND_TO_NEAREST_INT);
    __m512 r = _mm512_fmadd_ps(n, _mm512_set1_ps(-0.693359375f), z);
    r = _mm512_fmadd_ps(n, _mm512_set1_ps(2.12194440e-4f), r);
    __m512 p = _mm512_fmadd_ps(_mm512_set1_ps(1.9875691500e-4f), r, _mm512_set1_ps(1.3981999507e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
    __m512 y = _mm512_fmadd_ps(p, _mm512_mul_ps(r, r), _mm512_add_ps(r, _mm512_set1_ps(1.0f)));
    __m512 d = _mm512_add_ps(_mm512_scalef_ps(y, n), _mm512_set1_ps(1.0f));
    __m512 q = _mm512_rcp14_ps(d);
    return _mm512_fmadd_ps(q, _mm512_fnmadd_ps(d, q, _mm512_set1_ps(1.0f)), q);
}

// Two consecutive eight-float vectors of the tile as one, with the activation applied.
BF16_TARGET static inline __m512 activated16(__m256 low, __m256 high, int activation) {
    __m512 v = _mm512_insertf32x8(_mm512_castps256_ps512(low), high, 1);
    if (activation == YOLO_BF16_SILU) return _mm512_mul_ps(v, sigmoid16(v));
    if (activation == YOLO_BF16_SIGMOID) return sigmoid16(v);
    return v;
}

// Eight outputs written, or added to what is there.
BF16_TARGET static inline void put8(float *p, __m256 v, int adding) {
    _mm256_storeu_ps(p, adding ? _mm256_add_ps(v, _mm256_loadu_ps(p)) : v);
}

// Twelve accumulators (4 rows x 3 vectors of 8 pixels): one step loads three vectors of pixel
// pairs, broadcasts four weight pairs and issues twelve dot products, the float32 micro-kernel's
// proportions with two k per instruction.
#define BF16_TILE_BODY(STEP_POINTER)                                                              \
    __m256 c00 = _mm256_set1_ps(bias[0]), c01 = c00, c02 = c00;                                  \
    __m256 c10 = _mm256_set1_ps(bias[1]), c11 = c10, c12 = c10;                                  \
    __m256 c20 = _mm256_set1_ps(bias[2]), c21 = c20, c22 = c20;                                  \
    __m256 c30 = _mm256_set1_ps(bias[3]), c31 = c30, c32 = c30;                                  \
    for (long p = 0; p < pairs; p++) {                                                            \
        const uint16_t *step = (STEP_POINTER);                                                    \
        __m256bh b0 = (__m256bh)_mm256_loadu_si256((const __m256i *)step);                        \
        __m256bh b1 = (__m256bh)_mm256_loadu_si256((const __m256i *)(step + 16));                 \
        __m256bh b2 = (__m256bh)_mm256_loadu_si256((const __m256i *)(step + 32));                 \
        const uint32_t *w = a + 4 * p;                                                            \
        __m256bh w0 = (__m256bh)_mm256_set1_epi32((int)w[0]);                                     \
        c00 = _mm256_dpbf16_ps(c00, b0, w0); c01 = _mm256_dpbf16_ps(c01, b1, w0);                 \
        c02 = _mm256_dpbf16_ps(c02, b2, w0);                                                      \
        __m256bh w1 = (__m256bh)_mm256_set1_epi32((int)w[1]);                                     \
        c10 = _mm256_dpbf16_ps(c10, b0, w1); c11 = _mm256_dpbf16_ps(c11, b1, w1);                 \
        c12 = _mm256_dpbf16_ps(c12, b2, w1);                                                      \
        __m256bh w2 = (__m256bh)_mm256_set1_epi32((int)w[2]);                                     \
        c20 = _mm256_dpbf16_ps(c20, b0, w2); c21 = _mm256_dpbf16_ps(c21, b1, w2);                 \
        c22 = _mm256_dpbf16_ps(c22, b2, w2);                                                      \
        __m256bh w3 = (__m256bh)_mm256_set1_epi32((int)w[3]);                                     \
        c30 = _mm256_dpbf16_ps(c30, b0, w3); c31 = _mm256_dpbf16_ps(c31, b1, w3);                 \
        c32 = _mm256_dpbf16_ps(c32, b2, w3);                                                      \
    }                                                                                             \
    /* the activation runs sixteen lanes at a time over the tile in row order */                \
    __m512 v0 = activated16(c00, c01, activation), v1 = activated16(c02, c10, activation);       \
    __m512 v2 = activated16(c11, c12, activation), v3 = activated16(c20, c21, activation);       \
    __m512 v4 = activated16(c22, c30, activation), v5 = activated16(c31, c32, activation);       \
    float *r1 = out + rowStride, *r2 = r1 + rowStride, *r3 = r2 + rowStride;                      \
    put8(out, _mm512_castps512_ps256(v0), adding); put8(out + 8, _mm512_extractf32x8_ps(v0, 1), adding); \
    put8(out + 16, _mm512_castps512_ps256(v1), adding); put8(r1, _mm512_extractf32x8_ps(v1, 1), adding); \
    put8(r1 + 8, _mm512_castps512_ps256(v2), adding); put8(r1 + 16, _mm512_extractf32x8_ps(v2, 1), adding); \
    put8(r2, _mm512_castps512_ps256(v3), adding); put8(r2 + 8, _mm512_extractf32x8_ps(v3, 1), adding); \
    put8(r2 + 16, _mm512_castps512_ps256(v4), adding); put8(r3, _mm512_extractf32x8_ps(v4, 1), adding); \
    put8(r3 + 8, _mm512_castps512_ps256(v5), adding); put8(r3 + 16, _mm512_extractf32x8_ps(v5, 1), adding);

BF16_TARGET void yolo_bf16_tile_packed(long pairs, const uint32_t *a, const uint16_t *b, const float *bias, int activation,
                                       float *out, long rowStride, int adding) {
    BF16_TILE_BODY(b + 48 * p)
}

BF16_TARGET void yolo_bf16_tile_offsets(long pairs, const uint32_t *a, const uint16_t *b, const long *offsets,
                                        const float *bias, int activation, float *out, long rowStride, int adding) {
    BF16_TILE_BODY(b + offsets[p])
}

#else

void yolo_bf16_round(const float *in, uint16_t *out, long count) { (void)in; (void)out; (void)count; }
void yolo_bf16_interleave(const float *even, const float *odd, long count, uint16_t *out) {
    (void)even; (void)odd; (void)count; (void)out;
}
void yolo_bf16_interleave_panels(const float *even, const float *odd, long count, uint16_t *out, long panelStride) {
    (void)even; (void)odd; (void)count; (void)out; (void)panelStride;
}
void yolo_bf16_tile_packed(long pairs, const uint32_t *a, const uint16_t *b, const float *bias, int activation, float *out,
                           long rowStride, int adding) {
    (void)pairs; (void)a; (void)b; (void)bias; (void)activation; (void)out; (void)rowStride; (void)adding;
}
void yolo_bf16_tile_offsets(long pairs, const uint32_t *a, const uint16_t *b, const long *offsets,
                            const float *bias, int activation, float *out, long rowStride, int adding) {
    (void)pairs; (void)a; (void)b; (void)offsets; (void)bias; (void)activation; (void)out; (void)rowStride; (void)adding;
}

#endif
