import Foundation
import TestSupport
import XCTest
import YOLOData

/// Issue 6, geometry: images holding one filled rectangle go through mosaic, random perspective
/// (each parameter alone and all together), flips and letterbox with real `SeededRandom` draws,
/// and the label box the pipeline carries must match the box of the rectangle's pixels in the
/// output image within 2 px on every side.
///
/// Why 2 px: label corners are pixel edges while OpenCV's warps sample at pixel centres, a
/// half-pixel offset that scales with the warp (≤ 0.75 px at scale 1.5); a bilinear edge pixel is
/// counted when it is more than about half rectangle (≤ 1 px); the tip of a rotated corner is
/// thinner than a pixel and may not be counted. HSV is off here (it changes colours, not
/// geometry), so the rectangle keeps its colour.
final class AugmentGeometryTests: XCTestCase {
    typealias Rectangle = RectangleScene.Rectangle
    static let tolerance = 2.0
    static let seeds: [UInt64] = [1, 2, 3, 4, 5]

    /// Geometry only: scratch-low's translate and scale, no colour changes, no flips.
    static func geometry(degrees: Double = 0, translate: Double = 0, scale: Double = 0, shear: Double = 0,
                         perspective: Double = 0, flipUpDown: Double = 0, flipLeftRight: Double = 0,
                         mosaic: Double = 0) -> AugmentationSettings {
        AugmentationSettings(hsvHue: 0, hsvSaturation: 0, hsvValue: 0, degrees: degrees, translate: translate, scale: scale,
                             shear: shear, perspective: perspective, flipUpDown: flipUpDown, flipLeftRight: flipLeftRight,
                             mosaic: mosaic, mixup: 0)
    }

    // MARK: mosaic

    /// Four 128-px tiles (already at `load_image` size, so unresized) with rectangles of four
    /// colours, composed by `TrainingDataset.mosaic` (centre, partners, shuffle and the
    /// perspective with scratch-low's translate 0.1 and scale 0.5 all drawn from the seed).
    /// A tile may be placed more than once, so each colour's pixels are split into connected
    /// regions: every label box matches a region of its colour, and a region without a label is
    /// a box `box_candidates` dropped: at most 2 px (+2) thin, or at most 10 % (+ an edge
    /// allowance) of the rectangle's area at the drawn scale.
    func testMosaicLabelsMatchTheRectangles() throws {
        let s = 128
        let tiles: [(size: (Int, Int), rectangle: Rectangle)] = [
            ((128, 96), Rectangle(x: 30, y: 20, w: 50, h: 40)),
            ((96, 128), Rectangle(x: 20, y: 50, w: 40, h: 60)),
            ((128, 128), Rectangle(x: 60, y: 30, w: 44, h: 70)),
            ((128, 80), Rectangle(x: 16, y: 16, w: 90, h: 36)),
        ]
        let folder = try temporaryDirectory(self)
        let images = try RectangleScene.write(tiles.enumerated().map { i, tile in
            (RectangleScene.image(width: tile.size.0, height: tile.size.1, rectangle: tile.rectangle, colour: i),
             [RectangleScene.label(tile.rectangle, width: tile.size.0, height: tile.size.1, colour: i)])
        }, to: folder)
        let settings = Self.geometry(translate: 0.1, scale: 0.5, mosaic: 1)
        let dataset = try TrainingDataset(images: images, imageSize: s, batchSize: 4, augment: true, settings: settings,
                                          threads: 1)
        var matched = 0, dropped = 0
        for seed in Self.seeds {
            var random = SeededRandom(seed: seed)
            let index = Int(seed) % 4
            let (image, boxes) = try dataset.mosaic(index: index, candidates: [0, 1, 2, 3], random: &random)
            XCTAssertEqual([image.width, image.height], [s, s])
            // The same draws again, to know which tiles were placed and the scale.
            var replay = SeededRandom(seed: seed)
            let draw = MosaicDraw.draw(index: index, imageSize: s, candidates: [0, 1, 2, 3], random: &replay)
            let perspective = PerspectiveDraw.draw(settings, random: &replay)
            for colour in 0..<4 {
                let what = "seed \(seed) colour \(colour) (tiles \(draw.indices), scale \(perspective.scale))"
                var regions = RectangleScene.regions(image, colour: colour)
                if !draw.indices.contains(colour) { XCTAssertEqual(regions.count, 0, "\(what): a tile not placed") }
                for box in boxes where box.classIndex == colour {
                    let label = [Double(box.x1), Double(box.y1), Double(box.x2), Double(box.y2)]
                    let errors = regions.map { r in zip(label, [r.x1, r.y1, r.x2, r.y2]).map { abs($0 - $1) }.max()! }
                    guard let best = errors.indices.min(by: { errors[$0] < errors[$1] }) else {
                        XCTFail("\(what): label \(label) but no pixels of its colour")
                        continue
                    }
                    assertBoxMatchesPixels(box, regions[best], tolerance: Self.tolerance, what)
                    regions.remove(at: best)
                    matched += 1
                }
                let r = tiles[colour].rectangle
                let area = Double(r.w * r.h) * perspective.scale * perspective.scale
                for region in regions {
                    let (w, h) = (region.x2 - region.x1, region.y2 - region.y1)
                    let sliver = w <= 2 + Self.tolerance || h <= 2 + Self.tolerance
                        || Double(region.count) <= 0.1 * area + Self.tolerance * (w + h)
                    XCTAssertTrue(sliver, "\(what): \(region) visible but no label")
                    dropped += 1
                }
            }
        }
        XCTAssertGreaterThanOrEqual(matched, 2 * Self.seeds.count, "most mosaics show at least two labelled rectangles")
        XCTAssertGreaterThan(dropped, 0, "seed 1 has a corner sliver box_candidates drops (2.7 % of its scaled area)")
    }

    // MARK: random perspective

    /// One 160×120 image, a rectangle off-centre; `random_perspective` with one parameter at a
    /// time and all together, draws from `PerspectiveDraw.draw` on seeded generators.
    func checkPerspective(_ settings: AugmentationSettings, _ name: String) {
        let rectangle = Rectangle(x: 50, y: 35, w: 52, h: 38)
        let (width, height) = (160, 120)
        let image = RectangleScene.image(width: width, height: height, rectangle: rectangle, colour: 0)
        let label = RectangleScene.label(rectangle, width: width, height: height, colour: 0)
        let box = RectangleScene.pixelBox(label, width: width, height: height)
        for seed in Self.seeds {
            var random = SeededRandom(seed: seed)
            let draw = PerspectiveDraw.draw(settings, random: &random)
            let (out, boxes) = RandomPerspective.apply(image, boxes: [box], draw: draw, border: 0)
            let what = "\(name) seed \(seed) \(draw)"
            XCTAssertNotEqual(out, image, "\(what): the image was warped")
            XCTAssertEqual(boxes.count, 1, what)
            guard let moved = boxes.first else { continue }
            assertBoxMatchesPixels(moved, RectangleScene.found(out, colour: 0), tolerance: Self.tolerance, what)
        }
    }

    func testRotation() { checkPerspective(Self.geometry(degrees: 45), "degrees 45") }
    func testTranslation() { checkPerspective(Self.geometry(translate: 0.2), "translate 0.2") }
    func testScale() { checkPerspective(Self.geometry(scale: 0.5), "scale 0.5") }
    func testShear() { checkPerspective(Self.geometry(shear: 20), "shear 20") }
    func testPerspective() { checkPerspective(Self.geometry(perspective: 0.001), "perspective 0.001") }
    func testAllTogether() {
        checkPerspective(Self.geometry(degrees: 30, translate: 0.1, scale: 0.3, shear: 10, perspective: 0.0005), "all")
    }

    // MARK: the whole single-image path

    /// `TrainingDataset.sample` without mosaic: `load_image` (bilinear, also when shrinking),
    /// letterbox to 128, random perspective with everything on, flips at p = 0.5; the sample's
    /// normalised label, back in pixels of the output, matches the rectangle.
    func testSingleImagePathLabelsMatchTheRectangle() throws {
        let scenes: [(size: (Int, Int), rectangle: Rectangle)] = [
            ((100, 60), Rectangle(x: 20, y: 12, w: 44, h: 30)),   // enlarged to 128×77
            ((300, 200), Rectangle(x: 150, y: 40, w: 110, h: 90)), // shrunk to 128×86
            ((90, 128), Rectangle(x: 10, y: 60, w: 50, h: 40)),   // already at size
        ]
        let folder = try temporaryDirectory(self)
        let images = try RectangleScene.write(scenes.map { scene in
            (RectangleScene.image(width: scene.size.0, height: scene.size.1, rectangle: scene.rectangle, colour: 1),
             [RectangleScene.label(scene.rectangle, width: scene.size.0, height: scene.size.1, colour: 1)])
        }, to: folder)
        let settings = Self.geometry(degrees: 20, translate: 0.1, scale: 0.3, shear: 8, perspective: 0.0003,
                                     flipUpDown: 0.5, flipLeftRight: 0.5)
        let dataset = try TrainingDataset(images: images, imageSize: 128, batchSize: 1, augment: true, settings: settings,
                                          threads: 1)
        for index in images.indices {
            for seed in Self.seeds {
                var random = SeededRandom(seed: seed, keys: [UInt64(index)])
                let sample = try dataset.sample(index: index, shape: ImageSize(width: 128, height: 128),
                                                candidates: Array(images.indices), random: &random)
                let what = "image \(index) seed \(seed)"
                XCTAssertEqual(sample.labels.count, 1, what)
                guard let label = sample.labels.first else { continue }
                assertBoxMatchesPixels(RectangleScene.pixelBox(label, width: 128, height: 128),
                                       RectangleScene.found(sample.image, colour: 1), tolerance: Self.tolerance, what)
            }
        }
    }

    // MARK: flips

    /// `np.flipud` / `np.fliplr` move whole pixels, so the flipped label matches the pixels exactly
    /// (1e-4 px: float32 `1 − y`).
    func testFlipsDirectly() {
        let rectangle = Rectangle(x: 10, y: 7, w: 31, h: 20)
        let image = RectangleScene.image(width: 64, height: 48, rectangle: rectangle, colour: 2)
        let label = RectangleScene.label(rectangle, width: 64, height: 48, colour: 2)
        let (upDown, upDownLabels) = Flips.upDown(image, labels: [label])
        assertBoxMatchesPixels(RectangleScene.pixelBox(upDownLabels[0], width: 64, height: 48),
                               RectangleScene.found(upDown, colour: 2), tolerance: 1e-4, "flipud")
        XCTAssertEqual(RectangleScene.found(upDown, colour: 2)?.y1, Double(48 - 27))
        let (leftRight, leftRightLabels) = Flips.leftRight(image, labels: [label])
        assertBoxMatchesPixels(RectangleScene.pixelBox(leftRightLabels[0], width: 64, height: 48),
                               RectangleScene.found(leftRight, colour: 2), tolerance: 1e-4, "fliplr")
        XCTAssertEqual(RectangleScene.found(leftRight, colour: 2)?.x1, Double(64 - 41))
    }

    /// Flips drawn in `sample` (p = 0.5 each, nothing else on): over 16 seeds all four
    /// flip combinations occur, and each time the label follows the pixels exactly.
    func testFlipsDrawnBySample() throws {
        let rectangle = Rectangle(x: 10, y: 7, w: 31, h: 20)
        let folder = try temporaryDirectory(self)
        let images = try RectangleScene.write([(RectangleScene.image(width: 128, height: 96, rectangle: rectangle, colour: 3),
                                                [RectangleScene.label(rectangle, width: 128, height: 96, colour: 3)])],
                                              to: folder)
        let dataset = try TrainingDataset(images: images, imageSize: 128, batchSize: 1, augment: true,
                                          settings: Self.geometry(flipUpDown: 0.5, flipLeftRight: 0.5), rect: true,
                                          threads: 1)
        var corners = Set<[Double]>()
        for seed in 0..<16 as Range<UInt64> {
            var random = SeededRandom(seed: seed)
            let sample = try dataset.sample(index: 0, shape: dataset.letterboxShape(atPosition: 0), candidates: [0],
                                            random: &random)
            XCTAssertEqual([sample.image.width, sample.image.height], [128, 96], "rect shape, no padding")
            let found = RectangleScene.found(sample.image, colour: 3)
            assertBoxMatchesPixels(RectangleScene.pixelBox(sample.labels[0], width: 128, height: 96), found,
                                   tolerance: 1e-4, "seed \(seed)")
            if let found { corners.insert([found.x1, found.y1]) }
        }
        let expected: Set<[Double]> = [[10, 7], [87, 7], [10, 69], [87, 69]]  // x 128 − 41, y 96 − 27 when flipped
        XCTAssertEqual(corners, expected)
    }

    // MARK: letterbox

    /// Letterboxing without augmentation, square (128) and rect (pad 0 and 0.5): the training
    /// sample (`augment=False`: area resize when shrinking) and validation's sample both carry
    /// labels that match the rectangle's pixels.
    func testLetterboxLabelsMatchTheRectangle() throws {
        let scenes: [(size: (Int, Int), rectangle: Rectangle)] = [
            ((100, 60), Rectangle(x: 20, y: 12, w: 44, h: 30)),   // enlarged (training) / kept (validation)
            ((300, 200), Rectangle(x: 150, y: 40, w: 110, h: 90)), // shrunk
            ((90, 128), Rectangle(x: 10, y: 60, w: 50, h: 40)),
            ((257, 80), Rectangle(x: 3, y: 5, w: 200, h: 60)),    // ceil(80·128/257) = 40 rows
        ]
        let folder = try temporaryDirectory(self)
        let images = try RectangleScene.write(scenes.map { scene in
            (RectangleScene.image(width: scene.size.0, height: scene.size.1, rectangle: scene.rectangle, colour: 0),
             [RectangleScene.label(scene.rectangle, width: scene.size.0, height: scene.size.1, colour: 0)])
        }, to: folder)
        for rect in [false, true] {
            let dataset = try TrainingDataset(images: images, imageSize: 128, batchSize: 2, augment: false, rect: rect,
                                              threads: 1)
            let order = dataset.rectBatches?.order ?? Array(images.indices)
            for (position, index) in order.enumerated() {
                var random = SeededRandom(seed: 0)
                let sample = try dataset.sample(index: index, shape: dataset.letterboxShape(atPosition: position),
                                                candidates: order, random: &random)
                assertBoxMatchesPixels(RectangleScene.pixelBox(sample.labels[0], width: sample.image.width,
                                                               height: sample.image.height),
                                       RectangleScene.found(sample.image, colour: 0), tolerance: Self.tolerance,
                                       "training rect \(rect) image \(index)")
            }
            for pad in [0.0, 0.5] {
                let validation = ValidationSet(images: images, imageSize: 128, batchSize: 2, pad: pad, rect: rect)
                for position in 0..<validation.count {
                    let sample = try validation.sample(atPosition: position)
                    let what = "validation rect \(rect) pad \(pad) image \(validation.order[position])"
                    assertBoxMatchesPixels(sample.pixelBoxes[0], RectangleScene.found(sample.image, colour: 0),
                                           tolerance: Self.tolerance, what)
                    assertBoxMatchesPixels(RectangleScene.pixelBox(sample.targets[0], width: sample.image.width,
                                                                   height: sample.image.height),
                                           RectangleScene.found(sample.image, colour: 0), tolerance: Self.tolerance, what)
                }
            }
        }
    }
}
