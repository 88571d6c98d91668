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

#include "LaneMask.h"
#include "TileEpilogue.h"

#define F32_TARGET __attribute__((target("avx2,fma,avx512f,avx512vl,avx512dq")))

// One step loads three vectors of pixels, broadcasts four weights and issues twelve fused
// multiply-adds, as MicroTile.step does. No contraction or reassociation is possible here (each
// sum is an explicit fma chain in k order).
#define F32_MADD(c, b, w) _mm256_fmadd_ps(b, w, c)
#define F32_TILE_BODY(STEP_POINTER)                                                               \
    YOLO_TILE_START(bias)                                                                         \
    for (long p = 0; p < steps; p++) {                                                            \
        const float *step = (STEP_POINTER);                                                       \
        __m256 b0 = _mm256_loadu_ps(step), b1 = _mm256_loadu_ps(step + 8);                       \
        __m256 b2 = _mm256_loadu_ps(step + 16);                                                   \
        const float *w = a + 4 * p;                                                               \
        __m256 w0 = _mm256_broadcast_ss(w), w1 = _mm256_broadcast_ss(w + 1);                     \
        __m256 w2 = _mm256_broadcast_ss(w + 2), w3 = _mm256_broadcast_ss(w + 3);                 \
        YOLO_TILE_STEP(F32_MADD, b0, b1, b2, w0, w1, w2, w3)                                      \
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

F32_TARGET void yolo_f32_activate(float *values, long count, int activation) {
    long i = 0;
    for (; i + 16 <= count; i += 16) {
        __m512 v = _mm512_loadu_ps(values + i);
        _mm512_storeu_ps(values + i, yolo_activate16(v, activation));
    }
    if (i < count) {
        __mmask16 mask = yolo_lanes16(0, count - i);
        __m512 v = _mm512_maskz_loadu_ps(mask, values + i);
        _mm512_mask_storeu_ps(values + i, mask, yolo_activate16(v, activation));
    }
}

#else

void yolo_f32_activate(float *values, long count, int activation) { (void)values; (void)count; (void)activation; }

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
