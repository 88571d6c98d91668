import XCTest
import Checkpoint
import TensorCore
import TestSupport
import YOLOConfig
@testable import YOLOModel

/// The compiled yolov5n against PyTorch's per-layer outputs on bus.jpg at 320
/// (../shared/reference/layers_bus320.safetensors), with the checkpoint's weights as float32
/// (loss_start_weights.safetensors holds exactly those upcasts).
final class ForwardParityTests: XCTestCase {
    private func yolov5n() throws -> Network {
        let network = try ModelCompiler().compile(try ModelSpec.load(path: SharedData.project("models/yolov5n.yaml")))
        let weights = try SafetensorsFile.read(path: try SharedData.path("reference/loss_start_weights.safetensors"))
        try network.load(weights.tensors, source: "loss_start_weights.safetensors")
        return network
    }

    private func bus320Input() throws -> Tensor {
        let stored = try NPYFile.read(path: try SharedData.path("reference/layers_bus320_input_uint8.npy"))
        XCTAssertEqual(stored.shape, [1, 3, 320, 256])
        return Tensor(shape: stored.shape, values: stored.bytes.map { Float($0) / 255 })
    }

    /// max |ours − reference| over a tensor, and the reference's largest magnitude.
    private func difference(_ ours: [Float], _ reference: [Float]) -> (maxAbs: Float, scale: Float) {
        var maxAbs: Float = 0, scale: Float = 0
        for (a, b) in zip(ours, reference) {
            maxAbs = max(maxAbs, abs(a - b))
            scale = max(scale, abs(b))
        }
        return (maxAbs, scale)
    }

    private func checkAgainstLayers(_ network: Network, fused: Bool) throws {
        let reference = try SafetensorsFile.read(path: try SharedData.path("reference/layers_bus320.safetensors"))
        var rowOutputs: [Int: Tensor] = [:]
        let output = try network.forward(try bus320Input()) { index, tensor in rowOutputs[index] = tensor }
        for index in 0...23 {
            let expected = try XCTUnwrap(reference.tensor(named: "model.\(index)"))
            let ours = try XCTUnwrap(rowOutputs[index])
            XCTAssertEqual(ours.shape, expected.shape, "model.\(index)")
            let (maxAbs, scale) = difference(ours.storage, expected.floats())
            // Tolerance from reference/README.md: 1e-5 of the tensor's range (PyTorch's own fp32
            // error is 1.5e-6 of it); folded batch norms move values by a few 1e-6 more.
            XCTAssertLessThanOrEqual(maxAbs, (fused ? 3e-5 : 1e-5) * scale, "model.\(index) fused=\(fused)")
        }
        for level in 0..<3 {
            let expected = try XCTUnwrap(reference.tensor(named: "detect.raw\(level)"))
            XCTAssertEqual(output.raw[level].shape, expected.shape)
            let (maxAbs, scale) = difference(output.raw[level].storage, expected.floats())
            XCTAssertLessThanOrEqual(maxAbs, (fused ? 3e-5 : 1e-5) * scale, "detect.raw\(level) fused=\(fused)")
        }
        let decoded = try XCTUnwrap(reference.tensor(named: "detect.decoded"))
        XCTAssertEqual(output.decoded.shape, decoded.shape)
        let expected = decoded.floats()
        var boxError: Float = 0, probabilityError: Float = 0
        for (i, (a, b)) in zip(output.decoded.storage, expected).enumerated() {
            if i % 85 < 4 { boxError = max(boxError, abs(a - b)) } else { probabilityError = max(probabilityError, abs(a - b)) }
        }
        XCTAssertLessThanOrEqual(boxError, 5e-3, "box columns (pixels), fused=\(fused)")
        XCTAssertLessThanOrEqual(probabilityError, 2e-5, "probability columns, fused=\(fused)")
    }

    func testUnfusedPerLayerOutputsMatchPyTorch() throws {
        try checkAgainstLayers(try yolov5n(), fused: false)
    }

    func testFusedPerLayerOutputsMatchPyTorch() throws {
        let network = try yolov5n()
        network.fuse()
        XCTAssertEqual(network.layerCount, 125 - 57)  // 57 BatchNorms folded away, as Ultralytics' 68 leaf layers
        network.foldsConcatenations = false  // every row's output, for the comparison
        try checkAgainstLayers(network, fused: true)
    }

    /// Once fused, the Upsample and Concat rows whose reader is a C3 are not run: the C3 reads
    /// the maps in place. The output is the same, bit for bit, as with every row run.
    func testFoldedConcatenationsGiveTheSameOutput() throws {
        let network = try yolov5n()
        XCTAssertEqual(network.foldedRows, [:], "unfused C3s read their input as a tensor")
        network.fuse()
        XCTAssertEqual(network.foldedRows, [11: 13, 12: 13, 15: 17, 16: 17, 19: 20, 22: 23])
        let input = try bus320Input()
        var observed = Set<Int>()
        let folded = try network.forward(input, includeRaw: false) { index, _ in observed.insert(index) }
        XCTAssertEqual(observed, Set(0...23).subtracting([11, 12, 15, 16, 19, 22]))
        network.foldsConcatenations = false
        XCTAssertEqual(network.foldedRows, [:])
        let unfolded = try network.forward(input, includeRaw: false)
        XCTAssertEqual(folded.decoded.storage, unfolded.decoded.storage)
    }

    func testStrictLoadingNamesMissingUnexpectedAndMismatchedTensors() throws {
        let network = try ModelCompiler().compile(try ModelSpec.load(path: SharedData.project("models/yolov5n.yaml")), classCount: 3)
        let weights = try SafetensorsFile.read(path: try SharedData.path("reference/loss_start_weights.safetensors"))
        var entries = weights.tensors.filter { $0.name != "model.0.conv.weight" }
        entries.append((name: "model.99.extra", tensor: StoredTensor(shape: [1], floats: [0])))
        assertThrows(try network.load(entries, source: "w.safetensors"),
                     containing: ["w.safetensors", "missing (1): model.0.conv.weight", "unexpected (1): model.99.extra",
                                  "model.24.m.0.weight is [24, 64, 1, 1] in the model but [255, 64, 1, 1] in the file"])
        // transfer learning keeps what fits
        let loaded = try network.load(entries, source: "w.safetensors", matching: .intersect)
        XCTAssertEqual(loaded.count, 349 - 1 - 6)  // all but the removed one and Detect's 3 weights + 3 biases
    }
}
