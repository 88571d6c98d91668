import XCTest
import TensorCore
import TestSupport
import YOLOConfig
import YOLOModel
@testable import YOLOTrain

/// Repeated training steps (forward, loss, backward, clipping, SGD step, EMA) must not grow the process: activations kept for backward are
/// released by it, and buffers of one step are reused by the next.
final class TrainingMemoryTests: XCTestCase {
    func testResidentMemoryStaysFlatOverFiftySteps() throws {
        let network = try ModelCompiler().compile(try ModelSpec.load(path: SharedData.project("models/yolov5n.yaml")))
        network.initializeWeights(seed: 0)
        let anchors = try XCTUnwrap(network.tensor(named: "model.24.anchors"))
        let loss = YOLOLoss(hyperparameters: Hyperparameters(), classCount: 80, anchors: anchors, imageSize: 96)
        let images = Tensor(shape: [2, 3, 96, 96], values: (0..<(2 * 3 * 96 * 96)).map { Float(($0 * 7919) % 256) / 255 })
        let targets = Tensor(shape: [3, 6], values: [0, 1, 0.5, 0.5, 0.3, 0.4,
                                                     0, 7, 0.2, 0.3, 0.1, 0.2,
                                                     1, 3, 0.6, 0.7, 0.5, 0.4])
        var optimizer = try Optimizer(kind: .sgd, network: network, learningRate: 0.01, momentum: 0.937, weightDecay: 5e-4)
        var ema = try ModelEMA(network: network)
        var residentAfterWarmUp = 0
        for step in 1...50 {
            network.zeroGradients()
            let raw = try network.trainingForward(images)
            let result = try loss(raw, targets: targets)
            try network.backward(rawGradients: result.gradients)
            var gradients = network.parameterGradients
            GradientClipping.clipNorm(&gradients)
            try optimizer.step(network: network, gradients: gradients)
            try ema.update(network: network)
            XCTAssertTrue(result.total.isFinite)
            if step == 10 { residentAfterWarmUp = try residentKilobytes() }
        }
        let growth = try residentKilobytes() - residentAfterWarmUp
        print("resident memory: \(residentAfterWarmUp) kB after step 10, growth \(growth) kB by step 50")
        // 40 more steps; a leak of one step's activations alone would be several MB
        XCTAssertLessThan(growth, 2048, "resident memory grew by \(growth) kB between step 10 and step 50")
        network.setTraining(false)
    }

    private func residentKilobytes() throws -> Int {
        let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let value = Int(line.split(separator: " ", omittingEmptySubsequences: true)[1]) else {
            throw XCTSkip("no VmRSS line in /proc/self/status")
        }
        return value
    }
}
