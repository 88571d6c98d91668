import Foundation

/// A small built-in detection dataset of solid shapes (circle, square, triangle) for demos and
/// smoke-training: `yolo train` can learn it from scratch in a few epochs, with no download.
///
/// Layout (Ultralytics' YOLO format): `images/{train,val}/NNNNNN.jpg`, `labels/{train,val}/NNNNNN.txt`
/// and `data.yaml`. Everything is a function of the parameters, so the same seed gives the same bytes.
///
/// Interrupted writes are detectable: `.incomplete` is written first and `.complete` (holding the
/// parameters) last. A folder whose `.complete` matches is reused as it is; a folder this type
/// wrote with other parameters, or did not finish, is cleared and written again; any other
/// non-empty folder is refused rather than touched.
public enum SyntheticDataset {
    public static let yamlName = "data.yaml"
    static let completeMarker = ".complete"
    static let incompleteMarker = ".incomplete"
    static let formatVersion = 1

    /// Writes (or reuses) the dataset in `directory` and returns the path of its data YAML.
    @discardableResult
    public static func write(to directory: String, trainCount: Int, valCount: Int, imageSize: Int = 256,
                             seed: UInt64 = 0) throws -> String {
        guard trainCount > 0, valCount > 0 else {
            throw DatasetError("a synthetic dataset needs at least one train and one val image, "
                               + "got trainCount \(trainCount), valCount \(valCount)", file: directory)
        }
        guard (32 ... 8192).contains(imageSize) else {
            throw DatasetError("synthetic image size must be in 32...8192 pixels, got \(imageSize)", file: directory)
        }
        let root = absolutePath(directory)
        let manager = FileManager.default
        let marker = markerText(trainCount: trainCount, valCount: valCount, imageSize: imageSize, seed: seed)
        let completePath = root + "/" + completeMarker, incompletePath = root + "/" + incompleteMarker
        let yamlPath = root + "/" + yamlName

        if !manager.fileExists(atPath: incompletePath),
           let existing = try? String(contentsOfFile: completePath, encoding: .utf8), existing == marker {
            return yamlPath
        }
        try prepare(root, ownedBySynthetic: manager.fileExists(atPath: completePath) || manager.fileExists(atPath: incompletePath))
        try writeText("interrupted write of a synthetic dataset; delete this folder or write it again\n", to: incompletePath)
        try? manager.removeItem(atPath: completePath)

        for (split, count) in [(SyntheticScene.Split.train, trainCount), (.val, valCount)] {
            let imageFolder = root + "/images/" + split.rawValue, labelFolder = root + "/labels/" + split.rawValue
            try createFolder(imageFolder)
            try createFolder(labelFolder)
            for index in 0 ..< count {
                let scene = SyntheticScene(seed: seed, split: split, index: index, imageSize: imageSize)
                let stem = fileStem(index)
                let imagePath = imageFolder + "/" + stem + ".jpg"
                let jpeg: [UInt8]
                do { jpeg = try scene.image.encodeJPEG() } catch let error as ImageError {
                    throw DatasetError(error.problem, file: imagePath)
                }
                // Plain writes (no fsync per file): the markers, not each file, say whether the
                // folder is whole.
                try writeBytes(jpeg, to: imagePath)
                try writeBytes(Array(scene.labelText.utf8), to: labelFolder + "/" + stem + ".txt")
            }
        }
        try writeText(yamlText(root: root, seed: seed), to: yamlPath)
        try writeText(marker, to: completePath)
        do { try manager.removeItem(atPath: incompletePath) } catch {
            throw DatasetError("cannot remove the in-progress marker: \(error.localizedDescription)", file: incompletePath)
        }
        return yamlPath
    }

    /// The data YAML: absolute `path`, the two splits, `nc` and the class names.
    static func yamlText(root: String, seed: UInt64) -> String {
        var text = "# Synthetic shapes (SyntheticDataset, seed \(seed)): solid circles, squares and triangles\n"
        // Single-quoted so a folder name with `: ` or ` #` still reads back as the path.
        text += "path: '\(root.replacingOccurrences(of: "'", with: "''"))'\n"
        text += "train: images/train\n"
        text += "val: images/val\n"
        text += "nc: \(SyntheticShape.allCases.count)\n"
        text += "names:\n"
        for shape in SyntheticShape.allCases { text += "  \(shape.rawValue): \(shape.name)\n" }
        return text
    }

    static func markerText(trainCount: Int, valCount: Int, imageSize: Int, seed: UInt64) -> String {
        "synthetic-shapes v\(formatVersion) train=\(trainCount) val=\(valCount) imgsz=\(imageSize) seed=\(seed)\n"
    }

    static func fileStem(_ index: Int) -> String {
        let digits = String(index)
        return String(repeating: "0", count: max(0, 6 - digits.count)) + digits
    }

    /// Makes `root` ready to write into: created if missing; if it holds an earlier synthetic
    /// dataset, that dataset's files are removed (a stale image from a larger earlier write
    /// would otherwise join the new one); any other content is left alone and refused.
    private static func prepare(_ root: String, ownedBySynthetic: Bool) throws {
        let manager = FileManager.default
        var isFolder: ObjCBool = false
        if manager.fileExists(atPath: root, isDirectory: &isFolder) {
            guard isFolder.boolValue else { throw DatasetError("exists and is not a folder", file: root) }
            let contents = (try? manager.contentsOfDirectory(atPath: root)) ?? []
            if !contents.isEmpty {
                guard ownedBySynthetic else {
                    throw DatasetError("the folder is not empty and holds no synthetic dataset; "
                                       + "choose an empty or new folder", file: root)
                }
                for entry in ["images", "labels", yamlName] where contents.contains(entry) {
                    do { try manager.removeItem(atPath: root + "/" + entry) } catch {
                        throw DatasetError("cannot remove the earlier synthetic data: \(error.localizedDescription)",
                                           file: root + "/" + entry)
                    }
                }
            }
        } else {
            try createFolder(root)
        }
    }

    private static func createFolder(_ path: String) throws {
        do { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) } catch {
            throw DatasetError("cannot create the folder: \(error.localizedDescription)", file: path)
        }
    }

    private static func writeBytes(_ bytes: [UInt8], to path: String) throws {
        do { try Data(bytes).write(to: URL(fileURLWithPath: path)) } catch {
            throw DatasetError("cannot write the file: \(error.localizedDescription)", file: path)
        }
    }

    /// Whole-or-nothing text (the YAML and the markers).
    private static func writeText(_ text: String, to path: String) throws {
        do { try AtomicFileWriter.write(Array(text.utf8), to: path) } catch let error as ImageError {
            throw DatasetError(error.problem, file: path)
        }
    }

    private static func absolutePath(_ path: String) -> String {
        let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        return URL(fileURLWithPath: absolute).standardizedFileURL.path
    }
}
