import ArgumentParser
import Dispatch
import Foundation
import TensorCore
import YOLOConfig
import YOLOModel

/// `yolo benchmark`: fused inference latency at batch 1, median of repeated runs after warm-up;
/// with `--train` the training step at a batch size (BenchmarkTraining.swift); with `--gemm N`
/// OpenBLAS's sgemm N×N×N (BenchmarkGEMM.swift), the yardstick for the network's GFLOP/s.
public struct Benchmark: ParsableCommand {
    public static let configuration = CommandConfiguration(
        abstract: "Time fused inference (batch 1) at one or more image sizes, or the training step (--train).")

    @Option(help: "Weights (.pt or .safetensors); without them the --cfg model gets seeded random weights.")
    public var weights: String?

    @Option(name: .customLong("cfg"), help: "Model YAML when no weights are given (default yolov5s.yaml; yolov5n.yaml with --train).")
    public var cfg: String?

    @Option(name: [.customLong("img"), .customLong("imgsz")], parsing: .upToNextOption,
            help: "Square input sizes (default 640 320; 320 with --train).")
    public var img: [Int] = []

    @Option(help: "Timed runs per size (after warm-up).")
    public var runs: Int = 20

    @Option(help: "Untimed warm-up runs per size.")
    public var warmup: Int = 3

    @Option(help: "Threads for OpenBLAS and the other kernels.")
    public var threads: Int = 2

    @Flag(name: .customLong("no-fuse"), help: "Keep batch norms separate.")
    public var noFuse = false

    @Flag(help: "Also print the median time of every row and per module kind, with achieved GFLOP/s.")
    public var profile = false

    @Flag(help: "Time the training step instead: forward, loss, backward, clipping, SGD step, zeroing, EMA update.")
    public var train = false

    @Option(name: .customLong("batch-size"), help: "Images per training step (--train).")
    public var batchSize: Int = 16

    @Option(help: "A data YAML whose first --batch-size training images (letterboxed, no augmentation) and labels form the batch (--train); without it, seeded synthetic images and targets.")
    public var data: String?

    @Option(help: "Hyperparameter YAML for the loss and optimizer (--train; default hyp.scratch-low's values).")
    public var hyp: String?

    @Option(name: .customLong("save-batch"), help: "Write the training batch as <prefix>images.npy and <prefix>targets.npy (float32), for timing a twin on the same data.")
    public var saveBatch: String?

    @OptionGroup var precision: PrecisionOption
    @Option(help: "Time OpenBLAS sgemm of N×N by N×N matrices instead.")
    public var gemm: Int?

    public init() {}

    public func run() throws {
        try reportingConfigErrors {
            guard !(train && precision.bf16) else {
                throw ConfigError("--bf16 is an inference mode; the training step (--train) runs in float32", file: nil)
            }
            try precision.select()
            guard runs > 0, warmup >= 0, threads > 0, batchSize > 0, img.allSatisfy({ $0 > 0 }) else {
                throw ConfigError("--runs, --threads, --batch-size and --img must be positive", file: nil)
            }
            Parallel.width = threads
            if let gemm { return try runGEMM(size: gemm) }
            if train { return try runTraining() }
            let img = self.img.isEmpty ? [640, 320] : self.img
            let cfg = self.cfg ?? "yolov5s.yaml"
            let network: Network
            let name: String
            if let weights {
                network = try ModelLoader.load(weights: weights).network
                name = weights
            } else {
                let path = try ModelFileLocator.locate(cfg)
                network = try ModelCompiler().compile(try ModelSpec.load(path: path))
                network.initializeWeights(seed: 0)
                name = path + " (random weights)"
            }
            if !noFuse { network.fuse() }
            print("benchmark: \(name), \(noFuse ? "unfused" : "fused"), \(precision.label), batch 1, \(threads) threads, \(runs) runs after \(warmup) warm-up")
            print(String(repeating: " ", count: 6) + "size   median ms      min ms      max ms")
            for size in img {
                let stride = max(Int(network.strides.max() ?? 32), 32)
                let side = (size + stride - 1) / stride * stride
                let input = Tensor(shape: [1, network.spec.inputChannels, side, side], repeating: 0.5)
                for _ in 0..<warmup { _ = try network.forward(input, includeRaw: false) }
                var times: [Double] = []
                for _ in 0..<runs {
                    let start = DispatchTime.now().uptimeNanoseconds
                    _ = try network.forward(input, includeRaw: false)
                    times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
                }
                print(pad("\(side)", 10) + pad(fixed(median(times)), 14) + pad(fixed(times.min()!), 12) + pad(fixed(times.max()!), 12))
                if profile { try printProfile(network, input: input, side: side) }
            }
        }
    }

    func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }

    /// Times each row over `runs` forward passes (the Detect row includes decoding) and prints
    /// the medians, the row's GFLOP/s, and totals per module kind.
    private func printProfile(_ network: Network, input: Tensor, side: Int) throws {
        var perRow = [[Double]](repeating: [], count: network.rows.count)
        for _ in 0..<runs {
            var last = DispatchTime.now().uptimeNanoseconds
            _ = try network.forward(input, includeRaw: false) { index, _ in
                let now = DispatchTime.now().uptimeNanoseconds
                perRow[index].append(Double(now - last) / 1e6)
                last = now
            }
            perRow[network.rows.count - 1].append(Double(DispatchTime.now().uptimeNanoseconds - last) / 1e6)
        }
        let macs = try network.multiplyAccumulatesPerRow(side: side)
        print("  row  module                          median ms   GFLOP/s")
        var byKind: [String: Double] = [:]
        let folded = network.foldedRows
        for row in network.rows {
            if let reader = folded[row.index] {
                // not run: its reader reads its inputs in place
                print(pad("\(row.index)", 5) + "  " + row.kindName.padding(toLength: 30, withPad: " ", startingAt: 0)
                      + "  folded into row \(reader)")
                continue
            }
            let ms = median(perRow[row.index])
            byKind[row.kindName, default: 0] += ms
            let gflops = ms > 0 ? 2 * macs[row.index] / 1e6 / ms : 0
            print(pad("\(row.index)", 5) + "  " + row.kindName.padding(toLength: 30, withPad: " ", startingAt: 0)
                  + pad(milliseconds(ms), 11) + pad(fixed(gflops), 10))
        }
        let total = byKind.values.reduce(0, +)
        for (kind, ms) in byKind.sorted(by: { $0.value > $1.value }) {
            print("  " + kind.padding(toLength: 37, withPad: " ", startingAt: 0) + pad(milliseconds(ms), 11)
                  + pad(ModelSummary.formatFixed(100 * ms / total, decimals: 0) + "%", 10))
        }
    }

    func fixed(_ value: Double) -> String { ModelSummary.formatFixed(value, decimals: 1) }
    /// A row's time to 10 µs: rows at 320 take 0.05–0.8 ms.
    func milliseconds(_ value: Double) -> String { ModelSummary.formatFixed(value, decimals: 2) }
    func pad(_ text: String, _ width: Int) -> String {
        String(repeating: " ", count: max(0, width - text.count)) + text
    }
}
