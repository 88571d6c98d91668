import Foundation
import XCTest
@testable import TensorCore

/// What the C tiles' SiLU and sigmoid are checked against: a 1×1 convolution whose four output
/// rows run over −400…400 (weights 1, ½, −1 and 1/32 on the first of two channels), and the
/// definitions in Float64.
enum TileActivationReference {
    static let geometry = Conv2DGeometry(inputChannels: 2, outputChannels: 4, kernelSize: 1)
    static let input = Tensor(shape: [1, 2, 1, 801], values: (0..<801).map { Float($0 - 400) } + [Float](repeating: 0, count: 801))
    static let weight = Tensor(shape: [4, 2, 1, 1], values: [1, 0, 0.5, 0, -1, 0, 0.03125, 0])

    /// `value` is `activation` (SiLU or sigmoid) of `sum` within 2.5e-7 of it, not NaN (the tiles'
    /// sigmoid measured within 1.5e-7 of the exact values from −100 to 100, their SiLU 2e-7).
    static func assertActivated(_ value: Float, from sum: Float, by activation: ActivationFunction,
                                file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertFalse(value.isNaN, "\(activation)(\(sum)) is NaN", file: file, line: line)
        let sigmoid = 1 / (1 + exp(-Double(sum)))
        let exact = activation == .silu ? Double(sum) * sigmoid : sigmoid
        XCTAssertEqual(Double(value), exact, accuracy: 2.5e-7 * abs(exact) + 1e-30, "\(activation)(\(sum))", file: file, line: line)
    }
}
