import Checkpoint
import Foundation
import TensorCore
import TestSupport
import XCTest
import YOLOConfig
import YOLOModel
@testable import YOLOTrain

/// The optimizers against PyTorch: the reference training step of yolov5n (smart_optimizer's
/// groups, clip_grad_norm_, one Nesterov SGD step; ../shared/reference §2) and several steps of
/// each optimizer on a small model (Fixtures/optimizer_fixtures.json).
final class OptimizerReferenceTests: XCTestCase {
    private func referenceJSON() throws -> [String: Any] {
        try XCTUnwrap(try ExactJSON.load(path: try SharedData.path("reference/loss_values.json")) as? [String: Any])
    }

    private func yolov5n() throws -> Network {
        try ModelCompiler().compile(try ModelSpec.load(path: SharedData.project("models/yolov5n.yaml")))
    }

    /// smart_optimizer's three groups of yolov5n, names in order and hyperparameters, from the
    /// network and from a plain (name, role) list.
    func testParameterGroupsEqualSmartOptimizer() throws {
        let json = try referenceJSON()
        let optimizer = try XCTUnwrap(json["optimizer"] as? [String: Any])
        let expected = try XCTUnwrap(optimizer["groups"] as? [[String: Any]])
        let network = try yolov5n()
        let batchSize = try OptimizerFixture.int(json["batch_size"])
        let decay = NominalBatch.weightDecay(Hyperparameters().weightDecay, batchSize: batchSize)
        XCTAssertEqual(NominalBatch.accumulation(batchSize: batchSize), try OptimizerFixture.int(json["accumulate"]))

        let fromNetwork = ParameterGrouping.groups(network: network, learningRate: 0.01, momentum: 0.937, weightDecay: decay)
        let fromList = ParameterGrouping.groups(parameters: network.tensorSlots.map { ($0.name, $0.spec.role) },
                                                learningRate: 0.01, momentum: 0.937, weightDecay: decay)
        XCTAssertEqual(fromNetwork, fromList)
        XCTAssertEqual(fromNetwork.map(\.kind), [.bias, .decayedWeight, .normWeight])
        XCTAssertEqual(fromNetwork.map(\.names.count), [60, 60, 57])
        XCTAssertEqual(fromNetwork.count, expected.count)
        for (ours, theirs) in zip(fromNetwork, expected) {
            XCTAssertEqual(ours.names, try XCTUnwrap(theirs["params"] as? [String]), "group \(ours.kind)")
            XCTAssertEqual(ours.learningRate, try OptimizerFixture.double(theirs["lr"]))
            XCTAssertEqual(ours.momentum, try OptimizerFixture.double(theirs["momentum"]))
            XCTAssertEqual(ours.weightDecay, try OptimizerFixture.double(theirs["weight_decay"]))
            XCTAssertEqual(theirs["nesterov"] as? Bool, true)
        }
    }

    /// clip_grad_norm_ (norm 7.854419231414795, below 10, so nothing is clipped) and one SGD step
    /// on the reference gradients, against the state_dict PyTorch saved after that step.
    func testClipAndSGDStepEqualPyTorch() throws {
        let json = try referenceJSON()
        let network = try yolov5n()
        let start = try SafetensorsFile.read(path: try SharedData.path("reference/loss_start_weights.safetensors"))
        let gradientFile = try SafetensorsFile.read(path: try SharedData.path("reference/loss_grads.safetensors"))
        let after = try SafetensorsFile.read(path: try SharedData.path("reference/loss_step1_weights.safetensors"))

        // Gradients in model.parameters() order, which is the order torch's norm-of-norms uses.
        let parameterSlots = network.tensorSlots.filter { $0.spec.role.isParameter }
        var gradients = try parameterSlots.map { slot -> (name: String, gradient: Tensor) in
            let stored = try XCTUnwrap(gradientFile.tensor(named: slot.name), slot.name)
            return (slot.name, Tensor(shape: stored.shape, values: stored.floats()))
        }
        XCTAssertEqual(gradients.count, gradientFile.tensors.count)
        let unclipped = gradients.map(\.gradient)
        let total = GradientClipping.clipNorm(&gradients)
        let expectedNorm = try OptimizerFixture.double(json["grad_norm_before_clip"])
        // README tolerance: relative 1e-5. The float32 lane-by-lane norm reproduces torch's bits.
        XCTAssertEqual(Double(total), expectedNorm, accuracy: 1e-5 * expectedNorm)
        XCTAssertEqual(Double(total), expectedNorm, "torch's float32 norm, bit for bit")
        XCTAssertEqual(gradients.map(\.gradient), unclipped, "a coefficient of 1 leaves the gradients alone")

        var parameters: [String: Tensor] = [:]
        for slot in parameterSlots {
            let stored = try XCTUnwrap(start.tensor(named: slot.name), slot.name)
            parameters[slot.name] = Tensor(shape: stored.shape, values: stored.floats())
        }
        var optimizer = try Optimizer(kind: .sgd, groups: ParameterGrouping.groups(
            network: network, learningRate: 0.01, momentum: 0.937,
            weightDecay: NominalBatch.weightDecay(0.0005, batchSize: 4)))
        try optimizer.step(parameters: &parameters, gradients: Dictionary(uniqueKeysWithValues: gradients.map { ($0.name, $0.gradient) }))

        var worst: Float = 0
        var exact = 0
        for slot in parameterSlots {
            let expected = try XCTUnwrap(after.tensor(named: slot.name), slot.name).floats()
            let ours = try XCTUnwrap(parameters[slot.name]).storage
            let difference = maximumDifference(ours, expected)
            XCTAssertLessThanOrEqual(difference, 2e-6, slot.name)  // README tolerance
            worst = max(worst, difference)
            if ours == expected { exact += 1 }
        }
        print("SGD step vs loss_step1_weights: max |Δ| \(worst), \(exact)/\(parameterSlots.count) tensors bit-identical")
        XCTAssertEqual(exact, parameterSlots.count, "torch's fused multiply-adds reproduce its step bit for bit")
    }

    /// The same step through the network: weights loaded into yolov5n, gradients as
    /// `parameterGradients` delivers them, parameters written back into the modules.
    func testStepOnNetworkWritesTheModules() throws {
        let network = try yolov5n()
        try network.load(try SafetensorsFile.read(path: try SharedData.path("reference/loss_start_weights.safetensors")).tensors,
                         source: "loss_start_weights.safetensors")
        let gradientFile = try SafetensorsFile.read(path: try SharedData.path("reference/loss_grads.safetensors"))
        let after = try SafetensorsFile.read(path: try SharedData.path("reference/loss_step1_weights.safetensors"))
        var gradients = try network.tensorSlots.filter { $0.spec.role.isParameter }.map { slot -> (name: String, gradient: Tensor) in
            let stored = try XCTUnwrap(gradientFile.tensor(named: slot.name), slot.name)
            return (slot.name, Tensor(shape: stored.shape, values: stored.floats()))
        }
        GradientClipping.clipNorm(&gradients)
        var optimizer = try Optimizer(kind: .sgd, network: network, learningRate: 0.01, momentum: 0.937,
                                      weightDecay: NominalBatch.weightDecay(0.0005, batchSize: 4))
        try optimizer.step(network: network, gradients: gradients)
        for slot in network.tensorSlots where slot.spec.role.isParameter {
            let expected = try XCTUnwrap(after.tensor(named: slot.name), slot.name).floats()
            XCTAssertEqual(try XCTUnwrap(network.tensor(named: slot.name)).storage, expected, slot.name)
        }
        // Buffers are not the optimizer's business.
        let start = try SafetensorsFile.read(path: try SharedData.path("reference/loss_start_weights.safetensors"))
        XCTAssertEqual(try XCTUnwrap(network.tensor(named: "model.24.anchors")).storage,
                       try XCTUnwrap(start.tensor(named: "model.24.anchors")).floats())
    }

    /// Five steps of SGD, Adam, AdamW and RMSProp with the LR (and momentum) changed before each
    /// step as warm-up does, against torch.optim: parameters after every step and the final state.
    func testOptimizersFollowTorchOverSeveralSteps() throws {
        let fixture = try OptimizerFixture.load()
        let parameters = try OptimizerFixture.parameters(fixture)
        let gradients = try OptimizerFixture.gradients(fixture, parameters: parameters)
        let runs = try XCTUnwrap((fixture["optimizers"] as? [String: Any])?["runs"] as? [String: [String: Any]])
        XCTAssertEqual(Set(runs.keys), Set(OptimizerKind.allCases.map(\.rawValue)))

        for (name, run) in runs.sorted(by: { $0.key < $1.key }) {
            let kind = try OptimizerKind(name: name)
            let momentum = try OptimizerFixture.double(run["momentum"])
            let groups = ParameterGrouping.groups(
                parameters: parameters.map { ($0.name, $0.role) }, learningRate: try OptimizerFixture.double(run["lr0"]),
                momentum: momentum, weightDecay: try OptimizerFixture.double(run["decay"]))
            let expectedGroups = try XCTUnwrap(run["groups"] as? [[String: Any]])
            for (ours, theirs) in zip(groups, expectedGroups) {
                XCTAssertEqual(ours.names, try XCTUnwrap(theirs["names"] as? [String]), "\(name) group \(ours.kind)")
                XCTAssertEqual(ours.weightDecay, try OptimizerFixture.double(theirs["weight_decay"]), name)
                let beta1 = try (theirs["betas"] as? [Any]).map { try OptimizerFixture.double($0[0]) }
                XCTAssertEqual(ours.momentum, try beta1 ?? OptimizerFixture.double(theirs["momentum"]), name)
                XCTAssertEqual(theirs["momentum"] != nil, kind.hasMomentumKey, name)
            }

            var optimizer = try Optimizer(kind: kind, groups: groups)
            var values = Dictionary(uniqueKeysWithValues: parameters.map { ($0.name, $0.value) })
            let settings = try XCTUnwrap(run["step_settings"] as? [[[String: Any]]])
            let afterSteps = try XCTUnwrap(run["after_step"] as? [[Any]])
            // SGD has no square root, so it must agree exactly; torch's Adam and RMSprop take an MKL
            // square root that can be an ulp off the correctly rounded one.
            let tolerance: Float = kind == .sgd ? 0 : 1e-6
            var worst: Float = 0
            for (step, gradient) in gradients.enumerated() {
                for (g, groupSettings) in settings[step].enumerated() {
                    optimizer.groups[g].learningRate = try OptimizerFixture.double(groupSettings["lr"])
                    if let value = groupSettings["momentum"] { optimizer.groups[g].momentum = try OptimizerFixture.double(value) }
                }
                try optimizer.step(parameters: &values, gradients: gradient)
                for (parameter, expected) in zip(parameters, afterSteps[step]) {
                    let reference = try OptimizerFixture.floats(expected)
                    let difference = maximumDifference(try XCTUnwrap(values[parameter.name]).storage, reference)
                    let scale = reference.map(abs).max() ?? 0
                    XCTAssertLessThanOrEqual(difference, tolerance * scale, "\(name) step \(step + 1) \(parameter.name)")
                    worst = max(worst, scale > 0 ? difference / scale : difference)
                }
            }
            print("\(name): worst parameter difference over 5 steps \(worst) of the tensor's largest value")

            let finalState = try XCTUnwrap(run["final_state"] as? [String: [String: Any]])
            for parameter in parameters {
                let state = try XCTUnwrap(optimizer.state(of: parameter.name))
                let expected = try XCTUnwrap(finalState[parameter.name], parameter.name)
                if let step = expected["step"] { XCTAssertEqual(state.step, try OptimizerFixture.int(step), parameter.name) }
                let ours: [String: [Float]] = Dictionary(uniqueKeysWithValues: state.buffers.map { ($0.key, $0.values) })
                XCTAssertEqual(Set(ours.keys), Set(expected.keys.filter { $0 != "step" }), "\(name) \(parameter.name)")
                for (key, values) in ours {
                    let reference = try OptimizerFixture.floats(expected[key])
                    let scale = reference.map(abs).max() ?? 0
                    XCTAssertLessThanOrEqual(maximumDifference(values, reference), tolerance * scale,
                                             "\(name) \(key) of \(parameter.name)")
                }
            }
        }
    }

    func testBadInputsAreNamed() throws {
        assertThrows(try OptimizerKind(name: "sgd"), containing: ["'sgd'", "SGD, Adam, AdamW, RMSProp"])
        let group = ParameterGroup(kind: .decayedWeight, names: ["a.weight", "b.weight"], learningRate: 0.01,
                                   momentum: 0.9, weightDecay: 0)
        assertThrows(try Optimizer(kind: .sgd, groups: [group, group]), containing: ["'a.weight'", "more than one"])
        var optimizer = try Optimizer(kind: .sgd, groups: [group])
        var parameters = ["a.weight": Tensor(shape: [2], values: [1, 2]), "b.weight": Tensor(shape: [3])]
        let untouched = parameters
        assertThrows(try optimizer.step(parameters: &parameters, gradients: ["a.weight": Tensor(shape: [2])]),
                     containing: ["'b.weight'", "no gradient"])
        assertThrows(try optimizer.step(parameters: &parameters,
                                        gradients: ["a.weight": Tensor(shape: [2]), "b.weight": Tensor(shape: [4])]),
                     containing: ["'b.weight'", "[4]", "[3]"])
        var missing = ["a.weight": Tensor(shape: [2])]
        assertThrows(try optimizer.step(parameters: &missing, gradients: ["a.weight": Tensor(shape: [2]), "b.weight": Tensor(shape: [3])]),
                     containing: ["'b.weight'", "missing"])
        XCTAssertEqual(parameters, untouched, "a refused step changes nothing")
        XCTAssertEqual(optimizer.state(of: "a.weight"), ParameterState())
    }
}
