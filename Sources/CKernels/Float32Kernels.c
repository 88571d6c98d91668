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

static int supportedTier(void) {
#if defined(__x86_64__)
    if (yolo_avx512_supported()) return YOLO_F32_TIER_AVX512;
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return YOLO_F32_TIER_AVX2;
#endif
    return YOLO_F32_TIER_NONE;
}

// Read on every kernel call, from every worker; set at first use (any thread may, all to the
// same value) or by yolo_f32_set_kernel_tier, which tests call between kernels.
static int selectedTier = -1;

int yolo_f32_kernel_tier(void) {
    int tier = __atomic_load_n(&selectedTier, __ATOMIC_RELAXED);
    if (tier < 0) {
        tier = supportedTier();
        __atomic_store_n(&selectedTier, tier, __ATOMIC_RELAXED);
    }
    return tier;
}

int yolo_f32_set_kernel_tier(int tier) {
    int supported = supportedTier();
    int selected = tier < supported ? (tier < 0 ? 0 : tier) : supported;
    __atomic_store_n(&selectedTier, selected, __ATOMIC_RELAXED);
    return selected;
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

// The AVX2 form's k loop is written in assembly: sixteen registers must hold the twelve
// accumulators, the three input vectors and one broadcast weight, and clang's machine scheduler
// (21.0) hoists loads so that the allocator then spills an accumulator and rotates the others
// through register moves at every step (yolov5n's 1×1 layers at 0.7 of the Swift tile's speed).
// Each multiply-add is c += b·w, fused, in k order, as F32_MADD computes it. STEP_ADDRESS is the
// step's first input (an operand expression of the template).
#define F32_AVX2_LOOP(STEP_SETUP, STEP_ADDRESS, STEP_ADVANCE, ...)                                 \
    __asm__ volatile(                                                                             \
        "1:\n\t" STEP_SETUP                                                                        \
        "vmovups 0" STEP_ADDRESS ", %[b0]\n\t"                                                     \
        "vmovups 32" STEP_ADDRESS ", %[b1]\n\t"                                                    \
        "vmovups 64" STEP_ADDRESS ", %[b2]\n\t"                                                    \
        "vbroadcastss (%[a]), %[w]\n\t"                                                           \
        "vfmadd231ps %[w], %[b0], %[c00]\n\t"                                                     \
        "vfmadd231ps %[w], %[b1], %[c01]\n\t"                                                     \
        "vfmadd231ps %[w], %[b2], %[c02]\n\t"                                                     \
        "vbroadcastss 4(%[a]), %[w]\n\t"                                                          \
        "vfmadd231ps %[w], %[b0], %[c10]\n\t"                                                     \
        "vfmadd231ps %[w], %[b1], %[c11]\n\t"                                                     \
        "vfmadd231ps %[w], %[b2], %[c12]\n\t"                                                     \
        "vbroadcastss 8(%[a]), %[w]\n\t"                                                          \
        "vfmadd231ps %[w], %[b0], %[c20]\n\t"                                                     \
        "vfmadd231ps %[w], %[b1], %[c21]\n\t"                                                     \
        "vfmadd231ps %[w], %[b2], %[c22]\n\t"                                                     \
        "vbroadcastss 12(%[a]), %[w]\n\t"                                                         \
        "vfmadd231ps %[w], %[b0], %[c30]\n\t"                                                     \
        "vfmadd231ps %[w], %[b1], %[c31]\n\t"                                                     \
        "vfmadd231ps %[w], %[b2], %[c32]\n\t"                                                     \
        STEP_ADVANCE                                                                              \
        "add $16, %[a]\n\t"                                                                       \
        "dec %[n]\n\t"                                                                            \
        "jnz 1b"                                                                                  \
        : [c00] "+x"(c00), [c01] "+x"(c01), [c02] "+x"(c02), [c10] "+x"(c10), [c11] "+x"(c11),    \
          [c12] "+x"(c12), [c20] "+x"(c20), [c21] "+x"(c21), [c22] "+x"(c22), [c30] "+x"(c30),    \
          [c31] "+x"(c31), [c32] "+x"(c32), [b0] "=&x"(b0), [b1] "=&x"(b1), [b2] "=&x"(b2),       \
          [w] "=&x"(w), [a] "+r"(weights), [n] "+r"(remaining), __VA_ARGS__                       \
        :                                                                                         \
        : "cc", "memory")

YOLO_AVX2_TARGET static void tile_packed_avx2(long steps, const float *a, const float *b, const float *bias,
                                              int activation, float *out, long rowStride, int adding) {
    YOLO_TILE_START(bias)
    if (steps > 0) {
        __m256 b0, b1, b2, w;
        const float *weights = a, *inputs = b;
        long remaining = steps;
        F32_AVX2_LOOP("", "(%[b])", "add $96, %[b]\n\t", [b] "+r"(inputs));
    }
    YOLO_TILE_STORE_AVX2(activation, out, rowStride, adding);
}

YOLO_AVX2_TARGET static void tile_offsets_avx2(long steps, const float *a, const float *b, const long *offsets,
                                               const float *bias, int activation, float *out, long rowStride,
                                               int adding) {
    YOLO_TILE_START(bias)
    if (steps > 0) {
        __m256 b0, b1, b2, w;
        const float *weights = a;
        const long *offset = offsets;
        long remaining = steps, current;
        F32_AVX2_LOOP("mov (%[offset]), %[current]\n\t", "(%[b],%[current],4)", "add $8, %[offset]\n\t",
                      [offset] "+r"(offset), [current] "=&r"(current), [b] "+r"(b));
    }
    YOLO_TILE_STORE_AVX2(activation, out, rowStride, adding);
}

F32_TARGET static void tile_packed_avx512(long steps, const float *a, const float *b, const float *bias, int activation,
                                          float *out, long rowStride, int adding) {
    F32_TILE_BODY(b + 24 * p)
}

void yolo_f32_tile_packed(long steps, const float *a, const float *b, const float *bias, int activation, float *out,
                          long rowStride, int adding) {
    yolo_f32_tiles_packed(1, steps, a, b, bias, activation, out, rowStride, adding);
}

void yolo_f32_tiles_packed(long tiles, long steps, const float *a, const float *b, const float *bias, int activation,
                           float *out, long rowStride, int adding) {
    if (yolo_f32_kernel_tier() == YOLO_F32_TIER_AVX512) {
        for (long t = 0; t < tiles; t++) {
            tile_packed_avx512(steps, a, b + 24 * steps * t, bias, activation, out + 24 * t, rowStride, adding);
        }
    } else {
        for (long t = 0; t < tiles; t++) {
            tile_packed_avx2(steps, a, b + 24 * steps * t, bias, activation, out + 24 * t, rowStride, adding);
        }
    }
}

F32_TARGET static void tile_offsets_avx512(long steps, const float *a, const float *b, const long *offsets,
                                           const float *bias, int activation, float *out, long rowStride, int adding) {
    F32_TILE_BODY(b + offsets[p])
}

void yolo_f32_tile_offsets(long steps, const float *a, const float *b, const long *offsets, const float *bias,
                           int activation, float *out, long rowStride, int adding) {
    if (yolo_f32_kernel_tier() == YOLO_F32_TIER_AVX512) {
        tile_offsets_avx512(steps, a, b, offsets, bias, activation, out, rowStride, adding);
    } else {
        tile_offsets_avx2(steps, a, b, offsets, bias, activation, out, rowStride, adding);
    }
}

F32_TARGET static void activate_avx512(float *values, long count, int activation) {
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

YOLO_AVX2_TARGET static void activate_avx2(float *values, long count, int activation) {
    long i = 0;
    for (; i + 8 <= count; i += 8) {
        _mm256_storeu_ps(values + i, yolo_activate8(_mm256_loadu_ps(values + i), activation));
    }
    if (i < count) {
        __m256i mask = yolo_lanes8(0, count - i);
        __m256 v = _mm256_maskload_ps(values + i, mask);
        _mm256_maskstore_ps(values + i, mask, yolo_activate8(v, activation));
    }
}

void yolo_f32_activate(float *values, long count, int activation) {
    if (yolo_f32_kernel_tier() == YOLO_F32_TIER_AVX512) {
        activate_avx512(values, count, activation);
    } else {
        activate_avx2(values, count, activation);
    }
}

#else

void yolo_f32_activate(float *values, long count, int activation) { (void)values; (void)count; (void)activation; }

void yolo_f32_tile_packed(long steps, const float *a, const float *b, const float *bias, int activation, float *out,
                          long rowStride, int adding) {
    yolo_f32_tiles_packed(1, steps, a, b, bias, activation, out, rowStride, adding);
}
void yolo_f32_tiles_packed(long tiles, long steps, const float *a, const float *b, const float *bias, int activation,
                           float *out, long rowStride, int adding) {
    (void)tiles; (void)steps; (void)a; (void)b; (void)bias; (void)activation; (void)out; (void)rowStride; (void)adding;
}
void yolo_f32_tile_offsets(long steps, const float *a, const float *b, const long *offsets, const float *bias,
                           int activation, float *out, long rowStride, int adding) {
    (void)steps; (void)a; (void)b; (void)offsets; (void)bias; (void)activation; (void)out; (void)rowStride;
    (void)adding;
}

#endif
