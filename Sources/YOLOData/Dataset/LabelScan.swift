import Foundation

/// The result of verifying every image and label file of a dataset split once, with
/// Ultralytics' counts (`cache_labels`).
public struct LabelScan: Sendable, Equatable, Codable {
    /// The usable images, in path order.
    public var images: [VerifiedImage]
    /// The number of images the sources listed.
    public var listed: Int
    /// Images with a non-empty label file (Ultralytics' `nf`, printed as "images").
    public var found: Int
    /// Images without a label file, and with an empty one: the background images.
    public var missing: Int
    public var empty: Int
    /// Images skipped: unreadable, unsupported, too small, unreadable label file.
    public var corrupt: Int
    /// Everything reported, in image order (then line order).
    public var issues: [DatasetIssue]

    public var backgrounds: Int { missing + empty }
    /// The labels of all usable images (Ultralytics' "instances").
    public var labelCount: Int { images.reduce(0) { $0 + $1.labels.count } }

    public init(images: [VerifiedImage], listed: Int, found: Int, missing: Int, empty: Int, corrupt: Int,
                issues: [DatasetIssue]) {
        self.images = images
        self.listed = listed
        self.found = found
        self.missing = missing
        self.empty = empty
        self.corrupt = corrupt
        self.issues = issues
    }

    /// Verifies each image with its label file (`labelPaths[i]` belongs to `imagePaths[i]`) on
    /// up to `threads` threads; the result does not depend on the thread count.
    public static func run(imagePaths: [String], labelPaths: [String], classCount: Int,
                           threads: Int = ProcessInfo.processInfo.activeProcessorCount) -> LabelScan {
        precondition(imagePaths.count == labelPaths.count, "one label path per image")
        precondition(classCount > 0, "classCount must be positive")
        let count = imagePaths.count
        let outcomes = UnsafeMutableBufferPointer<ImageVerifier.Outcome?>.allocate(capacity: count)
        outcomes.initialize(repeating: nil)
        defer {
            outcomes.deinitialize()
            outcomes.deallocate()
        }
        let workers = max(1, min(threads, count))
        let verifyStrided = { (worker: Int) in
            var index = worker
            while index < count {
                outcomes[index] = ImageVerifier.verify(imagePath: imagePaths[index], labelPath: labelPaths[index],
                                                       classCount: classCount)
                index += workers
            }
        }
        if workers == 1 {
            verifyStrided(0)
        } else {
            DispatchQueue.concurrentPerform(iterations: workers, execute: verifyStrided)
        }

        var scan = LabelScan(images: [], listed: count, found: 0, missing: 0, empty: 0, corrupt: 0, issues: [])
        for case let outcome? in outcomes {
            scan.issues += outcome.issues
            guard let image = outcome.image else {
                scan.corrupt += 1
                continue
            }
            switch image.labelStatus {
            case .found: scan.found += 1
            case .missing: scan.missing += 1
            case .empty: scan.empty += 1
            }
            scan.images.append(image)
        }
        return scan
    }

    /// Ultralytics' progress line: `Scanning <labels folder>... 126 images, 2 backgrounds,
    /// 0 corrupt: 100% 128/128` after a scan, or `Scanning <cache file>... 126 images,
    /// 2 backgrounds, 0 corrupt` when the results came from the cache.
    public func summary(cachePath: String, fromCache: Bool) -> String {
        let counts = "\(found) images, \(backgrounds) backgrounds, \(corrupt) corrupt"
        if fromCache { return "Scanning \(cachePath)... \(counts)" }
        let shown = cachePath.hasSuffix(".cache") ? String(cachePath.dropLast(".cache".count)) : cachePath
        return "Scanning \(shown)... \(counts): 100% \(listed)/\(listed)"
    }
}
