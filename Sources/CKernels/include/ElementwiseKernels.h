#ifndef YOLO_ELEMENTWISE_KERNELS_H
#define YOLO_ELEMENTWISE_KERNELS_H

#include "TileActivation.h"

// Training's per-plane passes on AVX-512 or AVX2 (yolo_f32_kernel_tier): batch-norm statistics
// and normalisation, the activation gradient, batch-norm's gradient sums and input gradient.
// SiLU and sigmoid are the C tiles' (yolo_sigmoid16, yolo_sigmoid8). Sums run in float64 over
// eight interleaved accumulators (of eight lanes, or of four on AVX2), whose order depends on
// the plane's length alone. Callers check yolo_f32_kernel_tier() first.

#ifdef __cplusplus
extern "C" {
#endif

/// *sum = Σ x[i], *squares = Σ x[i]² over i < count, in float64.
void yolo_plane_sum_squares(const float *x, long count, double *sum, double *squares);

/// y[i] = activation((x[i] − mean)·scale + shift) for i < count (a product and a sum, each
/// rounded, as the Swift loop computes them; activation one of the YOLO_TILE_ values).
void yolo_plane_normalize(const float *x, float *y, long count, float mean, float scale, float shift, int activation);

/// dx[i] = dy[i]·f′(x[i]) for SiLU or sigmoid (activation YOLO_TILE_SILU or YOLO_TILE_SIGMOID),
/// f′ from the tiles' sigmoid s: SiLU′ = s·(1 + x·(1 − s)), sigmoid′ = s·(1 − s).
void yolo_activation_gradient(const float *x, const float *dy, float *dx, long count, int activation);

/// Batch norm's gradient sums over a plane, Σ g and Σ g·x̂ with x̂ = (x − mean)·invstd, into
/// *sumGradient and *sumGradientXhat: each lane (of sixteen, or of eight on AVX2) sums up to
/// sixteen terms in float32 (two running sums of eight, then added), and those partial sums are
/// added in float64. With an activation, g = dz·f′(y) for
/// y = (x − mean)·scale + shift recomputed as yolo_plane_normalize does, and g is also written
/// to gradientOut; with YOLO_TILE_IDENTITY g = dz and gradientOut is not touched.
void yolo_batchnorm_gradient_sums(const float *dz, const float *x, float *gradientOut, long count, float mean,
                                  float inverseStd, float scale, float shift, int activation, double *sumGradient,
                                  double *sumGradientXhat);

/// dx[i] = scale·((g[i] − meanGradient) − x̂·meanGradientXhat), x̂ = (x[i] − mean)·invstd; g may be dx.
void yolo_batchnorm_input_gradient(const float *g, const float *x, float *dx, long count, float mean, float inverseStd,
                                   float scale, float meanGradient, float meanGradientXhat);

#ifdef __cplusplus
}
#endif

#endif
