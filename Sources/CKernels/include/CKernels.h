// The target's umbrella header: every kernel header, so that a new one is seen by incremental
// builds too (an umbrella directory's module is not rebuilt when a header is added to it).
#include "BFloat16Kernels.h"
#include "DirectKernels.h"
#include "ElementwiseKernels.h"
#include "Float32Kernels.h"
#include "PhaseRows.h"
#include "Prefetch.h"
#include "RowGather.h"
#include "TransposeKernels.h"
#include "WinogradTransforms.h"
#include "TileActivation.h"
#include "ThreadPlacement.h"
