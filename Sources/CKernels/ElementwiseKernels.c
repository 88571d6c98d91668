#include "ElementwiseKernels.h"

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

ELEMENTWISE_TARGET void yolo_plane_sum_squares(const float *x, long count, double *sum, double *squares) {
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

ELEMENTWISE_TARGET void yolo_plane_normalize(const float *x, float *y, long count, float mean, float scale, float shift,
                                             int activation) {
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

ELEMENTWISE_TARGET void yolo_activation_gradient(const float *x, const float *dy, float *dx, long count, int activation) {
    for (long i = 0; i < count; i += 16) {
        __mmask16 mask = yolo_lanes16(0, count - i);
        __m512 v = _mm512_maskz_loadu_ps(mask, x + i);
        __m512 g = _mm512_maskz_loadu_ps(mask, dy + i);
        _mm512_mask_storeu_ps(dx + i, mask, _mm512_mul_ps(g, derivative16(v, activation)));
    }
}

ELEMENTWISE_TARGET void yolo_batchnorm_gradient_sums(const float *dz, const float *x, float *gradientOut, long count,
                                                     float mean, float inverseStd, float scale, float shift,
                                                     int activation, double *sumGradient, double *sumGradientXhat) {
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

ELEMENTWISE_TARGET void yolo_batchnorm_input_gradient(const float *g, const float *x, float *dx, long count, float mean,
                                                      float inverseStd, float scale, float meanGradient,
                                                      float meanGradientXhat) {
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
