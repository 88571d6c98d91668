import XCTest
import Checkpoint
import TensorCore
import TestSupport
import YOLOConfig
@testable import YOLOModel

/// Backward of every module kind the stock models leave out (Focus, BottleneckCSP, DWConv,
/// GhostConv/GhostBottleneck with stride 1 and 2, Contract, SPP, Expand, ZeroPad2d, MaxPool2d,
/// C3Ghost), through a whole network, against PyTorch's autograd on Ultralytics' own modules
/// (Fixtures/extra_modules_gradients.safetensors, scripts/reference/module_gradient_fixtures.py).
/// The reference values are PyTorch's float64 run; training-mode batch norm over few values is
/// ill-conditioned, so both float32 implementations drift from them, and we are held to four
/// times PyTorch's own float32 error plus 1e-5 of the tensor's largest value.
final class ModuleGradientReferenceTests: XCTestCase {
    func testExtraModulesGradientsMatchPyTorch() throws {
        let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
        var spec = try ModelSpec.load(path: fixtures.appendingPathComponent("extra-modules.yaml").path)
        spec.widthMultiple = 0.125
        let network = try ModelCompiler().compile(spec)
        let reference = try SafetensorsFile.read(path: fixtures.appendingPathComponent("extra_modules_gradients.safetensors").path)
        var loaded = 0
        for slot in network.tensorSlots {
            guard let stored = reference.tensor(named: "weight." + slot.name) else { continue }
            slot.owner.setTensorValue(String(slot.name.split(separator: ".").last!), Tensor(shape: stored.shape, values: stored.floats()))
            loaded += 1
        }
        XCTAssertEqual(loaded, network.tensorSlots.filter { $0.spec.role != .anchors && $0.spec.role != .batchesTracked }.count)

        let input = try XCTUnwrap(reference.tensor(named: "input"))
        network.zeroGradients()
        let raw = try network.trainingForward(Tensor(shape: input.shape, values: input.floats()))
        for (level, map) in raw.enumerated() {
            let expected = try XCTUnwrap(reference.tensor(named: "raw.l\(level)"))
            XCTAssertEqual(map.shape, expected.shape)
            let error = zip(map.storage, expected.floats()).map { abs($0 - $1) }.max() ?? 0
            let torchError = try XCTUnwrap(reference.tensor(named: "torch32_error.raw.l\(level)")).floats()[0]
            XCTAssertLessThanOrEqual(error, 4 * torchError + 1e-5, "raw level \(level)")
        }
        let coefficients = try (0..<raw.count).map { level -> Tensor in
            let stored = try XCTUnwrap(reference.tensor(named: "coef.l\(level)"))
            return Tensor(shape: stored.shape, values: stored.floats())
        }
        try network.backward(rawGradients: coefficients)  // L = Σ raw·coef, so dL/draw = coef

        var compared = 0
        var worst: Float = 0
        for (name, gradient) in network.parameterGradients {
            let expected = try XCTUnwrap(reference.tensor(named: "grad." + name), name).floats()
            let largest = expected.map(abs).max() ?? 0
            let error = zip(gradient.storage, expected).map { abs($0 - $1) }.max() ?? 0
            let torchError = try XCTUnwrap(reference.tensor(named: "torch32_error." + name)).floats()[0]
            XCTAssertLessThanOrEqual(error, 4 * torchError + 1e-5 * largest + 1e-7, name)
            worst = max(worst, error / (torchError + 1e-5 * largest + 1e-7))
            compared += 1
        }
        XCTAssertEqual(compared, network.parameterGradients.count)
        print("worst gradient error in units of PyTorch float32's: \(worst)")
        XCTAssertGreaterThan(compared, 100)
        for slot in network.tensorSlots where slot.spec.role == .runningMean || slot.spec.role == .runningVariance {
            let expected = try XCTUnwrap(reference.tensor(named: "after." + slot.name)).floats()
            let ours = try XCTUnwrap(network.tensor(named: slot.name)).storage
            let error = zip(ours, expected).map { abs($0 - $1) }.max() ?? 0
            XCTAssertLessThanOrEqual(error, 1e-5 * max(1, expected.map(abs).max() ?? 0), slot.name)
        }
    }
}
