import XCTest
import TestSupport
@testable import YOLOConfig

final class YAMLReaderTests: XCTestCase {
    func testScalarsAreTypedAsPyYAMLTypesThem() throws {
        let text = """
        int: 42
        negative: -3
        hex: 0x1F
        float: 0.937
        exponent: 1e-5
        leading_dot: .5
        zero: 0.00
        signed_exp: 5.0e+3
        yes_bool: true
        cap_bool: False
        null_word: null
        tilde: ~
        empty:
        python_none: None
        quoted_number: "12"
        single_quoted: 'nearest'
        word: nearest
        inf: .inf
        """
        let root = try YAMLReader.parse(text, file: "t.yaml")
        func value(_ key: String) -> YAMLScalar.Value? { root[key]?.scalar?.value }
        XCTAssertEqual(value("int"), .int(42))
        XCTAssertEqual(value("negative"), .int(-3))
        XCTAssertEqual(value("hex"), .int(31))
        XCTAssertEqual(value("float"), .float(0.937))
        XCTAssertEqual(value("exponent"), .float(1e-5))
        XCTAssertEqual(value("leading_dot"), .float(0.5))
        XCTAssertEqual(value("zero"), .float(0))
        XCTAssertEqual(value("signed_exp"), .float(5000))
        XCTAssertEqual(value("yes_bool"), .bool(true))
        XCTAssertEqual(value("cap_bool"), .bool(false))
        XCTAssertEqual(value("null_word"), .null)
        XCTAssertEqual(value("tilde"), .null)
        XCTAssertEqual(value("empty"), .null)
        XCTAssertEqual(value("python_none"), .string("None"))
        XCTAssertEqual(value("quoted_number"), .string("12"))
        XCTAssertEqual(value("single_quoted"), .string("nearest"))
        XCTAssertEqual(value("word"), .string("nearest"))
        XCTAssertEqual(value("inf"), .float(.infinity))
    }

    func testBlockAndFlowStylesWithCommentsKeepLineAndColumn() throws {
        let text = """
        # a comment line
        rows:
          - [-1, 1, Conv, [64, 6, 2, 2]]  # trailing comment
          - [[-1, 6], 1, Concat, [1]]
        block:
          nested:
            - a
            - b
        """
        let root = try YAMLReader.parse(text, file: "m.yaml")
        let rows = try XCTUnwrap(root["rows"]?.sequence)
        XCTAssertEqual(rows.count, 2)
        XCTAssertEqual(rows[0].mark, SourceMark(file: "m.yaml", line: 3, column: 5))
        let fields = try XCTUnwrap(rows[1].sequence)
        XCTAssertEqual(fields[2].scalar?.text, "Concat")
        XCTAssertEqual(fields[2].mark.line, 4)
        XCTAssertEqual(fields[2].mark.column, 18)
        XCTAssertEqual(fields[0].sequence?.map { $0.scalar?.value }, [.int(-1), .int(6)])
        XCTAssertEqual(root["block"]?["nested"]?.sequence?.compactMap { $0.scalar?.text }, ["a", "b"])
    }

    func testAliasesResolveToTheAnchoredNode() throws {
        let root = try YAMLReader.parse("base: &b [1, 2]\ncopy: *b\n", file: "a.yaml")
        XCTAssertEqual(root["copy"]?.sequence?.compactMap { $0.scalar?.value }, [.int(1), .int(2)])
    }

    func testMalformedYAMLNamesFileLineAndColumn() {
        assertThrows(try YAMLReader.parse("a: [1, 2\nb: 3\n", file: "bad.yaml"),
                     containing: ["bad.yaml:", "malformed YAML"])
        assertThrows(try YAMLReader.parse("a: 1\n  b: 2\n", file: "indent.yaml"),
                     containing: ["indent.yaml:2:", "malformed YAML"])
    }

    func testDuplicateKeysAreRejected() {
        assertThrows(try YAMLReader.parse("nc: 80\nnc: 3\n", file: "dup.yaml"),
                     containing: ["dup.yaml:2:1", "duplicate key 'nc'", "line 1"])
    }

    func testEmptyAndMissingFilesAreErrors() {
        assertThrows(try YAMLReader.parse("", file: "empty.yaml"), containing: ["empty.yaml", "no YAML document"])
        assertThrows(try YAMLReader.load(path: "/nonexistent/x.yaml"), containing: ["/nonexistent/x.yaml", "cannot read"])
    }
}
