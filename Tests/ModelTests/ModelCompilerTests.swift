import XCTest
import TestSupport
import YOLOConfig
@testable import YOLOModel

/// Figures of ../shared/reference/MODELS.md, measured with Ultralytics' PyTorch code:
/// parameters, leaf-module layers and GFLOPs at 640.
private let referenceModels: [(file: String, parameters: Int, layers: Int, gflops: Double)] = [
    ("models/yolov5n.yaml", 1_872_157, 125, 4.56),
    ("models/yolov5s.yaml", 7_235_389, 125, 16.62),
    ("models/yolov5m.yaml", 21_190_557, 169, 49.23),
    ("models/yolov5l.yaml", 46_563_709, 213, 109.58),
    ("models/yolov5x.yaml", 86_749_405, 257, 206.31),
    ("models/hub/yolov5n6.yaml", 3_246_940, 165, 4.66),
    ("models/hub/yolov5s6.yaml", 12_626_620, 165, 16.99),
]

final class ModelCompilerTests: XCTestCase {
    private func compile(_ relative: String, nc: Int? = nil) throws -> Network {
        try ModelCompiler().compile(try ModelSpec.load(path: SharedData.project(relative)), classCount: nc)
    }

    func testParameterCountsLayersAndGFLOPsMatchModelsReference() throws {
        for model in referenceModels {
            let network = try compile(model.file)
            XCTAssertEqual(network.parameterCount, model.parameters, model.file)
            XCTAssertEqual(network.layerCount, model.layers, model.file)
            // MODELS.md rounds to two decimals and the summary prints one; the exact figures are
            // checked against the profiler's own numbers in UltralyticsFiguresTests.
            XCTAssertEqual(try network.gigaFLOPs(imageSize: 640), model.gflops, accuracy: 0.011, model.file)
        }
    }

    func testYolov5sSummaryLineIsUltralytics() throws {
        let network = try compile("models/yolov5s.yaml")
        XCTAssertEqual(try ModelSummary.summaryLine(network, imageSize: 640),
                       "YOLOv5s summary: 125 layers, 7,235,389 parameters, 7,235,389 gradients, 16.6 GFLOPs")
    }

    func testYolov5nStateDictNamesAndShapesEqualTheCheckpointsLineForLine() throws {
        let text = try String(contentsOfFile: try SharedData.path("reference/yolov5n_state_dict.txt"), encoding: .utf8)
        let expected = text.split(separator: "\n").filter { !$0.hasPrefix("#") }.map { line -> (String, String, String) in
            let fields = line.split(separator: "\t").map(String.init)
            return (fields[0], fields[1], fields[2])
        }
        let tensors = try compile("models/yolov5n.yaml", nc: 80).namedTensors
        XCTAssertEqual(tensors.count, expected.count)
        XCTAssertEqual(expected.count, 349)
        for (got, want) in zip(tensors, expected) {
            XCTAssertEqual(got.name, want.0)
            XCTAssertEqual("[" + got.spec.shape.map(String.init).joined(separator: ", ") + "]", want.2, got.name)
            // the checkpoint stores floats as float16; the integer counter stays int64
            XCTAssertEqual(got.spec.role == .batchesTracked, want.1 == "int64", got.name)
        }
    }

    func testStridesAndAnchorsInStrideUnits() throws {
        let network = try compile("models/yolov5n.yaml")
        XCTAssertEqual(network.strides, [8, 16, 32])
        XCTAssertFalse(network.anchorsReversed)
        XCTAssertEqual(network.anchorsInStrideUnits[0][0].width, 1.25)
        XCTAssertEqual(network.anchorsInStrideUnits[0][0].height, 1.625)
        XCTAssertEqual(network.anchorsInStrideUnits[2][2].width, 373.0 / 32)
        let p6 = try compile("models/hub/yolov5s6.yaml")
        XCTAssertEqual(p6.strides, [8, 16, 32, 64])
    }

    func testAnchorLevelsInDescendingOrderAreReversed() throws {
        let text = """
        nc: 1
        depth_multiple: 1.0
        width_multiple: 1.0
        anchors:
          - [100, 100]
          - [10, 10]
        backbone:
          [[-1, 1, Conv, [8, 3, 2]], [-1, 1, Conv, [8, 3, 2]]]
        head:
          [[[0, 1], 1, Detect, [nc, anchors]]]
        """
        let network = try ModelCompiler().compile(try ModelSpec.parse(text, file: "rev.yaml"))
        XCTAssertEqual(network.strides, [2, 4])
        XCTAssertTrue(network.anchorsReversed)
        XCTAssertEqual(network.anchorsInStrideUnits[0][0].width, 5)   // 10 px at stride 2
        XCTAssertEqual(network.anchorsInStrideUnits[1][0].width, 25)  // 100 px at stride 4
    }

    func testNcOverrideChangesOnlyTheDetectHead() throws {
        let network = try compile("models/yolov5s.yaml", nc: 3)
        let detect = try XCTUnwrap(network.detect)
        XCTAssertEqual(detect.classCount, 3)
        XCTAssertEqual(network.rows[24].namedTensors.map(\.spec.shape)[1], [24, 128, 1, 1])
        XCTAssertEqual(network.parameterCount, 7_235_389 - 229_245 + 3 * 24 * (128 + 256 + 512 + 3) / 3)
    }

    func testSavedOutputsFollowUltralyticsSaveList() throws {
        let network = try compile("models/yolov5s.yaml")
        XCTAssertEqual(network.rows.filter(\.isSaved).map(\.index), [4, 6, 10, 14, 17, 20, 23])
        XCTAssertEqual(network.rows[6].consumers, [7, 12])
        XCTAssertEqual(network.rows[23].consumers, [24])
    }

    func testRowShapesAt640() throws {
        let shapes = try compile("models/yolov5s.yaml").shapes(side: 640)
        XCTAssertEqual(shapes[0], FeatureShape(channels: 32, height: 320, width: 320))
        XCTAssertEqual(shapes[9], FeatureShape(channels: 512, height: 20, width: 20))
        XCTAssertEqual(shapes[17], FeatureShape(channels: 128, height: 80, width: 80))
    }

    // MARK: bad input

    private static let header = """
    nc: 4
    depth_multiple: 1.0
    width_multiple: 1.0
    anchors:
      - [10, 13, 16, 30, 33, 23]
    backbone:

    """

    private func compileText(_ rows: String) throws -> Network {
        try ModelCompiler().compile(try ModelSpec.parse(Self.header + rows, file: "bad.yaml"))
    }

    func testUnknownModuleNamesFileLineAndKnownModules() {
        assertThrows(try compileText("  - [-1, 1, Convv, [16]]\nhead: []\n"),
                     containing: ["bad.yaml:7:13", "unknown module 'Convv'", "Conv, ", "nn.Upsample"])
    }

    func testFromIndexOutOfRange() {
        assertThrows(try compileText("  - [-1, 1, Conv, [16]]\n  - [5, 1, Conv, [16]]\nhead: []\n"),
                     containing: ["bad.yaml:8:6", "'from' index 5 is out of range"])
        assertThrows(try compileText("  - [-1, 1, Conv, [16]]\n  - [[-1, -3], 1, Concat, [1]]\nhead: []\n"),
                     containing: ["bad.yaml:8:6", "'from' index -3 is out of range"])
        assertThrows(try compileText("  - [0, 1, Conv, [16]]\nhead: []\n"),
                     containing: ["bad.yaml:7:6", "only -1 (the image)"])
    }

    func testWrongArgumentTypeNamesTheArgument() {
        assertThrows(try compileText("  - [-1, 1, Conv, [16, three]]\nhead: []\n"),
                     containing: ["bad.yaml:7:24", "argument 1 (kernel size) must be an integer", "the word 'three'"])
        assertThrows(try compileText("  - [-1, 1, Conv, [16, 3, 1, None, 1, 1, True, 9]]\nhead: []\n"),
                     containing: ["takes at most 7 arguments"])
    }

    func testDetectLevelsMustMatchAnchors() {
        let rows = "  - [-1, 1, Conv, [16, 3, 2]]\n  - [-1, 1, Conv, [16, 3, 2]]\nhead:\n  - [[0, 1], 1, Detect, [nc, anchors]]\n"
        assertThrows(try compileText(rows), containing: ["bad.yaml:10:6", "1 anchor levels but 'from' lists 2"])
    }

    func testShapeMismatchInConcatIsReportedAtTheRow() {
        let rows = "  - [-1, 1, Conv, [16, 3, 2]]\n  - [-1, 1, Conv, [16, 3, 2]]\n  - [[-1, 0], 1, Concat, [1]]\n"
            + "head:\n  - [[2], 1, Detect, [nc, anchors]]\n"
        assertThrows(try compileText(rows), containing: ["bad.yaml:9:5", "row 2 (Concat)", "different sizes"])
    }

    func testGroupsThatDoNotDivideChannelsAreAnError() {
        assertThrows(try compileText("  - [-1, 1, Conv, [16, 3, 1, None, 5]]\nhead: []\n"),
                     containing: ["bad.yaml:7:5", "groups 5 must divide"])
    }
}

final class ModelSpecWriterTests: XCTestCase {
    /// Writing a spec back to YAML and reading it again compiles to the same network.
    func testWrittenYAMLCompilesToTheSameNetwork() throws {
        for file in ["models/yolov5s.yaml", "models/hub/yolov5s-LeakyReLU.yaml", "models/hub/yolov3-tiny.yaml",
                     "models/hub/yolov5n6.yaml", "Tests/ModelTests/Fixtures/extra-modules.yaml"] {
            let spec = try ModelSpec.load(path: SharedData.project(file))
            let again = try ModelSpec.parse(spec.yamlText, file: "written.yaml")
            XCTAssertEqual(again.backboneRowCount, spec.backboneRowCount, file)
            let a = try ModelCompiler().compile(spec), b = try ModelCompiler().compile(again)
            XCTAssertEqual(ModelSummary.table(a), ModelSummary.table(b), file)
            XCTAssertEqual(a.namedTensors, b.namedTensors, file)
            XCTAssertEqual(again.activation, spec.activation, file)
        }
    }
}
