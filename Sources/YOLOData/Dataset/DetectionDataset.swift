import Foundation

/// A verified object-detection dataset split: its images, their sizes and labels.
///
/// Built as Ultralytics' `LoadImagesAndLabels.__init__` builds one: list the images of the
/// sources (`ImageList`), map each to its label file (`LabelPaths`), then take the verified
/// labels from the cache file when it is current, or verify every image and label file
/// (`LabelScan`) and write the cache. The class count and the optional labels folder name come
/// from the data YAML (`nc`, `labels:`).
///
/// Problems with single images or lines are not errors: they are in `scan.issues`, and
/// `summary` is the one-line report Ultralytics prints. Only an unusable source (missing,
/// unreadable, without images) throws `DatasetError`.
public struct DetectionDataset: Sendable {
    /// The usable images in path order (images that failed verification are left out).
    public let images: [VerifiedImage]
    /// Counts and issues of the verification.
    public let scan: LabelScan
    public let classCount: Int
    /// Where the label cache is (whether or not one was read or written).
    public let cachePath: String
    /// Whether `scan` came from the cache file.
    public let loadedFromCache: Bool
    /// Notes about the cache: "New cache created: ...", or the warning that it could not be
    /// written (never an error: a read-only dataset folder is normal).
    public let cacheNotes: [String]

    /// - Parameters:
    ///   - sources: folders, list files or images (the data YAML's `train`/`val`/`test` entry,
    ///     resolved to paths).
    ///   - classCount: the number of classes (`nc`); a label class outside `0 ..< classCount`
    ///     drops that label line.
    ///   - labelsFolder: the folder name that replaces `images` in label paths (default `labels`).
    ///   - cache: whether to read and write `<labels folder>.cache`.
    ///   - threads: threads for verifying images when there is no current cache.
    public init(sources: [String], classCount: Int, labelsFolder: String? = nil, cache: LabelCacheMode = .readWrite,
                threads: Int = ProcessInfo.processInfo.activeProcessorCount) throws {
        guard classCount > 0 else { throw DatasetError("the class count must be positive, not \(classCount)", file: "<dataset>") }
        let imagePaths = try ImageList.collect(sources)
        let labelPaths = imagePaths.map { LabelPaths.labelPath(forImage: $0, labelsFolder: labelsFolder) }
        let cachePath = LabelCache.path(sources: sources, firstLabelPath: labelPaths[0])
        let fingerprint = DatasetFingerprint(imagePaths: imagePaths, labelPaths: labelPaths, classCount: classCount,
                                             version: LabelCache.version)
        var notes: [String] = []
        var fromCache = false
        var scan: LabelScan
        if cache != .off, let cached = LabelCache.load(path: cachePath, fingerprint: fingerprint, classCount: classCount) {
            scan = cached
            fromCache = true
        } else {
            scan = LabelScan.run(imagePaths: imagePaths, labelPaths: labelPaths, classCount: classCount, threads: threads)
            if cache == .readWrite {
                do {
                    try LabelCache.save(scan, fingerprint: fingerprint, classCount: classCount, to: cachePath)
                    notes.append("New cache created: \(cachePath)")
                } catch {
                    let reason = (error as? DatasetError)?.problem ?? "\(error)"
                    notes.append("WARNING ⚠️ Cache directory \(PathText.folder(of: cachePath)) is not writeable: \(reason)")
                }
            }
        }
        if scan.found == 0 {
            notes.append("WARNING ⚠️ No labels found in \(cachePath).")
        }
        self.images = scan.images
        self.scan = scan
        self.classCount = classCount
        self.cachePath = cachePath
        self.loadedFromCache = fromCache
        self.cacheNotes = notes
    }

    /// Ultralytics' one-line report, e.g. `Scanning .../labels/train2017... 126 images,
    /// 2 backgrounds, 0 corrupt: 100% 128/128`.
    public var summary: String { scan.summary(cachePath: cachePath, fromCache: loadedFromCache) }

    /// Every message to show after the summary: each issue as `file:line: problem`, then the
    /// cache notes.
    public var messages: [String] { scan.issues.map(\.description) + cacheNotes }

    /// The number of labels over all images (Ultralytics' "instances").
    public var labelCount: Int { scan.labelCount }
}
