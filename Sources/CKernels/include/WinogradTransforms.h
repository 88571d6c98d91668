#ifndef YOLO_WINOGRAD_TRANSFORMS_H
#define YOLO_WINOGRAD_TRANSFORMS_H

#ifdef __cplusplus
extern "C" {
#endif

/// One output channel of a band of Winograd F(2×2, 3×3) blocks: Aᵀ·M·A + bias per block, for
/// Aᵀ = [[1, 1, 1, 0], [0, 1, −1, −1]]. Element ξ = 4i + j of block (k, b) is
/// m[ξ·matrixStride + k·across + b]; block row k (< blockRowCount) is block row firstBlockRow + k
/// of the map and goes to its output rows 2(firstBlockRow + k) and the next (if < height),
/// columns < width, at plane + row·width. The sums are formed in the order Swift's scalar
/// definition forms them, so every tier gives the same floats.
void yolo_winograd_output(const float *m, long matrixStride, long across, long blockRowCount, long firstBlockRow,
                          long height, long width, float bias, float *plane);

#ifdef __cplusplus
}
#endif

#endif
