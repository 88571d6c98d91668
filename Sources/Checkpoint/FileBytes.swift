import Foundation

/// Reads whole files into memory. Checkpoints are at most a few hundred MB, and every reader
/// here indexes the bytes directly, so one contiguous array is both simplest and fastest.
enum FileBytes {
    static func read(path: String) throws -> [UInt8] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw CheckpointError("no such file", file: path)
        }
        guard !isDirectory.boolValue else {
            throw CheckpointError("is a directory, not a file", file: path)
        }
        do {
            // Mapping first avoids holding the file twice (a Data buffer and the array) while copying.
            let data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
            return [UInt8](data)
        } catch {
            throw CheckpointError("cannot read the file (\(error.localizedDescription))", file: path)
        }
    }
}
