import XCTest
import Checkpoint
import TensorCore
import TestSupport
@testable import YOLOTrain

/// build_targets against PyTorch's output on the reference loss batch (reference/build_targets.safetensors).
final class TargetAssignmentTests: XCTestCase {
    func testMatchesPyTorchBuildTargets() throws {
        let stored = try NPYFile.read(path: try SharedData.path("reference/loss_batch_targets.npy"))
        XCTAssertEqual(stored.shape, [13, 6])
        let targets = Tensor(shape: stored.shape, values: stored.floats())
        let weights = try SafetensorsFile.read(path: try SharedData.path("reference/loss_start_weights.safetensors"))
        let anchors = try XCTUnwrap(weights.tensor(named: "model.24.anchors"))
        XCTAssertEqual(anchors.shape, [3, 3, 2])
        let assignment = TargetAssignment(anchors: Tensor(shape: anchors.shape, values: anchors.floats()), anchorThreshold: 4.0)
        let levels = assignment.assign(targets: targets, grids: [(40, 40), (20, 20), (10, 10)])
        let reference = try SafetensorsFile.read(path: try SharedData.path("reference/build_targets.safetensors"))
        XCTAssertEqual(levels.map(\.count), [33, 78, 84])
        for (i, level) in levels.enumerated() {
            func integers(_ key: String) throws -> [Int] { try XCTUnwrap(reference.tensor(named: "l\(i).\(key)")).integers() }
            func floats(_ key: String) throws -> [Float] { try XCTUnwrap(reference.tensor(named: "l\(i).\(key)")).floats() }
            XCTAssertEqual(level.image, try integers("b"), "l\(i).b")
            XCTAssertEqual(level.anchor, try integers("a"), "l\(i).a")
            XCTAssertEqual(level.gridY, try integers("gj"), "l\(i).gj")
            XCTAssertEqual(level.gridX, try integers("gi"), "l\(i).gi")
            XCTAssertEqual(level.classIndex, try integers("tcls"), "l\(i).tcls")
            for (key, ours) in [("tbox", level.box), ("anchors", level.anchorSize)] {
                let expected = try floats(key)
                XCTAssertEqual(ours.count, expected.count, "l\(i).\(key)")
                let worst = zip(ours, expected).map { abs($0 - $1) }.max() ?? 0
                XCTAssertLessThanOrEqual(worst, 1e-6, "l\(i).\(key)")
            }
        }
    }

    func testNoTargetsGiveEmptyLevels() {
        let assignment = TargetAssignment(anchors: [[1, 1, 2, 2], [1, 1, 2, 2]])
        let levels = assignment.assign(targets: Tensor(shape: [0, 6]), grids: [(4, 4), (2, 2)])
        XCTAssertEqual(levels.map(\.count), [0, 0])
    }

    /// A centre in the lower half of a cell away from the border also takes the left/upper neighbour.
    func testNeighbourCell() {
        let assignment = TargetAssignment(anchors: [[1, 1]])
        // x = 0.32·10 = 3.2 → frac < 0.5 and > 1: also the −x neighbour (gi 2); y = 0.5 is not > 1.
        let targets = Tensor(shape: [1, 6], values: [0, 2, 0.32, 0.05, 0.1, 0.1])
        let level = assignment.assign(targets: targets, grids: [(10, 10)])[0]
        XCTAssertEqual(level.gridX, [3, 2])
        XCTAssertEqual(level.gridY, [0, 0])
        XCTAssertEqual(level.classIndex, [2, 2])
        XCTAssertEqual(level.box[4], 1.2, accuracy: 1e-6)  // gx − gi with gi = 2
    }
}
