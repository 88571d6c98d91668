import Foundation
import YOLOConfig

/// Ultralytics' `increment_path`: `runs/detect/exp`, then `exp2`, `exp3`, ... unless `exist-ok`.
public enum RunDirectory {
    public static func create(project: String, name: String, existOK: Bool) throws -> String {
        let base = (project as NSString).appendingPathComponent(name)
        var path = base
        if !existOK && FileManager.default.fileExists(atPath: base) {
            var n = 2
            while FileManager.default.fileExists(atPath: base + "\(n)") { n += 1 }
            path = base + "\(n)"
        }
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw ConfigError("cannot create the run folder: \(error.localizedDescription)", file: path)
        }
        return path
    }
}
