import XCTest
import TensorCore
import TestSupport
import YOLOConfig
import YOLOModel
@testable import YOLOTrain

/// The whole training step (forward, loss, backward, clipping, SGD with Ultralytics' groups) can
/// fit one small batch: 200 steps bring the loss down by at least 80%.
final class OverfitTests: XCTestCase {
    func testTwoHundredSGDStepsOverfitOneBatch() throws {
        var spec = try ModelSpec.load(path: SharedData.project("models/yolov5n.yaml"))
        spec.widthMultiple = 0.125  // a narrow yolov5n keeps 200 debug-build steps short
        let network = try ModelCompiler().compile(spec, classCount: 3)
        network.initializeWeights(seed: 1)
        let side = 64
        let images = Tensor(shape: [2, 3, side, side], values: (0..<(2 * 3 * side * side)).map { index in
            // two images: a bright square on grey, a dark disc on white
            let (image, pixel) = (index / (3 * side * side), index % (side * side))
            let (y, x) = (pixel / side, pixel % side)
            if image == 0 { return (16..<48).contains(x) && (12..<40).contains(y) ? 0.9 : 0.45 }
            let (dx, dy) = (Float(x) - 40, Float(y) - 30)
            return dx * dx + dy * dy < 144 ? 0.1 : 1
        })
        let targets = Tensor(shape: [2, 6], values: [0, 1, 0.5, 26 / 64, 0.5, 28 / 64,
                                                     1, 0, 40 / 64, 30 / 64, 24 / 64, 24 / 64])
        let anchors = try XCTUnwrap(network.tensor(named: "model.24.anchors"))
        let loss = YOLOLoss(hyperparameters: Hyperparameters(), classCount: 3, anchors: anchors, imageSize: side)
        // train.py's SGD (Nesterov, momentum 0.937, decay 5e-4) at a constant LR, no warm-up
        var optimizer = try Optimizer(kind: .sgd, network: network, learningRate: 0.04, momentum: 0.937, weightDecay: 5e-4)
        var losses: [Double] = []
        for _ in 0..<200 {
            network.zeroGradients()
            let result = try loss(try network.trainingForward(images), targets: targets)
            try network.backward(rawGradients: result.gradients)
            var gradients = network.parameterGradients
            GradientClipping.clipNorm(&gradients)
            try optimizer.step(network: network, gradients: gradients)
            losses.append(result.total)
        }
        print("loss: first \(losses[0]), after 50 \(losses[49]), after 200 \(losses[199])")
        XCTAssertTrue(losses.allSatisfy(\.isFinite))
        XCTAssertLessThanOrEqual(losses[199], 0.2 * losses[0], "200 steps should cut the loss by 80%")
        network.setTraining(false)
    }
}
