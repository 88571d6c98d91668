import ArgumentParser
import Foundation
import YOLOConfig
import YOLOData
import YOLOModel
import YOLOTrain

/// `yolo train`: train.py's flags and defaults, a run directory like Ultralytics'.
public struct Train: ParsableCommand {
    public static let configuration = CommandConfiguration(abstract: "Train a model (Ultralytics train.py's flags and outputs).")

    @OptionGroup public var flags: TrainingFlags

    public init() {}

    public func run() throws {
        try reportingConfigErrors {
            try TrainingRun(options: try flags.options(), hyperparameterOverrides: flags.hypSet,
                            resumeEpochs: flags.epochs).run()
        }
    }
}

/// train.py's flags, shared by `yolo train` and `yolo sweep`.
public struct TrainingFlags: ParsableArguments {
    @Option(help: "Initial weights (.pt or .safetensors), transferred by name and shape.") public var weights: String?
    @Option(help: "Model YAML (e.g. models/yolov5s.yaml).") public var cfg: String?
    @Option(help: "Dataset YAML (not needed with --resume, which continues with the run's own).") public var data: String?
    @Option(help: "Hyperparameter YAML (default: hyp.scratch-low values).") public var hyp: String?
    @Option(name: .customLong("hyp-set"), help: "Override one hyperparameter, key=value (repeatable).")
    public var hypSet: [String] = []
    /// Optional so that `--resume` can tell a given value (which extends the run) from the default.
    @Option(help: "Epochs (default: 100; with --resume, a larger value extends the run).") public var epochs: Int?
    @Option(name: .customLong("batch-size")) public var batchSize: Int = 16
    @Option(name: [.customLong("img"), .customLong("imgsz"), .customLong("img-size")]) public var img: Int = 640
    @Flag(help: "Rectangular training batches.") public var rect = false
    /// `--resume` alone resumes the newest run under --project; `--resume PATH` that checkpoint
    /// (train.py's `nargs="?"`).
    @Option(name: .customLong("resume"), help: "Resume from a last checkpoint (without a path: the newest under --project).")
    public var resume: String?
    /// What a bare `--resume` becomes (see `YOLOCommand.normalized`).
    @Flag(name: .customLong("resume-newest"), help: .hidden) public var resumeNewest = false
    @Flag(name: .customLong("nosave"), help: "Only save the final checkpoint.") public var noSave = false
    @Flag(name: .customLong("noval"), help: "Only validate the final epoch.") public var noVal = false
    @Option(help: "Cache images: ram or disk.") public var cache: String?
    @Flag(name: .customLong("image-weights")) public var imageWeights = false
    @Flag(name: .customLong("multi-scale")) public var multiScale = false
    @Flag(name: .customLong("single-cls")) public var singleClass = false
    @Option(help: "SGD, Adam, AdamW or RMSProp.") public var optimizer: String = "SGD"
    @Flag(name: .customLong("cos-lr")) public var cosineLR = false
    @Option(name: .customLong("label-smoothing")) public var labelSmoothing: Double = 0
    @Option(help: "Epochs without improvement before stopping (0: never).") public var patience: Int = 100
    @Option(parsing: .upToNextOption, help: "Freeze rows: one n freezes 0..<n; several list rows.") public var freeze: [Int] = [0]
    @Option(name: .customLong("save-period")) public var savePeriod: Int = -1
    @Option public var seed: Int = 0
    @Option public var workers: Int = 8
    @Option public var project: String = "runs/train"
    @Option public var name: String = "exp"
    @Flag(name: .customLong("exist-ok")) public var existOK = false

    public init() {}

    /// The options these flags describe (a bare or explicit --resume resolved to its checkpoint).
    func options() throws -> TrainingOptions {
        var options = TrainingOptions()
        options.weights = weights?.isEmpty == false ? weights : nil  // train.py takes --weights "" for none
        options.cfg = cfg
        options.data = data ?? ""
        options.hyp = hyp
        options.epochs = epochs ?? 100
        options.batchSize = batchSize
        options.imageSize = img
        options.rect = rect
        options.noSave = noSave
        options.noVal = noVal
        options.cache = cache
        options.imageWeights = imageWeights
        options.multiScale = multiScale
        options.singleClass = singleClass
        options.optimizer = optimizer
        options.cosineLR = cosineLR
        options.labelSmoothing = labelSmoothing
        options.patience = patience
        options.freeze = freeze
        options.savePeriod = savePeriod
        options.seed = seed
        options.workers = workers
        options.project = project
        options.name = name
        options.existOK = existOK
        if let cache, !["ram", "disk"].contains(cache) {
            throw ConfigError("--cache must be ram or disk, got '\(cache)'", file: nil)
        }
        if resumeNewest || resume != nil {
            options.resume = try resume ?? TrainingRun.newestLastCheckpoint(project: project)
        } else if data == nil {
            throw ConfigError("--data is required (a dataset YAML)", file: nil)
        }
        return options
    }
}
