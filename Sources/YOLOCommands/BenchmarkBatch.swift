import Foundation
import TensorCore
import YOLOConfig
import YOLOData

/// The fixed batch `yolo benchmark --train` steps on: a dataset's first images letterboxed
/// without augmentation (as a validation loader would feed them, square), or seeded synthetic
/// images and targets; writable as .npy so a twin implementation can time the same batch.
struct BenchmarkBatch {
    /// `[batch, 3, side, side]`, values in 0...1.
    var images: Tensor
    /// `[n, 6]`: image, class, x, y, w, h (normalised).
    var targets: Tensor
    /// Where the batch came from, for the header.
    var source: String

    /// `batchSize` seeded noise images with 2–8 boxes each of random classes and sizes.
    static func synthetic(batchSize: Int, side: Int, classCount: Int, seed: UInt64 = 0) -> BenchmarkBatch {
        var random = SeededRandom(seed: seed, keys: [0x6265_6E63_68])
        var pixels = [Float](repeating: 0, count: batchSize * 3 * side * side)
        for i in pixels.indices { pixels[i] = Float(random.integer(in: 0..<256)) / 255 }
        var rows: [Float] = []
        for image in 0..<batchSize {
            for _ in 0..<(2 + random.integer(in: 0..<7)) {
                let w = random.uniform(0.04, 0.5), h = random.uniform(0.04, 0.5)
                let x = random.uniform(w / 2, 1 - w / 2), y = random.uniform(h / 2, 1 - h / 2)
                rows += [Float(image), Float(random.integer(in: 0..<classCount)), Float(x), Float(y), Float(w), Float(h)]
            }
        }
        return BenchmarkBatch(images: Tensor(shape: [batchSize, 3, side, side], values: pixels),
                              targets: Tensor(shape: [rows.count / 6, 6], values: rows),
                              source: "\(batchSize) synthetic noise images (seed \(seed))")
    }

    /// The first `batchSize` training images of a data YAML (repeated if it has fewer),
    /// letterboxed to `side`×`side` without augmentation, with their labels.
    static func fromDataset(_ path: String, batchSize: Int, side: Int, stride: Int) throws -> BenchmarkBatch {
        let spec = try DatasetSpec.load(path: path)
        let dataset = try DetectionDataset(sources: spec.train, classCount: spec.nc, labelsFolder: spec.labelsFolder,
                                           cache: .readOnly)
        guard !dataset.images.isEmpty else { throw ConfigError("no training images", file: path) }
        let chosen = (0..<batchSize).map { dataset.images[$0 % dataset.images.count] }
        let data = try TrainingDataset(images: chosen, imageSize: side, batchSize: batchSize, augment: false, stride: stride)
        var random = SeededRandom(seed: 0)
        let shape = ImageSize(width: side, height: side)
        let samples = try (0..<batchSize).map {
            try data.sample(index: $0, shape: shape, candidates: Array(0..<batchSize), random: &random)
        }
        let batch = try TrainingBatch(index: 0, samples: samples)
        return BenchmarkBatch(images: batch.images, targets: batch.targets,
                              source: "the first \(batchSize) training images of \(path), letterboxed")
    }

    /// Writes `<prefix>images.npy` and `<prefix>targets.npy`.
    func save(prefix: String) throws {
        try Self.writeNPY(images, to: prefix + "images.npy")
        try Self.writeNPY(targets, to: prefix + "targets.npy")
    }

    /// A little-endian float32 .npy file (format 1.0).
    static func writeNPY(_ tensor: Tensor, to path: String) throws {
        let shape = tensor.shape.count == 1 ? "(\(tensor.shape[0]),)" : "(" + tensor.shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': \(shape), }"
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0]
        bytes += [UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)]
        bytes += Array(header.utf8)
        tensor.storage.withUnsafeBytes { bytes += $0 }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }
}
