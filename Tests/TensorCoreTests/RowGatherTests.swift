import XCTest
@testable import TensorCore

/// Planes to rows against the definition, for counts around the eight-by-eight blocks and
/// channel counts with and without a remainder (Detect's 85).
final class RowGatherTests: XCTestCase {
    func testRowsHoldEveryPlaneValue() {
        for channels in [1, 3, 8, 16, 85] {
            for count in [1, 7, 8, 9, 23, 24, 40] {
                let channelStride = count + 5  // planes with room past the positions, as a tile's
                let planes = testValues(channels * channelStride, seed: UInt64(channels * 100 + count))
                var rows = [Float](repeating: .nan, count: channels * count)
                planes.withUnsafeBufferPointer { planes in
                    rows.withUnsafeMutableBufferPointer { rows in
                        RowGather.gather(planes: planes.baseAddress!, channelStride: channelStride, channels: channels,
                                         count: count, into: rows.baseAddress!)
                    }
                }
                let expected = (0..<count).flatMap { p in (0..<channels).map { k in planes[k * channelStride + p] } }
                XCTAssertEqual(rows, expected, "\(channels) channels, \(count) positions")
            }
        }
    }
}
