import Checkpoint
import XCTest

final class HalfConversionTests: XCTestCase {
    func testSpecialValues() {
        XCTAssertEqual(floatFromHalf(0x0000).bitPattern, 0x0000_0000) // +0
        XCTAssertEqual(floatFromHalf(0x8000).bitPattern, 0x8000_0000) // -0 keeps its sign
        XCTAssertEqual(floatFromHalf(0x0001), Float(sign: .plus, exponent: -24, significand: 1)) // smallest subnormal
        XCTAssertEqual(floatFromHalf(0x8001), -Float(sign: .plus, exponent: -24, significand: 1))
        XCTAssertEqual(floatFromHalf(0x03FF), Float(1023) * Float(sign: .plus, exponent: -24, significand: 1)) // largest subnormal
        XCTAssertEqual(floatFromHalf(0x0400), Float(sign: .plus, exponent: -14, significand: 1)) // smallest normal
        XCTAssertEqual(floatFromHalf(0x3C00), 1)
        XCTAssertEqual(floatFromHalf(0x7BFF), 65504) // max
        XCTAssertEqual(floatFromHalf(0xFBFF), -65504)
        XCTAssertEqual(floatFromHalf(0x7C00), .infinity)
        XCTAssertEqual(floatFromHalf(0xFC00), -.infinity)
        XCTAssertTrue(floatFromHalf(0x7E00).isNaN)
        XCTAssertTrue(floatFromHalf(0xFC01).isNaN)
    }

    #if !(os(macOS) && arch(x86_64))
    /// All 65,536 bit patterns against the standard library's Float16 → Float conversion.
    func testEveryHalfValueMatchesFloat16() {
        for bits in 0...UInt16.max {
            let expected = Float(Float16(bitPattern: bits))
            let actual = floatFromHalf(bits)
            if expected.isNaN {
                XCTAssertTrue(actual.isNaN, "0x\(String(bits, radix: 16))")
            } else {
                XCTAssertEqual(actual.bitPattern, expected.bitPattern, "0x\(String(bits, radix: 16))")
            }
        }
    }
    #endif

    func testStoredTensorUpcast() {
        let tensor = StoredTensor(dtype: .float16, shape: [5], bytes: [0x01, 0x00, 0x00, 0x80, 0xFF, 0x7B, 0x00, 0x7C, 0x00, 0x7E])
        let values = tensor.floats()
        XCTAssertEqual(Array(values.prefix(4)), [5.9604645e-08, -0.0, 65504, .infinity])
        XCTAssertEqual(values[1].sign, .minus)
        XCTAssertTrue(values[4].isNaN)
    }
}
