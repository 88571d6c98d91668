import ArgumentParser
import Foundation
import YOLOData
import YOLOTrain

/// `yolo demo`: the whole product on a dataset it draws itself, so nothing needs downloading —
/// writes the synthetic shapes dataset, trains a small model on it, validates, and runs detect on
/// a few validation images.
public struct Demo: ParsableCommand {
    public static let configuration = CommandConfiguration(
        abstract: "Train, validate and detect on a built-in synthetic dataset (needs nothing downloaded).")

    @Option(help: "Model YAML.") public var cfg: String = "models/yolov5n.yaml"
    @Option public var epochs: Int = 15
    @Option(name: .customLong("batch-size")) public var batchSize: Int = 16
    @Option(name: [.customLong("img"), .customLong("imgsz")]) public var img: Int = 128
    @Option(name: .customLong("train-images")) public var trainImages: Int = 512
    @Option(name: .customLong("val-images")) public var valImages: Int = 64
    @Option(help: "SGD, Adam, AdamW or RMSProp.") public var optimizer: String = "Adam"
    /// A from-scratch recipe that learns these shapes within a few epochs on two cores: Adam at
    /// 0.002, one warm-up epoch, and no mosaic (the objects are large and the images few).
    @Option(name: .customLong("hyp-set"), help: "Override one hyperparameter, key=value (repeatable; default: lr0=0.002 mosaic=0 warmup_epochs=1).")
    public var hypSet: [String] = ["lr0=0.002", "mosaic=0", "warmup_epochs=1"]
    @Option public var workers: Int = 2
    @Option public var seed: Int = 0
    @Option public var project: String = "runs/demo"

    public init() {}

    public func run() throws {
        try reportingConfigErrors {
            let dataFolder = project + "/synthetic-shapes"
            print("Writing the synthetic dataset to \(dataFolder) (\(trainImages) train, \(valImages) val images, \(img)×\(img))...")
            let data = try SyntheticDataset.write(to: dataFolder, trainCount: trainImages, valCount: valImages,
                                                  imageSize: img, seed: UInt64(seed))
            print("Training \(cfg) from scratch with \(optimizer), hyperparameter overrides: \(hypSet.joined(separator: " "))")
            var options = TrainingOptions()
            options.cfg = cfg
            options.data = data
            options.epochs = epochs
            options.optimizer = optimizer
            options.batchSize = batchSize
            options.imageSize = img
            options.workers = workers
            options.seed = seed
            options.project = project
            options.name = "train"
            let runDirectory = try TrainingRun(options: options, hyperparameterOverrides: hypSet).run().directory

            let weights = runDirectory + "/weights/best.safetensors"
            let images = URL(fileURLWithPath: dataFolder).standardizedFileURL.path + "/images/val"
            let sample = try FileManager.default.contentsOfDirectory(atPath: images).filter { $0.hasSuffix(".jpg") }.sorted().prefix(4)
            let list = runDirectory + "/detect-sources.txt"
            try sample.map { images + "/" + $0 }.joined(separator: "\n").write(toFile: list, atomically: true, encoding: .utf8)
            print("\nDetecting on \(sample.count) validation images...")
            let detect = try Detect.parse(["--weights", weights, "--source", list, "--img", String(img),
                                           "--project", project, "--name", "detect"])
            try detect.run()
            print("\nDemo finished: training run in \(runDirectory) (weights/best.safetensors, results.csv), "
                  + "detections in \(project)/detect*")
        }
    }
}
