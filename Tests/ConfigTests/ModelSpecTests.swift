import XCTest
import TestSupport
@testable import YOLOConfig

final class ModelSpecTests: XCTestCase {
    static let header = """
    nc: 80
    depth_multiple: 0.33
    width_multiple: 0.50
    anchors:
      - [10, 13, 16, 30, 33, 23]
    """

    func testYolov5sSpecReadsSettingsAndRows() throws {
        let spec = try ModelSpec.load(path: SharedData.project("models/yolov5s.yaml"))
        XCTAssertEqual(spec.nc, 80)
        XCTAssertEqual(spec.depthMultiple, 0.33)
        XCTAssertEqual(spec.widthMultiple, 0.5)
        XCTAssertEqual(spec.rows.count, 25)
        XCTAssertNil(spec.activation)
        XCTAssertEqual(spec.channelMultiple, 8)
        guard case .perLevel(let anchors, _) = spec.anchors else { return XCTFail("expected anchor lists") }
        XCTAssertEqual(anchors[2], [116, 90, 156, 198, 373, 326])
        let upsample = spec.rows[11]
        XCTAssertEqual(upsample.module, "nn.Upsample")
        XCTAssertEqual(upsample.arguments.map(\.value), [.none, .int(2), .string("nearest")])
        let detect = spec.rows[24]
        XCTAssertEqual(detect.from, .list([17, 20, 23]))
        XCTAssertEqual(spec.resolvedArguments(of: detect).first?.value, .int(80))
        XCTAssertEqual(spec.rows[13].arguments.map(\.value), [.int(512), .bool(false)])
    }

    func testActivationKeyIsParsedWithoutEvaluation() throws {
        let spec = try ModelSpec.load(path: SharedData.project("models/hub/yolov5s-LeakyReLU.yaml"))
        XCTAssertEqual(spec.activation, .leakyReLU(negativeSlope: 0.1))
        let mark = SourceMark(file: "a.yaml", line: 1, column: 1)
        XCTAssertEqual(try ActivationSpec.parse("nn.ReLU()", mark: mark), .relu)
        XCTAssertEqual(try ActivationSpec.parse("nn.Hardswish()", mark: mark), .hardswish)
        XCTAssertEqual(try ActivationSpec.parse("nn.SiLU()", mark: mark), .silu)
        assertThrows(try ActivationSpec.parse("__import__('os').system('ls')", mark: mark),
                     containing: ["a.yaml:1:1", "unknown activation"])
    }

    func testAnchorCountIsAccepted() throws {
        let spec = try ModelSpec.parse("""
        nc: 2
        depth_multiple: 1.0
        width_multiple: 1.0
        anchors: 3
        backbone: [[-1, 1, Conv, [16, 3, 2]]]
        head: []
        """, file: "count.yaml")
        XCTAssertEqual(spec.anchors, .count(3))
    }

    func testRowWithoutFourFieldsNamesItsPosition() {
        let text = Self.header + "\nbackbone:\n  [\n    [-1, 1, Conv],\n  ]\nhead: []\n"
        assertThrows(try ModelSpec.parse(text, file: "m.yaml"),
                     containing: ["m.yaml:8:5", "row 0", "expected 4 fields", "found 3"])
    }

    func testNonIntegerRepeatIsAnError() {
        let text = Self.header + "\nbackbone:\n  - [-1, 1.5, C3, [128]]\nhead: []\n"
        assertThrows(try ModelSpec.parse(text, file: "m.yaml"),
                     containing: ["m.yaml:7:10", "repeat count must be an integer", "1.5"])
    }

    func testMissingNcIsAnError() {
        let text = "depth_multiple: 1.0\nwidth_multiple: 1.0\nanchors: 3\nbackbone: []\nhead: []\n"
        assertThrows(try ModelSpec.parse(text, file: "nonc.yaml"), containing: ["nonc.yaml", "missing required key 'nc'"])
    }

    func testBadFromAndModuleFieldsAreErrors() {
        let badFrom = Self.header + "\nbackbone:\n  - [x, 1, Conv, [64]]\nhead: []\n"
        assertThrows(try ModelSpec.parse(badFrom, file: "m.yaml"), containing: ["m.yaml:7:6", "'from' must be an integer"])
        let badModule = Self.header + "\nbackbone:\n  - [-1, 1, 7, [64]]\nhead: []\n"
        assertThrows(try ModelSpec.parse(badModule, file: "m.yaml"), containing: ["m.yaml:7:13", "module must be a name"])
        let badArgs = Self.header + "\nbackbone:\n  - [-1, 1, Conv, 64]\nhead: []\n"
        assertThrows(try ModelSpec.parse(badArgs, file: "m.yaml"), containing: ["m.yaml:7:19", "'args' must be a list"])
    }

    func testUnknownTopLevelKeysAreReported() throws {
        let text = Self.header + "\ndepth_multiplier: 2\nbackbone: [[-1, 1, Conv, [16]]]\nhead: []\n"
        let spec = try ModelSpec.parse(text, file: "typo.yaml")
        XCTAssertEqual(spec.unusedKeys.map(\.key), ["depth_multiplier"])
        XCTAssertEqual(spec.unusedKeys.first?.mark.line, 6)
    }

    func testArgumentsPrintAsPythonReprs() {
        let args: ModuleArgument = .list([.none, .int(2), .string("nearest"), .bool(false), .float(0.5), .float(1e-5)])
        XCTAssertEqual(args.description, "[None, 2, 'nearest', False, 0.5, 1e-05]")
    }
}
