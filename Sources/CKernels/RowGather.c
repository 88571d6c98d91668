#include "RowGather.h"

#if defined(__x86_64__)

#include <immintrin.h>

// AVX2 is the baseline the Swift targets are compiled for (x86-64-v3), checked at start.
#define GATHER_TARGET __attribute__((target("avx2")))

// Eight channel vectors of eight positions in, eight position vectors of eight channels out.
GATHER_TARGET static inline void transpose8(__m256 r0, __m256 r1, __m256 r2, __m256 r3, __m256 r4, __m256 r5,
                                            __m256 r6, __m256 r7, float *out, long outStride) {
    __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1);
    __m256 t2 = _mm256_unpacklo_ps(r2, r3), t3 = _mm256_unpackhi_ps(r2, r3);
    __m256 t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5);
    __m256 t6 = _mm256_unpacklo_ps(r6, r7), t7 = _mm256_unpackhi_ps(r6, r7);
    __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE);
    __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE);
    __m256 u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE);
    __m256 u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
    _mm256_storeu_ps(out, _mm256_permute2f128_ps(u0, u4, 0x20));
    _mm256_storeu_ps(out + outStride, _mm256_permute2f128_ps(u1, u5, 0x20));
    _mm256_storeu_ps(out + 2 * outStride, _mm256_permute2f128_ps(u2, u6, 0x20));
    _mm256_storeu_ps(out + 3 * outStride, _mm256_permute2f128_ps(u3, u7, 0x20));
    _mm256_storeu_ps(out + 4 * outStride, _mm256_permute2f128_ps(u0, u4, 0x31));
    _mm256_storeu_ps(out + 5 * outStride, _mm256_permute2f128_ps(u1, u5, 0x31));
    _mm256_storeu_ps(out + 6 * outStride, _mm256_permute2f128_ps(u2, u6, 0x31));
    _mm256_storeu_ps(out + 7 * outStride, _mm256_permute2f128_ps(u3, u7, 0x31));
}

GATHER_TARGET void yolo_gather_rows(const float *planes, long channelStride, long channels, long count, float *rows) {
    long p = 0;
    for (; p + 8 <= count; p += 8) {
        long k = 0;
        for (; k + 8 <= channels; k += 8) {
            const float *in = planes + k * channelStride + p;
            transpose8(_mm256_loadu_ps(in), _mm256_loadu_ps(in + channelStride), _mm256_loadu_ps(in + 2 * channelStride),
                       _mm256_loadu_ps(in + 3 * channelStride), _mm256_loadu_ps(in + 4 * channelStride),
                       _mm256_loadu_ps(in + 5 * channelStride), _mm256_loadu_ps(in + 6 * channelStride),
                       _mm256_loadu_ps(in + 7 * channelStride), rows + p * channels + k, channels);
        }
        for (; k < channels; k++) {
            for (long j = 0; j < 8; j++) rows[(p + j) * channels + k] = planes[k * channelStride + p + j];
        }
    }
    for (; p < count; p++) {
        for (long k = 0; k < channels; k++) rows[p * channels + k] = planes[k * channelStride + p];
    }
}

#else

void yolo_gather_rows(const float *planes, long channelStride, long channels, long count, float *rows) {
    for (long p = 0; p < count; p++) {
        for (long k = 0; k < channels; k++) rows[p * channels + k] = planes[k * channelStride + p];
    }
}

#endif
