import Foundation
import TensorCore
import XCTest
import YOLOModel

/// Tests/TrainTests/Fixtures/optimizer_fixtures.json, written by scripts/reference/optimizer_fixtures.py from
/// torch.optim and YOLOv5 master's smart_optimizer, ModelEMA and train.py loop.
enum OptimizerFixture {
    static let path: String = {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/optimizer_fixtures.json").path
    }()

    static func load() throws -> [String: Any] {
        try XCTUnwrap(try ExactJSON.load(path: path) as? [String: Any], path)
    }

    static func floats(_ value: Any?) throws -> [Float] {
        try XCTUnwrap(value as? [Any], "expected an array of numbers").map { Float(try double($0)) }
    }

    static func double(_ value: Any?) throws -> Double {
        try XCTUnwrap((value as? NSNumber)?.doubleValue, "expected a number, found \(String(describing: value))")
    }

    static func int(_ value: Any?) throws -> Int {
        try XCTUnwrap((value as? NSNumber)?.intValue, "expected an integer, found \(String(describing: value))")
    }

    static func role(_ name: String) throws -> TensorSpec.Role {
        switch name {
        case "convolutionWeight": return .convolutionWeight
        case "convolutionBias": return .convolutionBias
        case "normWeight": return .normWeight
        case "normBias": return .normBias
        case "runningMean": return .runningMean
        case "runningVariance": return .runningVariance
        case "batchesTracked": return .batchesTracked
        case "anchors": return .anchors
        default: throw OptimizationFixtureError("unknown role '\(name)' in the fixture")
        }
    }

    /// The tiny model's parameters: name, role and starting value, in `model.parameters()` order.
    struct Parameter {
        let name: String
        let role: TensorSpec.Role
        let value: Tensor
    }

    static func parameters(_ fixture: [String: Any]) throws -> [Parameter] {
        let optimizers = try XCTUnwrap(fixture["optimizers"] as? [String: Any])
        return try XCTUnwrap(optimizers["params"] as? [[String: Any]]).map { entry in
            let shape = try XCTUnwrap(entry["shape"] as? [Any]).map { try int($0) }
            return Parameter(name: try XCTUnwrap(entry["name"] as? String), role: try role(try XCTUnwrap(entry["role"] as? String)),
                             value: Tensor(shape: shape, values: try floats(entry["values"])))
        }
    }

    /// The seeded gradients of each step, by parameter name.
    static func gradients(_ fixture: [String: Any], parameters: [Parameter]) throws -> [[String: Tensor]] {
        let optimizers = try XCTUnwrap(fixture["optimizers"] as? [String: Any])
        return try XCTUnwrap(optimizers["grads"] as? [[Any]]).map { step in
            var byName: [String: Tensor] = [:]
            for (parameter, values) in zip(parameters, step) {
                byName[parameter.name] = Tensor(shape: parameter.value.shape, values: try floats(values))
            }
            return byName
        }
    }
}

/// A JSON file as Foundation-style values (`[String: Any]`, `[Any]`, NSNumber, Bool, String, NSNull),
/// with every number parsed to the nearest Double. JSONSerialization on Linux can be an ulp off
/// (13.994606018066406 reads as 13.994606018066401), which exact comparisons cannot afford;
/// JSONDecoder parses correctly.
enum ExactJSON: Decodable {
    case null, bool(Bool), number(Double), string(String), array([ExactJSON]), object([String: ExactJSON])

    init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Double.self) { self = .number(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode([ExactJSON].self) { self = .array(value) }
        else { self = .object(try container.decode([String: ExactJSON].self)) }
    }

    var foundationValue: Any {
        switch self {
        case .null: return NSNull()
        case .bool(let value): return value
        case .number(let value): return NSNumber(value: value)
        case .string(let value): return value
        case .array(let values): return values.map(\.foundationValue)
        case .object(let members): return members.mapValues(\.foundationValue)
        }
    }

    static func load(path: String) throws -> Any {
        try JSONDecoder().decode(ExactJSON.self, from: Data(contentsOf: URL(fileURLWithPath: path))).foundationValue
    }
}

struct OptimizationFixtureError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Largest |a − b| over two equally long float arrays.
func maximumDifference(_ a: [Float], _ b: [Float]) -> Float {
    zip(a, b).map { abs($0 - $1) }.max() ?? 0
}
