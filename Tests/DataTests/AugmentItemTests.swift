import TestSupport
import XCTest
import YOLOData

/// LoadImagesAndLabels.__getitem__ (YOLOv5 master) on coco128 images with the reference run's
/// random draws replayed: mosaic + mixup, single-image augmentation, the no-augmentation
/// hyperparameters and rect evaluation. Images byte-exact, labels within 1e-6 (normalised).
final class AugmentItemTests: XCTestCase {
    static var items: [String: Any] { AugmentFixtures.cases["items"] as! [String: Any] }

    func images() throws -> [VerifiedImage] {
        let files = Self.items["files"] as! [String]
        let labels = (Self.items["labels"] as! [Any]).map { AugmentFixtures.labels(AugmentFixtures.rows($0)) }
        return try zip(files, labels).map { file, labels in
            let path = try SharedData.path(file)
            let image = try RGBImage.read(path: path)
            return VerifiedImage(imagePath: path, labelPath: "", size: ImageSize(width: image.width, height: image.height),
                                 labels: labels, labelStatus: .found)
        }
    }

    static func settings(_ hyp: [String: Double]) -> AugmentationSettings {
        AugmentationSettings(hsvHue: hyp["hsv_h"]!, hsvSaturation: hyp["hsv_s"]!, hsvValue: hyp["hsv_v"]!,
                             degrees: hyp["degrees"]!, translate: hyp["translate"]!, scale: hyp["scale"]!,
                             shear: hyp["shear"]!, perspective: hyp["perspective"]!, flipUpDown: hyp["flipud"]!,
                             flipLeftRight: hyp["fliplr"]!, mosaic: hyp["mosaic"]!, mixup: hyp["mixup"]!,
                             copyPaste: hyp["copy_paste"]!)
    }

    func check(_ name: String) throws {
        let c = (Self.items["cases"] as! [String: Any])[name] as! [String: Any]
        let images = try images()
        let dataset = try TrainingDataset(images: images, imageSize: c["img_size"] as! Int, batchSize: c["batch_size"] as! Int,
                                          augment: c["augment"] as! Bool, settings: Self.settings(c["hyp"] as! [String: Double]),
                                          rect: c["rect"] as! Bool, threads: 1)
        let order = (c["order"] as! [Int])
        if dataset.rect {
            XCTAssertEqual(dataset.rectBatches?.order, order, "rect order")
            let shapes = AugmentFixtures.rows(c["batch_shapes"]).map { ImageSize(width: Int($0[1]), height: Int($0[0])) }
            XCTAssertEqual(dataset.rectBatches?.shapes, shapes, "rect batch shapes")
        }
        for sample in c["samples"] as! [[String: Any]] {
            let position = sample["position"] as! Int
            var random = ReplayedRandom(sample["draws"])
            let out = try dataset.sample(index: order[position], shape: dataset.letterboxShape(atPosition: position),
                                         candidates: Array(0..<images.count), random: &random)
            let what = "\(name) position \(position)"
            XCTAssertEqual(random.failures, [], what)
            XCTAssertEqual(random.remaining, 0, "\(what): draws left over")
            assertSameImage(out.image, try Fixtures.image(sample["file"] as! String), what)
            let rows = out.labels.map { [Double($0.classIndex), Double($0.x), Double($0.y), Double($0.width), Double($0.height)] }
            assertRows(rows, AugmentFixtures.rows(sample["labels_out"]), tolerance: 1e-6, what)
            if let shapes = sample["shapes"] as? [Any] {
                let hw0 = AugmentFixtures.doubles(shapes[0])
                let rp = AugmentFixtures.rows(shapes[1])
                XCTAssertEqual(out.shapes?.original, ImageSize(width: Int(hw0[1]), height: Int(hw0[0])), what)
                // 1e-15: Foundation's JSON reader on Linux can miss the last bit of a double.
                XCTAssertEqual(out.shapes?.ratioHeight ?? 0, rp[0][0], accuracy: 1e-15, what)
                XCTAssertEqual(out.shapes?.ratioWidth ?? 0, rp[0][1], accuracy: 1e-15, what)
                XCTAssertEqual(out.shapes?.padWidth, rp[1][0], what)
                XCTAssertEqual(out.shapes?.padHeight, rp[1][1], what)
            } else {
                XCTAssertNil(out.shapes, "\(what): a mosaic has no shapes")
            }
        }
    }

    func testMosaicWithMixup() throws { try check("mosaic_mixup") }
    func testSingleImageAugmentation() throws { try check("single") }
    func testRectEvaluationLetterbox() throws { try check("rect_eval") }

    /// hyp.no-augmentation.yaml's values: the reference output is Ultralytics' own, and it is also
    /// exactly `load_image` + `letterbox(auto=False)` (no warp, no colour change, no flip).
    func testNoAugmentationOnlyLetterboxes() throws {
        try check("no_augmentation")
        let images = try images()
        let dataset = try TrainingDataset(images: images, imageSize: 96, batchSize: 4, augment: true, settings: .none, threads: 1)
        var random = SeededRandom(seed: 5)
        for index in images.indices {
            let sample = try dataset.sample(index: index, shape: ImageSize(width: 96, height: 96),
                                            candidates: Array(images.indices), random: &random)
            let decoded = try RGBImage.read(path: images[index].imagePath)
            let expected = Letterbox(size: 96, auto: false)
                .apply(to: TrainingImages.resized(decoded, imageSize: 96, augment: true)).image
            assertSameImage(sample.image, expected, "image \(index)")
        }
    }
}
