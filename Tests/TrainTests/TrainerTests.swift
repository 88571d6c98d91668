import XCTest
import TensorCore
import TestSupport
import YOLOConfig
import YOLOData
import YOLOModel
@testable import YOLOTrain

/// Whole training runs on a tiny synthetic dataset: checkpoints that inference can load, and a
/// run interrupted after an epoch and resumed that ends bit-identical to the uninterrupted one.
final class TrainerTests: XCTestCase {
    final class Recorder: TrainingEvents {
        var summaries: [EpochSummary] = []
        var batchesSeen = 0
        var plotted: [Int] = []
        var imageSizes: [Int] = []
        func message(_ text: String) {}
        func epochStarted(_ epoch: Int, batches: Int) {}
        func batchFinished(epoch: Int, batch: Int, meanLosses: [Double], instances: Int, imageSize: Int) { batchesSeen += 1; imageSizes.append(imageSize) }
        func validationProgress(done: Int, total: Int) {}
        func epochFinished(_ summary: EpochSummary) { summaries.append(summary) }
        func trainingBatch(_ batch: TrainingBatch) { plotted.append(batch.index) }
    }

    private var folder = ""

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "yolo-trainer-tests-\(ProcessInfo.processInfo.processIdentifier)-\(name.hashValue)"
        try? FileManager.default.removeItem(atPath: folder)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: folder)
    }

    private func options(epochs: Int, directory: String) throws -> TrainingOptions {
        var options = TrainingOptions()
        options.cfg = SharedData.project("models/yolov5n.yaml")
        options.data = try SyntheticDataset.write(to: folder + "/data", trainCount: 12, valCount: 4, imageSize: 64, seed: 3)
        options.epochs = epochs
        options.batchSize = 6
        options.imageSize = 64
        options.workers = 2
        options.seed = 7
        options.saveDirectory = directory
        return options
    }

    private func train(_ options: TrainingOptions, resume: String? = nil, stoppingAfter: Int? = nil) throws -> (Trainer, Recorder) {
        let checkpoint = try resume.map { try TrainingCheckpoint.read(path: $0, requireResumeState: true) }
        var options = options
        options.resume = resume
        let setup = try TrainingSetup(options: options, resumeCheckpoint: checkpoint)
        let recorder = Recorder()
        let trainer = try setup.makeTrainer(events: recorder)
        try trainer.run(stoppingAfter: stoppingAfter)
        return (trainer, recorder)
    }

    func testTrainingRunWritesLoadableCheckpointsAndResumesBitExactly() throws {
        let full = try options(epochs: 3, directory: folder + "/full")
        let (uninterrupted, record) = try train(full)
        XCTAssertEqual(record.summaries.map(\.epoch), [0, 1, 2])
        XCTAssertEqual(record.batchesSeen, 3 * 2)
        XCTAssertEqual(record.plotted, [0, 1])  // the first batches of the first epoch (two per epoch here)
        for summary in record.summaries {
            XCTAssertTrue(summary.trainLosses.allSatisfy { $0.isFinite && $0 > 0 }, "\(summary.trainLosses)")
            XCTAssertTrue(summary.validated)
            XCTAssertEqual(summary.learningRates.count, 3)
        }
        // warm-up: the bias LR falls from warmup_bias_lr 0.1, the others rise from 0
        XCTAssertGreaterThan(record.summaries[0].learningRates[0], record.summaries[2].learningRates[0])
        XCTAssertLessThan(record.summaries[0].learningRates[1], record.summaries[2].learningRates[1])

        // the weights moved, and the checkpoint's model (the EMA) loads for inference
        let initial = try TrainingSetup(options: full).network.parameterValues
        let trained = uninterrupted.network.parameterValues
        XCTAssertNotEqual(initial["model.0.conv.weight"], trained["model.0.conv.weight"])
        let last = try ModelLoader.load(weights: uninterrupted.lastPath)
        XCTAssertEqual(last.classNames, ["circle", "square", "triangle"])
        let ema = Dictionary(uniqueKeysWithValues: uninterrupted.ema.stateDict.map { ($0.name, $0.value) })
        XCTAssertEqual(last.network.tensor(named: "model.24.m.0.weight"), ema["model.24.m.0.weight"])
        XCTAssertTrue(FileManager.default.fileExists(atPath: uninterrupted.bestPath))
        let stored = try TrainingCheckpoint.read(path: uninterrupted.lastPath, requireResumeState: true)
        XCTAssertEqual(stored.epoch, 2)

        // interrupted after epoch 0, resumed from its last checkpoint
        let (_, firstPart) = try train(try options(epochs: 3, directory: folder + "/split"), stoppingAfter: 0)
        XCTAssertEqual(firstPart.summaries.map(\.epoch), [0])
        let (resumed, secondPart) = try train(try options(epochs: 3, directory: folder + "/split"),
                                              resume: folder + "/split/weights/last.safetensors")
        XCTAssertEqual(secondPart.summaries.map(\.epoch), [1, 2])
        for (name, value) in uninterrupted.network.stateDict {
            XCTAssertEqual(resumed.network.tensor(named: name), value, "\(name) differs after resume")
        }
        XCTAssertEqual(resumed.ema.stateDict.map(\.value), uninterrupted.ema.stateDict.map(\.value))
        XCTAssertEqual(resumed.optimizer, uninterrupted.optimizer)
        XCTAssertEqual(secondPart.summaries.map(\.metrics), Array(record.summaries.dropFirst()).map(\.metrics))

        // a stripped checkpoint keeps only the model and cannot be resumed
        try TrainingCheckpoint.strip(path: uninterrupted.lastPath, network: uninterrupted.network,
                                     classNames: ["circle", "square", "triangle"])
        XCTAssertThrowsError(try TrainingCheckpoint.read(path: uninterrupted.lastPath, requireResumeState: true)) { error in
            XCTAssertTrue("\(error)".contains("stripped"), "\(error)")
        }
        XCTAssertEqual(try ModelLoader.load(weights: uninterrupted.lastPath).network.tensor(named: "model.24.m.0.weight"),
                       ema["model.24.m.0.weight"])
    }

    func testFrozenRowsMultiScaleAndSingleClass() throws {
        var options = try options(epochs: 1, directory: folder + "/frozen")
        options.freeze = [10]  // the backbone, rows 0...9
        options.multiScale = true
        options.singleClass = true
        let before = try TrainingSetup(options: options).network.parameterValues
        let (trainer, record) = try train(options)
        let after = trainer.network.parameterValues
        for (name, value) in before {
            let row = Int(name.split(separator: ".")[1])!
            if row < 10 {
                XCTAssertEqual(after[name], value, "\(name) is frozen")
            }
        }
        XCTAssertNotEqual(after["model.24.m.0.bias"], before["model.24.m.0.bias"])
        XCTAssertEqual(trainer.classNames, ["item"])
        // multi-scale: each batch at a random multiple of 32 in [0.5, 1.5]·64
        XCTAssertTrue(record.imageSizes.allSatisfy { $0 % 32 == 0 && (32...96).contains($0) }, "\(record.imageSizes)")
    }

    func testResumeWithMoreEpochsExtendsTheRun() throws {
        let (_, first) = try train(try options(epochs: 2, directory: folder + "/extend"), stoppingAfter: 0)
        XCTAssertEqual(first.summaries.map(\.epoch), [0])
        var longer = try options(epochs: 3, directory: folder + "/extend")
        longer.resume = folder + "/extend/weights/last.safetensors"
        let setup = try TrainingSetup(options: longer, resumeCheckpoint: try TrainingCheckpoint.read(path: longer.resume!, requireResumeState: true),
                                      resumeEpochs: 3)
        XCTAssertEqual(setup.options.epochs, 3)
        XCTAssertTrue(setup.notes.contains { $0.contains("Resuming with --epochs 3 (was 2)") }, "\(setup.notes)")
        let recorder = Recorder()
        try setup.makeTrainer(events: recorder).run()
        XCTAssertEqual(recorder.summaries.map(\.epoch), [1, 2])
    }

    func testEarlyStoppingCountsTiesAsImprovement() {
        var stopper = EarlyStopping(patience: 2)
        XCTAssertFalse(stopper.update(epoch: 0, fitness: 0.1))
        XCTAssertFalse(stopper.update(epoch: 1, fitness: 0.2))
        XCTAssertFalse(stopper.update(epoch: 2, fitness: 0.2))  // a tie moves the best epoch
        XCTAssertEqual(stopper.bestEpoch, 2)
        XCTAssertFalse(stopper.update(epoch: 3, fitness: 0.1))
        XCTAssertTrue(stopper.possibleStop)  // one more epoch without improvement stops
        XCTAssertTrue(stopper.update(epoch: 4, fitness: 0.15))
        var patient = EarlyStopping(patience: 0)
        XCTAssertFalse((0..<50).map { patient.update(epoch: $0, fitness: 0) }.contains(true))
    }
}
