import Foundation

/// How a dataset uses its label cache file.
public enum LabelCacheMode: Sendable, Equatable {
    /// Read the cache when it is current; otherwise scan and write a new one (Ultralytics).
    case readWrite
    /// Read the cache when it is current, never write one (for folders that must stay untouched).
    case readOnly
    /// Always scan; neither read nor write a cache.
    case off
}

/// The label cache: the verified labels, sizes, counts and issues of a dataset split, stored
/// so that the next run skips decoding every image. Ultralytics keeps a pickled dict in a
/// `.cache` file; this is JSON (its own format and version, not readable by Ultralytics) at
/// the same place: `<labels folder>.cache`, e.g. `labels/train2017.cache` beside
/// `labels/train2017` (or `<list>.cache` when the last source is a list file).
enum LabelCache {
    /// Bumped whenever the stored content or its meaning changes.
    static let version = 1
    static let format = "yolov5-swift label cache"

    private struct Stored: Codable {
        var format: String
        var version: Int
        var fingerprint: String
        var classCount: Int
        var scan: LabelScan
    }

    /// Ultralytics' choice: `(p if p.is_file() else Path(label_files[0]).parent).with_suffix(".cache")`
    /// with `p` the last source; a single-image source (which Ultralytics does not accept) counts
    /// as a folder here.
    static func path(sources: [String], firstLabelPath: String) -> String {
        let last = PathText.normalized(sources.last ?? ".")
        if let status = FileStatus.of(last), !status.isDirectory, !ImageList.hasImageSuffix(last) {
            return PathText.replacingSuffix(of: last, with: ".cache")
        }
        return PathText.replacingSuffix(of: PathText.folder(of: firstLabelPath), with: ".cache")
    }

    /// The cached scan, when the file exists, is this format and version, and has `fingerprint`.
    static func load(path: String, fingerprint: DatasetFingerprint, classCount: Int) -> LabelScan? {
        guard let data = try? Data(contentsOf: URL(fileURLWithPath: path)),
              let stored = try? JSONDecoder().decode(Stored.self, from: data),
              stored.format == format, stored.version == version,
              stored.fingerprint == fingerprint.value, stored.classCount == classCount else { return nil }
        return stored.scan
    }

    /// Writes the cache atomically (a temporary file renamed over the old one).
    static func save(_ scan: LabelScan, fingerprint: DatasetFingerprint, classCount: Int, to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let stored = Stored(format: format, version: version, fingerprint: fingerprint.value, classCount: classCount, scan: scan)
        let data: Data
        do {
            data = try encoder.encode(stored)
        } catch {
            throw DatasetError("cannot encode the label cache (\(error))", file: path)
        }
        do {
            try AtomicFileWriter.write([UInt8](data), to: path)
        } catch let error as ImageError {
            throw DatasetError(error.problem, file: path)
        }
    }
}
