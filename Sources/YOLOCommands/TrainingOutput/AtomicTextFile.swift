import YOLOData

/// Replaces a file's whole content or nothing (YOLOData's atomic writer: a temporary file beside
/// it, flushed and renamed over the target), so a run killed mid-write leaves either the old or
/// the new file, never a torn one a resumed run would misread.
enum AtomicTextFile {
    static func write(_ text: String, to path: String) throws {
        do {
            try AtomicFileWriter.write(Array(text.utf8), to: path)
        } catch let error as ImageError {
            throw TrainingOutputError(error.problem, file: path)
        }
    }
}
