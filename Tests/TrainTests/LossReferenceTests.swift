import XCTest
import Checkpoint
import TensorCore
import TestSupport
import YOLOConfig
import YOLOModel
@testable import YOLOTrain

/// The loss of yolov5n in training mode on the reference 4-image batch at 320 against
/// Ultralytics' ComputeLoss (reference/loss_values.json, build_targets.safetensors).
final class LossReferenceTests: XCTestCase {
    func testLossMatchesComputeLoss() throws {
        let network = try ModelCompiler().compile(try ModelSpec.load(path: SharedData.project("models/yolov5n.yaml")))
        let weights = try SafetensorsFile.read(path: try SharedData.path("reference/loss_start_weights.safetensors"))
        try network.load(weights.tensors, source: "loss_start_weights.safetensors")
        let images = try NPYFile.read(path: try SharedData.path("reference/loss_batch_images_uint8.npy"))
        XCTAssertEqual(images.shape, [4, 3, 320, 320])
        let stored = try NPYFile.read(path: try SharedData.path("reference/loss_batch_targets.npy"))
        let targets = Tensor(shape: stored.shape, values: stored.floats())

        let output = try network.forward(Tensor(shape: images.shape, values: images.bytes.map { Float($0) / 255 }), training: true)
        let anchors = try XCTUnwrap(network.tensor(named: "model.24.anchors"))
        let loss = YOLOLoss(hyperparameters: Hyperparameters(), classCount: 80, anchors: anchors, imageSize: 320)
        let result = try loss(output.raw, targets: targets)

        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath:
            try SharedData.path("reference/loss_values.json")))) as! [String: Any]
        for (key, ours) in [("loss", result.total), ("lbox", result.box), ("lobj", result.object), ("lcls", result.classification)] {
            let expected = try XCTUnwrap(json[key] as? Double, key)
            XCTAssertEqual(ours, expected, accuracy: 1e-5 * abs(expected), key)
        }

        // The per-row CIoU and the objectness targets PyTorch used (abs 1e-5, same zero pattern).
        let reference = try SafetensorsFile.read(path: try SharedData.path("reference/build_targets.safetensors"))
        for level in 0..<3 {
            let iou = try XCTUnwrap(reference.tensor(named: "l\(level).iou")).floats()
            XCTAssertEqual(result.iou[level].count, iou.count)
            let iouError = zip(result.iou[level], iou).map { abs($0 - Double($1)) }.max() ?? 0
            XCTAssertLessThanOrEqual(iouError, 1e-5, "l\(level).iou")
            let tobj = try XCTUnwrap(reference.tensor(named: "l\(level).tobj"))
            let rows = result.targets[level]
            let (na, ny, nx) = (tobj.shape[1], tobj.shape[2], tobj.shape[3])
            var ours = [Double](repeating: 0, count: tobj.elementCount)
            for r in 0..<rows.count {
                ours[((rows.image[r] * na + rows.anchor[r]) * ny + rows.gridY[r]) * nx + rows.gridX[r]] = max(result.iou[level][r], 0)
            }
            for (a, b) in zip(ours, tobj.floats()) {
                XCTAssertEqual(a == 0, b == 0, "l\(level).tobj zero pattern")
                XCTAssertEqual(a, Double(b), accuracy: 1e-5, "l\(level).tobj")
            }
        }
    }
}
