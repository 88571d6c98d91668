import XCTest
import Foundation
import TestSupport

/// `yolo benchmark --train` and `--gemm`: the output format the comparison harness
/// (benchmarks/compare.py) parses, on a tiny model step.
final class BenchmarkTrainTests: XCTestCase {
    private let runner = CommandRunner()

    func testTrainingStepPrintsItsTableAndPeakMemory() throws {
        let prefix = NSTemporaryDirectory() + "yolo-bench-\(UUID().uuidString)-"
        addTeardownBlock {
            for file in ["images.npy", "targets.npy"] { try? FileManager.default.removeItem(atPath: prefix + file) }
        }
        let result = try runner.run(["benchmark", "--train", "--img", "64", "--batch-size", "2", "--runs", "1", "--warmup", "0",
                                     "--save-batch", prefix])
        XCTAssertEqual(result.status, 0, result.stderr)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        XCTAssertTrue(lines[0].hasPrefix("benchmark --train: models/yolov5n.yaml (random weights), batch 2, 2 threads, 1 runs after 0 warm-up"),
                      result.stdout)
        XCTAssertTrue(lines.contains { $0.hasPrefix("batch: 2 synthetic noise images (seed 0), ") && $0.hasSuffix(" targets") }, result.stdout)
        guard let header = lines.firstIndex(where: { $0.contains("median ms") }), header + 1 < lines.count else {
            return XCTFail("no table in: \(result.stdout)")
        }
        XCTAssertEqual(lines[header].split(separator: " ").map(String.init),
                       ["size", "median", "ms", "min", "ms", "max", "ms", "images/s", "forward", "loss", "backward", "optimizer",
                        "loss", "first→last"])
        let fields = lines[header + 1].split(separator: " ").map(String.init)
        XCTAssertEqual(fields.count, 10, lines[header + 1])
        XCTAssertEqual(fields.first, "64")
        for field in fields.dropFirst().dropLast() { XCTAssertNotNil(Double(field), "\(field) in \(lines[header + 1])") }
        XCTAssertTrue(fields.last!.contains("→"))
        XCTAssertTrue(lines.last!.hasPrefix("peak resident memory: ") && lines.last!.hasSuffix(" MiB (VmHWM)"), result.stdout)

        // the batch as .npy: [2, 3, 64, 64] images and [n, 6] targets, float32
        let images = try XCTUnwrap(FileManager.default.contents(atPath: prefix + "images.npy"))
        XCTAssertEqual(Array(images.prefix(8)), [0x93] + Array("NUMPY".utf8) + [1, 0])
        let headerLength = Int(images[8]) | Int(images[9]) << 8
        XCTAssertEqual((10 + headerLength) % 64, 0)
        XCTAssertTrue(String(decoding: images[10..<(10 + headerLength)], as: UTF8.self).contains("'shape': (2, 3, 64, 64)"))
        XCTAssertEqual(images.count, 10 + headerLength + 2 * 3 * 64 * 64 * 4)
        let targets = try XCTUnwrap(FileManager.default.contents(atPath: prefix + "targets.npy"))
        XCTAssertTrue(String(decoding: targets.prefix(80), as: UTF8.self).contains(", 6)"))
    }

    func testGEMMPrintsGFLOPs() throws {
        let result = try runner.run(["benchmark", "--gemm", "64", "--runs", "2", "--warmup", "0", "--threads", "1"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.first, "gemm: OpenBLAS sgemm 64×64×64 (float32, row-major), 1 threads, 2 runs after 0 warm-up")
        let fields = lines.last!.split(separator: " ").map(String.init)
        XCTAssertEqual(fields.count, 5, result.stdout)
        XCTAssertEqual(fields.first, "64")
    }

    /// `--profile` adds a line per model row (yolov5n has 25) and one per module kind: the
    /// inference table with median ms and GFLOP/s (the fused network's Upsample and Concat rows
    /// are not run: they say which row reads them in place), the training one with forward and
    /// backward ms.
    func testProfilePrintsEveryRow() throws {
        let inference = ["benchmark", "--cfg", "yolov5n.yaml", "--img", "64", "--runs", "1", "--warmup", "0"]
        let training = ["benchmark", "--train", "--img", "64", "--batch-size", "2", "--runs", "1", "--warmup", "0"]
        let foldedInInference = [11: 13, 12: 13, 15: 17, 16: 17, 19: 20, 22: 23]
        for (arguments, columns, folded, kinds) in [
            (inference, ["median", "ms", "GFLOP/s"], foldedInInference, ["C3", "Conv", "Detect", "SPPF"]),
            (training, ["forward", "ms", "backward", "ms"], [:], ["C3", "Conv", "Detect", "SPPF", "Concat", "nn.Upsample"]),
        ] {
            let result = try runner.run(arguments + ["--profile"])
            XCTAssertEqual(result.status, 0, result.stderr)
            let lines = result.stdout.split(separator: "\n").map(String.init)
            guard let header = lines.firstIndex(where: { $0.hasPrefix("  row  module") }),
                  lines.count >= header + 26 + kinds.count else {
                return XCTFail("no profile in: \(result.stdout)")
            }
            XCTAssertEqual(Array(lines[header].split(separator: " ").map(String.init).suffix(columns.count)), columns)
            for row in 0..<25 {
                let line = lines[header + 1 + row]
                let fields = line.split(separator: " ").map(String.init)
                XCTAssertEqual(fields.first, "\(row)", line)
                if let reader = folded[row] {
                    XCTAssertTrue(line.hasSuffix("folded into row \(reader)"), line)
                    continue
                }
                XCTAssertEqual(fields.count, 4, line)
                for value in fields.suffix(2) { XCTAssertNotNil(Double(value), line) }
            }
            let kindLines = lines[(header + 26)..<(header + 26 + kinds.count)]
            XCTAssertEqual(Set(kindLines.compactMap { $0.split(separator: " ").first.map(String.init) }), Set(kinds), result.stdout)
        }
    }
}
