import Foundation
import TestSupport
import XCTest
import YOLOData

/// `Fixtures/dataset_<name>.json`, written by scripts/reference/dataset_fixtures.py from YOLOv5's
/// own `LoadImagesAndLabels` (stable rect sort): order, shapes, labels and per-image geometry.
struct DatasetFixture: Decodable {
    struct Image: Decodable {
        var file: String
        var shape_wh: [Int]
        var batch: Int
        var labels: [[Double]]
        var hw0: [Int]
        var hw: [Int]
        var ratio_pad: [[Double]]
        var pixel_xyxy: [[Double]]
        var targets: [[Double]]
        var input_hw: [Int]
        var byte_sum: UInt64
        var weighted_sum: UInt64
    }

    var source: String
    var img_size: Int
    var batch_size: Int
    var stride: Int
    var rect: Bool
    var pad: Double
    var image_count: Int
    var label_count: Int
    var batch_shapes_hw: [[Int]]?
    var images: [Image]

    static func load(_ name: String) throws -> DatasetFixture {
        let data = try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("dataset_\(name).json")))
        return try JSONDecoder().decode(DatasetFixture.self, from: data)
    }
}

extension ObjectLabel {
    /// From a fixture row `[class, x, y, w, h]` (float32 values written as float64).
    init(fixtureRow row: [Double]) {
        self.init(classIndex: Int(row[0]), x: Float(row[1]), y: Float(row[2]), width: Float(row[3]), height: Float(row[4]))
    }
}

extension PixelBox {
    init(fixtureRow row: [Double]) {
        self.init(classIndex: Int(row[0]), x1: Float(row[1]), y1: Float(row[2]), x2: Float(row[3]), y2: Float(row[4]))
    }
}

/// The fixture's two checksums of an image's CHW bytes: the byte sum and sum((i + 1) * b_i) mod 2^64.
func inputChecksums(_ image: RGBImage) -> (byteSum: UInt64, weightedSum: UInt64) {
    var byteSum: UInt64 = 0, weightedSum: UInt64 = 0
    for (index, byte) in image.planarBytes().enumerated() {
        byteSum &+= UInt64(byte)
        weightedSum &+= UInt64(index + 1) &* UInt64(byte)
    }
    return (byteSum, weightedSum)
}

/// A small dataset written into a temporary folder: `images/<split>/...` and `labels/<split>/...`.
struct TemporaryDataset {
    let root: URL
    let split: String

    init(_ test: XCTestCase, split: String = "val") throws {
        root = try temporaryDirectory(test)
        self.split = split
        for folder in ["images/\(split)", "labels/\(split)"] {
            try FileManager.default.createDirectory(at: root.appendingPathComponent(folder), withIntermediateDirectories: true)
        }
    }

    var imagesFolder: String { root.appendingPathComponent("images/\(split)").path }
    var labelsFolder: String { root.appendingPathComponent("labels/\(split)").path }
    func imagePath(_ name: String) -> String { imagesFolder + "/" + name }
    func labelPath(_ name: String) -> String { labelsFolder + "/" + name }

    /// A flat-colour JPEG (or PNG for a `.png` name) of the given size.
    @discardableResult
    func addImage(_ name: String, width: Int = 32, height: Int = 24, label: String? = nil) throws -> String {
        let path = imagePath(name)
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        let image = RGBImage(width: width, height: height, fill: (200, 120, 40))
        if name.lowercased().hasSuffix(".png") { try image.writePNG(path: path) } else { try image.writeJPEG(path: path) }
        if let label { try setLabel(for: name, label) }
        return path
    }

    func addFile(_ name: String, bytes: [UInt8]) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: imagePath(name)))
    }

    /// Writes the label file of image `name` (`a/b.jpg` → `labels/<split>/a/b.txt`).
    func setLabel(for name: String, _ text: String) throws {
        let path = LabelPaths.labelPath(forImage: imagePath(name))
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        try text.write(toFile: path, atomically: false, encoding: .utf8)
    }
}
