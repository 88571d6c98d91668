import CKernels
import XCTest

/// Tests of the float32 C kernels, run once for each tier of them the CPU has (AVX2, then
/// AVX-512), so that a machine with AVX-512 tests the AVX2 kernels too. The tier is printed
/// before each run, which places a failure.
class KernelTierTestCase: XCTestCase {
    override func invokeTest() {
        let best = yolo_f32_kernel_tier()
        defer { yolo_f32_set_kernel_tier(best) }
        let tiers = [(Int32(YOLO_F32_TIER_AVX2), "AVX2"), (Int32(YOLO_F32_TIER_AVX512), "AVX-512")]
        for (tier, name) in tiers where tier <= best {
            yolo_f32_set_kernel_tier(tier)
            print("  on the \(name) kernels")
            super.invokeTest()
        }
        // no tier: the test's setUp skips it
        if best == Int32(YOLO_F32_TIER_NONE) { super.invokeTest() }
    }
}
