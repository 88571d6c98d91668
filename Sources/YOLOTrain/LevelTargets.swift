/// The targets assigned to one detection level by `TargetAssignment`, one entry per row in
/// PyTorch's build_targets order (offset group, then anchor, then target).
public struct LevelTargets: Sendable, Equatable {
    /// Image index in the batch (`b`).
    public var image: [Int] = []
    /// Anchor index 0..<na (`a`).
    public var anchor: [Int] = []
    /// Grid row, clamped to 0..<ny (`gj`).
    public var gridY: [Int] = []
    /// Grid column, clamped to 0..<nx (`gi`).
    public var gridX: [Int] = []
    /// Class index (`tcls`).
    public var classIndex: [Int] = []
    /// n × 4: (gx − gi, gy − gj, gw, gh) in grid units, with the unclamped gi/gj (`tbox`).
    public var box: [Float] = []
    /// n × 2: the matched anchor (w, h) in grid units (`anchors`).
    public var anchorSize: [Float] = []

    public init() {}

    public var count: Int { image.count }
}
