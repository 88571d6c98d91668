import ArgumentParser
import YOLOConfig
import YOLOModel

/// `yolo info --cfg models/yolov5s.yaml`: build a model from its YAML and print Ultralytics'
/// per-row table and summary line (what `python models/yolo.py --cfg ...` prints).
public struct Info: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Compile a model YAML and print its layer table and summary."
    )

    @Option(name: .customLong("cfg"), help: "Model YAML (a path, or a name looked up in models/ and models/hub/).")
    public var cfg: String = "yolov5s.yaml"

    @Option(name: .customLong("nc"), help: "Override the YAML's number of classes.")
    public var nc: Int?

    @Option(name: [.customLong("img"), .customLong("imgsz"), .customLong("img-size")],
            help: "Image size the GFLOPs are reported for.")
    public var img: Int = 640

    public init() {}

    public func run() throws {
        try reportingConfigErrors {
            guard img > 0 else { throw ConfigError("--img must be a positive image size, got \(img)", file: nil) }
            let path = try ModelFileLocator.locate(cfg)
            let spec = try ModelSpec.load(path: path)
            for unused in spec.unusedKeys {
                printError("warning: \(unused.mark): key '\(unused.key)' is not a model setting and is ignored")
            }
            if let nc, nc != spec.nc {
                print("Overriding model.yaml nc=\(spec.nc) with nc=\(nc)")
            }
            if let activation = spec.activation {
                print("activation: \(activation)")
            }
            let network = try ModelCompiler().compile(spec, classCount: nc)
            print("")
            ModelSummary.table(network).forEach { print($0) }
            print(try ModelSummary.summaryLine(network, imageSize: img))
        }
    }
}
