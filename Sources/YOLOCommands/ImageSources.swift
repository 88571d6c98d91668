import Foundation
import YOLOConfig
import YOLOData
#if canImport(Glibc)
import Glibc
#endif

/// Expands `--source` as Ultralytics' LoadImages does: an image file, a folder (its images,
/// sorted), a glob pattern, or a `.txt` file listing one path per line.
public enum ImageSources {
    public static func isImage(_ path: String) -> Bool { ImageList.hasImageSuffix(path) }

    public static func expand(_ source: String) throws -> [String] {
        let manager = FileManager.default
        var isFolder: ObjCBool = false
        if source.contains("*") || source.contains("?") || source.contains("[") {
            return try glob(source).filter(isImage).sorted()
        }
        guard manager.fileExists(atPath: source, isDirectory: &isFolder) else {
            throw ConfigError("source does not exist", file: source)
        }
        if isFolder.boolValue {
            let names = try manager.contentsOfDirectory(atPath: source)
            return names.map { (source as NSString).appendingPathComponent($0) }.filter(isImage).sorted()
        }
        if source.hasSuffix(".txt") {
            let folder = (source as NSString).deletingLastPathComponent
            return try readTextFile(source).split(whereSeparator: \.isNewline)
                .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
                .map { $0.hasPrefix("/") ? $0 : (folder as NSString).appendingPathComponent($0) }
        }
        guard isImage(source) else {
            throw ConfigError("not a supported image (suffixes: \(ImageList.supportedSuffixes.joined(separator: ", ")))", file: source)
        }
        return [source]
    }

    static func glob(_ pattern: String) throws -> [String] {
        var result = glob_t()
        defer { globfree(&result) }
        let status = Glibc.glob(pattern, 0, nil, &result)
        if status == GLOB_NOMATCH { return [] }
        guard status == 0 else { throw ConfigError("cannot expand the pattern", file: pattern) }
        return (0..<Int(result.gl_pathc)).compactMap { result.gl_pathv[$0].map { String(cString: $0) } }
    }
}
