import Checkpoint
import Foundation
import TensorCore
import TestSupport
import XCTest
@testable import YOLOTrain

/// Saving the optimizer and the EMA into a safetensors file mid-run and restoring them into fresh
/// objects continues exactly like the run that was never interrupted (bit for bit).
final class TrainingStateSavingTests: XCTestCase {
    /// What a trainer's checkpoint writer does: tensors as F32, scalars as the file's metadata.
    private func roundTrip(_ state: SavedTrainingState) throws -> SavedTrainingState {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("opt-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("state.safetensors").path
        try SafetensorsFile.write(state.tensors.map { ($0.name, StoredTensor(shape: $0.value.shape, floats: $0.value.storage)) },
                                  metadata: state.scalars, to: path)
        let file = try SafetensorsFile.read(path: path)
        return SavedTrainingState(tensors: file.tensors.map { ($0.name, Tensor(shape: $0.tensor.shape, values: $0.tensor.floats())) },
                                  scalars: file.metadata)
    }

    func testOptimizerAndEMAContinueBitForBitAfterRestore() throws {
        let fixture = try OptimizerFixture.load()
        let parameters = try OptimizerFixture.parameters(fixture)
        let gradients = try OptimizerFixture.gradients(fixture, parameters: parameters)
        let start = Dictionary(uniqueKeysWithValues: parameters.map { ($0.name, $0.value) })
        let order = parameters.map(\.name)
        let interruption = 2

        for kind in OptimizerKind.allCases {
            let groups = ParameterGrouping.groups(parameters: parameters.map { ($0.name, $0.role) },
                                                  learningRate: 0.01, momentum: 0.937, weightDecay: 0.05)
            /// Step `step` with a per-step LR and momentum (as warm-up would set them), then an EMA update.
            func advance(_ optimizer: inout Optimizer, _ values: inout [String: Tensor], _ ema: inout ModelEMA, step: Int) throws {
                for g in optimizer.groups.indices {
                    optimizer.groups[g].learningRate = 0.01 * Double(step + 1) / Double(gradients.count)
                    if kind.hasMomentumKey { optimizer.groups[g].momentum = 0.8 + 0.03 * Double(step) }
                }
                try optimizer.step(parameters: &values, gradients: gradients[step])
                try ema.update(model: order.map { ($0, values[$0]!) })
            }
            func freshEMA() throws -> ModelEMA {
                try ModelEMA(entries: order.map { ($0, start[$0]!, true) }, updates: 0)
            }

            var straight = try Optimizer(kind: kind, groups: groups)
            var straightValues = start
            var straightEMA = try freshEMA()
            for step in gradients.indices { try advance(&straight, &straightValues, &straightEMA, step: step) }

            var first = try Optimizer(kind: kind, groups: groups)
            var values = start
            var ema = try freshEMA()
            for step in 0..<interruption { try advance(&first, &values, &ema, step: step) }
            let saved = try roundTrip(try first.savedState().merging(ema.savedState()))

            var resumed = try Optimizer(kind: kind, groups: groups)
            try resumed.restore(from: saved)
            XCTAssertEqual(resumed, first, "\(kind): the restored optimizer equals the saved one")
            var resumedEMA = try freshEMA()
            try resumedEMA.restore(from: saved)
            XCTAssertEqual(resumedEMA, ema, "\(kind): the restored EMA equals the saved one")
            for step in interruption..<gradients.count { try advance(&resumed, &values, &resumedEMA, step: step) }

            XCTAssertEqual(values, straightValues, "\(kind): parameters after the resumed run")
            XCTAssertEqual(resumed, straight, "\(kind): optimizer state after the resumed run")
            XCTAssertEqual(resumedEMA, straightEMA, "\(kind): EMA after the resumed run")
        }
    }

    func testSavedStateNamesItsParts() throws {
        let group = ParameterGroup(kind: .decayedWeight, names: ["m.weight"], learningRate: 0.1, momentum: 0.9, weightDecay: 0.01)
        var optimizer = try Optimizer(kind: .adam, groups: [group])
        var values = ["m.weight": Tensor(shape: [2], values: [1, -1])]
        try optimizer.step(parameters: &values, gradients: ["m.weight": Tensor(shape: [2], values: [0.5, 0.25])])
        let saved = optimizer.savedState()
        XCTAssertEqual(Set(saved.tensors.map(\.name)), ["optimizer.exp_avg.m.weight", "optimizer.exp_avg_sq.m.weight"])
        XCTAssertEqual(saved.scalars["optimizer.kind"], "Adam")
        XCTAssertEqual(saved.scalars["optimizer.step.m.weight"], "1")
        XCTAssertEqual(saved.scalars["optimizer.group.0.lr"], "0.1")
        XCTAssertEqual(saved.scalars["optimizer.group.0.params"], "m.weight")
    }

    func testRestoreRefusesAMismatchedState() throws {
        let group = ParameterGroup(kind: .decayedWeight, names: ["m.weight"], learningRate: 0.1, momentum: 0.9, weightDecay: 0)
        var sgd = try Optimizer(kind: .sgd, groups: [group])
        var values = ["m.weight": Tensor(shape: [2], values: [1, -1])]
        try sgd.step(parameters: &values, gradients: ["m.weight": Tensor(shape: [2], values: [0.5, 0.25])])
        let saved = sgd.savedState()

        var adam = try Optimizer(kind: .adam, groups: [group])
        assertThrows(try adam.restore(from: saved), containing: ["SGD", "Adam"])
        let other = ParameterGroup(kind: .decayedWeight, names: ["n.weight"], learningRate: 0.1, momentum: 0.9, weightDecay: 0)
        var renamed = try Optimizer(kind: .sgd, groups: [other])
        assertThrows(try renamed.restore(from: saved), containing: ["group 0", "'m.weight' vs 'n.weight'"])
        var twoGroups = try Optimizer(kind: .sgd, groups: [group, other])
        assertThrows(try twoGroups.restore(from: saved), containing: ["1 parameter groups", "this one 2"])

        var broken = saved
        broken.scalars["optimizer.group.0.lr"] = "fast"
        var fresh = try Optimizer(kind: .sgd, groups: [group])
        assertThrows(try fresh.restore(from: broken), containing: ["'optimizer.group.0.lr'", "'fast'", "number"])
        XCTAssertEqual(fresh, try Optimizer(kind: .sgd, groups: [group]), "a refused restore changes nothing")
        broken = saved
        broken.scalars["optimizer.groups"] = nil
        assertThrows(try fresh.restore(from: broken), containing: ["'optimizer.groups'"])
        broken = saved
        broken.tensors.append(("optimizer.momentum_buffer.x.weight", Tensor(shape: [1])))
        assertThrows(try fresh.restore(from: broken), containing: ["'optimizer.momentum_buffer.x.weight'", "no parameter"])

        // A buffer of the wrong length is refused when the step would use it.
        broken = saved
        broken.tensors = [("optimizer.momentum_buffer.m.weight", Tensor(shape: [3]))]
        try fresh.restore(from: broken)
        assertThrows(try fresh.step(parameters: &values, gradients: ["m.weight": Tensor(shape: [2])]),
                     containing: ["momentum_buffer", "'m.weight'", "3 values", "parameter 2"])

        var ema = try ModelEMA(entries: [("a", Tensor(shape: [2]), true)])
        assertThrows(try ema.restore(from: SavedTrainingState(scalars: ["ema.updates": "3"])), containing: ["'ema.a'"])
        assertThrows(try ema.restore(from: SavedTrainingState(tensors: [("ema.a", Tensor(shape: [3]))], scalars: ["ema.updates": "3"])),
                     containing: ["'ema.a'", "[3]", "[2]"])
        assertThrows(try ema.restore(from: SavedTrainingState(tensors: [("ema.a", Tensor(shape: [2]))], scalars: ["ema.updates": "x"])),
                     containing: ["'ema.updates'", "whole number"])
        XCTAssertEqual(ema.updates, 0)
        assertThrows(try sgd.savedState().merging(sgd.savedState()), containing: ["twice"])
    }
}
