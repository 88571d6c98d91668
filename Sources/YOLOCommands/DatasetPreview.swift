import ArgumentParser
import Foundation
import YOLOConfig
import YOLOData

/// `yolo dataset`: runs the training data pipeline (mosaic, mixup, random perspective, HSV,
/// flips, letterbox) on the train split and writes a few batch plots (train_batch0.jpg, ...)
/// without training, to see what the hyperparameters do to the images.
public struct DatasetPreview: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "dataset",
        abstract: "Write plots of augmented training batches (train_batch0.jpg …) without training."
    )

    @Option(help: "Dataset YAML (path, train/val/test, names).") public var data: String
    @Option(help: "Hyperparameter YAML (the augmentation keys are used).") public var hyp: String = "hyps/hyp.scratch-low.yaml"
    @Option(name: [.customLong("img"), .customLong("imgsz"), .customLong("img-size")]) public var img: Int = 640
    @Option(help: "Images per plotted batch (at most 16 are drawn).") public var count: Int = 16
    @Option(help: "How many batches to plot.") public var batches: Int = 3
    @Option public var seed: Int = 0
    @Option(help: "Loader worker threads.") public var workers: Int = 2
    @Flag(help: "Rectangular batches (turns mosaic and shuffling off, as in training).") public var rect = false
    @Option(help: "Image cache: none, ram or disk.") public var cache: String = "none"
    @Option public var project: String = "runs/dataset"
    @Option public var name: String = "exp"
    @Flag(name: .customLong("exist-ok")) public var existOK = false
    @Flag(help: "Time the loader over whole epochs of the train split and print images/s instead of writing plots.")
    public var speed = false
    @Option(help: "Epochs timed with --speed.") public var epochs: Int = 1

    public init() {}

    /// The hyperparameter file's augmentation keys as the data pipeline's settings.
    public static func settings(_ h: Hyperparameters) -> AugmentationSettings {
        AugmentationSettings(hsvHue: h.hsvHue, hsvSaturation: h.hsvSaturation, hsvValue: h.hsvValue, degrees: h.degrees,
                             translate: h.translate, scale: h.scale, shear: h.shear, perspective: h.perspective,
                             flipUpDown: h.flipUpDown, flipLeftRight: h.flipLeftRight, mosaic: h.mosaic, mixup: h.mixup,
                             copyPaste: h.copyPaste, photometric: h.albumentations)
    }

    public func run() throws {
        try reportingConfigErrors {
            guard img > 0, count > 0, batches > 0, workers > 0, seed >= 0 else {
                throw ConfigError("--img, --count, --batches and --workers must be positive and --seed not negative", file: nil)
            }
            guard let cacheMode = ImageCacheMode(rawValue: cache) else {
                throw ConfigError("--cache must be none, ram or disk, got '\(cache)'", file: nil)
            }
            let spec = try DatasetSpec.load(path: data)
            let hyperparameters = try Hyperparameters.load(path: hyp)
            let stride = 32
            let size = (img + stride - 1) / stride * stride
            if size != img { printError("WARNING: --img \(img) must be a multiple of max stride \(stride), updating to \(size)") }
            let labelled = try DetectionDataset(sources: spec.train, classCount: spec.nc, labelsFolder: spec.labelsFolder)
            print(labelled.summary)
            for message in labelled.messages { printError(message) }
            let dataset = try TrainingDataset(images: labelled.images, imageSize: size, batchSize: count, augment: true,
                                              settings: Self.settings(hyperparameters), rect: rect, stride: stride,
                                              cache: cacheMode)
            let loader = TrainingLoader(dataset: dataset, workers: workers, shuffle: true, seed: UInt64(seed))
            for note in loader.notes { printError(note) }
            if speed {
                try measureSpeed(loader)
                return
            }
            let runDirectory = try RunDirectory.create(project: project, name: name, existOK: existOK)
            let epoch = loader.epoch(0)
            defer { epoch.stop() }
            for index in 0..<batches {
                guard let batch = try epoch.nextBatch() else { break }
                let path = (runDirectory as NSString).appendingPathComponent("train_batch\(index).jpg")
                try BatchPlot.render(batch, names: spec.names).writeJPEG(path: path)
                print("Saved \(path) (\(batch.samples.count) images, \(batch.targets.shape[0]) labels)")
            }
        }
    }

    /// `--speed`: every batch of `--epochs` epochs (decode, augment, collate into the float
    /// tensor), timed from the start of each epoch to its last batch; one line per epoch and a
    /// total, with images per wall-clock second and per CPU second of the process (the second
    /// is the per-core rate on a busy machine).
    func measureSpeed(_ loader: TrainingLoader) throws {
        guard epochs > 0 else { throw ConfigError("--epochs must be positive", file: nil) }
        func cpuSeconds() -> Double { Double(clock()) / Double(CLOCKS_PER_SEC) }  // the process, all threads
        var totalImages = 0, totalSeconds = 0.0, totalCPU = 0.0
        for index in 0..<epochs {
            let start = DispatchTime.now().uptimeNanoseconds, startCPU = cpuSeconds()
            let epoch = loader.epoch(index)
            var images = 0
            while let batch = try epoch.nextBatch() { images += batch.samples.count }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9, cpu = cpuSeconds() - startCPU
            totalImages += images
            totalSeconds += seconds
            totalCPU += cpu
            print(String(format: "epoch %d: %d images in %.2f s (%.2f CPU s) = %.1f images/s, %.1f images per CPU s",
                         index, images, seconds, cpu, Double(images) / seconds, Double(images) / cpu))
        }
        print(String(format: "swift: %d images in %.2f s (%.2f CPU s) = %.1f images/s, %.1f images per CPU s (%d workers)",
                     totalImages, totalSeconds, totalCPU, Double(totalImages) / totalSeconds, Double(totalImages) / totalCPU,
                     workers))
    }
}
