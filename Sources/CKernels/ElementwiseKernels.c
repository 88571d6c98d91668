#include "ElementwiseKernels.h"
#include "Float32Kernels.h"

#include <stddef.h>

#if defined(__x86_64__)

#include "LaneMask.h"
#include "TileEpilogue.h"

#define ELEMENTWISE_TARGET __attribute__((target("avx2,fma,avx512f,avx512vl,avx512dq")))

// The low and high eight floats of a vector, widened to float64.
#define LOW_DOUBLES(v) _mm512_cvtps_pd(_mm512_castps512_ps256(v))
#define HIGH_DOUBLES(v) _mm512_cvtps_pd(_mm512_extractf32x8_ps(v, 1))

// Four float64 accumulators folded in a fixed order.
ELEMENTWISE_TARGET static inline double fold4(__m512d a0, __m512d a1, __m512d a2, __m512d a3) {
    return _mm512_reduce_add_pd(_mm512_add_pd(_mm512_add_pd(a0, a1), _mm512_add_pd(a2, a3)));
}

ELEMENTWISE_TARGET static inline __m512 normalized16(__m512 x, __m512 mean, __m512 scale, __m512 shift) {
    return _mm512_add_ps(_mm512_mul_ps(_mm512_sub_ps(x, mean), scale), shift);
}

// f′(x) of SiLU or sigmoid from s = sigmoid(x).
ELEMENTWISE_TARGET static inline __m512 derivative16(__m512 x, int activation) {
    __m512 s = yolo_sigmoid16(x);
    __m512 complement = _mm512_sub_ps(_mm512_set1_ps(1.0f), s);
    if (activation == YOLO_TILE_SIGMOID) return _mm512_mul_ps(s, complement);
    return _mm512_mul_ps(s, _mm512_add_ps(_mm512_set1_ps(1.0f), _mm512_mul_ps(x, complement)));
}

ELEMENTWISE_TARGET static void plane_sum_squares_avx512(const float *x, long count, double *sum, double *squares) {
    __m512d s0 = _mm512_setzero_pd(), s1 = s0, s2 = s0, s3 = s0;
    __m512d q0 = s0, q1 = s0, q2 = s0, q3 = s0;
    long i = 0;
    for (; i + 32 <= count; i += 32) {
        __m512 a = _mm512_loadu_ps(x + i), b = _mm512_loadu_ps(x + i + 16);
        __m512d a0 = LOW_DOUBLES(a), a1 = HIGH_DOUBLES(a), b0 = LOW_DOUBLES(b), b1 = HIGH_DOUBLES(b);
        s0 = _mm512_add_pd(s0, a0); s1 = _mm512_add_pd(s1, a1);
        s2 = _mm512_add_pd(s2, b0); s3 = _mm512_add_pd(s3, b1);
        q0 = _mm512_fmadd_pd(a0, a0, q0); q1 = _mm512_fmadd_pd(a1, a1, q1);
        q2 = _mm512_fmadd_pd(b0, b0, q2); q3 = _mm512_fmadd_pd(b1, b1, q3);
    }
    for (; i < count; i += 16) {
        __m512 a = _mm512_maskz_loadu_ps(yolo_lanes16(0, count - i), x + i);
        __m512d a0 = LOW_DOUBLES(a), a1 = HIGH_DOUBLES(a);
        s0 = _mm512_add_pd(s0, a0); s1 = _mm512_add_pd(s1, a1);
        q0 = _mm512_fmadd_pd(a0, a0, q0); q1 = _mm512_fmadd_pd(a1, a1, q1);
    }
    *sum = fold4(s0, s1, s2, s3);
    *squares = fold4(q0, q1, q2, q3);
}

ELEMENTWISE_TARGET static void plane_normalize_avx512(const float *x, float *y, long count, float mean, float scale,
                                                     float shift, int activation) {
    __m512 meanV = _mm512_set1_ps(mean), scaleV = _mm512_set1_ps(scale), shiftV = _mm512_set1_ps(shift);
    long i = 0;
    for (; i + 16 <= count; i += 16) {
        __m512 v = normalized16(_mm512_loadu_ps(x + i), meanV, scaleV, shiftV);
        _mm512_storeu_ps(y + i, yolo_activate16(v, activation));
    }
    if (i < count) {
        __mmask16 mask = yolo_lanes16(0, count - i);
        __m512 v = normalized16(_mm512_maskz_loadu_ps(mask, x + i), meanV, scaleV, shiftV);
        _mm512_mask_storeu_ps(y + i, mask, yolo_activate16(v, activation));
    }
}

ELEMENTWISE_TARGET static void activation_gradient_avx512(const float *x, const float *dy, float *dx, long count,
                                                         int activation) {
    for (long i = 0; i < count; i += 16) {
        __mmask16 mask = yolo_lanes16(0, count - i);
        __m512 v = _mm512_maskz_loadu_ps(mask, x + i);
        __m512 g = _mm512_maskz_loadu_ps(mask, dy + i);
        _mm512_mask_storeu_ps(dx + i, mask, _mm512_mul_ps(g, derivative16(v, activation)));
    }
}

ELEMENTWISE_TARGET static void batchnorm_gradient_sums_avx512(const float *dz, const float *x, float *gradientOut,
                                                             long count, float mean, float inverseStd, float scale,
                                                             float shift, int activation, double *sumGradient,
                                                             double *sumGradientXhat) {
    __m512 meanV = _mm512_set1_ps(mean), invStdV = _mm512_set1_ps(inverseStd);
    __m512 scaleV = _mm512_set1_ps(scale), shiftV = _mm512_set1_ps(shift);
    __m512d s0 = _mm512_setzero_pd(), s1 = s0, p0 = s0, p1 = s0;
    // sixteen values at `i` into float32 accumulators sa (g) and pa (g·x̂); masked lanes load
    // zeros, so their gradient is 0 and they add nothing
#define GRADIENT_SUMS16(i, mask, sa, pa)                                                           \
    {                                                                                             \
        __m512 v = _mm512_maskz_loadu_ps(mask, x + (i));                                          \
        __m512 g = _mm512_maskz_loadu_ps(mask, dz + (i));                                         \
        if (activation != YOLO_TILE_IDENTITY) {                                                   \
            g = _mm512_mul_ps(g, derivative16(normalized16(v, meanV, scaleV, shiftV), activation)); \
            _mm512_mask_storeu_ps(gradientOut + (i), mask, g);                                    \
        }                                                                                         \
        sa = _mm512_add_ps(sa, g);                                                                \
        pa = _mm512_fmadd_ps(g, _mm512_mul_ps(_mm512_sub_ps(v, meanV), invStdV), pa);             \
    }
    // each lane sums at most GRADIENT_BLOCK / 16 values in float32 before they are widened to
    // float64: widening every vector cost a tenth of the pass
    enum { GRADIENT_BLOCK = 256 };
    long i = 0;
    while (i < count) {
        __m512 sa = _mm512_setzero_ps(), sb = sa, pa = sa, pb = sa;
        long blockEnd = count - i > GRADIENT_BLOCK ? i + GRADIENT_BLOCK : count;
        for (; i + 32 <= blockEnd; i += 32) {
            GRADIENT_SUMS16(i, (__mmask16)0xFFFF, sa, pa)
            GRADIENT_SUMS16(i + 16, (__mmask16)0xFFFF, sb, pb)
        }
        for (; i < blockEnd; i += 16) GRADIENT_SUMS16(i, yolo_lanes16(0, blockEnd - i), sa, pa)
        __m512 sums = _mm512_add_ps(sa, sb), products = _mm512_add_ps(pa, pb);
        s0 = _mm512_add_pd(s0, LOW_DOUBLES(sums)); s1 = _mm512_add_pd(s1, HIGH_DOUBLES(sums));
        p0 = _mm512_add_pd(p0, LOW_DOUBLES(products)); p1 = _mm512_add_pd(p1, HIGH_DOUBLES(products));
    }
#undef GRADIENT_SUMS16
    *sumGradient = _mm512_reduce_add_pd(_mm512_add_pd(s0, s1));
    *sumGradientXhat = _mm512_reduce_add_pd(_mm512_add_pd(p0, p1));
}

ELEMENTWISE_TARGET static void batchnorm_input_gradient_avx512(const float *g, const float *x, float *dx, long count,
                                                              float mean, float inverseStd, float scale,
                                                              float meanGradient, float meanGradientXhat) {
    __m512 meanV = _mm512_set1_ps(mean), invStdV = _mm512_set1_ps(inverseStd), scaleV = _mm512_set1_ps(scale);
    __m512 meanGradientV = _mm512_set1_ps(meanGradient), meanGradientXhatV = _mm512_set1_ps(meanGradientXhat);
    for (long i = 0; i < count; i += 16) {
        __mmask16 mask = yolo_lanes16(0, count - i);
        __m512 xHat = _mm512_mul_ps(_mm512_sub_ps(_mm512_maskz_loadu_ps(mask, x + i), meanV), invStdV);
        __m512 centred = _mm512_sub_ps(_mm512_maskz_loadu_ps(mask, g + i), meanGradientV);
        __m512 value = _mm512_mul_ps(scaleV, _mm512_sub_ps(centred, _mm512_mul_ps(xHat, meanGradientXhatV)));
        _mm512_mask_storeu_ps(dx + i, mask, value);
    }
}


// The AVX2 tier: the same passes eight lanes wide. Float64 sums over four-lane accumulators
// (eight of them for Σx and Σx², as above), and batch norm's gradient sums in blocks of 128, so
// that each of the eight lanes again adds at most sixteen terms in float32.
#define AVX2_TARGET __attribute__((target("avx2,fma")))

AVX2_TARGET static inline double fold4_avx2(__m256d a0, __m256d a1, __m256d a2, __m256d a3) {
    __m256d sum = _mm256_add_pd(_mm256_add_pd(a0, a1), _mm256_add_pd(a2, a3));
    __m128d pair = _mm_add_pd(_mm256_castpd256_pd128(sum), _mm256_extractf128_pd(sum, 1));
    return _mm_cvtsd_f64(_mm_add_sd(pair, _mm_unpackhi_pd(pair, pair)));
}

AVX2_TARGET static inline __m256 normalized8(__m256 x, __m256 mean, __m256 scale, __m256 shift) {
    return _mm256_add_ps(_mm256_mul_ps(_mm256_sub_ps(x, mean), scale), shift);
}

AVX2_TARGET static inline __m256 derivative8(__m256 x, int activation) {
    __m256 s = yolo_sigmoid8(x);
    __m256 complement = _mm256_sub_ps(_mm256_set1_ps(1.0f), s);
    if (activation == YOLO_TILE_SIGMOID) return _mm256_mul_ps(s, complement);
    return _mm256_mul_ps(s, _mm256_add_ps(_mm256_set1_ps(1.0f), _mm256_mul_ps(x, complement)));
}

#define LOW_DOUBLES8(v) _mm256_cvtps_pd(_mm256_castps256_ps128(v))
#define HIGH_DOUBLES8(v) _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1))

AVX2_TARGET static void plane_sum_squares_avx2(const float *x, long count, double *sum, double *squares) {
    __m256d s0 = _mm256_setzero_pd(), s1 = s0, s2 = s0, s3 = s0;
    __m256d q0 = s0, q1 = s0, q2 = s0, q3 = s0;
    long i = 0;
    for (; i + 16 <= count; i += 16) {
        __m256 a = _mm256_loadu_ps(x + i), b = _mm256_loadu_ps(x + i + 8);
        __m256d a0 = LOW_DOUBLES8(a), a1 = HIGH_DOUBLES8(a), b0 = LOW_DOUBLES8(b), b1 = HIGH_DOUBLES8(b);
        s0 = _mm256_add_pd(s0, a0); s1 = _mm256_add_pd(s1, a1);
        s2 = _mm256_add_pd(s2, b0); s3 = _mm256_add_pd(s3, b1);
        q0 = _mm256_fmadd_pd(a0, a0, q0); q1 = _mm256_fmadd_pd(a1, a1, q1);
        q2 = _mm256_fmadd_pd(b0, b0, q2); q3 = _mm256_fmadd_pd(b1, b1, q3);
    }
    for (; i < count; i += 8) {
        __m256 a = _mm256_maskload_ps(x + i, yolo_lanes8(0, count - i));
        __m256d a0 = LOW_DOUBLES8(a), a1 = HIGH_DOUBLES8(a);
        s0 = _mm256_add_pd(s0, a0); s1 = _mm256_add_pd(s1, a1);
        q0 = _mm256_fmadd_pd(a0, a0, q0); q1 = _mm256_fmadd_pd(a1, a1, q1);
    }
    *sum = fold4_avx2(s0, s1, s2, s3);
    *squares = fold4_avx2(q0, q1, q2, q3);
}

AVX2_TARGET static void plane_normalize_avx2(const float *x, float *y, long count, float mean, float scale, float shift,
                                             int activation) {
    __m256 meanV = _mm256_set1_ps(mean), scaleV = _mm256_set1_ps(scale), shiftV = _mm256_set1_ps(shift);
    long i = 0;
    for (; i + 8 <= count; i += 8) {
        __m256 v = normalized8(_mm256_loadu_ps(x + i), meanV, scaleV, shiftV);
        _mm256_storeu_ps(y + i, yolo_activate8(v, activation));
    }
    if (i < count) {
        __m256i mask = yolo_lanes8(0, count - i);
        __m256 v = normalized8(_mm256_maskload_ps(x + i, mask), meanV, scaleV, shiftV);
        _mm256_maskstore_ps(y + i, mask, yolo_activate8(v, activation));
    }
}

AVX2_TARGET static void activation_gradient_avx2(const float *x, const float *dy, float *dx, long count,
                                                 int activation) {
    for (long i = 0; i < count; i += 8) {
        __m256i mask = yolo_lanes8(0, count - i);
        __m256 v = _mm256_maskload_ps(x + i, mask);
        __m256 g = _mm256_maskload_ps(dy + i, mask);
        _mm256_maskstore_ps(dx + i, mask, _mm256_mul_ps(g, derivative8(v, activation)));
    }
}

AVX2_TARGET static void batchnorm_gradient_sums_avx2(const float *dz, const float *x, float *gradientOut, long count,
                                                     float mean, float inverseStd, float scale, float shift,
                                                     int activation, double *sumGradient, double *sumGradientXhat) {
    __m256 meanV = _mm256_set1_ps(mean), invStdV = _mm256_set1_ps(inverseStd);
    __m256 scaleV = _mm256_set1_ps(scale), shiftV = _mm256_set1_ps(shift);
    __m256d s0 = _mm256_setzero_pd(), s1 = s0, p0 = s0, p1 = s0;
    // full vectors load and store plainly (Zen 3's masked store is several times slower)
#define GRADIENT_SUMS8(i, mask, sa, pa)                                                            \
    {                                                                                             \
        int full = (mask) == NULL;                                                                \
        __m256 v = full ? _mm256_loadu_ps(x + (i)) : _mm256_maskload_ps(x + (i), *(mask));        \
        __m256 g = full ? _mm256_loadu_ps(dz + (i)) : _mm256_maskload_ps(dz + (i), *(mask));      \
        if (activation != YOLO_TILE_IDENTITY) {                                                   \
            g = _mm256_mul_ps(g, derivative8(normalized8(v, meanV, scaleV, shiftV), activation)); \
            if (full) _mm256_storeu_ps(gradientOut + (i), g);                                     \
            else _mm256_maskstore_ps(gradientOut + (i), *(mask), g);                              \
        }                                                                                         \
        sa = _mm256_add_ps(sa, g);                                                                \
        pa = _mm256_fmadd_ps(g, _mm256_mul_ps(_mm256_sub_ps(v, meanV), invStdV), pa);             \
    }
    enum { GRADIENT_BLOCK = 128 };
    const __m256i *all = NULL;
    long i = 0;
    while (i < count) {
        __m256 sa = _mm256_setzero_ps(), sb = sa, pa = sa, pb = sa;
        long blockEnd = count - i > GRADIENT_BLOCK ? i + GRADIENT_BLOCK : count;
        for (; i + 16 <= blockEnd; i += 16) {
            GRADIENT_SUMS8(i, all, sa, pa)
            GRADIENT_SUMS8(i + 8, all, sb, pb)
        }
        for (; i < blockEnd; i += 8) {
            __m256i lanes = yolo_lanes8(0, blockEnd - i);
            const __m256i *tail = &lanes;
            GRADIENT_SUMS8(i, tail, sa, pa)
        }
        __m256 sums = _mm256_add_ps(sa, sb), products = _mm256_add_ps(pa, pb);
        s0 = _mm256_add_pd(s0, LOW_DOUBLES8(sums)); s1 = _mm256_add_pd(s1, HIGH_DOUBLES8(sums));
        p0 = _mm256_add_pd(p0, LOW_DOUBLES8(products)); p1 = _mm256_add_pd(p1, HIGH_DOUBLES8(products));
    }
#undef GRADIENT_SUMS8
    __m256d zero = _mm256_setzero_pd();
    *sumGradient = fold4_avx2(s0, s1, zero, zero);
    *sumGradientXhat = fold4_avx2(p0, p1, zero, zero);
}

AVX2_TARGET static void batchnorm_input_gradient_avx2(const float *g, const float *x, float *dx, long count, float mean,
                                                      float inverseStd, float scale, float meanGradient,
                                                      float meanGradientXhat) {
    __m256 meanV = _mm256_set1_ps(mean), invStdV = _mm256_set1_ps(inverseStd), scaleV = _mm256_set1_ps(scale);
    __m256 meanGradientV = _mm256_set1_ps(meanGradient), meanGradientXhatV = _mm256_set1_ps(meanGradientXhat);
    for (long i = 0; i < count; i += 8) {
        __m256i mask = yolo_lanes8(0, count - i);
        __m256 xHat = _mm256_mul_ps(_mm256_sub_ps(_mm256_maskload_ps(x + i, mask), meanV), invStdV);
        __m256 centred = _mm256_sub_ps(_mm256_maskload_ps(g + i, mask), meanGradientV);
        __m256 value = _mm256_mul_ps(scaleV, _mm256_sub_ps(centred, _mm256_mul_ps(xHat, meanGradientXhatV)));
        _mm256_maskstore_ps(dx + i, mask, value);
    }
}

static int onAVX512(void) { return yolo_f32_kernel_tier() == YOLO_F32_TIER_AVX512; }

void yolo_plane_sum_squares(const float *x, long count, double *sum, double *squares) {
    if (onAVX512()) plane_sum_squares_avx512(x, count, sum, squares);
    else plane_sum_squares_avx2(x, count, sum, squares);
}

void yolo_plane_normalize(const float *x, float *y, long count, float mean, float scale, float shift, int activation) {
    if (onAVX512()) plane_normalize_avx512(x, y, count, mean, scale, shift, activation);
    else plane_normalize_avx2(x, y, count, mean, scale, shift, activation);
}

void yolo_activation_gradient(const float *x, const float *dy, float *dx, long count, int activation) {
    if (onAVX512()) activation_gradient_avx512(x, dy, dx, count, activation);
    else activation_gradient_avx2(x, dy, dx, count, activation);
}

void yolo_batchnorm_gradient_sums(const float *dz, const float *x, float *gradientOut, long count, float mean,
                                  float inverseStd, float scale, float shift, int activation, double *sumGradient,
                                  double *sumGradientXhat) {
    if (onAVX512()) {
        batchnorm_gradient_sums_avx512(dz, x, gradientOut, count, mean, inverseStd, scale, shift, activation,
                                       sumGradient, sumGradientXhat);
    } else {
        batchnorm_gradient_sums_avx2(dz, x, gradientOut, count, mean, inverseStd, scale, shift, activation,
                                     sumGradient, sumGradientXhat);
    }
}

void yolo_batchnorm_input_gradient(const float *g, const float *x, float *dx, long count, float mean, float inverseStd,
                                   float scale, float meanGradient, float meanGradientXhat) {
    if (onAVX512()) {
        batchnorm_input_gradient_avx512(g, x, dx, count, mean, inverseStd, scale, meanGradient, meanGradientXhat);
    } else {
        batchnorm_input_gradient_avx2(g, x, dx, count, mean, inverseStd, scale, meanGradient, meanGradientXhat);
    }
}

#else

void yolo_plane_sum_squares(const float *x, long count, double *sum, double *squares) {
    (void)x; (void)count; *sum = 0; *squares = 0;
}
void yolo_plane_normalize(const float *x, float *y, long count, float mean, float scale, float shift, int activation) {
    (void)x; (void)y; (void)count; (void)mean; (void)scale; (void)shift; (void)activation;
}
void yolo_activation_gradient(const float *x, const float *dy, float *dx, long count, int activation) {
    (void)x; (void)dy; (void)dx; (void)count; (void)activation;
}
void yolo_batchnorm_gradient_sums(const float *dz, const float *x, float *gradientOut, long count, float mean,
                                  float inverseStd, float scale, float shift, int activation, double *sumGradient,
                                  double *sumGradientXhat) {
    (void)dz; (void)x; (void)gradientOut; (void)count; (void)mean; (void)inverseStd; (void)scale; (void)shift;
    (void)activation; *sumGradient = 0; *sumGradientXhat = 0;
}
void yolo_batchnorm_input_gradient(const float *g, const float *x, float *dx, long count, float mean, float inverseStd,
                                   float scale, float meanGradient, float meanGradientXhat) {
    (void)g; (void)x; (void)dx; (void)count; (void)mean; (void)inverseStd; (void)scale; (void)meanGradient;
    (void)meanGradientXhat;
}

#endif
