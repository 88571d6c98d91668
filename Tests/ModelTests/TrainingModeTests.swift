import XCTest
import Checkpoint
import TensorCore
import TestSupport
import YOLOConfig
@testable import YOLOModel

/// One training-mode forward of the reference loss batch: batch statistics normalise, and every
/// BatchNorm's running averages move as PyTorch's do (../shared/reference/bn_after_forward.safetensors).
final class TrainingModeTests: XCTestCase {
    func testBatchNormRunningStatisticsAfterOneTrainingForward() throws {
        let network = try ModelCompiler().compile(try ModelSpec.load(path: SharedData.project("models/yolov5n.yaml")))
        try network.load(try SafetensorsFile.read(path: try SharedData.path("reference/loss_start_weights.safetensors")).tensors,
                         source: "loss_start_weights.safetensors")
        let images = try NPYFile.read(path: try SharedData.path("reference/loss_batch_images_uint8.npy"))
        XCTAssertEqual(images.shape, [4, 3, 320, 320])
        let output = try network.forward(Tensor(shape: images.shape, values: images.bytes.map { Float($0) / 255 }), training: true)
        XCTAssertEqual(output.raw.map(\.shape), [[4, 3, 40, 40, 85], [4, 3, 20, 20, 85], [4, 3, 10, 10, 85]])

        let expected = try SafetensorsFile.read(path: try SharedData.path("reference/bn_after_forward.safetensors"))
        var checked = 0
        for slot in network.tensorSlots where slot.spec.role == .runningMean || slot.spec.role == .runningVariance
            || slot.spec.role == .batchesTracked {
            let reference = try XCTUnwrap(expected.tensor(named: slot.name), slot.name)
            let ours = try XCTUnwrap(network.tensor(named: slot.name))
            if slot.spec.role == .batchesTracked {
                XCTAssertEqual(ours.storage, [2], slot.name)  // exact: 1 in the checkpoint, +1
            } else {
                let values = reference.floats()
                let scale = values.map(abs).max() ?? 1
                let error = zip(ours.storage, values).map { abs($0 - $1) }.max() ?? 0
                // README tolerance: relative to the tensor's largest value ≤ 1e-5
                XCTAssertLessThanOrEqual(error, 1e-5 * max(scale, 1e-12), slot.name)
            }
            checked += 1
        }
        XCTAssertEqual(checked, 57 * 3)
        network.setTraining(false)
    }
}
