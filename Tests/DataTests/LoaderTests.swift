import Foundation
import TestSupport
import XCTest
import YOLOData

/// The threaded training loader, the image caches and the sampling helpers.
final class LoaderTests: XCTestCase {
    func coco(_ count: Int) throws -> [VerifiedImage] {
        let folder = try SharedData.path("datasets/coco128/images/train2017")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".jpg") }.sorted()
        return try names.prefix(count).map { name in
            let path = folder + "/" + name
            let image = try RGBImage.read(path: path)
            return VerifiedImage(imagePath: path, labelPath: "", size: ImageSize(width: image.width, height: image.height),
                                 labels: [ObjectLabel(classIndex: 1, x: 0.5, y: 0.5, width: 0.4, height: 0.3),
                                          ObjectLabel(classIndex: 2, x: 0.3, y: 0.6, width: 0.2, height: 0.5)],
                                 labelStatus: .found)
        }
    }

    /// Determinism: every batch identical (images, targets, paths) with 1 and 4 workers.
    func testOneAndFourWorkersGiveTheSameBatches() throws {
        let dataset = try TrainingDataset(images: try coco(6), imageSize: 64, batchSize: 2, augment: true,
                                          settings: AugmentationSettings(degrees: 5, shear: 2, mixup: 0.5), threads: 1)
        func run(workers: Int) throws -> [TrainingBatch] {
            let epoch = TrainingLoader(dataset: dataset, workers: workers, shuffle: true, seed: 7).epoch(1)
            var batches: [TrainingBatch] = []
            while let batch = try epoch.nextBatch() { batches.append(batch) }
            XCTAssertEqual(epoch.runningWorkers, 0)
            return batches
        }
        let one = try run(workers: 1), four = try run(workers: 4)
        XCTAssertEqual(one.count, 3)
        XCTAssertEqual(one.map(\.index), [0, 1, 2])
        for (a, b) in zip(one, four) {
            XCTAssertEqual(a.images, b.images)
            XCTAssertEqual(a.targets, b.targets)
            XCTAssertEqual(a.paths, b.paths)
        }
    }

    /// collate_fn: `[B, 3, H, W]` of x/255 in RGB planes; targets `[n, 6]` with the image index first.
    func testBatchLayout() throws {
        let dataset = try TrainingDataset(images: try coco(3), imageSize: 64, batchSize: 3, augment: false, threads: 1)
        let epoch = TrainingLoader(dataset: dataset, workers: 2, shuffle: false).epoch(0)
        let batch = try XCTUnwrap(try epoch.nextBatch())
        XCTAssertNil(try epoch.nextBatch())
        XCTAssertEqual(batch.images.shape, [3, 3, 64, 64])
        XCTAssertEqual(batch.targets.shape[1], 6)
        let sample = batch.samples[1]
        let (r, g, b) = sample.image[10, 20]
        let plane = 64 * 64
        let base = 1 * 3 * plane + 20 * 64 + 10
        XCTAssertEqual(batch.images.storage[base], Float(r) / 255)
        XCTAssertEqual(batch.images.storage[base + plane], Float(g) / 255)
        XCTAssertEqual(batch.images.storage[base + 2 * plane], Float(b) / 255)
        var expected: [Float] = []
        for (i, s) in batch.samples.enumerated() {
            for l in s.labels { expected += [Float(i), Float(l.classIndex), l.x, l.y, l.width, l.height] }
        }
        XCTAssertEqual(batch.targets.storage, expected)
    }

    /// stop() mid-epoch returns only after every worker has exited; later calls give nil.
    func testStopJoinsTheWorkers() throws {
        let dataset = try TrainingDataset(images: try coco(8), imageSize: 64, batchSize: 1, augment: true, threads: 1)
        let epoch = TrainingLoader(dataset: dataset, workers: 3, shuffle: true, capacity: 1).epoch(0)
        XCTAssertNotNil(try epoch.nextBatch())
        epoch.stop()
        XCTAssertEqual(epoch.runningWorkers, 0)
        XCTAssertNil(try epoch.nextBatch())
    }

    /// A missing image is an error from nextBatch naming the file, not a crash.
    func testUnreadableImageIsAnError() throws {
        var images = try coco(2)
        images[1].imagePath = "/nonexistent/missing.jpg"
        let dataset = try TrainingDataset(images: images, imageSize: 64, batchSize: 1, augment: false, threads: 1)
        let epoch = TrainingLoader(dataset: dataset, workers: 2, shuffle: false).epoch(0)
        XCTAssertNotNil(try epoch.nextBatch())
        assertThrows(try epoch.nextBatch(), containing: ["/nonexistent/missing.jpg"])
        XCTAssertEqual(epoch.runningWorkers, 0)
    }

    func testRectTurnsShuffleOffWithAWarning() throws {
        let dataset = try TrainingDataset(images: try coco(5), imageSize: 64, batchSize: 2, augment: true, rect: true, threads: 1)
        let loader = TrainingLoader(dataset: dataset, workers: 1, shuffle: true)
        XCTAssertFalse(loader.shuffle)
        XCTAssertEqual(loader.notes.count, 1)
        XCTAssertEqual(loader.epoch(3).order, dataset.rectBatches?.order)
        XCTAssertFalse(dataset.mosaicEnabled)
    }

    func testEpochOrderIsAPermutationFixedBySeedAndEpoch() {
        let a = EpochOrder.indices(count: 50, epoch: 2, seed: 9, shuffle: true)
        XCTAssertEqual(a, EpochOrder.indices(count: 50, epoch: 2, seed: 9, shuffle: true))
        XCTAssertNotEqual(a, EpochOrder.indices(count: 50, epoch: 3, seed: 9, shuffle: true))
        XCTAssertEqual(a.sorted(), Array(0..<50))
        XCTAssertEqual(EpochOrder.indices(count: 5, epoch: 2, seed: 9, shuffle: false), [0, 1, 2, 3, 4])
    }

    /// labels_to_class_weights: counts (2, 1, 0→1) → 1/count normalised = (0.2, 0.4, 0.4);
    /// labels_to_image_weights: per image Σ class weight × count.
    func testClassAndImageWeights() {
        let l = { (c: Int) in ObjectLabel(classIndex: c, x: 0.5, y: 0.5, width: 0.1, height: 0.1) }
        let labels = [[l(0), l(0)], [l(1)], []]
        let cw = ImageWeights.classWeights(labels: labels, classCount: 3)
        XCTAssertEqual(cw, [Float(0.2), Float(0.4), Float(0.4)])
        XCTAssertEqual(ImageWeights.imageWeights(labels: labels, classCount: 3, classWeights: [0.2, 0.4, 0.4]), [0.4, 0.4, 0])
        var random = SeededRandom(seed: 1)
        let drawn = ImageWeights.sample(weights: [1, 3, 0], count: 4000, random: &random)
        XCTAssertFalse(drawn.contains(2), "a zero weight is never drawn")
        let share = Double(drawn.filter { $0 == 1 }.count) / 4000
        XCTAssertEqual(share, 0.75, accuracy: 0.03, "weight 3 of 4 (binomial sd 0.007)")
    }

    /// train.py: randrange(int(img·0.5), int(img·1.5) + gs) // gs · gs → multiples of 32 in [320, 960] at 640.
    func testMultiScaleSizes() {
        var random = SeededRandom(seed: 4)
        let sizes = Set((0..<2000).map { _ in MultiScale.size(imageSize: 640, stride: 32, random: &random) })
        XCTAssertEqual(sizes, Set(stride(from: 320, through: 960, by: 32)))
        XCTAssertNil(MultiScale.shape(height: 640, width: 640, size: 640, stride: 32))
        XCTAssertEqual(MultiScale.shape(height: 640, width: 480, size: 320, stride: 32)?.height, 320)
        XCTAssertEqual(MultiScale.shape(height: 640, width: 480, size: 320, stride: 32)?.width, 256)  // ceil(7.5)·32
    }

    /// Beta(32, 32) has mean 0.5 and variance 1/260 (sd 0.062).
    func testBetaDraws() {
        var random = SeededRandom(seed: 2)
        let draws = (0..<4000).map { _ in random.beta(32, 32) }
        let mean = draws.reduce(0, +) / 4000
        let variance = draws.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 4000
        XCTAssertEqual(mean, 0.5, accuracy: 0.005)
        XCTAssertEqual(variance, 1.0 / 260, accuracy: 0.0006)
    }

    /// --cache disk: the raw file is written, read back equal to decoding, and ignored once the
    /// source changes.
    func testDiskCacheRoundTripAndInvalidation() throws {
        let folder = try temporaryDirectory(self)
        let source = try coco(1)[0].imagePath
        let path = folder.appendingPathComponent("a.jpg").path
        try FileManager.default.copyItem(atPath: source, toPath: path)
        let decoded = try RGBImage.read(path: path)
        XCTAssertNil(DiskImageCache.read(imagePath: path))
        XCTAssertEqual(try DiskImageCache.load(imagePath: path), decoded)
        XCTAssertTrue(FileManager.default.fileExists(atPath: DiskImageCache.path(forImage: path)))
        XCTAssertEqual(DiskImageCache.read(imagePath: path), decoded)
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: 100)], ofItemAtPath: path)
        XCTAssertNil(DiskImageCache.read(imagePath: path), "stale after the source changed")
        let images = [VerifiedImage(imagePath: path, labelPath: "", size: ImageSize(width: decoded.width, height: decoded.height),
                                    labels: [], labelStatus: .empty)]
        let loader = try TrainingImages(images: images, imageSize: 64, augment: true, cache: .disk, threads: 1)
        XCTAssertEqual(try loader.load(0).image, TrainingImages.resized(decoded, imageSize: 64, augment: true))
        XCTAssertEqual(DiskImageCache.read(imagePath: path), decoded, "rewritten for the new source")
    }

    /// --cache ram holds exactly the load_image sizes; the available memory comes from MemAvailable.
    func testRamCacheAccounting() throws {
        let images = try coco(3)
        let expected = images.reduce(0) { total, image -> UInt64 in
            let s = ValidationImage.resizedSize(of: image.size, imageSize: 64)
            return total + UInt64(s.width * s.height * 3)
        }
        XCTAssertEqual(TrainingImages.ramBytes(images: images, imageSize: 64), expected)
        XCTAssertEqual(AvailableMemory.parse("MemTotal:  100 kB\nMemAvailable:    2048 kB\n"), 2048 * 1024)
        XCTAssertNil(AvailableMemory.parse("MemTotal: 100 kB\n"))
        let loader = try TrainingImages(images: images, imageSize: 64, augment: false, cache: .ram, threads: 2)
        for i in images.indices {
            XCTAssertEqual(try loader.load(i).image,
                           TrainingImages.resized(try RGBImage.read(path: images[i].imagePath), imageSize: 64, augment: false))
        }
    }
}
