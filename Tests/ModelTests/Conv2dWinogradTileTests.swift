import XCTest
import TensorCore
@testable import YOLOModel

/// A 3×3 convolution Winograd takes runs F(4×4, 3×3) when it infers and F(2×2, 3×3) when it
/// trains: each pass gives the bits of that tile's weights packed for it.
final class Conv2dWinogradTileTests: XCTestCase {
    func testInferenceRunsF4x4AndTrainingF2x2() throws {
        let conv = try Conv2d(32, 32, kernelSize: 3, stride: 1, padding: 1, bias: true)
        func values(_ count: Int, _ seed: Int) -> [Float] { (0..<count).map { Float((($0 + seed) * 7919) % 2001 - 1000) / 1000 } }
        conv.weight = Tensor(shape: conv.weight.shape, values: values(conv.weight.elementCount, 1))
        conv.bias = Tensor(shape: [32], values: values(32, 2))
        let x = Tensor(shape: [1, 32, 20, 20], values: values(32 * 400, 3))
        func packed(_ tile: WinogradTile) -> Tensor {
            Conv2D.forward(x, weight: conv.weight, bias: conv.bias, geometry: conv.geometry, activation: .silu,
                           packedWeights: PackedConvolutionWeights(conv.weight, geometry: conv.geometry, winogradTile: tile))
        }
        let (f4, f2) = (packed(.f4x4), packed(.f2x2))
        XCTAssertNotEqual(f4.storage, f2.storage)
        XCTAssertEqual(try conv.forward(x, activation: .silu).storage, f4.storage)
        XCTAssertEqual(try conv.trainingForward(x, activation: .silu).storage, f2.storage)
        // and back: the cache is made again for the tile asked for
        XCTAssertEqual(try conv.forward(x, activation: .silu).storage, f4.storage)
        XCTAssertEqual(conv.packedWeights?.winogradTile, .f4x4)
    }
}
