#include "DirectKernels.h"
#include "Float32Kernels.h"

static void window_copy_scalar(const float *map, long channels, long height, long width, long firstRow, long rows,
                               long firstColumn, long columns, float *window) {
    for (long c = 0; c < channels; c++) {
        for (long r = firstRow; r < firstRow + rows; r++, window += columns) {
            for (long j = 0; j < columns; j++) {
                long column = firstColumn + j;
                int inside = r >= 0 && r < height && column >= 0 && column < width;
                window[j] = inside ? map[(c * height + r) * width + column] : 0.0f;
            }
        }
    }
}

#if defined(__x86_64__)

#include "LaneMask.h"
#include "TileEpilogue.h"
#include "Transpose8.h"

#define DIRECT_TARGET __attribute__((target("avx2,fma,avx512f,avx512vl,avx512dq")))

// Pixel j's accumulator takes the tap's input value (stride·j floats on) times the sixteen
// weights.
#define DIRECT_MADD(j) a##j = _mm512_fmadd_ps(_mm512_set1_ps(tap[stride * (j)]), w, a##j);

// The sums of the first PIXELS accumulators over every tap (the others keep the bias).
#define DIRECT_SUMS(PIXELS)                                                                        \
    for (long c = 0; c < channels; c++) {                                                          \
        for (long ky = 0; ky < kernel; ky++) {                                                     \
            const float *row = window + c * channelStride + ky * rowStride;                        \
            /* the row's floats 24 pixels on (two or three tiles), which the hardware's */         \
            /* prefetcher, with a stream per channel and row, does not bring in time */            \
            /* (yolov5n's second layer, one thread: 3.0 → 2.7 ms) */                              \
            _mm_prefetch((const char *)(row + 24 * stride), _MM_HINT_T0);                          \
            for (long kx = 0; kx < kernel; kx++) {                                                 \
                const float *tap = row + kx;                                                       \
                __m512 w = _mm512_loadu_ps(w16);                                                   \
                w16 += 16;                                                                         \
                DIRECT_MADD(0) DIRECT_MADD(1) DIRECT_MADD(2) DIRECT_MADD(3)                        \
                if ((PIXELS) > 4) DIRECT_MADD(4)                                                   \
                if ((PIXELS) > 5) DIRECT_MADD(5)                                                   \
                if ((PIXELS) > 6) DIRECT_MADD(6)                                                   \
                if ((PIXELS) > 7) DIRECT_MADD(7)                                                   \
            }                                                                                      \
        }                                                                                          \
    }

// The tile at a stride the callers below make a constant.
DIRECT_TARGET static inline __attribute__((always_inline)) void
direct_tile(const float *window, long channels, long channelStride, long rowStride, long kernel, const long stride,
            const float *weights, const float *bias, int activation, float *out, long outChannelStride,
            long validChannels, long validPixels, int adding) {
    __m512 start = _mm512_loadu_ps(bias);
    __m512 a0 = start, a1 = start, a2 = start, a3 = start, a4 = start, a5 = start, a6 = start, a7 = start;
    const float *w16 = weights;
    // only the pixels asked for (at least four: the multiply-adds' latency needs four chains),
    // so a row of 10 runs as 5 + 5 rather than 8 + 4
    switch (validPixels) {
    case 8: DIRECT_SUMS(8) break;
    case 7: DIRECT_SUMS(7) break;
    case 6: DIRECT_SUMS(6) break;
    case 5: DIRECT_SUMS(5) break;
    default: DIRECT_SUMS(4) break;
    }
    // pixel-major accumulators to one vector of eight pixels per output channel
    __m256 low0 = _mm512_castps512_ps256(a0), low1 = _mm512_castps512_ps256(a1);
    __m256 low2 = _mm512_castps512_ps256(a2), low3 = _mm512_castps512_ps256(a3);
    __m256 low4 = _mm512_castps512_ps256(a4), low5 = _mm512_castps512_ps256(a5);
    __m256 low6 = _mm512_castps512_ps256(a6), low7 = _mm512_castps512_ps256(a7);
    __m256 high0 = _mm512_extractf32x8_ps(a0, 1), high1 = _mm512_extractf32x8_ps(a1, 1);
    __m256 high2 = _mm512_extractf32x8_ps(a2, 1), high3 = _mm512_extractf32x8_ps(a3, 1);
    __m256 high4 = _mm512_extractf32x8_ps(a4, 1), high5 = _mm512_extractf32x8_ps(a5, 1);
    __m256 high6 = _mm512_extractf32x8_ps(a6, 1), high7 = _mm512_extractf32x8_ps(a7, 1);
    YOLO_TRANSPOSE8(low0, low1, low2, low3, low4, low5, low6, low7);
    YOLO_TRANSPOSE8(high0, high1, high2, high3, high4, high5, high6, high7);
    __m256 channelRows[16] = {low0, low1, low2, low3, low4, low5, low6, low7,
                              high0, high1, high2, high3, high4, high5, high6, high7};
    __mmask8 pixels = (__mmask8)((1u << validPixels) - 1);
    for (long o = 0; o < validChannels; o += 2) {
        __m512 pair = yolo_activated16(channelRows[o], channelRows[o + 1], activation);
        float *first = out + o * outChannelStride, *second = first + outChannelStride;
        __m256 v0 = _mm512_castps512_ps256(pair), v1 = _mm512_extractf32x8_ps(pair, 1);
        if (adding) v0 = _mm256_add_ps(v0, _mm256_maskz_loadu_ps(pixels, first));
        _mm256_mask_storeu_ps(first, pixels, v0);
        if (o + 1 < validChannels) {
            if (adding) v1 = _mm256_add_ps(v1, _mm256_maskz_loadu_ps(pixels, second));
            _mm256_mask_storeu_ps(second, pixels, v1);
        }
    }
}

DIRECT_TARGET static void direct_avx512(const float *window, long channels, long channelStride, long rowStride,
                                        long kernel, long stride, const float *weights, const float *bias,
                                        int activation, float *out, long outChannelStride, long validChannels,
                                        long validPixels, int adding) {
    if (stride == 2) {
        direct_tile(window, channels, channelStride, rowStride, kernel, 2, weights, bias, activation, out,
                    outChannelStride, validChannels, validPixels, adding);
    } else {
        direct_tile(window, channels, channelStride, rowStride, kernel, 1, weights, bias, activation, out,
                    outChannelStride, validChannels, validPixels, adding);
    }
}

// The AVX2 tier. Sixteen channels take two eight-lane accumulators per pixel, so sixteen
// registers hold only six pixels' sums (with the two weight vectors and the broadcast input,
// fifteen of sixteen): a tile is computed in passes of four to six pixels (one pass for the
// tiles of at most six that DirectConvolution gives this tier), each into a pixel-major buffer,
// and transposed from there. Every sum is the same fused multiply-add chain
// as in the AVX-512 tile, so the two tiers agree bit for bit before the activation.
// The input value is broadcast by an opaque instruction: where a 3×3 kernel's taps are
// written out, clang would otherwise notice that at stride 2 pixel j's third tap is pixel
// j + 1's first, keep such broadcasts in registers from tap to tap and spill accumulators.
#define DIRECT8_MADD(j)                                                                             \
    {                                                                                              \
        __m256 value;                                                                              \
        __asm__ volatile("vbroadcastss %1, %0" : "=x"(value) : "m"(tap[stride * (j)]));          \
        low##j = _mm256_fmadd_ps(value, wLow, low##j);                                             \
        high##j = _mm256_fmadd_ps(value, wHigh, high##j);                                          \
    }

#define DIRECT8_STORE(j) _mm256_store_ps(sums + 16 * (j), low##j); _mm256_store_ps(sums + 16 * (j) + 8, high##j);

// Tap kx of a kernel row for PIXELS pixels.
#define DIRECT8_TAP(kx, PIXELS)                                                                     \
    {                                                                                              \
        const float *tap = row + (kx);                                                             \
        __m256 wLow = _mm256_loadu_ps(w16), wHigh = _mm256_loadu_ps(w16 + 8);                      \
        w16 += 16;                                                                                 \
        DIRECT8_MADD(0) DIRECT8_MADD(1) DIRECT8_MADD(2) DIRECT8_MADD(3)                            \
        if ((PIXELS) > 4) DIRECT8_MADD(4)                                                          \
        if ((PIXELS) > 5) DIRECT8_MADD(5)                                                          \
    }

// Pixels first ..< first + PIXELS (4 to 6) into sums (16 floats a pixel). A 3×3 kernel's row is
// written out as three taps, not looped over: the tile alone on yolov5n's stride-2 shapes took
// 0.81–0.87 of the time (interleaved in one process, Zen 3), yolov5n 0.977 at 640 and 0.979
// at 320 (in-process A/B, 300 pairs).
#define DIRECT8_PASS(first, PIXELS)                                                                 \
    {                                                                                              \
        __m256 low0 = biasLow, low1 = biasLow, low2 = biasLow, low3 = biasLow, low4 = biasLow;    \
        __m256 low5 = biasLow;                                                                     \
        __m256 high0 = biasHigh, high1 = biasHigh, high2 = biasHigh, high3 = biasHigh;            \
        __m256 high4 = biasHigh, high5 = biasHigh;                                                 \
        const float *w16 = weights;                                                                \
        for (long c = 0; c < channels; c++) {                                                      \
            for (long ky = 0; ky < kernel; ky++) {                                                 \
                const float *row = window + stride * (first) + c * channelStride + ky * rowStride; \
                _mm_prefetch((const char *)(row + 24 * stride), _MM_HINT_T0);                      \
                if (kernel == 3) {                                                                 \
                    DIRECT8_TAP(0, PIXELS) DIRECT8_TAP(1, PIXELS) DIRECT8_TAP(2, PIXELS)           \
                } else {                                                                           \
                    for (long kx = 0; kx < kernel; kx++) DIRECT8_TAP(kx, PIXELS)                   \
                }                                                                                  \
            }                                                                                      \
        }                                                                                          \
        float *sums = pixelSums + 16 * (first);                                                    \
        DIRECT8_STORE(0) DIRECT8_STORE(1) DIRECT8_STORE(2) DIRECT8_STORE(3)                        \
        if ((PIXELS) > 4) { DIRECT8_STORE(4) }                                                     \
        if ((PIXELS) > 5) { DIRECT8_STORE(5) }                                                     \
    }

YOLO_AVX2_TARGET static inline __attribute__((always_inline)) void
direct_tile_avx2(const float *window, long channels, long channelStride, long rowStride, long kernel, const long stride,
                 const float *weights, const float *bias, int activation, float *out, long outChannelStride,
                 long validChannels, long validPixels, int adding) {
    __attribute__((aligned(32))) float pixelSums[8 * 16];
    __m256 biasLow = _mm256_loadu_ps(bias), biasHigh = _mm256_loadu_ps(bias + 8);
    // the passes read the taps of max(4, validPixels) pixels only; seven run as 0–3 and 3–6
    // (pixel 3 twice, the same sum)
    long computed = validPixels < 4 ? 4 : validPixels;
    switch (validPixels) {
    case 8: DIRECT8_PASS(0, 4) DIRECT8_PASS(4, 4) break;
    case 7: DIRECT8_PASS(0, 4) DIRECT8_PASS(3, 4) break;
    case 6: DIRECT8_PASS(0, 6) break;
    case 5: DIRECT8_PASS(0, 5) break;
    default: DIRECT8_PASS(0, 4) break;
    }
    // pixel-major sums to one vector of eight pixels per output channel (pixels not computed
    // are zeros, never stored)
#define DIRECT8_ROW(j, half) ((j) < computed ? _mm256_load_ps(pixelSums + 16 * (j) + (half)) : _mm256_setzero_ps())
    __m256 low0 = DIRECT8_ROW(0, 0), low1 = DIRECT8_ROW(1, 0), low2 = DIRECT8_ROW(2, 0), low3 = DIRECT8_ROW(3, 0);
    __m256 low4 = DIRECT8_ROW(4, 0), low5 = DIRECT8_ROW(5, 0), low6 = DIRECT8_ROW(6, 0), low7 = DIRECT8_ROW(7, 0);
    __m256 high0 = DIRECT8_ROW(0, 8), high1 = DIRECT8_ROW(1, 8), high2 = DIRECT8_ROW(2, 8), high3 = DIRECT8_ROW(3, 8);
    __m256 high4 = DIRECT8_ROW(4, 8), high5 = DIRECT8_ROW(5, 8), high6 = DIRECT8_ROW(6, 8), high7 = DIRECT8_ROW(7, 8);
#undef DIRECT8_ROW
    YOLO_TRANSPOSE8(low0, low1, low2, low3, low4, low5, low6, low7);
    YOLO_TRANSPOSE8(high0, high1, high2, high3, high4, high5, high6, high7);
    __m256 channelRows[16] = {low0, low1, low2, low3, low4, low5, low6, low7,
                              high0, high1, high2, high3, high4, high5, high6, high7};
    __m256i pixels = yolo_lanes8(0, validPixels);
    for (long o = 0; o < validChannels; o++) {
        float *target = out + o * outChannelStride;
        __m256 v = yolo_activate8(channelRows[o], activation);
        if (adding) v = _mm256_add_ps(v, _mm256_maskload_ps(target, pixels));
        yolo_store_first8(target, v, validPixels);
    }
}

YOLO_AVX2_TARGET static void direct_avx2(const float *window, long channels, long channelStride, long rowStride,
                                         long kernel, long stride, const float *weights, const float *bias,
                                         int activation, float *out, long outChannelStride, long validChannels,
                                         long validPixels, int adding) {
    // stride and (for 3×3) kernel as constants, so each pass's taps are written out
#define DIRECT8_TILE(KERNEL, STRIDE)                                                                \
    direct_tile_avx2(window, channels, channelStride, rowStride, KERNEL, STRIDE, weights, bias, activation,  \
                     out, outChannelStride, validChannels, validPixels, adding)
    if (stride == 2) {
        if (kernel == 3) DIRECT8_TILE(3, 2); else DIRECT8_TILE(kernel, 2);
    } else {
        if (kernel == 3) DIRECT8_TILE(3, 1); else DIRECT8_TILE(kernel, 1);
    }
#undef DIRECT8_TILE
}

void yolo_f32_direct(const float *window, long channels, long channelStride, long rowStride, long kernel, long stride,
                     const float *weights, const float *bias, int activation, float *out, long outChannelStride,
                     long validChannels, long validPixels, int adding) {
    if (yolo_f32_kernel_tier() == YOLO_F32_TIER_AVX512) {
        direct_avx512(window, channels, channelStride, rowStride, kernel, stride, weights, bias, activation, out,
                      outChannelStride, validChannels, validPixels, adding);
    } else {
        direct_avx2(window, channels, channelStride, rowStride, kernel, stride, weights, bias, activation, out,
                    outChannelStride, validChannels, validPixels, adding);
    }
}

DIRECT_TARGET static void window_copy_avx512(const float *map, long channels, long height, long width, long firstRow,
                                             long rows, long firstColumn, long columns, float *window) {
    for (long c = 0; c < channels; c++) {
        const float *plane = map + c * height * width;
        for (long r = firstRow; r < firstRow + rows; r++, window += columns) {
            int inside = r >= 0 && r < height;
            for (long j = 0; j < columns; j += 16) {
                // lanes inside the row read it (masked lanes do not fault); the rest are zero
                long column = firstColumn + j;
                __mmask16 read = inside ? yolo_lanes16(-column, width - column) : 0;
                __m512 values = _mm512_maskz_loadu_ps(read, plane + r * width + column);
                _mm512_mask_storeu_ps(window + j, yolo_lanes16(0, columns - j), values);
            }
        }
    }
}

YOLO_AVX2_TARGET static void window_copy_avx2(const float *map, long channels, long height, long width, long firstRow,
                                              long rows, long firstColumn, long columns, float *window) {
    for (long c = 0; c < channels; c++) {
        const float *plane = map + c * height * width;
        for (long r = firstRow; r < firstRow + rows; r++, window += columns) {
            int inside = r >= 0 && r < height;
            for (long j = 0; j < columns; j += 8) {
                long column = firstColumn + j;
                __m256 values = inside
                    ? _mm256_maskload_ps(plane + r * width + column, yolo_lanes8(-column, width - column))
                    : _mm256_setzero_ps();
                yolo_store_first8(window + j, values, columns - j);
            }
        }
    }
}

void yolo_f32_window_copy(const float *map, long channels, long height, long width, long firstRow, long rows,
                          long firstColumn, long columns, float *window) {
    if (yolo_f32_kernel_tier() == YOLO_F32_TIER_AVX512) {
        window_copy_avx512(map, channels, height, width, firstRow, rows, firstColumn, columns, window);
    } else {
        window_copy_avx2(map, channels, height, width, firstRow, rows, firstColumn, columns, window);
    }
}

#else

void yolo_f32_window_copy(const float *map, long channels, long height, long width, long firstRow, long rows,
                          long firstColumn, long columns, float *window) {
    window_copy_scalar(map, channels, height, width, firstRow, rows, firstColumn, columns, window);
}

void yolo_f32_direct(const float *window, long channels, long channelStride, long rowStride, long kernel, long stride,
                     const float *weights, const float *bias, int activation, float *out, long outChannelStride,
                     long validChannels, long validPixels, int adding) {
    (void)window; (void)channels; (void)channelStride; (void)rowStride; (void)kernel; (void)stride; (void)weights;
    (void)bias;
    (void)activation; (void)out; (void)outChannelStride; (void)validChannels; (void)validPixels; (void)adding;
}

#endif
