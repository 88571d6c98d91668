import Foundation
import TestSupport
import XCTest
@testable import YOLOCommands

/// Every expected string here was printed by Python 3 (CPython's `%` formatting, PyYAML 6.0.3,
/// tqdm 4.70.1) with the expression in the comment beside it; none was copied from this code.
final class TrainingOutputTests: XCTestCase {
    private var folders: [String] = []

    override func tearDown() {
        for folder in folders { try? FileManager.default.removeItem(atPath: folder) }
        super.tearDown()
    }

    private func temporaryFolder() throws -> String {
        let path = NSTemporaryDirectory() + "runout-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        folders.append(path)
        return path
    }

    // MARK: - Python % formatting

    func testPythonPercentGFormatting() {
        // python3: for v in values: print(repr('%g' % v), repr('%.4g' % v), repr('%20.5g' % v), repr('%11.4g' % v), repr('%.3g' % v))
        let cases: [(Double, String, String, String, String, String)] = [
            (0.0001234, "0.0001234", "0.0001234", "           0.0001234", "  0.0001234", "0.000123"),
            (1234567, "1.23457e+06", "1.235e+06", "          1.2346e+06", "  1.235e+06", "1.23e+06"),
            (0, "0", "0", "                   0", "          0", "0"),
            (1e-05, "1e-05", "1e-05", "               1e-05", "      1e-05", "1e-05"),
            (0.05, "0.05", "0.05", "                0.05", "       0.05", "0.05"),
            (123.456, "123.456", "123.5", "              123.46", "      123.5", "123"),
            (99999.5, "99999.5", "1e+05", "               1e+05", "      1e+05", "1e+05"),
            (0.1 + 0.2, "0.3", "0.3", "                 0.3", "        0.3", "0.3"),
            (-2.5e-07, "-2.5e-07", "-2.5e-07", "            -2.5e-07", "   -2.5e-07", "-2.5e-07"),
            (1e16, "1e+16", "1e+16", "               1e+16", "      1e+16", "1e+16"),
            (3.14159265, "3.14159", "3.142", "              3.1416", "      3.142", "3.14"),
            (100000, "100000", "1e+05", "               1e+05", "      1e+05", "1e+05"),
            (12345.678, "12345.7", "1.235e+04", "               12346", "  1.235e+04", "1.23e+04"),
            (.infinity, "inf", "inf", "                 inf", "        inf", "inf"),
            (.nan, "nan", "nan", "                 nan", "        nan", "nan"),
            (-0.0, "-0", "-0", "                  -0", "         -0", "-0"),
        ]
        for (value, g, g4, g20, g11, g3) in cases {
            XCTAssertEqual(PythonFormat.g(value), g, "\(value)")
            XCTAssertEqual(PythonFormat.g(value, precision: 4), g4, "\(value)")
            XCTAssertEqual(PythonFormat.g(value, precision: 5, width: 20), g20, "\(value)")
            XCTAssertEqual(PythonFormat.g(value, precision: 4, width: 11), g11, "\(value)")
            XCTAssertEqual(PythonFormat.g(value, precision: 3), g3, "\(value)")
        }
        // python3: '%11.4g' % 12345 -> '  1.234e+04' (the exact tie rounds to even)
        XCTAssertEqual(PythonFormat.g(12345, precision: 4, width: 11), "  1.234e+04")
        // python3: '%11s' % 'Epoch', '%-6s|' % 'ab', '%3.0f' % 12.5, '%3.0f' % 87.5
        XCTAssertEqual(PythonFormat.s("Epoch", width: 11), "      Epoch")
        XCTAssertEqual(PythonFormat.s("ab", width: -6) + "|", "ab    |")
        XCTAssertEqual(PythonFormat.f(12.5, precision: 0, width: 3), " 12")
        XCTAssertEqual(PythonFormat.f(87.5, precision: 0, width: 3), " 88")
    }

    // MARK: - results.csv

    /// python3, the body of Loggers.on_fit_epoch_end for two epochs:
    ///   s = '' if s else (('%20s,' * n % ('epoch', *keys)).rstrip(',') + '\n')
    ///   s += ('%20.5g,' * n % (epoch, *vals)).rstrip(',') + '\n'
    private let ultralyticsCSV = "               epoch,      train/box_loss,      train/obj_loss,      train/cls_loss,   metrics/precision,      metrics/recall,     metrics/mAP_0.5,metrics/mAP_0.5:0.95,        val/box_loss,        val/obj_loss,        val/cls_loss,               x/lr0,               x/lr1,               x/lr2\n                   0,             0.11234,            0.056789,            0.034568,           0.0012345,                 0.5,                0.25,             0.12346,             0.09876,             0.04321,               0.021,            0.070009,           0.0033278,           0.0033278\n                   1,                 0.1,                0.05,                0.03,                 0.8,             0.61235,                 0.7,                0.45,                0.08,                0.04,                0.02,            0.040013,           0.0065883,           0.0065883\n"

    private let epochs = [
        EpochResults(epoch: 0, values: [0.11234, 0.056789, 0.0345678, 0.0012345, 0.5, 0.25, 0.123456789, 0.09876, 0.04321, 0.021,
                                        0.0700089, 0.0033278, 0.0033278]),
        EpochResults(epoch: 1, values: [0.1, 0.05, 0.03, 0.8, 0.61234567, 0.7, 0.45, 0.08, 0.04, 0.02, 0.040013, 0.0065883, 0.0065883]),
    ]

    func testResultsCSVMatchesUltralyticsText() throws {
        XCTAssertEqual(ResultsCSV.columns.count, 14)
        let csv = ResultsCSV(path: try temporaryFolder() + "/results.csv")
        for row in epochs { try csv.append(row) }
        XCTAssertEqual(try String(contentsOfFile: csv.path, encoding: .utf8), ultralyticsCSV)
        XCTAssertEqual(ResultsCSV.header + "\n" + epochs.map(ResultsCSV.line).joined(separator: "\n") + "\n", ultralyticsCSV)
    }

    func testResultsCSVReadsBackAndDropsRowsAfterTheResumedEpoch() throws {
        let folder = try temporaryFolder()
        let path = folder + "/results.csv"
        try ultralyticsCSV.write(toFile: path, atomically: true, encoding: .utf8)
        let csv = ResultsCSV(path: path)
        let rows = try csv.read()
        XCTAssertEqual(rows.map(\.epoch), [0, 1])
        // The file holds 5 significant digits.
        XCTAssertEqual(rows[0].metrics, [0.0012345, 0.5, 0.25, 0.12346])
        XCTAssertEqual(rows[1].learningRates, [0.040013, 0.0065883, 0.0065883])
        XCTAssertEqual(rows[0].trainLosses[2], 0.034568)

        try csv.keepRows(throughEpoch: 0)
        let header = String(ultralyticsCSV.prefix(while: { $0 != "\n" }))
        let firstRow = ultralyticsCSV.split(separator: "\n")[1]
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), header + "\n" + firstRow + "\n")
        try csv.append(epochs[1])
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), ultralyticsCSV)
        // No temporary files are left beside it.
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder), ["results.csv"])
        XCTAssertEqual(try ResultsCSV(path: folder + "/absent.csv").read(), [])
    }

    func testResultsCSVRefusesForeignOrDamagedFiles() throws {
        let folder = try temporaryFolder()
        let foreign = folder + "/foreign.csv"
        try "epoch,loss\n0,1.5\n".write(toFile: foreign, atomically: true, encoding: .utf8)
        assertThrows(try ResultsCSV(path: foreign).read(), containing: [foreign, "line 1", "train/box_loss"])
        assertThrows(try ResultsCSV(path: foreign).append(epochs[0]), containing: [foreign, "header"])
        XCTAssertEqual(try String(contentsOfFile: foreign, encoding: .utf8), "epoch,loss\n0,1.5\n")

        let torn = folder + "/torn.csv"
        try (ResultsCSV.header + "\n" + "0, 0.1, 0.2\n").write(toFile: torn, atomically: true, encoding: .utf8)
        assertThrows(try ResultsCSV(path: torn).read(), containing: [torn, "line 2", "3 values, expected 14"])

        let text = folder + "/text.csv"
        let cells = ["0"] + Array(repeating: "0.5", count: 12) + ["abc"]
        try (ResultsCSV.header + "\n" + cells.joined(separator: ",") + "\n").write(toFile: text, atomically: true, encoding: .utf8)
        assertThrows(try ResultsCSV(path: text).read(), containing: [text, "line 2", "'abc'", "x/lr2"])
    }

    // MARK: - hyp.yaml and opt.yaml

    func testHypYAMLIsWhatPyYAMLWrites() throws {
        // python3: yaml.safe_dump(yaml.safe_load(open('hyps/hyp.scratch-low.yaml')), sort_keys=False)
        let low = "lr0: 0.01\nlrf: 0.01\nmomentum: 0.937\nweight_decay: 0.0005\nwarmup_epochs: 3.0\nwarmup_momentum: 0.8\nwarmup_bias_lr: 0.1\nbox: 0.05\ncls: 0.5\ncls_pw: 1.0\nobj: 1.0\nobj_pw: 1.0\niou_t: 0.2\nanchor_t: 4.0\nfl_gamma: 0.0\nhsv_h: 0.015\nhsv_s: 0.7\nhsv_v: 0.4\ndegrees: 0.0\ntranslate: 0.1\nscale: 0.5\nshear: 0.0\nperspective: 0.0\nflipud: 0.0\nfliplr: 0.5\nmosaic: 1.0\nmixup: 0.0\ncopy_paste: 0.0\n"
        // python3: the same for hyps/hyp.scratch-high.yaml
        let high = "lr0: 0.01\nlrf: 0.1\nmomentum: 0.937\nweight_decay: 0.0005\nwarmup_epochs: 3.0\nwarmup_momentum: 0.8\nwarmup_bias_lr: 0.1\nbox: 0.05\ncls: 0.3\ncls_pw: 1.0\nobj: 0.7\nobj_pw: 1.0\niou_t: 0.2\nanchor_t: 4.0\nfl_gamma: 0.0\nhsv_h: 0.015\nhsv_s: 0.7\nhsv_v: 0.4\ndegrees: 0.0\ntranslate: 0.1\nscale: 0.9\nshear: 0.0\nperspective: 0.0\nflipud: 0.0\nfliplr: 0.5\nmosaic: 1.0\nmixup: 0.1\ncopy_paste: 0.1\n"
        XCTAssertEqual(try HyperparameterYAML.text(hypFile: SharedData.project("hyps/hyp.scratch-low.yaml")), low)
        XCTAssertEqual(try HyperparameterYAML.text(hypFile: SharedData.project("hyps/hyp.scratch-high.yaml")), high)
        assertThrows(try HyperparameterYAML.text(hypFile: "/nonexistent/hyp.yaml"), containing: ["/nonexistent/hyp.yaml"])
    }

    func testOptYAMLIsWhatPyYAMLWrites() throws {
        let folder = try temporaryFolder()
        var hypEntries = try hypEntriesOfScratchLow()
        hypEntries[0].value = .double(1e-05)   // lr0
        hypEntries[3].value = .double(1e16)    // weight_decay
        let options: [(key: String, value: PyYAMLValue)] = [
            ("weights", ""), ("cfg", "models/yolov5n.yaml"), ("data", "/tmp/shapes/data.yaml"), ("hyp", .mapping(hypEntries)),
            ("epochs", 3), ("batch_size", 16), ("imgsz", 256), ("rect", false), ("resume", false), ("nosave", false),
            ("evolve", nil), ("cache", nil), ("device", ""), ("optimizer", "SGD"), ("project", "runs/train"), ("name", "exp"),
            ("label_smoothing", 0.0), ("freeze", [0]), ("seed", 0), ("entity", nil), ("save_dir", "runs/train/exp3"),
        ]
        // python3: hyp = yaml.safe_load(open('hyps/hyp.scratch-low.yaml')); hyp['lr0'] = 1e-05; hyp['weight_decay'] = 1e16
        //          yaml.safe_dump({'weights': '', 'cfg': 'models/yolov5n.yaml', ..., 'hyp': hyp, ..., 'freeze': [0], ...}, sort_keys=False)
        let expected = "weights: ''\ncfg: models/yolov5n.yaml\ndata: /tmp/shapes/data.yaml\nhyp:\n  lr0: 1.0e-05\n  lrf: 0.01\n  momentum: 0.937\n  weight_decay: 1.0e+16\n  warmup_epochs: 3.0\n  warmup_momentum: 0.8\n  warmup_bias_lr: 0.1\n  box: 0.05\n  cls: 0.5\n  cls_pw: 1.0\n  obj: 1.0\n  obj_pw: 1.0\n  iou_t: 0.2\n  anchor_t: 4.0\n  fl_gamma: 0.0\n  hsv_h: 0.015\n  hsv_s: 0.7\n  hsv_v: 0.4\n  degrees: 0.0\n  translate: 0.1\n  scale: 0.5\n  shear: 0.0\n  perspective: 0.0\n  flipud: 0.0\n  fliplr: 0.5\n  mosaic: 1.0\n  mixup: 0.0\n  copy_paste: 0.0\nepochs: 3\nbatch_size: 16\nimgsz: 256\nrect: false\nresume: false\nnosave: false\nevolve: null\ncache: null\ndevice: ''\noptimizer: SGD\nproject: runs/train\nname: exp\nlabel_smoothing: 0.0\nfreeze:\n- 0\nseed: 0\nentity: null\nsave_dir: runs/train/exp3\n"
        XCTAssertEqual(TrainingOptionsYAML.text(options), expected)
        try TrainingOptionsYAML.write(options, to: folder + "/opt.yaml")
        XCTAssertEqual(try String(contentsOfFile: folder + "/opt.yaml", encoding: .utf8), expected)
        assertThrows(try TrainingOptionsYAML.write([("epochs", 3), ("epochs", 4)], to: folder + "/twice.yaml"),
                     containing: [folder + "/twice.yaml", "'epochs' given twice"])
        XCTAssertEqual(TrainingOptionsYAML.ultralyticsKeys.count, Set(TrainingOptionsYAML.ultralyticsKeys).count)
        XCTAssertEqual(TrainingOptionsYAML.ultralyticsKeys.last, "save_dir")
    }

    private func hypEntriesOfScratchLow() throws -> [PyYAMLValue.Entry] {
        // The entries are what hyp.yaml is written from; read them back from that text.
        let text = try HyperparameterYAML.text(hypFile: SharedData.project("hyps/hyp.scratch-low.yaml"))
        return text.split(separator: "\n").map { line in
            let parts = line.split(separator: ":", maxSplits: 1)
            return PyYAMLValue.Entry(String(parts[0]), .double(Double(parts[1].dropFirst())!))
        }
    }

    func testPyYAMLStringQuoting() {
        // python3: for s in strings: print(repr(yaml.safe_dump({'k': s}, sort_keys=False)))
        let cases: [(String, String)] = [
            ("", "''"), ("true", "'true'"), ("yes", "'yes'"), ("No", "'No'"), ("null", "'null'"), ("~", "'~'"),
            ("1", "'1'"), ("1.5", "'1.5'"), ("1e3", "1e3"), (".inf", "'.inf'"), ("0x1F", "'0x1F'"), ("010", "'010'"),
            ("2024-01-02", "'2024-01-02'"), ("<<", "'<<'"), ("=", "'='"), ("a: b", "'a: b'"), ("a:b", "a:b"),
            ("#x", "'#x'"), ("x #y", "'x #y'"), ("x#y", "x#y"), ("- a", "'- a'"), ("-a", "-a"), (" lead", "' lead'"),
            ("trail ", "'trail '"), ("it's", "it's"), ("path/with space", "path/with space"), ("café", "\"caf\\xE9\""),
            ("tab\there", "\"tab\\there\""), ("@at", "'@at'"), ("%p", "'%p'"), ("---x", "'---x'"), (":x", ":x"),
            ("?x", "?x"), ("? x", "'? x'"), ("a,b", "a,b"), ("[x]", "'[x]'"), ("runs/train/exp", "runs/train/exp"),
            ("1_000", "'1_000'"), ("+.5", "+.5"), ("12:30:45", "'12:30:45'"), ("on", "'on'"), ("ON", "'ON'"),
            ("Off", "'Off'"), ("NULL", "'NULL'"),
        ]
        for (text, expected) in cases {
            XCTAssertEqual(PyYAMLWriter.document([PyYAMLValue.Entry("k", .string(text))]), "k: \(expected)\n", "\(text)")
        }
    }

    func testPyYAMLNestedBlocksAndSpecialFloats() {
        // python3: yaml.safe_dump({'a': [[1, 2], [3], []], 'b': {}, 'c': [{'x': 1, 'y': [True, None]}], 'd': {'e': {'f': 1.5}},
        //                          'g': float('inf'), 'h': float('-inf'), 'i': float('nan'), 'j': 1e-07, 'k': 2.5e+20, 'l': -3}, sort_keys=False)
        let expected = "a:\n- - 1\n  - 2\n- - 3\n- []\nb: {}\nc:\n- x: 1\n  y:\n  - true\n  - null\nd:\n  e:\n    f: 1.5\ng: .inf\nh: -.inf\ni: .nan\nj: 1.0e-07\nk: 2.5e+20\nl: -3\n"
        let document = PyYAMLWriter.document([
            .init("a", [[1, 2], [3], []]), .init("b", .mapping([])),
            .init("c", .list([.mapping([.init("x", 1), .init("y", [true, nil])])])),
            .init("d", .mapping([.init("e", .mapping([.init("f", 1.5)]))])),
            .init("g", .double(.infinity)), .init("h", .double(-.infinity)), .init("i", .double(.nan)),
            .init("j", 1e-07), .init("k", 2.5e+20), .init("l", -3),
        ])
        XCTAssertEqual(document, expected)
    }

    // MARK: - Console

    /// python3: ('%11s' * 2 + '%11.4g' * 5) % ('3/99', '%.3gG' % (1234567890 / 1e9), 0.0712345, 0.0456789, 0.0234567, 123, 640)
    private let description3 = "       3/99      1.23G    0.07123    0.04568    0.02346        123        640"

    func testTrainingHeaderAndBatchDescription() {
        // python3: ('\n' + '%11s' * 7) % ('Epoch', 'Mem', 'box_loss', 'obj_loss', 'cls_loss', 'Instances', 'Size')
        XCTAssertEqual("\n" + TrainingProgress.header, "\n      Epoch        Mem   box_loss   obj_loss   cls_loss  Instances       Size")
        XCTAssertEqual(TrainingProgress.description(epoch: 3, epochs: 100, memoryBytes: 1_234_567_890,
                                                    meanLosses: [0.0712345, 0.0456789, 0.0234567], instances: 123, imageSize: 640),
                       description3)
        // python3: ('%11s' * 2 + '%11.4g' * 5) % ('0/2', '%.3gG' % (98765432 / 1e9), 1.5, 12345.678, 0.0001234, 12345, 256)
        XCTAssertEqual(TrainingProgress.description(epoch: 0, epochs: 3, memoryBytes: 98_765_432,
                                                    meanLosses: [1.5, 12345.678, 0.0001234], instances: 12345, imageSize: 256),
                       "        0/2    0.0988G        1.5  1.235e+04  0.0001234  1.234e+04        256")
        // python3: f'{b / 1e9:.3g}G' for b in (0, 2 * 1024**3, 123456789012, 999500000, 5e6)
        XCTAssertEqual([0, 2 * 1024 * 1024 * 1024, 123_456_789_012, 999_500_000, 5_000_000].map(ResidentMemory.gigabytes),
                       ["0G", "2.15G", "123G", "1G", "0.005G"])
    }

    func testProgressLineMatchesTQDM() {
        // python3 (tqdm 4.70.1): tqdm.format_meter(n, total, elapsed, prefix=description3, bar_format='{l_bar}{bar:10}{r_bar}')
        let cases: [(Int, Int, Double, String)] = [
            (4, 8, 2.0, ":  50%|█████     | 4/8 [00:02<00:02,  2.00it/s]"),
            (8, 8, 5.3, ": 100%|██████████| 8/8 [00:05<00:00,  1.51it/s]"),
            (1, 8, 2.5, ":  12%|█▎        | 1/8 [00:02<00:17,  2.50s/it]"),
            (0, 8, 0.0, ":   0%|          | 0/8 [00:00<?, ?it/s]"),
            (5, 7, 3725.0, ":  71%|███████▏  | 5/7 [1:02:05<24:50, 745.00s/it]"),
            (3, 16, 1.0, ":  19%|█▉        | 3/16 [00:01<00:04,  3.00it/s]"),
            (13, 16, 0.4, ":  81%|████████▏ | 13/16 [00:00<00:00, 32.50it/s]"),
            (1, 3, 0.0, ":  33%|███▎      | 1/3 [00:00<?, ?it/s]"),
            (2, 3, 1.0, ":  67%|██████▋   | 2/3 [00:01<00:00,  2.00it/s]"),
        ]
        for (done, total, elapsed, meter) in cases {
            XCTAssertEqual(TrainingProgress.line(description: description3, batch: done, of: total, elapsed: elapsed),
                           description3 + meter, "\(done)/\(total) after \(elapsed) s")
        }
    }

    func testValProgressBarIsUnchanged() {
        XCTAssertEqual(ProgressBar.render(done: 4, total: 4), "100%|██████████| 4/4")
        XCTAssertEqual(ProgressBar.render(done: 1, total: 3), " 33%|███       | 1/3")
        XCTAssertEqual(ProgressBar.render(done: 0, total: 0), "100%|██████████| 0/0")
    }

    func testConsoleRedrawsOnATerminalAndPrintsOneLinePerEpochOtherwise() {
        var time = 100.0
        for interactive in [true, false] {
            var written = ""
            var console = TrainingConsole(epochs: 100, batchesPerEpoch: 2, interactive: interactive,
                                          write: { written += $0 }, clock: { time })
            time = 100
            console.startEpoch()
            time = 101
            console.batchFinished(index: 0, epoch: 3, meanLosses: [0.0712345, 0.0456789, 0.0234567], instances: 123,
                                  imageSize: 640, memoryBytes: 1_234_567_890)
            time = 102
            console.batchFinished(index: 1, epoch: 3, meanLosses: [0.0712345, 0.0456789, 0.0234567], instances: 123,
                                  imageSize: 640, memoryBytes: 1_234_567_890)
            console.finishEpoch()
            // python3: tqdm.format_meter(1, 2, 1.0, prefix=description3, bar_format=...) and (2, 2, 2.0)
            let first = description3 + ":  50%|█████     | 1/2 [00:01<00:01,  1.00it/s]"
            let last = description3 + ": 100%|██████████| 2/2 [00:02<00:00,  1.00it/s]"
            let header = "\n" + TrainingProgress.header + "\n"
            if interactive {
                XCTAssertEqual(written, header + "\r" + first + "\r" + last + "\n")
            } else {
                XCTAssertEqual(written, header + last + "\n")
            }
        }
    }

    func testResidentMemoryFromProcStatus() {
        let status = "Name:\tyolo\nVmPeak:\t 2000000 kB\nVmHWM:\t  1500000 kB\nVmRSS:\t  1200000 kB\nThreads:\t4\n"
        XCTAssertEqual(ResidentMemory.parse(status: status), ResidentMemory(current: 1_228_800_000, peak: 1_536_000_000))
        XCTAssertNil(ResidentMemory.parse(status: "Name:\tyolo\n"))
        #if os(Linux)
        let now = ResidentMemory.now()
        XCTAssertNotNil(now)
        if let now {
            XCTAssertGreaterThan(now.current, 1_000_000)   // a test process holds more than a megabyte
            XCTAssertGreaterThanOrEqual(now.peak, now.current)
        }
        #endif
    }
}
