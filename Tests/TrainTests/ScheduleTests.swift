import TensorCore
import TestSupport
import XCTest
import YOLOConfig
@testable import YOLOTrain

/// Warm-up, accumulation, the step condition and the LambdaLR schedule against train.py's own
/// loop run with torch (Fixtures/optimizer_fixtures.json, "schedules" and "lf"). All values are
/// Doubles computed in the same operation order, so they are compared exactly.
final class ScheduleTests: XCTestCase {
    func testLearningRateFactorsEqualTrainPy() throws {
        let fixture = try OptimizerFixture.load()
        for entry in try XCTUnwrap(fixture["lf"] as? [[String: Any]]) {
            let epochs = try OptimizerFixture.int(entry["epochs"])
            let lrf = try OptimizerFixture.double(entry["lrf"])
            for schedule in LearningRateSchedule.allCases {
                let expected = try XCTUnwrap(entry[schedule.rawValue] as? [Any]).map { try OptimizerFixture.double($0) }
                XCTAssertEqual(expected.count, epochs + 1)
                for (epoch, value) in expected.enumerated() {
                    XCTAssertEqual(schedule.factor(epoch: epoch, epochs: epochs, finalFraction: lrf), value,
                                   "\(schedule) lf(\(epoch)) of \(epochs)")
                }
            }
        }
    }

    func testNominalBatch() {
        // max(round(64/batch), 1) with half-to-even: 64/128 = 0.5 rounds to 0, so 1; 64/24 = 2.67 → 3.
        XCTAssertEqual([1, 4, 16, 24, 40, 64, 128, 256].map { NominalBatch.accumulation(batchSize: $0) }, [64, 16, 4, 3, 2, 1, 1, 1])
        XCTAssertEqual(NominalBatch.weightDecay(0.0005, batchSize: 16), 0.0005)
        XCTAssertEqual(WarmUp(warmupEpochs: 3, batchesPerEpoch: 7).iterations, 100)
        XCTAssertEqual(WarmUp(warmupEpochs: 3, batchesPerEpoch: 50).iterations, 150)
        XCTAssertEqual(WarmUp(warmupEpochs: 2.5, batchesPerEpoch: 81).iterations, 202, "202.5 rounds half to even")
    }

    func testWarmUpAndStepsFollowTrainPy() throws {
        let fixture = try OptimizerFixture.load()
        let schedules = try XCTUnwrap(fixture["schedules"] as? [[String: Any]])
        XCTAssertEqual(schedules.count, 6)
        for record in schedules {
            let batchesPerEpoch = try OptimizerFixture.int(record["nb"])
            let epochs = try OptimizerFixture.int(record["epochs"])
            let batchSize = try OptimizerFixture.int(record["batch_size"])
            let kind = try OptimizerKind(name: try XCTUnwrap(record["optimizer"] as? String))
            let shape = try XCTUnwrap(LearningRateSchedule(rawValue: try XCTUnwrap(record["schedule"] as? String)))
            let label = "\(kind.rawValue) \(shape) nb \(batchesPerEpoch) batch \(batchSize)"
            var hyperparameters = Hyperparameters()
            hyperparameters.warmupEpochs = try OptimizerFixture.double(record["warmup_epochs"])

            var schedule = try TrainingSchedule(hyperparameters: hyperparameters, epochs: epochs, batchSize: batchSize,
                                                batchesPerEpoch: batchesPerEpoch, learningRateSchedule: shape)
            XCTAssertEqual(schedule.warmUp.iterations, try OptimizerFixture.int(record["nw"]), label)
            XCTAssertEqual(schedule.accumulation, try OptimizerFixture.int(record["initial_accumulate"]), label)
            let decay = NominalBatch.weightDecay(hyperparameters.weightDecay, batchSize: batchSize)
            XCTAssertEqual(decay, try OptimizerFixture.double(record["weight_decay"]), label)
            let groups = ParameterGroup.Kind.allCases.map {
                ParameterGroup(kind: $0, names: ["p\($0.rawValue)"], learningRate: hyperparameters.lr0,
                               momentum: hyperparameters.momentum, weightDecay: $0 == .decayedWeight ? decay : 0)
            }
            var optimizer = try Optimizer(kind: kind, groups: groups)
            schedule.attach(to: &optimizer)
            XCTAssertEqual(optimizer.groups.map(\.learningRate), try doubles(record["initial_lr"]), label)

            let accumulation = try XCTUnwrap(record["accumulate"] as? [Any]).map { try OptimizerFixture.int($0) }
            let steps = try XCTUnwrap(record["step"] as? [Any]).map { try OptimizerFixture.int($0) == 1 }
            let rates = try XCTUnwrap(record["lr"] as? [Any]).map { try doubles($0) }
            let momenta = try XCTUnwrap(record["momentum"] as? [Any])
            let epochEnd = try XCTUnwrap(record["epoch_end_lr"] as? [Any]).map { try doubles($0) }
            XCTAssertEqual(accumulation.count, epochs * batchesPerEpoch, label)
            var stepCount = 0
            for epoch in 0..<epochs {
                for batch in 0..<batchesPerEpoch {
                    let ni = schedule.beginIteration(batch: batch, epoch: epoch, optimizer: &optimizer)
                    XCTAssertEqual(ni, batch + batchesPerEpoch * epoch)
                    XCTAssertEqual(schedule.accumulation, accumulation[ni], "\(label) ni \(ni) accumulate")
                    XCTAssertEqual(optimizer.groups.map(\.learningRate), rates[ni], "\(label) ni \(ni) lr")
                    if kind.hasMomentumKey {
                        let expected = try OptimizerFixture.double(momenta[ni])
                        XCTAssertEqual(optimizer.groups.map(\.momentum), [expected, expected, expected], "\(label) ni \(ni) momentum")
                    } else {
                        XCTAssertTrue(momenta[ni] is NSNull, label)
                        XCTAssertEqual(optimizer.groups.map(\.momentum), groups.map(\.momentum), "Adam's beta1 stays")
                    }
                    let step = schedule.shouldStep(iteration: ni)
                    XCTAssertEqual(step, steps[ni], "\(label) ni \(ni) step")
                    if step {
                        schedule.recordStep(iteration: ni)
                        stepCount += 1
                    }
                }
                schedule.endEpoch(epoch, optimizer: &optimizer)
                XCTAssertEqual(optimizer.groups.map(\.learningRate), epochEnd[epoch], "\(label) after epoch \(epoch)")
            }
            XCTAssertEqual(stepCount, steps.filter { $0 }.count, label)
        }
    }

    func testScheduleRejectsImpossibleRuns() {
        assertThrows(try TrainingSchedule(hyperparameters: Hyperparameters(), epochs: 0, batchSize: 16,
                                          batchesPerEpoch: 7, learningRateSchedule: .linear), containing: ["epochs", "got 0"])
        assertThrows(try TrainingSchedule(hyperparameters: Hyperparameters(), epochs: 3, batchSize: 0,
                                          batchesPerEpoch: 7, learningRateSchedule: .linear), containing: ["batch size", "got 0"])
        assertThrows(try TrainingSchedule(hyperparameters: Hyperparameters(), epochs: 3, batchSize: 16,
                                          batchesPerEpoch: 0, learningRateSchedule: .cosine), containing: ["1 batch", "got 0"])
    }

    private func doubles(_ value: Any?) throws -> [Double] {
        try XCTUnwrap(value as? [Any]).map { try OptimizerFixture.double($0) }
    }
}
