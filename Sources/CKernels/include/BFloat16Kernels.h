#ifndef YOLO_BFLOAT16_KERNELS_H
#define YOLO_BFLOAT16_KERNELS_H

#include <stdint.h>

#include "TileActivation.h"

// Kernels on the AVX512-BF16 dot-product instruction, which multiplies pairs of bfloat16 values
// and adds both products to a float32 lane: twice the multiply-adds per instruction of a float32
// FMA. Swift cannot select these instructions, so they live here, compiled for those extensions
// function by function; callers check yolo_bf16_supported() first.

#ifdef __cplusplus
extern "C" {
#endif

/// 1 when the CPU has AVX512-BF16 and AVX512-VL (the 256-bit forms used here).
int yolo_bf16_supported(void);

/// out[i] = bfloat16(in[i]), rounded to nearest even (denormals flush to zero, as the
/// instruction does).
void yolo_bf16_round(const float *in, uint16_t *out, long count);

/// out[2i] = bfloat16(even[i]), out[2i + 1] = bfloat16(odd[i]) (zero when odd is NULL): two rows
/// of a product's inner dimension side by side, the layout a dot-product step reads.
void yolo_bf16_interleave(const float *even, const float *odd, long count, uint16_t *out);

/// Two channel rows of `count` pixels (odd NULL: zero) into panels of 24 pixel pairs, panel p at
/// out + p·panelStride (in halves); the last panel's pairs past `count` are zero. The 1×1
/// layout, written from the maps directly.
void yolo_bf16_interleave_panels(const float *even, const float *odd, long count, uint16_t *out, long panelStride);

/// A tile of 4 output rows x 24 pixels: row r, pixel j is bias[r] + the sum over pair steps p
/// of a[4p + r].lo * b_p[2j] + a[4p + r].hi * b_p[2j + 1], where b_p = b + 48p (packed panels),
/// then `activation` (one of the YOLO_TILE_ values),
/// written to out[r * rowStride + j], or added to it when `adding` is nonzero.
void yolo_bf16_tile_packed(long pairs, const uint32_t *a, const uint16_t *b, const float *bias, int activation,
                           float *out, long rowStride, int adding);

/// The same with step p's 24 pixel pairs read at b + offsets[p] (spatial taps in place).
void yolo_bf16_tile_offsets(long pairs, const uint32_t *a, const uint16_t *b, const long *offsets,
                            const float *bias, int activation, float *out, long rowStride, int adding);

#ifdef __cplusplus
}
#endif

#endif
