import XCTest
import Checkpoint
import TensorCore
import TestSupport
import YOLOConfig
import YOLOModel
@testable import YOLOTrain

/// The whole backward pass of yolov5n on the reference batch: every parameter's gradient after
/// `loss.backward()` against PyTorch's (../shared/reference/loss_grads.safetensors).
final class NetworkGradientReferenceTests: XCTestCase {
    func testEveryParameterGradientMatchesPyTorch() throws {
        let network = try ModelCompiler().compile(try ModelSpec.load(path: SharedData.project("models/yolov5n.yaml")))
        try network.load(try SafetensorsFile.read(path: try SharedData.path("reference/loss_start_weights.safetensors")).tensors,
                         source: "loss_start_weights.safetensors")
        let images = try NPYFile.read(path: try SharedData.path("reference/loss_batch_images_uint8.npy"))
        let stored = try NPYFile.read(path: try SharedData.path("reference/loss_batch_targets.npy"))
        let targets = Tensor(shape: stored.shape, values: stored.floats())

        let input = Tensor(shape: images.shape, values: images.bytes.map { Float($0) / 255 })
        let anchors = try XCTUnwrap(network.tensor(named: "model.24.anchors"))
        let loss = YOLOLoss(hyperparameters: Hyperparameters(), classCount: 80, anchors: anchors, imageSize: 320)
        // PyTorch's raw maps, and the heads' own layout: the same gradients, to the bit
        var gradients: [DetectMapLayout: [(name: String, gradient: Tensor)]] = [:]
        for layout in [DetectMapLayout.raw, .head] {
            network.zeroGradients()
            let maps = try network.trainingForward(input, layout: layout)
            let result = try loss(maps, targets: targets, layout: layout)
            try network.backward(mapGradients: result.gradients, layout: layout)
            gradients[layout] = network.parameterGradients
        }
        let dense = try XCTUnwrap(gradients[.head])
        XCTAssertTrue(zip(dense, try XCTUnwrap(gradients[.raw])).allSatisfy { $0.name == $1.name && $0.gradient == $1.gradient },
                      "the raw and head layouts give different gradients")
        // what the trainer runs: Detect computed only where the loss reads it, its gradients
        // given back sparsely; the same sums in another order
        network.zeroGradients()
        let denseResult = try loss(try network.trainingForward(input, layout: .head), targets: targets, layout: .head)
        network.zeroGradients()
        let heads = try loss.trainingForward(network, images: input, targets: targets)
        let result = try loss(sparse: heads)
        XCTAssertEqual(result.total, denseResult.total, accuracy: 1e-6 * denseResult.total)
        // the assignment made for the forward is the one the loss would make
        let reassigned = try loss(sparse: heads.heads, targets: targets)
        XCTAssertEqual(result.total, reassigned.total)
        XCTAssertEqual(result.targets, reassigned.targets)
        try network.backward(sparseGradients: result.sparseHeadGradients)
        let ours = network.parameterGradients
        for ((name, sparse), (_, reference)) in zip(ours, dense) {
            let largest = reference.storage.map(abs).max() ?? 0
            let difference = zip(sparse.storage, reference.storage).map { abs($0 - $1) }.max() ?? 0
            XCTAssertLessThanOrEqual(difference, 1e-5 * largest + 1e-9, "\(name): sparse against dense head gradients")
        }

        let reference = try SafetensorsFile.read(path: try SharedData.path("reference/loss_grads.safetensors"))
        XCTAssertEqual(ours.count, 177)
        var worst = (name: "", ratio: 0.0)
        for (name, gradient) in ours {
            let expected = try XCTUnwrap(reference.tensor(named: name), name)
            XCTAssertEqual(gradient.shape, expected.shape, name)
            let values = expected.floats()
            let largest = Double(values.map(abs).max() ?? 0)
            let error = Double(zip(gradient.storage, values).map { abs($0 - $1) }.max() ?? 0)
            // README tolerance: per tensor max|Δ| ≤ 1e-4 · max|g_ref| + 1e-8
            XCTAssertLessThanOrEqual(error, 1e-4 * largest + 1e-8, name)
            if largest > 0, error / largest > worst.ratio { worst = (name, error / largest) }
        }
        print("largest relative gradient difference: \(worst.ratio) in \(worst.name)")
        network.setTraining(false)
    }
}
