/// val.py's `correct` tensor: one row per detection, one column per IoU threshold, true where the
/// detection is a true positive at that threshold. Rows of several images are concatenated with `append`.
public struct CorrectMatrix: Sendable, Equatable {
    public private(set) var count: Int
    public let thresholdCount: Int
    private var storage: [Bool]

    public init(count: Int, thresholdCount: Int = MatchingIoU.thresholds.count) {
        self.count = count
        self.thresholdCount = thresholdCount
        storage = [Bool](repeating: false, count: count * thresholdCount)
    }

    /// A matrix from rows of equal length.
    public init(rows: [[Bool]], thresholdCount: Int = MatchingIoU.thresholds.count) {
        precondition(rows.allSatisfy { $0.count == thresholdCount }, "every row needs \(thresholdCount) entries")
        count = rows.count
        self.thresholdCount = thresholdCount
        storage = rows.flatMap { $0 }
    }

    public subscript(detection: Int, threshold: Int) -> Bool {
        get { storage[detection * thresholdCount + threshold] }
        set { storage[detection * thresholdCount + threshold] = newValue }
    }

    public func row(_ detection: Int) -> [Bool] {
        Array(storage[(detection * thresholdCount)..<((detection + 1) * thresholdCount)])
    }

    public var rows: [[Bool]] { (0..<count).map(row) }

    /// Whether any detection is correct at any threshold (val.py's `stats[0].any()`).
    public var any: Bool { storage.contains(true) }

    public mutating func append(_ other: CorrectMatrix) {
        precondition(other.thresholdCount == thresholdCount, "threshold counts differ")
        storage += other.storage
        count += other.count
    }
}
