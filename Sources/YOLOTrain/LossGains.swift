import YOLOConfig

/// The loss gains as a training run uses them: Ultralytics scales the YAML's box, cls and obj
/// gains once, where training starts, by the number of detection levels, classes and image size
/// (box·3/nl, cls·nc/80·3/nl, obj·(img/640)²·3/nl).
public struct LossGains: Sendable, Equatable {
    public var box: Double
    public var cls: Double
    public var obj: Double

    public init(box: Double, cls: Double, obj: Double) {
        self.box = box
        self.cls = cls
        self.obj = obj
    }

    public init(hyperparameters h: Hyperparameters, levels: Int, classes: Int, imageSize: Int) {
        let perLevel = 3 / Double(levels)
        box = h.box * perLevel
        cls = h.cls * Double(classes) / 80 * perLevel
        let scale = Double(imageSize) / 640
        obj = h.obj * scale * scale * perLevel
    }
}
