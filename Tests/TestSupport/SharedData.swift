import Foundation
import XCTest

/// Locates the read-only reference data (`../shared` from the project root, or `$YOLO_SHARED`).
/// Under CI (`CI=true`) a missing file fails the test instead of skipping it.
public enum SharedData {
    /// The project root, found from this source file's location.
    public static let projectRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    public static var root: String {
        if let override = ProcessInfo.processInfo.environment["YOLO_SHARED"], !override.isEmpty { return override }
        return URL(fileURLWithPath: projectRoot).deletingLastPathComponent().appendingPathComponent("shared").path
    }

    public static var isCI: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }

    /// The absolute path of `relative` under the shared folder; skips (or fails under CI) when absent.
    public static func path(_ relative: String, file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let full = root + "/" + relative
        if FileManager.default.fileExists(atPath: full) { return full }
        if isCI {
            XCTFail("reference file missing under CI: \(full)", file: file, line: line)
            throw XCTSkip("missing \(full)")
        }
        throw XCTSkip("reference file not available: \(full)")
    }

    /// A path inside the project (models/, hyps/ ...).
    public static func project(_ relative: String) -> String { projectRoot + "/" + relative }
}

/// Asserts that `body` throws an error whose description contains every fragment.
public func assertThrows<T>(_ body: @autoclosure () throws -> T, containing fragments: [String],
                            file: StaticString = #filePath, line: UInt = #line) {
    do {
        _ = try body()
        XCTFail("expected an error containing \(fragments)", file: file, line: line)
    } catch {
        let text = String(describing: error)
        for fragment in fragments where !text.contains(fragment) {
            XCTFail("error \"\(text)\" does not contain \"\(fragment)\"", file: file, line: line)
        }
    }
}
