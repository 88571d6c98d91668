/// The order in which an epoch visits the dataset, from (seed, epoch) only.
///
/// * `rect`: `RectBatches` order, never shuffled (Ultralytics turns shuffling off with rect and
///   warns).
/// * image weights: `random.choices(range(n), weights, k=n)` (train.py, each epoch), then the
///   sampler's shuffle if shuffling.
/// * otherwise a shuffled permutation of 0..<n, or 0..<n.
public enum EpochOrder {
    public static func indices(count: Int, epoch: Int, seed: UInt64, shuffle: Bool, rect: RectBatches? = nil,
                               imageWeights: [Double]? = nil) -> [Int] {
        if let rect { return rect.order }
        var random = SeededRandom(seed: seed, keys: [UInt64(bitPattern: Int64(epoch)), 0x5348_5546])
        var order: [Int]
        if let imageWeights {
            precondition(imageWeights.count == count, "\(imageWeights.count) image weights for \(count) images")
            order = ImageWeights.sample(weights: imageWeights, count: count, random: &random)
        } else {
            order = Array(0..<count)
        }
        if shuffle { random.shuffle(&order) }
        return order
    }
}

/// Ultralytics' class and image weights (utils/general.py) for `--image-weights`.
public enum ImageWeights {
    /// `labels_to_class_weights`: per class `1 / count` (empty classes count 1), normalised to
    /// sum 1, in float64, returned as float32 as Ultralytics' `.float()` does.
    public static func classWeights(labels: [[ObjectLabel]], classCount: Int) -> [Float] {
        var counts = [Int](repeating: 0, count: classCount)
        for image in labels { for label in image where label.classIndex >= 0 && label.classIndex < classCount { counts[label.classIndex] += 1 } }
        let inverse = counts.map { 1.0 / Double($0 == 0 ? 1 : $0) }
        let total = inverse.reduce(0, +)
        return inverse.map { Float($0 / total) }
    }

    /// `labels_to_image_weights`: per image the sum over its labels of their class weight.
    public static func imageWeights(labels: [[ObjectLabel]], classCount: Int, classWeights: [Double]) -> [Double] {
        labels.map { image in
            var counts = [Double](repeating: 0, count: classCount)
            for label in image where label.classIndex >= 0 && label.classIndex < classCount { counts[label.classIndex] += 1 }
            var sum = 0.0
            for c in 0..<classCount { sum += classWeights[c] * counts[c] }
            return sum
        }
    }

    /// `random.choices(range(n), weights=weights, k=count)`.
    public static func sample(weights: [Double], count: Int, random: inout SeededRandom) -> [Int] {
        var cumulative: [Double] = []
        cumulative.reserveCapacity(weights.count)
        var running = 0.0
        for w in weights { running += max(0, w); cumulative.append(running) }
        return (0..<count).map { _ in random.weightedIndex(cumulativeWeights: cumulative) }
    }
}

/// train.py's `--multi-scale`: a random training size in `[0.5·img, 1.5·img + stride)` rounded
/// down to the stride (`randrange(int(img·0.5), int(img·1.5) + gs) // gs · gs`), and the batch
/// shape it stretches the images to (`ceil(side · sf / gs) · gs` with `sf = size / max(side)`).
public enum MultiScale {
    public static func size(imageSize: Int, stride: Int, random: inout SeededRandom) -> Int {
        let low = Int(Double(imageSize) * 0.5), high = Int(Double(imageSize) * 1.5) + stride
        return random.integer(in: low..<high) / stride * stride
    }

    /// The new `(height, width)` for a batch of `height × width` at training size `size`, or nil
    /// when the scale factor is 1.
    public static func shape(height: Int, width: Int, size: Int, stride: Int) -> (height: Int, width: Int)? {
        let sf = Double(size) / Double(max(height, width))
        guard sf != 1 else { return nil }
        func side(_ x: Int) -> Int { Int((Double(x) * sf / Double(stride)).rounded(.up)) * stride }
        return (side(height), side(width))
    }
}
