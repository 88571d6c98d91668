#ifndef YOLO_DIRECT_KERNELS_H
#define YOLO_DIRECT_KERNELS_H

#include "TileActivation.h"

// Convolution read where the input lies (NCHW, no phase split or padded copy): a tile of 16
// output channels x up to 8 consecutive output pixels of one output row, in eight 512-bit
// accumulators (one per pixel, the channels across the lanes), each input value broadcast into
// a multiply-add with sixteen channels' weights. Each output is bias + one fused multiply-add
// per k = (c, ky, kx) in that order, as the float32 tiles sum it, so the results are theirs bit
// for bit. On AVX2 (yolo_f32_kernel_tier) the same sums in two eight-lane halves per pixel,
// computed four to six pixels at a time. Callers check yolo_f32_kernel_tier() first.

#ifdef __cplusplus
extern "C" {
#endif

/// Output channel o < validChannels, pixel j < validPixels (≤ 8) of the tile, at stride 1 or 2:
/// bias[o] + the sum over (c, ky, kx) of weights[16 (k·k·c + k·ky + kx) + o] ·
/// window[c·channelStride + ky·rowStride + stride·j + kx], then `activation` (a YOLO_TILE_
/// value), written to out[o·outChannelStride + j], or added to it when `adding` is nonzero.
/// `window` is the input at the tile's first pixel's first tap; the taps of pixels
/// 0 ..< max(4, validPixels) must be readable (only those are computed).
void yolo_f32_direct(const float *window, long channels, long channelStride, long rowStride, long kernel, long stride,
                     const float *weights, const float *bias, int activation, float *out, long outChannelStride,
                     long validChannels, long validPixels, int adding);

/// Rows firstRow ..< firstRow + rows, columns firstColumn ..< firstColumn + columns of each of
/// `channels` planes of height x width at `map`, zero outside the planes, written to `window`
/// channel by channel, row by row (columns floats per row).
void yolo_f32_window_copy(const float *map, long channels, long height, long width, long firstRow, long rows,
                          long firstColumn, long columns, float *window);

#ifdef __cplusplus
}
#endif

#endif
