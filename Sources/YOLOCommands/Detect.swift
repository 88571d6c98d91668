import ArgumentParser
import Dispatch
import Foundation
import TensorCore
import YOLOConfig
import YOLOData
import YOLOEval
import YOLOModel

/// `yolo detect`: run a model on images and save annotated copies, labels and a JSON of every
/// detection, with Ultralytics detect.py's flags, defaults and console lines.
public struct Detect: ParsableCommand {
    public static let configuration = CommandConfiguration(abstract: "Detect objects in images.")

    @Option(help: "Weights: an Ultralytics .pt checkpoint or a .safetensors file from this project.")
    public var weights: String = "yolov5s.pt"
    @Option(name: .customLong("cfg"), help: "Model YAML (default: the description stored in the weights).")
    public var cfg: String?
    @Option(help: "An image, a folder, a glob pattern or a .txt list of images.")
    public var source: String = "data/images"
    @Option(name: [.customLong("img"), .customLong("imgsz"), .customLong("img-size")], parsing: .upToNextOption,
            help: "Inference size (one value, or height width).")
    public var img: [Int] = [640]
    @Option(name: .customLong("conf-thres")) public var confThres: Float = 0.25
    @Option(name: .customLong("iou-thres")) public var iouThres: Float = 0.45
    @Option(name: .customLong("max-det")) public var maxDet: Int = 1000
    @Option(parsing: .upToNextOption, help: "Keep only these class indices.") public var classes: [Int] = []
    @Flag(name: .customLong("agnostic-nms")) public var agnosticNMS = false
    @Flag(name: .customLong("save-txt"), help: "Save labels/<image>.txt: class x y w h, normalised.") public var saveTxt = false
    @Flag(name: .customLong("save-conf"), help: "Add the confidence to --save-txt lines.") public var saveConf = false
    @Flag(help: "Do not save annotated images.") public var nosave = false
    @Option(help: "Folder for runs.") public var project: String = "runs/detect"
    @Option(help: "Run name (auto-incremented).") public var name: String = "exp"
    @Flag(name: .customLong("exist-ok")) public var existOK = false
    @Option(name: .customLong("line-thickness")) public var lineThickness: Int = 3
    @Flag(name: .customLong("hide-labels")) public var hideLabels = false
    @Flag(name: .customLong("hide-conf")) public var hideConf = false
    @OptionGroup var precision: PrecisionOption
    @Flag(help: "Keep batch norms separate instead of folding them.") public var noFuse = false

    public init() {}

    public func run() throws {
        try reportingConfigErrors {
            try precision.select()
            try validate()
            let model = try load()
            let stride = max(Int(model.network.strides.max() ?? 32), 32)
            let size = try inferenceSize(stride: stride)
            let images = try ImageSources.expand(source)
            guard !images.isEmpty else { throw ConfigError("no images found", file: source) }
            let runDirectory = try RunDirectory.create(project: project, name: name, existOK: existOK)
            if saveTxt { try FileManager.default.createDirectory(atPath: runDirectory + "/labels", withIntermediateDirectories: true) }

            let nms = NonMaxSuppression(confidenceThreshold: confThres, iouThreshold: iouThres,
                                        classes: classes.isEmpty ? nil : Set(classes), agnostic: agnosticNMS,
                                        multiLabel: false, maxDetections: maxDet)
            var timings = (pre: 0.0, inference: 0.0, nms: 0.0)
            var records: [[String: Any]] = []
            var labelFiles = 0
            for (index, path) in images.enumerated() {
                let t0 = DispatchTime.now().uptimeNanoseconds
                let original: RGBImage
                do { original = try RGBImage.read(path: path) } catch let error as ImageError {
                    printError("warning: skipping \(error)")
                    continue
                }
                let letterboxed = Letterbox(height: size.height, width: size.width, auto: true, stride: stride).apply(to: original)
                let input = NetworkInput.tensor(letterboxed.image)
                let t1 = DispatchTime.now().uptimeNanoseconds
                let output = try model.network.forward(input, includeRaw: false)
                let t2 = DispatchTime.now().uptimeNanoseconds
                let rows = output.decoded.shape[1], columns = output.decoded.shape[2]
                let found = output.decoded.storage.withUnsafeBufferPointer { nms.run(rows: $0.baseAddress!, count: rows, stride: columns) }
                let mapping = LetterboxMapping(inputHeight: letterboxed.image.height, inputWidth: letterboxed.image.width,
                                               originalHeight: original.height, originalWidth: original.width)
                let detections = found.map { mapping.toOriginal($0, originalWidth: original.width, originalHeight: original.height) }
                let t3 = DispatchTime.now().uptimeNanoseconds
                timings.pre += Double(t1 - t0) / 1e6
                timings.inference += Double(t2 - t1) / 1e6
                timings.nms += Double(t3 - t2) / 1e6

                print("image \(index + 1)/\(images.count) \(path): \(letterboxed.image.height)x\(letterboxed.image.width) "
                      + summary(detections, names: model.classNames) + String(format: "%.1fms", Double(t2 - t1) / 1e6))
                let fileName = (path as NSString).lastPathComponent
                if !nosave { try saveAnnotated(original, detections, names: model.classNames, to: runDirectory + "/" + fileName) }
                if saveTxt, !detections.isEmpty {
                    try labelText(detections, width: original.width, height: original.height)
                        .write(toFile: runDirectory + "/labels/" + ((fileName as NSString).deletingPathExtension) + ".txt",
                               atomically: true, encoding: .utf8)
                    labelFiles += 1
                }
                records.append(record(path: path, image: original, detections: detections, names: model.classNames))
            }
            guard !records.isEmpty else { throw ConfigError("none of the \(images.count) images could be read", file: source) }
            let json = try JSONSerialization.data(withJSONObject: records, options: [.prettyPrinted, .sortedKeys])
            try json.write(to: URL(fileURLWithPath: runDirectory + "/predictions.json"), options: .atomic)
            let count = Double(max(records.count, 1))
            print(String(format: "Speed: %.1fms pre-process, %.1fms inference, %.1fms NMS per image at shape (1, 3, %d, %d)",
                         timings.pre / count, timings.inference / count, timings.nms / count, size.height, size.width))
            print("Results saved to \(runDirectory)" + (saveTxt ? "\n\(labelFiles) labels saved to \(runDirectory)/labels" : ""))
        }
    }

    public func validate() throws {
        guard (0...1).contains(confThres), (0...1).contains(iouThres) else {
            throw ConfigError("--conf-thres and --iou-thres must be in [0, 1]", file: nil)
        }
        guard maxDet > 0, !img.isEmpty, img.count <= 2, img.allSatisfy({ $0 > 0 }) else {
            throw ConfigError("--max-det must be positive and --img one or two positive sizes", file: nil)
        }
    }

    private func load() throws -> LoadedModel {
        guard FileManager.default.fileExists(atPath: weights) else {
            throw ConfigError("weights not found (this build never downloads; pass a local .pt or .safetensors)", file: weights)
        }
        let model = try ModelLoader.load(weights: weights, cfg: try cfg.map(ModelFileLocator.locate))
        if !noFuse { model.network.fuse() }
        return model
    }

    /// Ultralytics' check_img_size: each side rounded up to a multiple of the stride, with a warning.
    private func inferenceSize(stride: Int) throws -> (height: Int, width: Int) {
        let requested = img.count == 1 ? [img[0], img[0]] : img
        let rounded = requested.map { ($0 + stride - 1) / stride * stride }
        if rounded != requested {
            printError("WARNING: --img \(requested) must be a multiple of max stride \(stride), updating to \(rounded)")
        }
        return (rounded[0], rounded[1])
    }

    /// `4 persons, 1 bus, ` as detect.py prints it (classes in index order), or `(no detections), `.
    func summary(_ detections: [Detection], names: [String]) -> String {
        guard !detections.isEmpty else { return "(no detections), " }
        var counts: [Int: Int] = [:]
        for d in detections { counts[d.classIndex, default: 0] += 1 }
        return counts.keys.sorted().map { c in
            let n = counts[c]!
            return "\(n) \(className(c, names))\(n > 1 ? "s" : ""), "
        }.joined()
    }

    private func className(_ index: Int, _ names: [String]) -> String {
        index < names.count ? names[index] : "class\(index)"
    }

    private func saveAnnotated(_ image: RGBImage, _ detections: [Detection], names: [String], to path: String) throws {
        var annotator = Annotator(image: image, lineWidth: lineThickness)
        // draw the least confident first so the best boxes end on top, as detect.py iterates reversed(det)
        for d in detections.reversed() {
            let label: String? = hideLabels ? nil : (hideConf ? className(d.classIndex, names)
                                                             : className(d.classIndex, names) + String(format: " %.2f", d.confidence))
            annotator.drawBox(x1: d.x1, y1: d.y1, x2: d.x2, y2: d.y2, label: label, color: Annotator.color(forClass: d.classIndex))
        }
        if path.lowercased().hasSuffix(".png") {
            try annotator.image.writePNG(path: path)
        } else {
            try annotator.image.writeJPEG(path: path)
        }
    }

    /// Ultralytics' label lines: `class x_center y_center width height [conf]`, normalised, `%g`.
    func labelText(_ detections: [Detection], width: Int, height: Int) -> String {
        detections.reversed().map { d in
            let (w, h) = (Float(width), Float(height))
            var fields = [Double(d.classIndex), Double((d.x1 + d.x2) / 2 / w), Double((d.y1 + d.y2) / 2 / h),
                          Double((d.x2 - d.x1) / w), Double((d.y2 - d.y1) / h)]
            if saveConf { fields.append(Double(d.confidence)) }
            return fields.map { String(format: "%g", $0) }.joined(separator: " ") + "\n"
        }.joined()
    }

    private func record(path: String, image: RGBImage, detections: [Detection], names: [String]) -> [String: Any] {
        [
            "image": path, "width": image.width, "height": image.height,
            "detections": detections.map { d -> [String: Any] in
                ["class_id": d.classIndex, "name": className(d.classIndex, names), "confidence": Double(d.confidence),
                 "xyxy": [Double(d.x1), Double(d.y1), Double(d.x2), Double(d.y2)]]
            },
        ]
    }
}
