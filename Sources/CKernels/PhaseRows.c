#include "PhaseRows.h"

int yolo_phase_rows_supported(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f");
#else
    return 0;
#endif
}

#if defined(__x86_64__)

#include "LaneMask.h"

__attribute__((target("avx512f")))
void yolo_phase_rows_s2(const float *row, long width, long padding, long phaseWidth, float *phase0, float *phase1) {
    const __m512i evenLanes = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    const __m512i oddLanes = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
    for (long j = 0; j < phaseWidth; j += 16) {
        // outputs j … j + 15 of both phases read input columns base … base + 31
        long base = 2 * j - padding;
        __m512 low = _mm512_maskz_loadu_ps(yolo_lanes16(-base, width - base), row + base);
        __m512 high = _mm512_maskz_loadu_ps(yolo_lanes16(-base - 16, width - base - 16), row + base + 16);
        __mmask16 stored = yolo_lanes16(0, phaseWidth - j);
        _mm512_mask_storeu_ps(phase0 + j, stored, _mm512_permutex2var_ps(low, evenLanes, high));
        _mm512_mask_storeu_ps(phase1 + j, stored, _mm512_permutex2var_ps(low, oddLanes, high));
    }
}

#else

void yolo_phase_rows_s2(const float *row, long width, long padding, long phaseWidth, float *phase0, float *phase1) {
    for (long j = 0; j < phaseWidth; j++) {
        long x0 = 2 * j - padding, x1 = x0 + 1;
        phase0[j] = x0 >= 0 && x0 < width ? row[x0] : 0.0f;
        phase1[j] = x1 >= 0 && x1 < width ? row[x1] : 0.0f;
    }
}

#endif
