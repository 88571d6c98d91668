import Foundation

/// The image files of a dataset split, listed as Ultralytics' `LoadImagesAndLabels` lists them.
///
/// A source is
/// * a folder: every file below it, recursively (Ultralytics globs `folder/**/*.*`: names
///   starting with a dot are skipped, folders reached through symbolic links are walked; a
///   folder reached twice, through a link cycle, is walked once);
/// * a list file (any other file, `.txt` by convention): one image path per line. Ultralytics
///   resolves lines starting with `./` against the list's folder and leaves other relative
///   lines relative to the working directory; here every relative line is resolved against the
///   list's folder (`./` or not), and lines are trimmed;
/// * a single image file (a file with an image suffix), which Ultralytics does not accept.
///
/// Only paths whose suffix (the text after the last `.`, any case) is one of
/// `supportedSuffixes` are kept; the result is sorted in code-point order, as Python's
/// `sorted` does, and each path appears once.
public enum ImageList {
    /// Ultralytics' `IMG_FORMATS`. Only JPEG and PNG (recognised by their bytes, whatever the
    /// suffix) are decoded; other files with these suffixes are reported when verified.
    public static let supportedSuffixes: [String] = ["bmp", "dng", "jpeg", "jpg", "mpo", "png", "tif", "tiff", "webp", "pfm"]
    private static let suffixSet = Set(supportedSuffixes)

    /// Ultralytics' test `x.split(".")[-1].lower() in IMG_FORMATS`: the text after the last dot
    /// of the whole path.
    public static func hasImageSuffix(_ path: String) -> Bool {
        guard let dot = path.lastIndex(of: ".") else { return false }
        return suffixSet.contains(path[path.index(after: dot)...].lowercased())
    }

    /// The sorted, de-duplicated image paths of one or more sources.
    public static func collect(_ sources: [String]) throws -> [String] {
        guard !sources.isEmpty else { throw DatasetError("no image source given", file: "<dataset>") }
        var paths: [String] = []
        for source in sources {
            let path = PathText.normalized(source)
            guard let status = FileStatus.of(path) else { throw DatasetError("does not exist", file: source) }
            if status.isDirectory {
                var visited: Set<[UInt64]> = []
                try filesBelow(path, visited: &visited, into: &paths)
            } else if hasImageSuffix(path) {
                paths.append(path)
            } else {
                paths.append(contentsOf: try listedPaths(in: path))
            }
        }
        let images = paths.filter(hasImageSuffix).sorted(by: PathText.precedes)
        var unique: [String] = []
        unique.reserveCapacity(images.count)
        for path in images where path != unique.last { unique.append(path) }
        guard !unique.isEmpty else {
            throw DatasetError("no images found (supported suffixes: \(supportedSuffixes.joined(separator: ", ")))",
                               file: sources.joined(separator: ", "))
        }
        return unique
    }

    /// Every non-hidden file whose name has a dot, below `folder`.
    static func filesBelow(_ folder: String, visited: inout Set<[UInt64]>, into paths: inout [String]) throws {
        if let status = FileStatus.of(folder) {
            guard visited.insert([status.device, status.inode]).inserted else { return }
        }
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: folder)
        } catch {
            throw DatasetError("cannot list the folder (\(describe(error)))", file: folder)
        }
        for name in names where !name.hasPrefix(".") {
            let path = PathText.join(folder, name)
            if FileStatus.of(path)?.isDirectory == true {
                try filesBelow(path, visited: &visited, into: &paths)
            } else if name.contains(".") {
                paths.append(path)
            }
        }
    }

    /// The paths a list file names, relative ones resolved against the list's folder.
    static func listedPaths(in listFile: String) throws -> [String] {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: listFile))
        } catch {
            throw DatasetError("cannot read the image list (\(describe(error)))", file: listFile)
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw DatasetError("the image list is not UTF-8 text (is it an image with an unknown suffix?)", file: listFile)
        }
        let folder = PathText.folder(of: listFile)
        return text.split(whereSeparator: \.isNewline).compactMap { raw -> String? in
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty { return nil }
            if line.hasPrefix("/") { return line }
            return PathText.join(folder, line.hasPrefix("./") ? String(line.dropFirst(2)) : line)
        }
    }
}
