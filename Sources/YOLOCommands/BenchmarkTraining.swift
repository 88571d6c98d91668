import Dispatch
import Foundation
import TensorCore
import YOLOConfig
import YOLOModel
import YOLOTrain

/// `yolo benchmark --train`: the training step of `Trainer` on one fixed batch, timed per phase —
/// `YOLOLoss.trainingForward` (Detect only where the loss reads it), the loss, `backward(sparseGradients:)`, as the trainer runs them, then the optimizer phase
/// (clip to norm 10, SGD step, parameters written back, gradients zeroed, EMA update) — with an
/// optimizer step every batch (no accumulation, so every timed step is alike).
extension Benchmark {
    func runTraining() throws {
        let sizes = img.isEmpty ? [320] : img
        let h = try hyp.map { try Hyperparameters.load(path: $0) } ?? Hyperparameters()
        let network: Network
        let name: String
        if let weights {
            network = try ModelLoader.load(weights: weights).network
            name = weights
        } else {
            let path = try ModelFileLocator.locate(cfg ?? "yolov5n.yaml")
            let classCount = try data.map { try DatasetSpec.load(path: $0).nc }
            network = try ModelCompiler().compile(try ModelSpec.load(path: path), classCount: classCount)
            network.initializeWeights(seed: 0)
            name = path + " (random weights)"
        }
        let classCount = network.detect?.classCount ?? 1
        guard let anchors = network.tensor(named: "model.\(network.rows.count - 1).anchors") else {
            throw ConfigError("the model has no Detect anchors", file: nil)
        }
        let gridStride = max(Int(network.strides.max() ?? 32), 32)
        let decay = NominalBatch.weightDecay(h.weightDecay, batchSize: batchSize)
        var optimizer = try Optimizer(kind: .sgd, network: network, learningRate: h.lr0, momentum: h.momentum, weightDecay: decay)
        var ema = try ModelEMA(network: network)

        print("benchmark --train: \(name), batch \(batchSize), \(threads) threads, \(runs) runs after \(warmup) warm-up")
        print("step: trainingForward, loss, backward, clip 10 + SGD (lr \(h.lr0), momentum \(h.momentum), nesterov, "
              + "decay \(decay)) + zero + EMA; an optimizer step every batch")
        var header = true
        for size in sizes {
            // train.py's check_img_size: a multiple of the grid stride, at least twice it
            let side = max((size + gridStride - 1) / gridStride * gridStride, 2 * gridStride)
            let batch = try data.map { try BenchmarkBatch.fromDataset($0, batchSize: batchSize, side: side, stride: gridStride) }
                ?? BenchmarkBatch.synthetic(batchSize: batchSize, side: side, classCount: classCount)
            for target in stride(from: 1, to: batch.targets.storage.count, by: 6) where Int(batch.targets.storage[target]) >= classCount {
                throw ConfigError("a target has class \(Int(batch.targets.storage[target])) but the model has \(classCount) classes", file: data)
            }
            if let saveBatch { try batch.save(prefix: sizes.count > 1 ? "\(saveBatch)\(side)_" : saveBatch) }
            if header {
                print("batch: \(batch.source), \(batch.targets.shape[0]) targets")
                print(String(repeating: " ", count: 6) + "size   median ms      min ms      max ms   images/s"
                      + "   forward      loss  backward  optimizer   loss first→last")
                header = false
            }
            let loss = YOLOLoss(hyperparameters: h, classCount: classCount, anchors: anchors, imageSize: side)
            network.setTraining(true)
            network.zeroGradients()
            var phases = [[Double]](repeating: [], count: 4)
            let rowTimes = RowTimes(rowCount: network.rows.count)
            var totals: [Double] = []
            var losses: [Double] = []
            for run in 0..<(warmup + runs) {
                let timesRows = profile && run >= warmup
                var marks = [DispatchTime.now().uptimeNanoseconds]
                rowTimes.start()
                let heads = try loss.trainingForward(network, images: batch.images, targets: batch.targets,
                                                     observe: timesRows ? { rowTimes.mark($0, pass: 0) } : nil)
                marks.append(DispatchTime.now().uptimeNanoseconds)
                let result = try loss(sparse: heads)
                guard result.total.isFinite else { throw ShapeError("the loss is not finite at step \(run)") }
                marks.append(DispatchTime.now().uptimeNanoseconds)
                let headGradients = result.sparseHeadGradients
                rowTimes.start()
                try network.backward(sparseGradients: headGradients,
                                     observe: timesRows ? { rowTimes.mark($0, pass: 1) } : nil)
                marks.append(DispatchTime.now().uptimeNanoseconds)
                // Trainer.optimizerStep
                var ordered = network.parameterGradients
                GradientClipping.clipNorm(&ordered)
                var gradients: [String: Tensor] = [:]
                for entry in ordered { gradients[entry.name] = entry.gradient }
                var parameters = network.parameterValues
                try optimizer.step(parameters: &parameters, gradients: gradients)
                try network.setTensorValues(parameters)
                network.zeroGradients()
                try ema.update(network: network)
                marks.append(DispatchTime.now().uptimeNanoseconds)
                guard run >= warmup else { continue }
                for k in 0..<4 { phases[k].append(Double(marks[k + 1] - marks[k]) / 1e6) }
                totals.append(Double(marks[4] - marks[0]) / 1e6)
                losses.append(result.total)
            }
            let middle = median(totals)
            print(pad("\(side)", 10) + pad(fixed(middle), 14) + pad(fixed(totals.min()!), 12) + pad(fixed(totals.max()!), 12)
                  + pad(fixed(Double(batchSize) / middle * 1000), 11)
                  + phases.map { pad(fixed(median($0)), 10) }.joined() + " "
                  + "   \(ModelSummary.formatFixed(losses.first!, decimals: 3))→\(ModelSummary.formatFixed(losses.last!, decimals: 3))")
            if profile { printTrainingProfile(network, rowTimes) }
        }
        network.setTraining(false)
        if let memory = ResidentMemory.now() {
            print("peak resident memory: \(ModelSummary.formatFixed(Double(memory.peak) / 1_048_576, decimals: 1)) MiB (VmHWM)")
        }
    }

    /// The median forward and backward time of every row, then per module kind.
    private func printTrainingProfile(_ network: Network, _ times: RowTimes) {
        print("  row  module                        forward ms  backward ms")
        var byKind: [String: (Double, Double)] = [:]
        for row in network.rows {
            let (forward, backward) = (median(times.perRow[0][row.index]), median(times.perRow[1][row.index]))
            byKind[row.kindName, default: (0, 0)].0 += forward
            byKind[row.kindName, default: (0, 0)].1 += backward
            print(pad("\(row.index)", 5) + "  " + row.kindName.padding(toLength: 28, withPad: " ", startingAt: 0)
                  + pad(fixed(forward), 12) + pad(fixed(backward), 13))
        }
        for (kind, (forward, backward)) in byKind.sorted(by: { $0.value.0 + $0.value.1 > $1.value.0 + $1.value.1 }) {
            print("  " + kind.padding(toLength: 35, withPad: " ", startingAt: 0) + pad(fixed(forward), 12) + pad(fixed(backward), 13))
        }
    }
}

/// Per-row times of the training passes: `mark` records the time since the previous mark (or
/// `start`) against a row.
final class RowTimes {
    var perRow: [[[Double]]]
    private var last: UInt64 = 0

    init(rowCount: Int) { perRow = [[[Double]]](repeating: [[Double]](repeating: [], count: rowCount), count: 2) }

    func start() { last = DispatchTime.now().uptimeNanoseconds }

    func mark(_ row: Int, pass: Int) {
        let now = DispatchTime.now().uptimeNanoseconds
        perRow[pass][row].append(Double(now - last) / 1e6)
        last = now
    }
}
