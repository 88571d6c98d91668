#include "Float32Kernels.h"

int yolo_avx512_supported(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl")
        && __builtin_cpu_supports("avx512dq");
#else
    return 0;
#endif
}

#if defined(__x86_64__)

#include "TileEpilogue.h"

#define F32_TARGET __attribute__((target("avx2,fma,avx512f,avx512vl,avx512dq")))

// Twelve accumulators (4 rows x 3 vectors of 8 pixels): one step loads three vectors of pixels,
// broadcasts four weights and issues twelve fused multiply-adds, as MicroTile.step does. No
// contraction or reassociation is possible here (each sum is an explicit fma chain in k order).
#define F32_TILE_BODY(STEP_POINTER)                                                               \
    __m256 c00 = _mm256_set1_ps(bias[0]), c01 = c00, c02 = c00;                                  \
    __m256 c10 = _mm256_set1_ps(bias[1]), c11 = c10, c12 = c10;                                  \
    __m256 c20 = _mm256_set1_ps(bias[2]), c21 = c20, c22 = c20;                                  \
    __m256 c30 = _mm256_set1_ps(bias[3]), c31 = c30, c32 = c30;                                  \
    for (long p = 0; p < steps; p++) {                                                            \
        const float *step = (STEP_POINTER);                                                       \
        __m256 b0 = _mm256_loadu_ps(step), b1 = _mm256_loadu_ps(step + 8);                       \
        __m256 b2 = _mm256_loadu_ps(step + 16);                                                   \
        const float *w = a + 4 * p;                                                               \
        __m256 w0 = _mm256_broadcast_ss(w);                                                       \
        c00 = _mm256_fmadd_ps(b0, w0, c00); c01 = _mm256_fmadd_ps(b1, w0, c01);                   \
        c02 = _mm256_fmadd_ps(b2, w0, c02);                                                       \
        __m256 w1 = _mm256_broadcast_ss(w + 1);                                                   \
        c10 = _mm256_fmadd_ps(b0, w1, c10); c11 = _mm256_fmadd_ps(b1, w1, c11);                   \
        c12 = _mm256_fmadd_ps(b2, w1, c12);                                                       \
        __m256 w2 = _mm256_broadcast_ss(w + 2);                                                   \
        c20 = _mm256_fmadd_ps(b0, w2, c20); c21 = _mm256_fmadd_ps(b1, w2, c21);                   \
        c22 = _mm256_fmadd_ps(b2, w2, c22);                                                       \
        __m256 w3 = _mm256_broadcast_ss(w + 3);                                                   \
        c30 = _mm256_fmadd_ps(b0, w3, c30); c31 = _mm256_fmadd_ps(b1, w3, c31);                   \
        c32 = _mm256_fmadd_ps(b2, w3, c32);                                                       \
    }                                                                                             \
    YOLO_TILE_STORE(activation, out, rowStride, adding);

F32_TARGET void yolo_f32_tile_packed(long steps, const float *a, const float *b, const float *bias, int activation,
                                     float *out, long rowStride, int adding) {
    F32_TILE_BODY(b + 24 * p)
}

F32_TARGET void yolo_f32_tile_offsets(long steps, const float *a, const float *b, const long *offsets,
                                      const float *bias, int activation, float *out, long rowStride, int adding) {
    F32_TILE_BODY(b + offsets[p])
}

#else

void yolo_f32_tile_packed(long steps, const float *a, const float *b, const float *bias, int activation, float *out,
                          long rowStride, int adding) {
    (void)steps; (void)a; (void)b; (void)bias; (void)activation; (void)out; (void)rowStride; (void)adding;
}
void yolo_f32_tile_offsets(long steps, const float *a, const float *b, const long *offsets, const float *bias,
                           int activation, float *out, long rowStride, int adding) {
    (void)steps; (void)a; (void)b; (void)offsets; (void)bias; (void)activation; (void)out; (void)rowStride;
    (void)adding;
}

#endif
