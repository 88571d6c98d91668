import Foundation
import XCTest
import YOLOData

/// The draws a reference run recorded (augmentation_fixtures.py), handed back in order, so the
/// Swift pipeline makes exactly the random choices YOLOv5 made. Any mismatch in the kind or
/// number of draws is a test failure: it means the call sequence differs from Ultralytics'.
struct ReplayedRandom: AugmentationRandom {
    private var draws: [(kind: String, value: Any)]
    private var position = 0
    var failures: [String] = []

    init(_ json: Any?) {
        draws = ((json as? [[Any]]) ?? []).map { ($0[0] as! String, $0[1]) }
    }

    var remaining: Int { draws.count - position }

    private mutating func take(_ kind: String) -> Any? {
        guard position < draws.count else {
            failures.append("draw \(position): wanted \(kind), but the reference made no more draws")
            return nil
        }
        let draw = draws[position]
        position += 1
        if draw.kind != kind { failures.append("draw \(position - 1): wanted \(kind), the reference drew \(draw.kind)") }
        return draw.value
    }

    mutating func unit() -> Double { (take("random") as? Double) ?? 0 }

    mutating func uniform(_ a: Double, _ b: Double) -> Double {
        let v = (take("uniform") as? Double) ?? a
        if v < min(a, b) - 1e-12 || v > max(a, b) + 1e-12 { failures.append("uniform(\(a), \(b)) replayed \(v)") }
        return v
    }

    mutating func choices(_ candidates: [Int], count: Int) -> [Int] {
        let v = (take("choices") as? [Any])?.map { ($0 as! NSNumber).intValue } ?? []
        if v.count != count { failures.append("choices k=\(count) replayed \(v)") }
        return v
    }

    mutating func shuffle(_ values: inout [Int]) {
        let v = (take("shuffle") as? [Any])?.map { ($0 as! NSNumber).intValue } ?? values
        if v.sorted() != values.sorted() { failures.append("shuffle of \(values) replayed \(v)") }
        values = v
    }

    mutating func beta(_ a: Double, _ b: Double) -> Double { (take("beta") as? Double) ?? 0.5 }
}

enum AugmentFixtures {
    static let cases: [String: Any] = {
        let data = try! Data(contentsOf: URL(fileURLWithPath: Fixtures.path("augment_cases.json")))
        return try! JSONSerialization.jsonObject(with: data) as! [String: Any]
    }()

    static func doubles(_ value: Any?) -> [Double] { ((value as? [Any]) ?? []).map { ($0 as! NSNumber).doubleValue } }
    static func rows(_ value: Any?) -> [[Double]] { ((value as? [Any]) ?? []).map { doubles($0) } }

    static func boxes(_ rows: [[Double]]) -> [PixelBox] {
        rows.map { PixelBox(classIndex: Int($0[0]), x1: Float($0[1]), y1: Float($0[2]), x2: Float($0[3]), y2: Float($0[4])) }
    }

    static func labels(_ rows: [[Double]]) -> [ObjectLabel] {
        rows.map { ObjectLabel(classIndex: Int($0[0]), x: Float($0[1]), y: Float($0[2]), width: Float($0[3]), height: Float($0[4])) }
    }
}

/// Compares label rows `[class, a, b, c, d]` within `tolerance` (absolute).
func assertRows(_ actual: [[Double]], _ expected: [[Double]], tolerance: Double, _ what: String,
                file: StaticString = #filePath, line: UInt = #line) {
    guard actual.count == expected.count else {
        XCTFail("\(what): \(actual.count) rows, expected \(expected.count): \(actual) vs \(expected)", file: file, line: line)
        return
    }
    for (a, e) in zip(actual, expected) {
        for (x, y) in zip(a, e) where abs(x - y) > tolerance {
            XCTFail("\(what): row \(a) differs from \(e) by more than \(tolerance)", file: file, line: line)
            break
        }
    }
}
