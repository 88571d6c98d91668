#ifndef YOLO_TRANSPOSE_KERNELS_H
#define YOLO_TRANSPOSE_KERNELS_H

#ifdef __cplusplus
extern "C" {
#endif

/// target[c·targetStride + r] = source[r·sourceStride + c] for r < rows, c < columns: eight
/// rows by eight columns at a time through registers, masked at the edges (nothing outside the
/// rows and columns is read or written); on AVX2 the whole 8 x 8 blocks through registers and
/// the edges element by element; element by element on CPUs with neither.
void yolo_transpose(const float *source, long sourceStride, long rows, long columns, float *target, long targetStride);

#ifdef __cplusplus
}
#endif

#endif
