import Checkpoint
import TensorCore
import TestSupport
import XCTest
import YOLOConfig
import YOLOModel
@testable import YOLOTrain

/// ModelEMA against YOLOv5's (Fixtures/optimizer_fixtures.json, "ema"): five updates of a model
/// with batch norms and an anchors buffer, the update count jumping to 2500 before the fourth
/// as a resume sets it. torch's `v *= d; v += (1 - d) * m` is reproduced bit for bit.
final class EMATests: XCTestCase {
    func testUpdatesEqualYOLOv5ModelEMA() throws {
        let fixture = try XCTUnwrap(try OptimizerFixture.load()["ema"] as? [String: Any])
        let entries = try XCTUnwrap(fixture["entries"] as? [[String: Any]])
        var names: [String] = []
        var shapes: [[Int]] = []
        var start: [(name: String, value: Tensor, isFloatingPoint: Bool)] = []
        for entry in entries {
            let name = try XCTUnwrap(entry["name"] as? String)
            let shape = try XCTUnwrap(entry["shape"] as? [Any]).map { try OptimizerFixture.int($0) }
            let role = try OptimizerFixture.role(try XCTUnwrap(entry["role"] as? String))
            // What decides averaging on our side is the role; torch's dtype must agree with it.
            XCTAssertEqual(role != .batchesTracked, try XCTUnwrap(entry["floating"] as? Bool), name)
            names.append(name)
            shapes.append(shape)
            start.append((name, Tensor(shape: shape, values: try OptimizerFixture.floats(entry["values"])), role != .batchesTracked))
        }
        XCTAssertTrue(names.contains("anchors"), "the anchors buffer is a floating state entry, so it is averaged")
        var ema = try ModelEMA(entries: start)
        XCTAssertEqual(ema.updates, 0)

        for (index, update) in try XCTUnwrap(fixture["updates"] as? [[String: Any]]).enumerated() {
            ema.updates = try OptimizerFixture.int(update["updates_before"])
            let model = try XCTUnwrap(update["model"] as? [Any]).enumerated().map { position, values in
                (name: names[position], value: Tensor(shape: shapes[position], values: try OptimizerFixture.floats(values)))
            }
            try ema.update(model: model)
            XCTAssertEqual(ema.updates, try OptimizerFixture.int(update["updates_after"]))
            XCTAssertEqual(ModelEMA.decay(updates: ema.updates), try OptimizerFixture.double(update["decay"]), "update \(index)")
            let expected = try XCTUnwrap(update["ema"] as? [Any]).map { try OptimizerFixture.floats($0) }
            for (position, (name, value)) in ema.stateDict.enumerated() {
                XCTAssertEqual(value.storage, expected[position], "update \(index): \(name)")
            }
        }
    }

    /// Built from a network, every state entry but num_batches_tracked is averaged, and an
    /// update from the unchanged network moves nothing but rounding.
    func testNetworkEMAAveragesEveryFloatingEntry() throws {
        let network = try ModelCompiler().compile(try ModelSpec.load(path: SharedData.project("models/yolov5n.yaml")))
        try network.load(try SafetensorsFile.read(path: try SharedData.path("reference/loss_start_weights.safetensors")).tensors,
                         source: "loss_start_weights.safetensors")
        var ema = try ModelEMA(network: network)
        XCTAssertEqual(ema.names.count, 349)
        XCTAssertEqual(ema.averaged.filter { $0 }.count, 349 - 57)
        XCTAssertEqual(zip(ema.names, ema.averaged).filter { !$0.1 }.map(\.0).allSatisfy { $0.hasSuffix(".num_batches_tracked") }, true)
        let before = ema.stateDict
        try ema.update(network: network)
        XCTAssertEqual(ema.updates, 1)
        // d·x + (1 − d)·x equals x to within a float32 rounding of each product.
        for ((name, old), (_, new)) in zip(before, ema.stateDict) {
            let scale = old.storage.map(abs).max() ?? 0
            XCTAssertLessThanOrEqual(maximumDifference(old.storage, new.storage), 2 * scale * Float.ulpOfOne, name)
        }
    }

    func testModelStateMustMatchTheEMA() throws {
        var ema = try ModelEMA(entries: [("a", Tensor(shape: [2]), true), ("b", Tensor(shape: [1]), false)])
        assertThrows(try ema.update(model: [("a", Tensor(shape: [2]))]), containing: ["1 entries", "the EMA 2"])
        assertThrows(try ema.update(model: [("a", Tensor(shape: [2])), ("c", Tensor(shape: [1]))]),
                     containing: ["entry 1", "'b'", "'c'"])
        assertThrows(try ema.update(model: [("a", Tensor(shape: [3])), ("b", Tensor(shape: [1]))]),
                     containing: ["'a'", "[3]", "[2]"])
        XCTAssertEqual(ema.updates, 0, "a refused update counts nothing")
        assertThrows(try ModelEMA(entries: [("a", Tensor(shape: [2]), true), ("a", Tensor(shape: [2]), true)]),
                     containing: ["'a' twice"])
    }
}
