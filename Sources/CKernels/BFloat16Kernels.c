#include "BFloat16Kernels.h"

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

#include "TileEpilogue.h"

#define BF16_TARGET __attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,avx512bf16")))

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

// One step loads three vectors of pixel pairs, broadcasts four weight pairs and issues twelve
// dot products, the float32 micro-kernel's proportions with two k per instruction.
#define BF16_MADD(c, b, w) _mm256_dpbf16_ps(c, b, w)
#define BF16_TILE_BODY(STEP_POINTER)                                                              \
    YOLO_TILE_START(bias)                                                                         \
    for (long p = 0; p < pairs; p++) {                                                            \
        const uint16_t *step = (STEP_POINTER);                                                    \
        __m256bh b0 = (__m256bh)_mm256_loadu_si256((const __m256i *)step);                        \
        __m256bh b1 = (__m256bh)_mm256_loadu_si256((const __m256i *)(step + 16));                 \
        __m256bh b2 = (__m256bh)_mm256_loadu_si256((const __m256i *)(step + 32));                 \
        const uint32_t *w = a + 4 * p;                                                            \
        __m256bh w0 = (__m256bh)_mm256_set1_epi32((int)w[0]), w1 = (__m256bh)_mm256_set1_epi32((int)w[1]); \
        __m256bh w2 = (__m256bh)_mm256_set1_epi32((int)w[2]), w3 = (__m256bh)_mm256_set1_epi32((int)w[3]); \
        YOLO_TILE_STEP(BF16_MADD, b0, b1, b2, w0, w1, w2, w3)                                     \
    }                                                                                             \
    YOLO_TILE_STORE(activation, out, rowStride, adding);

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
