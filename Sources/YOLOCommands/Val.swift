import ArgumentParser
import Foundation
import YOLOConfig
import YOLOData
import YOLOEval
import YOLOModel
#if canImport(Glibc)
import Glibc
#endif

/// `yolo val`: mAP of a model on a dataset split, printed as Ultralytics' val.py prints it.
public struct Val: ParsableCommand {
    public static let configuration = CommandConfiguration(abstract: "Validate a model on a dataset (mAP, P, R per class).")

    @Option(help: "Dataset YAML (path, train/val/test, names).") public var data: String
    @Option(help: "Weights: an Ultralytics .pt checkpoint or a .safetensors file from this project.")
    public var weights: String = "yolov5s.pt"
    @Option(name: .customLong("cfg"), help: "Model YAML (default: the description stored in the weights).") public var cfg: String?
    @Option(name: .customLong("batch-size")) public var batchSize: Int = 32
    @Option(name: [.customLong("img"), .customLong("imgsz"), .customLong("img-size")]) public var img: Int = 640
    @Option(name: .customLong("conf-thres")) public var confThres: Float = 0.001
    @Option(name: .customLong("iou-thres")) public var iouThres: Float = 0.6
    @Option(name: .customLong("max-det")) public var maxDet: Int = 300
    @Option(help: "train, val or test (that split), or speed (val split, conf 0.25, IoU 0.45, square batches).")
    public var task: String = "val"
    @Flag(name: .customLong("single-cls")) public var singleCls = false
    @Flag(help: "Print a row per class.") public var verbose = false
    @Flag(name: .customLong("save-txt")) public var saveTxt = false
    @Flag(name: .customLong("save-conf")) public var saveConf = false
    @Flag(name: .customLong("save-json"), help: "Write COCO-style predictions to <weights stem>_predictions.json.") public var saveJSON = false
    @Option public var project: String = "runs/val"
    @Option public var name: String = "exp"
    @Flag(name: .customLong("exist-ok")) public var existOK = false
    @OptionGroup var precision: PrecisionOption
    @Flag(name: .customLong("no-cache"), help: "Do not read or write the labels cache next to the labels.") public var noCache = false

    public init() {}

    public func run() throws {
        try reportingConfigErrors {
            try precision.select()
            guard ["train", "val", "test", "speed"].contains(task) else {
                throw ConfigError("--task must be train, val, test or speed, got '\(task)'", file: nil)
            }
            // val.py's speed task: fixed thresholds and square, unpadded batches
            let isSpeed = task == "speed"
            let (confThres, iouThres) = isSpeed ? (Float(0.25), Float(0.45)) : (self.confThres, self.iouThres)
            guard batchSize > 0, img > 0, maxDet > 0 else { throw ConfigError("--batch-size, --img and --max-det must be positive", file: nil) }
            if confThres > 0.001 {
                printError("WARNING: confidence threshold \(confThres) > 0.001 produces invalid results")
            }
            let spec = try DatasetSpec.load(path: data)
            let sources = task == "train" ? spec.train : task == "test" ? spec.test : spec.val
            guard !sources.isEmpty else { throw ConfigError("the dataset has no '\(task)' split", file: data) }
            guard FileManager.default.fileExists(atPath: weights) else {
                throw ConfigError("weights not found (this build never downloads; pass a local .pt or .safetensors)", file: weights)
            }
            let model = try ModelLoader.load(weights: weights, cfg: try cfg.map(ModelFileLocator.locate))
            model.network.fuse()
            let classCount = singleCls ? 1 : spec.nc
            if let detectClasses = model.network.detect?.classCount, !singleCls, detectClasses != spec.nc {
                throw ConfigError("\(weights) (\(detectClasses) classes) trained on different --data than \(data) (\(spec.nc) classes); pass the right weights and data together",
                                  file: nil)
            }
            let names = singleCls ? ["item"] : spec.names
            let stride = max(Int(model.network.strides.max() ?? 32), 32)
            let size = (img + stride - 1) / stride * stride
            if size != img { printError("WARNING: --img \(img) must be a multiple of max stride \(stride), updating to \(size)") }

            let dataset = try DetectionDataset(sources: sources, classCount: spec.nc, labelsFolder: spec.labelsFolder,
                                               cache: noCache ? .off : .readWrite)
            print(dataset.summary)
            for message in dataset.messages { printError(message) }
            let set = ValidationSet(dataset: dataset, imageSize: size, batchSize: batchSize, stride: stride,
                                    pad: isSpeed ? 0 : 0.5, rect: !isSpeed)
            let runDirectory = try RunDirectory.create(project: project, name: name, existOK: existOK)

            let header = ValidationTable.header
            let showBar = isatty(STDERR_FILENO) != 0
            let validator = Validator(confidenceThreshold: confThres, iouThreshold: iouThres, maxDetections: maxDet,
                                      singleClass: singleCls)
            let result = try validator.run(network: model.network, set: set, classCount: classCount, progress: { done, total in
                if showBar { fputs("\r" + header + ": " + ProgressBar.render(done: done, total: total), stderr) }
            })
            if showBar { fputs("\n", stderr) }
            let showPerClass = verbose || (classCount < 50 && classCount > 1)
            for line in ValidationTable.lines(result: result, names: names, perClass: showPerClass) { print(line) }
            let summary = result.statistics.summary()
            let stats = result.statistics
            print(String(format: "Speed: %.1fms pre-process, %.1fms inference, %.1fms NMS per image at shape (%d, 3, %d, %d)",
                         result.speed.pre, result.speed.inference, result.speed.nms, batchSize, size, size))
            try stats.confusionMatrix.csv(names: names).write(toFile: runDirectory + "/confusion_matrix.csv", atomically: true, encoding: .utf8)
            if saveTxt { try saveLabels(result.images, to: runDirectory + "/labels") }
            if saveJSON {
                let stem = ((weights as NSString).lastPathComponent as NSString).deletingPathExtension
                let path = runDirectory + "/\(stem)_predictions.json"
                try COCOPredictions.json(result.images).write(to: URL(fileURLWithPath: path), options: .atomic)
                print("Saving \(path)...")
            }
            print("Results saved to \(runDirectory)")
            print(String(format: "fitness %.6f (0.1·mAP50 + 0.9·mAP50-95)", summary.fitness))
        }
    }

    private func saveLabels(_ images: [Validator.ImageResult], to folder: String) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for image in images where !image.detections.isEmpty {
            let stem = ((image.imagePath as NSString).lastPathComponent as NSString).deletingPathExtension
            let size = try RGBImageSize.of(image.imagePath)
            let lines = image.detections.map { d -> String in
                var fields = [Double(d.classIndex), Double((d.x1 + d.x2) / 2) / Double(size.width), Double((d.y1 + d.y2) / 2) / Double(size.height),
                              Double(d.x2 - d.x1) / Double(size.width), Double(d.y2 - d.y1) / Double(size.height)]
                if saveConf { fields.append(Double(d.confidence)) }
                return fields.map { String(format: "%g", $0) }.joined(separator: " ")
            }
            try (lines.joined(separator: "\n") + "\n").write(toFile: folder + "/" + stem + ".txt", atomically: true, encoding: .utf8)
        }
    }
}

/// Original image size for label normalisation (decoding is cheap next to validation itself).
enum RGBImageSize {
    static func of(_ path: String) throws -> (width: Int, height: Int) {
        let image = try RGBImage.read(path: path)
        return (image.width, image.height)
    }
}

/// val.py's `--save-json` records: image_id (the file stem, as a number when it is one),
/// category_id (the class index; the COCO 80→91 mapping applies only to the official COCO
/// val2017 list), bbox as [x, y, w, h] from the top-left corner rounded to 3 decimals, score to 5.
enum COCOPredictions {
    static func json(_ images: [Validator.ImageResult]) throws -> Data {
        var records: [[String: Any]] = []
        for image in images {
            let stem = ((image.imagePath as NSString).lastPathComponent as NSString).deletingPathExtension
            let imageID: Any = Int(stem) ?? stem
            for d in image.detections {
                let box = [d.x1, d.y1, d.x2 - d.x1, d.y2 - d.y1].map { (Double($0) * 1000).rounded() / 1000 }
                records.append(["image_id": imageID, "category_id": d.classIndex, "bbox": box,
                                "score": (Double(d.confidence) * 100_000).rounded() / 100_000])
            }
        }
        return try JSONSerialization.data(withJSONObject: records, options: [.sortedKeys])
    }
}
