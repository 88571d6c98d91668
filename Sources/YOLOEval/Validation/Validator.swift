import Dispatch
import TensorCore
import YOLOData
import YOLOModel

/// Ultralytics' val.py loop: rect batches of the validation set through the network, NMS
/// (multi-label, conf 0.001, IoU 0.6, at most 300 per image), detections and labels mapped to
/// original-image pixels, matched at ten IoU thresholds, and AP per class.
public struct Validator {
    public var confidenceThreshold: Float = 0.001
    public var iouThreshold: Float = 0.6
    public var maxDetections = 300
    /// Class-agnostic NMS and every label counted as class 0 (val.py's --single-cls).
    public var singleClass = false

    public init(confidenceThreshold: Float = 0.001, iouThreshold: Float = 0.6, maxDetections: Int = 300,
                singleClass: Bool = false) {
        self.confidenceThreshold = confidenceThreshold
        self.iouThreshold = iouThreshold
        self.maxDetections = maxDetections
        self.singleClass = singleClass
    }

    /// Per-image output of a run, in original-image pixels.
    public struct ImageResult {
        public var imagePath: String
        public var detections: [Detection]
        public var labels: [LabeledBox]
    }

    public struct Result {
        public var statistics: ValidationStatistics
        public var images: [ImageResult]
        /// Milliseconds per image: loading + letterbox, network, NMS.
        public var speed: (pre: Double, inference: Double, nms: Double)
        public var batchShape: (batch: Int, height: Int, width: Int)
    }

    /// Runs the network over every batch; `progress(done, total)` is called after each batch.
    /// `observeRaw`, when given, sees each batch's raw Detect maps with the batch's targets
    /// `[image, class, x, y, w, h]` (normalised to the network input), as val.py hands them to
    /// the training loss.
    public func run(network: Network, set: ValidationSet, classCount: Int,
                    observeRaw: ((_ raw: [Tensor], _ targets: Tensor) throws -> Void)? = nil,
                    progress: (Int, Int) -> Void = { _, _ in }) throws -> Result {
        var statistics = ValidationStatistics(classCount: classCount)
        let nms = NonMaxSuppression(confidenceThreshold: confidenceThreshold, iouThreshold: iouThreshold,
                                    agnostic: singleClass, multiLabel: true, maxDetections: maxDetections)
        var images: [ImageResult] = []
        var time = (pre: 0.0, inference: 0.0, nms: 0.0)
        for batchIndex in 0..<set.batchCount {
            let t0 = DispatchTime.now().uptimeNanoseconds
            let batch = try set.batch(batchIndex)
            let t1 = DispatchTime.now().uptimeNanoseconds
            let forward = try network.forward(batch.input, includeRaw: observeRaw != nil)
            let output = forward.decoded
            if let observeRaw {
                var rows: [Float] = []
                for (si, sample) in batch.samples.enumerated() {
                    for t in sample.targets {
                        rows += [Float(si), Float(singleClass ? 0 : t.classIndex), t.x, t.y, t.width, t.height]
                    }
                }
                try observeRaw(forward.raw, Tensor(shape: [rows.count / 6, 6], values: rows))
            }
            let t2 = DispatchTime.now().uptimeNanoseconds
            let (rows, columns) = (output.shape[1], output.shape[2])
            let (inputHeight, inputWidth) = (Float(batch.input.shape[2]), Float(batch.input.shape[3]))
            for (si, sample) in batch.samples.enumerated() {
                var found = output.storage.withUnsafeBufferPointer {
                    nms.run(rows: $0.baseAddress! + si * rows * columns, count: rows, stride: columns)
                }
                if singleClass { found = found.map { var d = $0; d.classIndex = 0; return d } }
                let mapping = LetterboxMapping(gain: sample.ratioPad.gainHeight, padX: sample.ratioPad.padX,
                                               padY: sample.ratioPad.padY)
                let (w0, h0) = (sample.originalSize.width, sample.originalSize.height)
                let detections = found.map { mapping.toOriginal($0, originalWidth: w0, originalHeight: h0) }
                // val.py: targets × (w, h, w, h) of the input, xywh → xyxy, then scale_boxes like the predictions
                let labels = sample.targets.map { t -> LabeledBox in
                    let (x, y, w, h) = (t.x * inputWidth, t.y * inputHeight, t.width * inputWidth, t.height * inputHeight)
                    let corners = BoxGeometry.corners(centerX: x, centerY: y, width: w, height: h)
                    let mapped = mapping.toOriginal(Detection(x1: corners.x1, y1: corners.y1, x2: corners.x2, y2: corners.y2,
                                                              confidence: 1, classIndex: t.classIndex),
                                                    originalWidth: w0, originalHeight: h0)
                    return LabeledBox(classIndex: singleClass ? 0 : t.classIndex,
                                      x1: mapped.x1, y1: mapped.y1, x2: mapped.x2, y2: mapped.y2)
                }
                statistics.add(detections: detections, labels: labels)
                images.append(ImageResult(imagePath: sample.imagePath, detections: detections, labels: labels))
            }
            let t3 = DispatchTime.now().uptimeNanoseconds
            time.pre += Double(t1 - t0) / 1e6
            time.inference += Double(t2 - t1) / 1e6
            time.nms += Double(t3 - t2) / 1e6
            progress(batchIndex + 1, set.batchCount)
        }
        let seen = Double(max(images.count, 1))
        return Result(statistics: statistics, images: images,
                      speed: (time.pre / seen, time.inference / seen, time.nms / seen),
                      batchShape: (set.batchSize, set.imageSize, set.imageSize))
    }
}
