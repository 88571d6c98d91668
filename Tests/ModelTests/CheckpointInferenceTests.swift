import XCTest
import Foundation
import Checkpoint
import TensorCore
import TestSupport
import YOLOConfig
@testable import YOLOModel

/// The official yolov5n.pt, built from the model description inside it, on the letterboxed
/// bus.jpg: raw output against PyTorch's, fused and unfused, and the safetensors round trip.
final class CheckpointInferenceTests: XCTestCase {
    private func busInput() throws -> Tensor {
        let stored = try NPYFile.read(path: try SharedData.path("reference/bus_input_rgb_chw_uint8.npy"))
        XCTAssertEqual(stored.shape, [3, 640, 480])
        return Tensor(shape: [1] + stored.shape, values: stored.bytes.map { Float($0) / 255 })
    }

    /// Largest error in the box columns (pixels) and in the probability columns.
    private func errors(_ ours: [Float], _ reference: [Float], columns: Int) -> (box: Float, probability: Float) {
        var box: Float = 0, probability: Float = 0
        for (i, (a, b)) in zip(ours, reference).enumerated() {
            if i % columns < 4 { box = max(box, abs(a - b)) } else { probability = max(probability, abs(a - b)) }
        }
        return (box, probability)
    }

    func testOfficialCheckpointMatchesPyTorchRawOutputFusedAndUnfused() throws {
        let model = try ModelLoader.load(weights: try SharedData.path("weights/yolov5n.pt"))
        XCTAssertEqual(model.classNames.count, 80)
        XCTAssertEqual(model.classNames[5], "bus")
        XCTAssertEqual(model.network.parameterCount, 1_872_157)
        let input = try busInput()

        let unfused = try model.network.forward(input).decoded
        XCTAssertEqual(unfused.shape, [1, 18900, 85])
        let unfusedReference = try NPYFile.read(path: try SharedData.path("reference/bus_raw_pred_unfused.npy")).floats()
        let u = errors(unfused.storage, unfusedReference, columns: 85)
        XCTAssertLessThanOrEqual(u.box, 5e-3)
        XCTAssertLessThanOrEqual(u.probability, 2e-5)

        // what detect and val run: no raw maps, the rows computed directly in their layout
        let unfusedRows = try model.network.forward(input, includeRaw: false).decoded
        XCTAssertEqual(unfusedRows.shape, [1, 18900, 85])
        let r = errors(unfusedRows.storage, unfusedReference, columns: 85)
        XCTAssertLessThanOrEqual(r.box, 5e-3, "without raw maps")
        XCTAssertLessThanOrEqual(r.probability, 2e-5, "without raw maps")

        model.network.fuse()
        for includeRaw in [true, false] {
            let fused = try model.network.forward(input, includeRaw: includeRaw).decoded
            XCTAssertEqual(fused.shape, [1, 18900, 85])
            for file in ["reference/bus_raw_pred_fused.npy", "reference/bus_raw_pred_unfused.npy"] {
                let reference = try NPYFile.read(path: try SharedData.path(file)).floats()
                let f = errors(fused.storage, reference, columns: 85)
                XCTAssertLessThanOrEqual(f.box, 5e-3, "\(file), raw maps \(includeRaw)")
                XCTAssertLessThanOrEqual(f.probability, 2e-5, "\(file), raw maps \(includeRaw)")
            }
        }
    }

    func testSafetensorsRoundTripGivesIdenticalOutput() throws {
        let model = try ModelLoader.load(weights: try SharedData.path("weights/yolov5n.pt"))
        let path = NSTemporaryDirectory() + "yolov5n-\(UUID().uuidString).safetensors"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try model.network.saveSafetensors(to: path, classNames: model.classNames)
        let reloaded = try ModelLoader.load(weights: path)
        XCTAssertEqual(reloaded.classNames, model.classNames)
        XCTAssertEqual(ModelSummary.table(reloaded.network), ModelSummary.table(model.network))
        let input = try busInput()
        XCTAssertEqual(try reloaded.network.forward(input).decoded, try model.network.forward(input).decoded)

        model.network.fuse()
        assertThrows(try model.network.saveSafetensors(to: path + ".fused", classNames: []), containing: ["fused"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: path + ".fused"))
    }

    func testCfgMustAgreeWithTheCheckpoint() throws {
        assertThrows(try ModelLoader.load(weights: try SharedData.path("weights/yolov5n.pt"),
                                          cfg: SharedData.project("models/yolov5s.yaml")),
                     containing: ["yolov5n.pt", "do not fit", "model.0.conv.weight is [32, 3, 6, 6] in the model but [16, 3, 6, 6] in the file"])
    }
}
