#ifndef YOLO_FLOAT32_KERNELS_H
#define YOLO_FLOAT32_KERNELS_H

#include "TileActivation.h"

// The float32 micro-tile (TensorCore's MicroTile) with its epilogue, on AVX-512 or on AVX2
// (yolo_f32_kernel_tier): the sums are the Swift tile's, step by step (one fused multiply-add
// per k, in k order, from the bias), so they are bit for bit the same; SiLU and sigmoid run
// sixteen lanes at a time with vscalefps and rcp14 instead of a division (eight at a time on
// AVX2, with a division). Callers check yolo_f32_kernel_tier() first.

#ifdef __cplusplus
extern "C" {
#endif

/// 1 when the CPU has AVX-512 F, VL and DQ.
int yolo_avx512_supported(void);

/// Which instructions the float32 kernels (these tiles, the direct and elementwise kernels)
/// run on: the best the CPU has, unless lowered by yolo_f32_set_kernel_tier.
enum { YOLO_F32_TIER_NONE = 0, YOLO_F32_TIER_AVX2 = 1, YOLO_F32_TIER_AVX512 = 2 };
int yolo_f32_kernel_tier(void);

/// Selects a tier (clamped to what the CPU has) and returns the one selected: tests run the
/// AVX2 kernels on an AVX-512 CPU this way. Not to be called while a kernel runs.
int yolo_f32_set_kernel_tier(int tier);

/// A tile of 4 output rows x 24 pixels: row r, pixel j is bias[r] + the sum over k steps p of
/// a[4p + r] * b_p[j], where b_p = b + 24p (packed panels), then `activation` (one of the
/// YOLO_TILE_ values), written to out[r * rowStride + j], or added to it when `adding` is nonzero.
void yolo_f32_tile_packed(long steps, const float *a, const float *b, const float *bias, int activation, float *out,
                          long rowStride, int adding);

/// `tiles` such tiles side by side: tile t reads the panels at b + 24·steps·t and writes
/// out + 24·t (one call per run of whole tiles, so the caller's per-tile work is paid once).
void yolo_f32_tiles_packed(long tiles, long steps, const float *a, const float *b, const float *bias, int activation,
                           float *out, long rowStride, int adding);

/// The same with step p's 24 pixels read at b + offsets[p] (spatial taps in place).
void yolo_f32_tile_offsets(long steps, const float *a, const float *b, const long *offsets, const float *bias,
                           int activation, float *out, long rowStride, int adding);

/// values[i] = SiLU(values[i]) or sigmoid(values[i]) (activation YOLO_TILE_SILU or
/// YOLO_TILE_SIGMOID) for i < count, sixteen at a time, as the tiles apply them.
void yolo_f32_activate(float *values, long count, int activation);

#ifdef __cplusplus
}
#endif

#endif
