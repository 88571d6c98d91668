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

/// The same for F(4×4, 3×3): Aᵀ·M·A + bias per block, for Aᵀ = [[1, 1, 1, 1, 1, 0],
/// [0, 1, −1, 2, −2, 0], [0, 1, 1, 4, 4, 0], [0, 1, −1, 8, −8, 1]]. Element ξ = 6i + j of block
/// (k, b) is m[ξ·matrixStride + k·across + b]; block row k goes to output rows
/// 4(firstBlockRow + k) … + 3 (those < height), columns < width.
void yolo_winograd_output_f4(const float *m, long matrixStride, long across, long blockRowCount, long firstBlockRow,
                             long height, long width, float bias, float *plane);

/// F(4×4, 3×3)'s input transform of one input plane for a band of block rows firstBlockRow …
/// + blockRowCount − 1: V_ξ = (Bᵀ·d·B)_ξ, ξ = 6i + j, for
/// Bᵀ = [[4, 0, −5, 0, 1, 0], [0, −4, −4, 1, 1, 0], [0, 4, −4, −1, 1, 0], [0, −2, −1, 2, 1, 0],
/// [0, 2, −1, −2, 1, 0], [0, 4, 0, −5, 0, 1]], d the 6×6 patch from (4·row − 1, 4·column − 1),
/// zero outside the plane. Block (k, b)'s element ξ goes to v[ξ·matrixStride + k·across + b].
/// Each input row is transformed along x once into columnTransforms (6·padded floats per input
/// row, 4·blockRowCount + 2 rows; padded = across rounded up to 8); paddedRow holds
/// 4·padded + 40 floats, zero before this band's first call on it.
void yolo_winograd_input_f4(const float *plane, long height, long width, long firstBlockRow, long blockRowCount,
                            long across, long padded, float *columnTransforms, float *paddedRow, float *v,
                            long matrixStride);

#ifdef __cplusplus
}
#endif

#endif
