import Foundation
import TensorCore

/// Ultralytics' ModelEMA: an exponential moving average of every floating-point state_dict entry
/// (parameters, batch-norm running statistics, Detect's anchors), taken after each optimizer step.
///
/// The decay ramps up as `0.9999·(1 − exp(−updates/2000))`, with `updates` counted before use.
/// Each entry becomes `ema·d + (1 − d)·model` with d and 1 − d rounded to float32 and the two
/// products and the sum each rounded, as torch's `v *= d; v += (1 - d) * msd[k]` does.
/// Integer entries (num_batches_tracked) are kept as they were when the EMA was created.
public struct ModelEMA: Sendable, Equatable {
    public static let maximumDecay = 0.9999
    /// The number of updates over which the decay ramps up (tau).
    public static let rampUpdates = 2000.0

    /// Updates so far.
    public var updates: Int
    public private(set) var names: [String]
    public private(set) var values: [Tensor]
    /// Whether each entry is floating point, hence averaged.
    public let averaged: [Bool]

    /// An EMA starting from a copy of the model's state (`deepcopy(model)`).
    public init(entries: [(name: String, value: Tensor, isFloatingPoint: Bool)], updates: Int = 0) throws {
        var seen = Set<String>()
        for entry in entries where !seen.insert(entry.name).inserted {
            throw OptimizationError("the EMA's state names '\(entry.name)' twice")
        }
        self.names = entries.map(\.name)
        self.values = entries.map(\.value)
        self.averaged = entries.map(\.isFloatingPoint)
        self.updates = updates
    }

    /// The decay of update number `updates`.
    public static func decay(updates: Int) -> Double {
        maximumDecay * (1 - exp(-Double(updates) / rampUpdates))
    }

    /// One update from the model's state, given in the EMA's own entry order.
    public mutating func update(model: [(name: String, value: Tensor)]) throws {
        guard model.count == names.count else {
            throw OptimizationError("the model state has \(model.count) entries, the EMA \(names.count)")
        }
        for (index, entry) in model.enumerated() {
            guard entry.name == names[index] else {
                throw OptimizationError("EMA entry \(index) is '\(names[index])' but the model gives '\(entry.name)'")
            }
            guard !averaged[index] || entry.value.shape == values[index].shape else {
                throw OptimizationError("'\(entry.name)' has shape \(entry.value.shape) in the model, "
                    + "\(values[index].shape) in the EMA")
            }
        }
        updates += 1
        let d = Self.decay(updates: updates)
        let keep = Float(d), take = Float(1 - d)
        for index in values.indices where averaged[index] {
            let count = values[index].elementCount
            model[index].value.storage.withUnsafeBufferPointer { m in
                values[index].storage.withUnsafeMutableBufferPointer { v in
                    Parallel.forEach(count, minimumChunk: elementwiseChunk) { range in
                        // eight lanes at a time, each lane the tail's arithmetic
                        var i = range.lowerBound
                        while i + 8 <= range.upperBound {
                            let raw = UnsafeMutableRawPointer(v.baseAddress! + i)
                            let model = UnsafeRawPointer(m.baseAddress! + i).loadUnaligned(as: SIMD8<Float>.self)
                            raw.storeBytes(of: raw.loadUnaligned(as: SIMD8<Float>.self) * keep + take * model, as: SIMD8<Float>.self)
                            i += 8
                        }
                        while i < range.upperBound { v[i] = v[i] * keep + take * m[i]; i += 1 }
                    }
                }
            }
        }
    }

    /// The averaged state as (name, value) pairs in state_dict order.
    public var stateDict: [(name: String, value: Tensor)] {
        Array(zip(names, values)).map { (name: $0.0, value: $0.1) }
    }

    /// Replaces one entry's value (restoring a saved EMA).
    mutating func setValue(_ value: Tensor, at index: Int) {
        values[index] = value
    }
}
