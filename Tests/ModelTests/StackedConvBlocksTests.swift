import XCTest
import TensorCore
@testable import YOLOModel
import YOLOConfig

/// C3's cv1 and cv2 trained as one stacked block give what the two blocks give on their own:
/// the same outputs and running statistics (per-channel arithmetic, unchanged), and gradients
/// equal to rounding (the weight and input gradients sum in another order).
final class StackedConvBlocksTests: XCTestCase {
    private func makeBlocks(seed: UInt64) throws -> [ConvBlock] {
        var state = seed
        func next() -> Float {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(state >> 40) / Float(1 << 24) - 0.5
        }
        let blocks = [try ConvBlock(24, 16, activation: Activation(.silu)), try ConvBlock(24, 8, activation: Activation(.silu))]
        for block in blocks {
            block.conv.weight = Tensor(shape: block.conv.weight.shape, values: (0..<block.conv.weight.elementCount).map { _ in next() })
            block.bn.weight = Tensor(shape: [block.bn.channels], values: (0..<block.bn.channels).map { _ in 1 + next() })
            block.bn.bias = Tensor(shape: [block.bn.channels], values: (0..<block.bn.channels).map { _ in next() })
            block.bn.training = true
        }
        return blocks
    }

    func testStackedBlocksMatchTheBlocksOneByOne() throws {
        let (separate, stackedBlocks) = (try makeBlocks(seed: 7), try makeBlocks(seed: 7))
        var state: UInt64 = 11
        func values(_ count: Int) -> [Float] {
            (0..<count).map { _ in
                state = state &* 6364136223846793005 &+ 1442695040888963407
                return Float(state >> 40) / Float(1 << 23) - 1
            }
        }
        let x = Tensor(shape: [3, 24, 13, 11], values: values(3 * 24 * 13 * 11))
        let gradient = Tensor(shape: [3, 24, 13, 11], values: values(3 * 24 * 13 * 11))
        let stack = try XCTUnwrap(StackedConvBlocks(stackedBlocks))

        // two steps, so the gradients also accumulate onto earlier ones
        for _ in 0..<2 {
            let outputs = try separate.map { try $0.trainingForward([x]) }
            let joined = try stack.trainingForward(x)
            XCTAssertEqual(joined.storage, ChannelOps.concatenate(outputs).storage)

            let pieces = ChannelOps.split(gradient, channelCounts: [16, 8])
            var dx = try separate[0].backward(pieces[0])[0]
            ChannelOps.addInPlace(&dx, try separate[1].backward(pieces[1])[0])
            let stackedDx = try stack.backward(gradient)
            assertClose(stackedDx, dx, "input gradient")
        }
        for (one, stacked) in zip(separate, stackedBlocks) {
            XCTAssertEqual(stacked.bn.runningMean.storage, one.bn.runningMean.storage)
            XCTAssertEqual(stacked.bn.runningVariance.storage, one.bn.runningVariance.storage)
            XCTAssertEqual(stacked.bn.batchesTracked.storage, [2])
            XCTAssertEqual(stacked.bn.weightGradient?.storage, one.bn.weightGradient?.storage)
            XCTAssertEqual(stacked.bn.biasGradient?.storage, one.bn.biasGradient?.storage)
            assertClose(try XCTUnwrap(stacked.conv.weightGradient), try XCTUnwrap(one.conv.weightGradient), "weight gradient")
        }
    }

    func testOnlyPlainPointwiseBlocksStack() throws {
        XCTAssertNil(StackedConvBlocks([try ConvBlock(8, 8, kernelSize: 3, activation: Activation(.silu)),
                                        try ConvBlock(8, 8, activation: Activation(.silu))]))
        XCTAssertNil(StackedConvBlocks([try ConvBlock(8, 8, activation: Activation(.silu)),
                                        try ConvBlock(4, 8, activation: Activation(.silu))]))
        let fused = try ConvBlock(8, 8, activation: Activation(.silu))
        fused.fuse()
        XCTAssertNil(StackedConvBlocks([fused, try ConvBlock(8, 8, activation: Activation(.silu))]))
    }

    /// Within 1e-6 of the largest magnitude: float32 sums of a few hundred terms in another order.
    private func assertClose(_ ours: Tensor, _ expected: Tensor, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(ours.shape, expected.shape, what, file: file, line: line)
        let largest = expected.storage.map(abs).max() ?? 0
        let error = zip(ours.storage, expected.storage).map { abs($0 - $1) }.max() ?? 0
        XCTAssertLessThanOrEqual(error, 1e-6 * largest, what, file: file, line: line)
    }
}
