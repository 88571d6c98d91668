import Foundation
import YOLOConfig
import YOLOData
import YOLOEval
import YOLOModel
import YOLOTrain

/// One `yolo train` run end to end: setup, the run directory (hyp.yaml, opt.yaml, results.csv,
/// weights/), the epochs with their console lines, and the final validation of best with its
/// per-class table.
struct TrainingRun {
    var options: TrainingOptions
    var hyperparameterOverrides: [String] = []
    /// --epochs as given with --resume (nil: the run's own).
    var resumeEpochs: Int? = nil

    /// The newest `weights/last.safetensors` under the project folder (`--resume` without a path).
    static func newestLastCheckpoint(project: String) throws -> String {
        let manager = FileManager.default
        let runs = (try? manager.contentsOfDirectory(atPath: project)) ?? []
        let candidates = runs.map { project + "/" + $0 + "/weights/last.safetensors" }.filter { manager.fileExists(atPath: $0) }
        let dated = candidates.compactMap { path -> (String, Date)? in
            guard let date = (try? manager.attributesOfItem(atPath: path))?[.modificationDate] as? Date else { return nil }
            return (path, date)
        }
        guard let newest = dated.max(by: { $0.1 < $1.1 }) else {
            throw ConfigError("--resume found no weights/last.safetensors under \(project)", file: nil)
        }
        return newest.0
    }

    /// Runs training; returns the run directory and the epochs' summaries.
    @discardableResult
    func run() throws -> (directory: String, summaries: [EpochSummary]) {
        var options = self.options
        var checkpoint: TrainingCheckpoint?
        if let resume = options.resume {
            guard FileManager.default.fileExists(atPath: resume) else { throw ConfigError("checkpoint not found", file: resume) }
            checkpoint = try TrainingCheckpoint.read(path: resume, requireResumeState: true)
            // the run directory is the checkpoint's
            options.saveDirectory = ((resume as NSString).deletingLastPathComponent as NSString).deletingLastPathComponent
        } else {
            options.saveDirectory = try RunDirectory.create(project: options.project, name: options.name, existOK: options.existOK)
        }
        let setup = try TrainingSetup(options: options, hyperparameterOverrides: hyperparameterOverrides,
                                      resumeCheckpoint: checkpoint, resumeEpochs: checkpoint == nil ? nil : resumeEpochs,
                                      locateModel: ModelFileLocator.locate)
        options = setup.options
        let directory = options.saveDirectory
        // train.py's line: hyperparameters: lr0=0.01, lrf=0.01, ...
        print("hyperparameters: " + setup.hyperparameters.yamlText.split(separator: "\n")
            .map { $0.replacingOccurrences(of: ": ", with: "=") }.joined(separator: ", "))
        for note in setup.notes { print(note) }
        try HyperparameterYAML.write(setup.hyperparameters, to: directory + "/hyp.yaml")
        try TrainingOptionsYAML.write(Self.optionEntries(options, hyperparameters: setup.hyperparameters), to: directory + "/opt.yaml")
        let results = ResultsCSV(path: directory + "/results.csv")
        if let checkpoint { try results.keepRows(throughEpoch: checkpoint.epoch) }

        let events = ConsoleTrainingEvents(epochs: options.epochs, classNames: setup.classNames, directory: directory,
                                           results: results)
        let trainer = try setup.makeTrainer(events: events)
        print(try ModelSummary.summaryLine(setup.network, imageSize: 640))
        print("Image sizes \(setup.imageSize) train, \(setup.imageSize) val")
        print("Using \(max(options.workers, 1)) dataloader workers")
        print("Logging results to \(directory)")
        print("Starting training for \(options.epochs) epochs...")
        let start = Date()
        let summaries = try trainer.run()
        let hours = Date().timeIntervalSince(start) / 3600
        print(String(format: "\n%d epochs completed in %.3f hours.", summaries.count, hours))

        for path in [trainer.lastPath, trainer.bestPath] where FileManager.default.fileExists(atPath: path) {
            try TrainingCheckpoint.strip(path: path, network: setup.network, classNames: setup.classNames)
            print("Optimizer stripped from \(path)")
        }
        if FileManager.default.fileExists(atPath: trainer.bestPath), let set = setup.validationSet {
            print("\nValidating \(trainer.bestPath)...")
            let best = try ModelLoader.load(weights: trainer.bestPath)
            best.network.fuse()
            let validator = Validator(iouThreshold: 0.6, singleClass: options.singleClass)
            let result = try validator.run(network: best.network, set: set, classCount: setup.classNames.count)
            for line in ValidationTable.lines(result: result, names: setup.classNames, perClass: true) { print(line) }
        }
        print("Results saved to \(directory)")
        return (directory, summaries)
    }

    /// opt.yaml's entries under train.py's names and in its order.
    static func optionEntries(_ o: TrainingOptions, hyperparameters: Hyperparameters) -> [(key: String, value: PyYAMLValue)] {
        func text(_ value: String?) -> PyYAMLValue { value.map(PyYAMLValue.string) ?? .null }
        return [
            ("weights", text(o.weights ?? "")), ("cfg", text(o.cfg ?? "")), ("data", text(o.data)),
            ("hyp", .mapping(HyperparameterYAML.entries(hyperparameters))), ("epochs", .int(o.epochs)),
            ("batch_size", .int(o.batchSize)), ("imgsz", .int(o.imageSize)), ("rect", .bool(o.rect)),
            ("resume", o.resume.map(PyYAMLValue.string) ?? .bool(false)), ("nosave", .bool(o.noSave)),
            ("noval", .bool(o.noVal)), ("noautoanchor", .bool(true)), ("noplots", .bool(false)), ("evolve", .null),
            ("cache", text(o.cache)), ("image_weights", .bool(o.imageWeights)), ("device", .string("cpu")),
            ("multi_scale", .bool(o.multiScale)), ("single_cls", .bool(o.singleClass)), ("optimizer", .string(o.optimizer)),
            ("sync_bn", .bool(false)), ("workers", .int(o.workers)), ("project", .string(o.project)), ("name", .string(o.name)),
            ("exist_ok", .bool(o.existOK)), ("quad", .bool(false)), ("cos_lr", .bool(o.cosineLR)),
            ("label_smoothing", .double(o.labelSmoothing)), ("patience", .int(o.patience)),
            ("freeze", .list(o.freeze.map(PyYAMLValue.int))), ("save_period", .int(o.savePeriod)), ("seed", .int(o.seed)),
            ("local_rank", .int(-1)), ("save_dir", .string(o.saveDirectory)),
        ]
    }
}
