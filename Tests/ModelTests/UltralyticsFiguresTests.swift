import XCTest
import Foundation
import TestSupport
import YOLOConfig
@testable import YOLOModel

/// Compares every model YAML in models/ and models/hub/ with the figures Ultralytics' own code
/// printed and measured for it (Fixtures/ultralytics_model_figures.json, made by
/// scripts/reference/model_figures.sh with torch and ultralytics-thop from PyPI).
final class UltralyticsFiguresTests: XCTestCase {
    struct Row: Decodable {
        let i: Int
        let n: Int
        let params: Int
        let module: String
        let arguments: String
    }

    struct Figures: Decodable {
        let params: Int
        let gradients: Int
        let layers: Int
        let gflops_640: Double
        let gflops_320: Double?
        let strides: [Double]
        let anchors_grid_units: [[[Double]]]?
        let summary_line: String
        let table: [String]
        let rows: [Row]
        let nc: Int
        let state_dict: [[AnyCodable]]?
    }

    /// A minimal JSON value for the state_dict's [name, shape] pairs.
    enum AnyCodable: Decodable {
        case string(String), ints([Int])
        init(from decoder: Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let s = try? container.decode(String.self) { self = .string(s) } else { self = .ints(try container.decode([Int].self)) }
        }
    }

    private func loadFigures() throws -> [(key: String, figures: Figures)] {
        let path = SharedData.project("Tests/ModelTests/Fixtures/ultralytics_model_figures.json")
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
        return try object.keys.filter { !$0.hasPrefix("_") }.sorted().map { key in
            let entry = try JSONSerialization.data(withJSONObject: object[key]!)
            return (key, try JSONDecoder().decode(Figures.self, from: entry))
        }
    }

    /// `hub/yolov5s6.yaml` or `yolov5s.yaml@nc=3` → (path under models/, nc override).
    private func modelFile(for key: String) -> (String, Int?) {
        let parts = key.split(separator: "@")
        let nc = parts.count > 1 ? Int(parts[1].dropFirst(3)) : nil
        return ("models/" + parts[0], nc)
    }

    func testEveryModelYAMLMatchesUltralytics() throws {
        let all = try loadFigures()
        XCTAssertGreaterThanOrEqual(all.count, 22, "the fixture should cover models/ and models/hub/")
        for (key, expected) in all {
            let (file, nc) = modelFile(for: key)
            let spec = try ModelSpec.load(path: SharedData.project(file))
            let network = try ModelCompiler().compile(spec, classCount: nc)
            XCTAssertEqual(network.parameterCount, expected.params, key)
            XCTAssertEqual(network.layerCount, expected.layers, key)
            // Same operation counts summed in another order: equal to float64 rounding.
            XCTAssertEqual(try network.gigaFLOPs(imageSize: 640), expected.gflops_640,
                           accuracy: expected.gflops_640 * 1e-12, key)
            if let gflops320 = expected.gflops_320 {
                XCTAssertEqual(try network.gigaFLOPs(imageSize: 320), gflops320, accuracy: gflops320 * 1e-12, key)
            }
            XCTAssertEqual(network.strides, expected.strides, key)
            if let anchors = expected.anchors_grid_units {
                let ours = network.anchorsInStrideUnits.map { $0.map { [$0.width, $0.height] } }
                XCTAssertEqual(ours.count, anchors.count, key)
                for (a, b) in zip(ours.joined(), anchors.joined()) {
                    XCTAssertEqual(a[0], b[0], accuracy: 1e-6, key)  // torch keeps anchors in float32
                    XCTAssertEqual(a[1], b[1], accuracy: 1e-6, key)
                }
            }
            XCTAssertEqual(try ModelSummary.summaryLine(network, imageSize: 640), expected.summary_line, key)
            let table = ModelSummary.table(network)
            XCTAssertEqual(table.count, expected.table.count, key)
            for (ours, theirs) in zip(table, expected.table) {
                XCTAssertEqual(ours, theirs, key)
            }
            if let stateDict = expected.state_dict {
                let names = network.namedTensors
                XCTAssertEqual(names.count, stateDict.count, key)
                for (ours, theirs) in zip(names, stateDict) {
                    guard case .string(let name) = theirs[0], case .ints(let shape) = theirs[1] else {
                        XCTFail("bad state_dict entry in fixture"); continue
                    }
                    XCTAssertEqual(ours.name, name, key)
                    XCTAssertEqual(ours.spec.shape, shape, "\(key) \(name)")
                }
            }
        }
    }
}

/// The same comparison for a test-only YAML that uses the module kinds no stock YAML uses
/// (Fixtures/extra-modules.yaml, figures by scripts/reference/extra_modules_figures.py).
final class ExtraModulesFiguresTests: XCTestCase {
    struct Figures: Decodable {
        let params: Int
        let layers: Int
        let gflops_640_direct: Double
        let strides: [Double]
        let anchors_grid_units: [[[Double]]]
        let table: [String]
        let state_dict: [[UltralyticsFiguresTests.AnyCodable]]
    }

    func testExtraModuleKindsMatchUltralytics() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: SharedData.project("Tests/ModelTests/Fixtures/extra_modules_figures.json")))
        let expected = try XCTUnwrap(try JSONDecoder().decode([String: Figures].self, from: data)["extra-modules.yaml"])
        let spec = try ModelSpec.load(path: SharedData.project("Tests/ModelTests/Fixtures/extra-modules.yaml"))
        let network = try ModelCompiler().compile(spec)
        XCTAssertEqual(network.parameterCount, expected.params)
        XCTAssertEqual(network.layerCount, expected.layers)
        XCTAssertEqual(try network.gigaFLOPs(imageSize: 640), expected.gflops_640_direct, accuracy: 1e-9)
        XCTAssertEqual(network.strides, expected.strides)
        XCTAssertEqual(network.anchorsInStrideUnits.map { $0.map { [$0.width, $0.height] } }, expected.anchors_grid_units)
        XCTAssertEqual(ModelSummary.table(network), expected.table)
        let names = network.namedTensors
        XCTAssertEqual(names.count, expected.state_dict.count)
        for (ours, theirs) in zip(names, expected.state_dict) {
            guard case .string(let name) = theirs[0], case .ints(let shape) = theirs[1] else { return XCTFail("bad fixture") }
            XCTAssertEqual(ours.name, name)
            XCTAssertEqual(ours.spec.shape, shape, name)
        }
    }
}
