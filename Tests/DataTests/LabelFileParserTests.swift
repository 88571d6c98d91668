import XCTest
import YOLOData

/// Label lines checked as Ultralytics' verify_image_label does, except that a bad line is
/// dropped and reported with file:line instead of rejecting the whole image.
final class LabelFileParserTests: XCTestCase {
    private func parse(_ text: String, classCount: Int = 80) -> ParsedLabels {
        LabelFileParser.parse(text, file: "l.txt", classCount: classCount)
    }

    func testValidLinesKeepFileOrderAndFloat32Values() {
        let parsed = parse("45 0.479492 0.688771 0.955609 0.5955\r\n\n  0 0.1 0.2 0.3 0.4  \n")
        XCTAssertEqual(parsed.labels, [ObjectLabel(classIndex: 45, x: 0.479492, y: 0.688771, width: 0.955609, height: 0.5955),
                                       ObjectLabel(classIndex: 0, x: 0.1, y: 0.2, width: 0.3, height: 0.4)])
        XCTAssertEqual(parsed.issues, [])
        XCTAssertEqual(parsed.contentLines, 2)
        XCTAssertEqual(parsed.segments, [])
    }

    func testEachBadLineIsDroppedAndReportedWithItsLine() {
        let text = """
        0 0.5 0.5 0.2 0.2
        80 0.5 0.5 0.2 0.2
        1 1.5 0.5 0.2 0.2
        2 0.5 0.5 0.2
        0 0.5 0.5 0.2 0.2
        3 0.5 0.5 0 0.2
        x 0.5 0.5 0.2 0.2

        1.5 0.1 0.1 0.1 0.1
        -1 0.1 0.1 0.1 0.1
        4 0.1 -0.2 0.1 0.1
        5 0.1 0.2 0.3 0.4 0.9
        6 0.6 0.6 0.1 0.1
        """
        let parsed = parse(text)
        XCTAssertEqual(parsed.labels.map(\.classIndex), [0, 6])
        XCTAssertEqual(parsed.contentLines, 12)
        let found = parsed.issues.map { "\($0.line!) \($0.kind.rawValue)" }
        XCTAssertEqual(found, ["2 classOutOfRange", "3 coordinateOutOfRange", "4 wrongFieldCount", "5 duplicateLabel",
                               "6 emptyBox", "7 notANumber", "9 classOutOfRange", "10 classOutOfRange",
                               "11 coordinateOutOfRange", "12 wrongFieldCount"])
        XCTAssertTrue(parsed.issues.allSatisfy { $0.file == "l.txt" && !$0.kind.skipsImage })
        let messages = parsed.issues.map(\.description)
        XCTAssertEqual(messages[0], "l.txt:2: class 80 is not an integer in 0...79 (nc = 80)")
        XCTAssertEqual(messages[1], "l.txt:3: x = 1.5 outside [0, 1]: coordinates must be normalised to the image size")
        XCTAssertEqual(messages[2], "l.txt:4: 4 fields, expected 5 (class x y w h)")
        XCTAssertEqual(messages[3], "l.txt:5: duplicate of line 1, removed")
    }

    func testDuplicatesAreRemovedAndTheRestSortedAsNumpyUnique() {
        // np.unique(rows, axis=0, return_index=True) → rows 4 3 1 0 of this file.
        let text = "2 0.5 0.5 0.1 0.1\n0 0.9 0.2 0.1 0.1\n2 0.5 0.5 0.1 0.1\n0 0.3 0.7 0.2 0.1\n0 0.3 0.1 0.2 0.1\n"
        let parsed = parse(text)
        XCTAssertEqual(parsed.labels.map(\.y), [0.1, 0.7, 0.2, 0.5])
        XCTAssertEqual(parsed.labels.map(\.classIndex), [0, 0, 0, 2])
        XCTAssertEqual(parsed.issues.map(\.description), ["l.txt:3: duplicate of line 1, removed"])
    }

    func testPolygonLinesBecomeTheirBoundingBoxes() {
        // More than 6 fields on a line: every line is a polygon (segments2boxes, float32).
        let parsed = parse("3 0.1 0.2 0.5 0.25 0.3 0.6\n1 0.2 0.2 0.4 0.4\n2 0.1 0.1 0.2\n")
        XCTAssertEqual(parsed.labels.count, 2)
        let box = parsed.labels[0]
        XCTAssertEqual(box.classIndex, 3)
        XCTAssertEqual(box.x, (Float(0.1) + Float(0.5)) / 2)
        XCTAssertEqual(box.y, (Float(0.2) + Float(0.6)) / 2)
        XCTAssertEqual(box.width, Float(0.5) - Float(0.1))
        XCTAssertEqual(box.height, Float(0.6) - Float(0.2))
        // A 5-field line in a polygon file is a 2-point polygon, as in Ultralytics.
        XCTAssertEqual(parsed.labels[1], ObjectLabel(classIndex: 1, x: (Float(0.2) + Float(0.4)) / 2, y: (Float(0.2) + Float(0.4)) / 2,
                                                     width: Float(0.4) - Float(0.2), height: Float(0.4) - Float(0.2)))
        XCTAssertEqual(parsed.segments, [[0.1, 0.2, 0.5, 0.25, 0.3, 0.6], [0.2, 0.2, 0.4, 0.4]])
        XCTAssertEqual(parsed.issues.map { "\($0.line!) \($0.kind.rawValue)" }, ["3 wrongFieldCount"])
    }

    func testEmptyTextHasNoContent() {
        XCTAssertEqual(parse("  \n\n").contentLines, 0)
        XCTAssertEqual(parse("").labels, [])
    }
}
