import XCTest
import TensorCore
@testable import YOLOModel

/// SPPF once fused runs cv1 and its three pools into the slices of one buffer that cv2 reads
/// (`forwardInOneBuffer`): the output is, bit for bit, cv1, the chained pools, a concatenation
/// and cv2 run one after another, at the sizes where the pools' windows reach past both edges.
final class SPPFTests: XCTestCase {
    func testFusedForwardEqualsPoolsAndConcatenation() throws {
        var state: UInt64 = 5
        func values(_ count: Int) -> [Float] {
            (0..<count).map { _ in
                state = state &* 6364136223846793005 &+ 1442695040888963407
                return Float(state >> 40) / Float(1 << 23) - 1
            }
        }
        for (channels, height, width, batch) in [(32, 10, 10, 1), (16, 7, 13, 2), (8, 20, 20, 1)] {
            let sppf = try SPPF(channels, 24, kernelSize: 5, activation: Activation(.silu))
            for block in [sppf.cv1, sppf.cv2] {
                block.conv.weight = Tensor(shape: block.conv.weight.shape, values: values(block.conv.weight.elementCount))
                block.bn.weight = Tensor(shape: [block.bn.channels], values: values(block.bn.channels).map { 1 + $0 / 2 })
                block.bn.bias = Tensor(shape: [block.bn.channels], values: values(block.bn.channels))
                block.fuse()
            }
            let x = Tensor(shape: [batch, channels, height, width], values: values(batch * channels * height * width))
            let y = try sppf.forward([x])

            let hidden = try sppf.cv1.forward([x])
            let y1 = try sppf.m.forward([hidden])
            let y2 = try sppf.m.forward([y1])
            let y3 = try sppf.m.forward([y2])
            let expected = try sppf.cv2.forward([ChannelOps.concatenate([hidden, y1, y2, y3])])
            XCTAssertEqual(y.shape, [batch, 24, height, width])
            XCTAssertEqual(y.storage, expected.storage, "\(channels) channels, \(batch)×\(height)×\(width)")
        }
    }
}
