import Checkpoint
import Foundation
import TestSupport
import XCTest

/// Small checkpoints written by torch 2.13 (scripts/reference/checkpoint_fixtures.py), compared
/// with the names, dtypes, shapes and raw bytes torch reported for them.
final class TorchFixtureTests: XCTestCase {
    private func expectations() throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: fixturePath("checkpoint_fixtures.json")))
        return try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    /// Loads a fixture and checks it against its JSON description; returns it for further checks.
    @discardableResult
    private func loadAndCompare(_ name: String) throws -> TorchCheckpoint {
        let expected = try XCTUnwrap(try expectations()[name] as? [String: Any])
        let loaded = try TorchCheckpoint.load(path: fixturePath(name))
        XCTAssertEqual(loaded.recordPrefix, expected["prefix"] as? String)
        XCTAssertNotEqual(loaded.recordPrefix, "archive")
        XCTAssertEqual(loaded.kind == .wholeModel ? "wholeModel" : "stateDict", expected["kind"] as? String)
        let entries = try XCTUnwrap(expected["state_dict"] as? [[String: Any]])
        XCTAssertEqual(loaded.stateDict.map(\.name), entries.compactMap { $0["name"] as? String })
        for (entry, actual) in zip(entries, loaded.stateDict) {
            let label = "\(name): \(actual.name)"
            XCTAssertEqual(actual.tensor.dtype.rawValue, entry["dtype"] as? String, label)
            XCTAssertEqual(actual.tensor.shape, entry["shape"] as? [Int], label)
            XCTAssertEqual(actual.tensor.bytes, bytesFromHex(entry["hex"] as? String ?? "?"), label)
        }
        return loaded
    }

    func testPlainStateDictWithEveryDtype() throws {
        let loaded = try loadAndCompare("small_state_dict.pt")
        XCTAssertEqual(loaded.recordPrefix, "small_state_dict")
        XCTAssertNil(loaded.modelDescription)
        XCTAssertNil(loaded.classNames)
        XCTAssertEqual(loaded.tensor(named: "steps")?.shape, [])
        XCTAssertEqual(loaded.tensor(named: "steps")?.integers(), [123_456_789_012])
        XCTAssertEqual(loaded.tensor(named: "half")?.floats(), [1, -2.5, 65504, 5.9604645e-08, -0.0, .infinity])
        XCTAssertEqual(loaded.tensor(named: "window")?.floats(), [1.5, 2, 2.5, 3]) // storage_offset 3 of `base`
        XCTAssertEqual(loaded.tensor(named: "int32")?.integers(), [-1, 0, 2_147_483_647])
        XCTAssertEqual(loaded.tensor(named: "mask")?.integers(), [1, 0, 0, 1])
        XCTAssertEqual(loaded.tensor(named: "empty")?.shape, [0, 3])
    }

    func testProtocol4StateDict() throws {
        let loaded = try loadAndCompare("small_state_dict_protocol4.pt")
        let protocol2 = try TorchCheckpoint.load(path: fixturePath("small_state_dict.pt"))
        XCTAssertEqual(loaded.stateDict.map(\.tensor), protocol2.stateDict.map(\.tensor))
    }

    func testWholeModelCheckpointPrefersEMA() throws {
        let loaded = try loadAndCompare("tiny_model.pt")
        XCTAssertEqual(loaded.kind, .wholeModel)
        XCTAssertEqual(loaded.classNames, ["cat", "dog"])
        XCTAssertEqual(loaded.modelDescription?["nc"], .int(2))
        XCTAssertEqual(loaded.modelDescription?["depth_multiple"], .float(0.33))
        XCTAssertEqual(loaded.root["epoch"], .int(3))
        XCTAssertEqual(loaded.model?.className, "torch.nn.modules.container.Sequential")
        // The non-persistent buffer and the absent conv bias are not state_dict entries.
        XCTAssertFalse(loaded.stateDict.contains { $0.name == "scratch" || $0.name == "conv.bias" })
        let model = try XCTUnwrap(loaded.root["model"]?.objectValue)
        XCTAssertNotEqual(model, loaded.model, "the EMA copy holds different weights")
    }

    func testCheckpointWhoseModelIsAStateDict() throws {
        let loaded = try loadAndCompare("tiny_state_dict.pt")
        XCTAssertEqual(loaded.kind, .stateDict)
        XCTAssertEqual(loaded.root["epoch"], .int(1))
        let tinyModel = try TorchCheckpoint.load(path: fixturePath("tiny_model.pt"))
        XCTAssertEqual(loaded.stateDict.map(\.name), tinyModel.stateDict.map(\.name))
        XCTAssertEqual(loaded.stateDict.map(\.tensor), tinyModel.stateDict.map(\.tensor))
    }

    func testNonContiguousTensorIsRejected() throws {
        let path = fixturePath("noncontiguous.pt")
        assertThrows(try TorchCheckpoint.load(path: path), containing: [path, "not contiguous", "strides [1, 3]"])
    }
}
