import XCTest
import TensorCore
import TestSupport
import YOLOConfig
@testable import YOLOModel

/// Whole networks in bfloat16 inference against the same networks in float32: every module
/// kind runs in the mode (grouped convolutions stay float32, LeakyReLU is applied outside the
/// BF16 tiles), and every row's output stays within bfloat16's rounding of the float32 one. A
/// wrong layout or channel pairing would be off by the outputs' own size; the rounding
/// accumulated over the rows stays within a few percent of it.
final class BFloat16InferenceTests: XCTestCase {
    override func setUpWithError() throws {
        try XCTSkipUnless(InferencePrecision.isBFloat16Supported, "this CPU has no AVX512-BF16")
    }

    override func tearDown() {
        InferencePrecision.selected = .float32
    }

    func testEveryRowInBFloat16TracksFloat32() throws {
        let input = Tensor(shape: [1, 3, 64, 96], values: (0..<(3 * 64 * 96)).map { Float(($0 * 7919) % 256) / 255 })
        // at yolov5n's width (0.25) to keep the debug build quick; yolov5n itself is checked with
        // its real weights on coco128 (CommandTests)
        for file in ["models/hub/yolov5s-ghost.yaml", "models/hub/yolov5s-LeakyReLU.yaml", "models/hub/yolov3-tiny.yaml"] {
            func rows(_ precision: InferencePrecision) throws -> [Int: Tensor] {
                InferencePrecision.selected = precision  // before the network packs its weights
                var spec = try ModelSpec.load(path: SharedData.project(file))
                spec.widthMultiple = 0.25
                let network = try ModelCompiler().compile(spec)
                network.initializeWeights(seed: 3)
                network.fuse()
                var outputs: [Int: Tensor] = [:]
                _ = try network.forward(input) { index, tensor in outputs[index] = tensor }
                return outputs
            }
            let (float32, bfloat16) = (try rows(.float32), try rows(.bfloat16))
            XCTAssertEqual(Set(float32.keys), Set(bfloat16.keys), file)
            var largestDifference: Float = 0
            for (index, reference) in float32.sorted(by: { $0.key < $1.key }) {
                let ours = try XCTUnwrap(bfloat16[index])
                XCTAssertEqual(ours.shape, reference.shape, "\(file) row \(index)")
                let scale = reference.storage.map(abs).max() ?? 0
                let worst = zip(reference.storage, ours.storage).map { abs($0 - $1) }.max() ?? 0
                XCTAssertLessThanOrEqual(worst, 0.05 * scale, "\(file) row \(index)")
                largestDifference = max(largestDifference, worst / max(scale, .leastNormalMagnitude))
            }
            XCTAssertGreaterThan(largestDifference, 1e-3, "\(file): no sign of bfloat16 rounding")
        }
    }
}
