import XCTest
import CKernels
@testable import TensorCore

/// The C elementwise kernels (ElementwiseKernels.c) against their definitions over lengths that
/// leave every kind of tail past whole vectors (nothing written past the end), and batch norm's
/// training passes on them against the Swift passes they replace.
final class ElementwiseKernelTests: KernelTierTestCase {
    private let lengths = [0, 1, 7, 15, 16, 17, 31, 32, 33, 47, 48, 63, 100, 255, 256, 257, 1000]
    private let sentinel: Float = 12345

    override func setUpWithError() throws {
        try XCTSkipUnless(PackedConvolution.float32CTilesSupported, "the C kernels need AVX2 or AVX-512")
    }

    private func values(_ count: Int, seed: UInt64, scale: Float = 4, offset: Float = 0) -> [Float] {
        testValues(count, seed: seed).map { $0 * scale + offset }
    }

    /// A buffer of `count` floats and one sentinel past them, checked after `body` wrote it.
    private func writing(_ count: Int, _ body: (UnsafeMutablePointer<Float>) -> Void) -> [Float] {
        var buffer = [Float](repeating: sentinel, count: count + 1)
        buffer.withUnsafeMutableBufferPointer { body($0.baseAddress!) }
        XCTAssertEqual(buffer[count], sentinel, "written past \(count) floats")
        return Array(buffer[0..<count])
    }

    func testPlaneSumAndSquaresMatchFloat64() {
        for count in lengths {
            let x = values(count, seed: 1, offset: 0.75)
            var (sum, squares) = (0.0, 0.0)
            yolo_plane_sum_squares(x, count, &sum, &squares)
            let expectedSum = x.reduce(0.0) { $0 + Double($1) }
            let expectedSquares = x.reduce(0.0) { $0 + Double($1) * Double($1) }
            XCTAssertEqual(sum, expectedSum, accuracy: 1e-12 * max(1, abs(expectedSum)), "Σx, \(count) values")
            XCTAssertEqual(squares, expectedSquares, accuracy: 1e-12 * max(1, expectedSquares), "Σx², \(count) values")
        }
    }

    /// The normalisation is the Swift loop's arithmetic bit for bit, and its activation the C
    /// tiles' (yolo_f32_activate) on those values.
    func testPlaneNormalizeIsTheSwiftArithmeticThenTheTilesActivation() {
        let (mean, scale, shift): (Float, Float, Float) = (0.3, 1.7, -0.2)
        for count in lengths {
            let x = values(count, seed: 2)
            let normalized = writing(count) { yolo_plane_normalize(x, $0, count, mean, scale, shift, Int32(YOLO_TILE_IDENTITY)) }
            XCTAssertEqual(normalized, x.map { ($0 - mean) * scale + shift }, "\(count) values")
            for code in [YOLO_TILE_SILU, YOLO_TILE_SIGMOID] {
                let activated = writing(count) { yolo_plane_normalize(x, $0, count, mean, scale, shift, Int32(code)) }
                var expected = normalized
                yolo_f32_activate(&expected, count, Int32(code))
                XCTAssertEqual(activated, expected, "activation \(code), \(count) values")
            }
        }
    }

    func testActivationGradientMatchesTheDefinition() {
        for count in lengths {
            let x = values(count, seed: 3, scale: 12), dy = values(count, seed: 4, scale: 1)
            for code in [YOLO_TILE_SILU, YOLO_TILE_SIGMOID] {
                let dx = writing(count) { yolo_activation_gradient(x, dy, $0, count, Int32(code)) }
                for i in 0..<count {
                    let v = Double(x[i]), s = 1 / (1 + exp(-v))
                    let derivative = code == YOLO_TILE_SILU ? s * (1 + v * (1 - s)) : s * (1 - s)
                    // the tiles' sigmoid is within 1.5e-7 relative; SiLU′ carries it times (1 + |x|)
                    XCTAssertEqual(Double(dx[i]), Double(dy[i]) * derivative, accuracy: 4e-7 * (1 + abs(v)),
                                   "activation \(code) at x = \(x[i])")
                }
            }
        }
    }

    /// With an activation, the gradient written is dz·f′(y) exactly as yolo_activation_gradient
    /// gives it for the normalised y; the sums are those of the written values (of dz itself
    /// without an activation) against x̂ computed in float32: float32 partial sums of at most
    /// sixteen terms (two running sums of eight, then added: at most nine roundings on any
    /// term's way), so within 8 float32 ulps of the terms' magnitudes (float64 sums of the terms
    /// themselves, as before, agreed to 1e-12).
    func testBatchNormGradientSumsMatchTheDefinition() {
        let (mean, inverseStd, scale, shift): (Float, Float, Float, Float) = (0.2, 0.8, 1.3, 0.1)
        for count in lengths {
            let x = values(count, seed: 5), dz = values(count, seed: 6, scale: 1)
            for code in [YOLO_TILE_IDENTITY, YOLO_TILE_SILU, YOLO_TILE_SIGMOID] {
                var sums = (gradient: 0.0, gradientXhat: 0.0)
                let written = writing(count) { out in
                    if code != YOLO_TILE_IDENTITY { out.update(repeating: sentinel, count: count) }
                    yolo_batchnorm_gradient_sums(dz, x, out, count, mean, inverseStd, scale, shift, Int32(code),
                                                 &sums.gradient, &sums.gradientXhat)
                }
                let gradient: [Float]
                if code == YOLO_TILE_IDENTITY {
                    XCTAssertEqual(written, [Float](repeating: sentinel, count: count), "identity writes nothing")
                    gradient = dz
                } else {
                    let y = x.map { ($0 - mean) * scale + shift }
                    gradient = writing(count) { yolo_activation_gradient(y, dz, $0, count, Int32(code)) }
                    XCTAssertEqual(written, gradient, "activation \(code), \(count) values")
                }
                let terms = gradient.map(Double.init)
                let products = zip(gradient, x).map { Double($0) * Double(($1 - mean) * inverseStd) }
                for (sum, terms, name) in [(sums.gradient, terms, "Σ g"), (sums.gradientXhat, products, "Σ g·x̂")] {
                    let magnitude = terms.reduce(0) { $0 + abs($1) }
                    XCTAssertEqual(sum, terms.reduce(0, +), accuracy: 8 * Double(Float.ulpOfOne) * magnitude + 1e-300,
                                   "\(name), activation \(code), \(count) values")
                }
            }
        }
    }

    func testBatchNormInputGradientIsTheSwiftArithmetic() {
        let (mean, inverseStd, scale, meanGradient, meanGradientXhat): (Float, Float, Float, Float, Float) = (0.2, 0.8, 1.3, 0.05, -0.3)
        for count in lengths {
            let x = values(count, seed: 7), g = values(count, seed: 8, scale: 1)
            let dx = writing(count) { yolo_batchnorm_input_gradient(g, x, $0, count, mean, inverseStd, scale, meanGradient, meanGradientXhat) }
            let expected = zip(g, x).map { g, x in scale * ((g - meanGradient) - (x - mean) * inverseStd * meanGradientXhat) }
            XCTAssertEqual(dx, expected, "\(count) values")
            // in place (the fused activation's gradient is read from dX's own memory)
            var inPlace = g
            inPlace.withUnsafeMutableBufferPointer {
                yolo_batchnorm_input_gradient($0.baseAddress!, x, $0.baseAddress!, count, mean, inverseStd, scale, meanGradient,
                                              meanGradientXhat)
            }
            XCTAssertEqual(inPlace, expected, "in place, \(count) values")
        }
    }

    /// Batch norm's training passes with SiLU on the C kernels against the Swift passes: the
    /// statistics agree to float rounding, the outputs and gradients to the sigmoids' difference.
    func testBatchNormTrainingInCAgreesWithSwift() {
        let shape = [3, 4, 9, 13]  // planes of 117: whole vectors and a tail
        let count = shape.reduce(1, *)
        let x = Tensor(shape: shape, values: values(count, seed: 9, scale: 3, offset: 0.5))
        let gamma = Tensor(shape: [4], values: values(4, seed: 10, scale: 0.5, offset: 1.2))
        let beta = Tensor(shape: [4], values: values(4, seed: 11, scale: 0.5))
        let dz = Tensor(shape: shape, values: values(count, seed: 12, scale: 1))
        func run(inC: Bool) -> (y: Tensor, saved: BatchNormTraining.Saved, dx: Tensor, dGamma: Tensor, dBeta: Tensor) {
            let previous = PackedConvolution.usesFloat32CTiles
            defer { PackedConvolution.usesFloat32CTiles = previous }
            PackedConvolution.usesFloat32CTiles = inC
            var (runningMean, runningVariance) = (Tensor(shape: [4]), Tensor(shape: [4], repeating: 1))
            let (y, saved) = BatchNormTraining.forward(x, weight: gamma, bias: beta, runningMean: &runningMean,
                                                       runningVariance: &runningVariance, activation: .silu)
            var (dGamma, dBeta) = (Tensor(shape: [4]), Tensor(shape: [4]))
            let dx = BatchNormTraining.backward(dz, input: x, weight: gamma, saved: saved, weightGradient: &dGamma,
                                                biasGradient: &dBeta, activation: .silu, bias: beta)
            return (y, saved, dx, dGamma, dBeta)
        }
        let (c, swift) = (run(inC: true), run(inC: false))
        func assertClose(_ a: [Float], _ b: [Float], _ tolerance: Float, _ what: String) {
            XCTAssertEqual(a.count, b.count, what)
            let worst = zip(a, b).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? 0
            XCTAssertLessThanOrEqual(worst, tolerance, what)
        }
        assertClose(c.saved.mean, swift.saved.mean, 1e-7, "mean")
        assertClose(c.saved.inverseStandardDeviation, swift.saved.inverseStandardDeviation, 1e-7, "1/std")
        assertClose(c.y.storage, swift.y.storage, 1e-6, "output")
        assertClose(c.dx.storage, swift.dx.storage, 2e-6, "dX")
        assertClose(c.dGamma.storage, swift.dGamma.storage, 2e-6, "dγ")
        assertClose(c.dBeta.storage, swift.dBeta.storage, 2e-6, "dβ")
    }
}
