#ifndef YOLO_PHASE_ROWS_H
#define YOLO_PHASE_ROWS_H

#ifdef __cplusplus
extern "C" {
#endif

/// 1 when the CPU has the instructions yolo_phase_rows_s2 needs (AVX-512 F, or AVX2: the tiers
/// of yolo_f32_kernel_tier).
int yolo_phase_rows_supported(void);

/// One input row split into a stride-2 convolution's two column phases: phase px (0, 1) gets
/// phase[px][j] = row[2j + px − padding] where that column is inside the row (0 ≤ … < width),
/// else 0, for j < phaseWidth. Masked loads read only the row's own floats.
void yolo_phase_rows_s2(const float *row, long width, long padding, long phaseWidth, float *phase0, float *phase1);

#ifdef __cplusplus
}
#endif

#endif
