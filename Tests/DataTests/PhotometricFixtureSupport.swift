import Checkpoint
import Foundation
import YOLOData

/// The cases scripts/reference/clahe_fixtures.py wrote (photometric_cases.json) and its arrays.
enum PhotometricFixtures {
    static let cases: [String: Any] = {
        let data = try! Data(contentsOf: URL(fileURLWithPath: Fixtures.path("photometric_cases.json")))
        return try! JSONSerialization.jsonObject(with: data) as! [String: Any]
    }()

    static func list(_ key: String) -> [[String: Any]] { (cases[key] as? [[String: Any]]) ?? [] }

    static func image(_ name: String) throws -> RGBImage { try Fixtures.image("photometric_" + name) }

    /// The input image a case names ("small", "odd" or "bus").
    static func input(of c: [String: Any]) throws -> RGBImage { try image((c["image"] as! String) + ".npy") }

    static func expected(of c: [String: Any]) throws -> RGBImage { try image(c["fixture"] as! String) }

    /// A (2, h, w) uint8 array: a plane and what cv2's CLAHE made of it.
    static func planePair(_ name: String) throws -> (input: [UInt8], output: [UInt8], width: Int, height: Int) {
        let stored = try NPYFile.read(path: Fixtures.path("photometric_" + name))
        precondition(stored.dtype == .uint8 && stored.shape.count == 3 && stored.shape[0] == 2, "\(name): \(stored.shape)")
        let h = stored.shape[1], w = stored.shape[2]
        return (Array(stored.bytes[0..<(w * h)]), Array(stored.bytes[(w * h)...]), w, h)
    }
}
