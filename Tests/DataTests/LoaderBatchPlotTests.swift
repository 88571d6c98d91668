import XCTest
import YOLOData

/// plot_images' layout: ceil(√n) square grid filled column by column on white, 1920 px cap,
/// boxes in the class colour.
final class LoaderBatchPlotTests: XCTestCase {
    func testGridIsColumnMajorOnWhite() {
        let colours: [(UInt8, UInt8, UInt8)] = [(10, 20, 30), (200, 0, 0), (0, 200, 0), (0, 0, 200), (90, 90, 9)]
        let images = colours.map { RGBImage(width: 40, height: 30, fill: $0) }
        let plot = BatchPlot.render(images: images, labels: [])
        XCTAssertEqual(plot.width, 120)
        XCTAssertEqual(plot.height, 90)
        for (i, colour) in colours.enumerated() {
            let p = plot[40 * (i / 3) + 20, 30 * (i % 3) + 15]
            XCTAssertTrue(p == colour, "tile \(i) centre is \(p), expected \(colour)")
        }
        XCTAssertTrue(plot[100, 75] == (255, 255, 255), "unused tiles stay white")
        XCTAssertTrue(plot[0, 0] == (255, 255, 255), "white frame")
    }

    func testLargeGridsAreCappedAt1920() {
        let images = (0..<4).map { _ in RGBImage(width: 1000, height: 1000, fill: (50, 60, 70)) }
        let plot = BatchPlot.render(images: images, labels: [])
        // scale = 1920 / 2 / 1000 = 0.96 → tiles of ceil(960) px
        XCTAssertEqual(plot.width, 1920)
        XCTAssertEqual(plot.height, 1920)
    }

    func testBoxesUseTheClassColour() {
        let image = RGBImage(width: 200, height: 200, fill: (0, 0, 0))
        let label = ObjectLabel(classIndex: 3, x: 0.5, y: 0.6, width: 0.5, height: 0.4)
        let plot = BatchPlot.render(images: [image], labels: [[label]], names: ["a", "b", "c", "dog"])
        // the left edge of the box is at x = 50, from y = 80 to 160
        XCTAssertTrue(plot[50, 140] == Annotator.color(forClass: 3))
        XCTAssertTrue(plot[100, 120] == (0, 0, 0), "inside the box is untouched")
    }
}
