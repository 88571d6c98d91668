import TensorCore

/// Ultralytics' `ComputeLoss.build_targets`: matches each target to the anchors whose width and
/// height ratios are within `anchorThreshold`, and to up to two neighbouring cells (offset 0.5),
/// in float32 arithmetic and PyTorch's row order (offset groups centre, j, k, l, m; then anchors;
/// then targets).
public struct TargetAssignment: Sendable {
    /// Per level the anchors (w, h) in grid units, flattened: na × 2.
    public var anchors: [[Float]]
    public var anchorThreshold: Float

    public init(anchors: [[Float]], anchorThreshold: Double = 4.0) {
        precondition(!anchors.isEmpty && anchors.allSatisfy { $0.count == anchors[0].count && $0.count % 2 == 0 },
                     "anchors must be levels × (na · 2)")
        self.anchors = anchors
        self.anchorThreshold = Float(anchorThreshold)
    }

    /// From Detect's `anchors` buffer `[levels, na, 2]` (grid units).
    public init(anchors: Tensor, anchorThreshold: Double = 4.0) {
        precondition(anchors.shape.count == 3 && anchors.shape[2] == 2, "anchors must be [levels, na, 2]")
        let perLevel = anchors.shape[1] * 2
        self.init(anchors: (0..<anchors.shape[0]).map { Array(anchors.storage[$0 * perLevel..<($0 + 1) * perLevel]) },
                  anchorThreshold: anchorThreshold)
    }

    public var levelCount: Int { anchors.count }
    public var anchorsPerLevel: Int { anchors[0].count / 2 }

    /// Assigns `targets` `[n, 6]` (image, class, x, y, w, h normalised to 0...1) to every level,
    /// whose grid sizes are `grids` (ny, nx).
    public func assign(targets: Tensor, grids: [(height: Int, width: Int)]) -> [LevelTargets] {
        precondition(grids.count == levelCount, "\(grids.count) grids for \(levelCount) anchor levels")
        precondition(targets.shape.count == 2 && targets.shape[1] == 6, "targets must be [n, 6], got \(targets.shape)")
        return grids.indices.map { assignLevel(targets: targets, level: $0, height: grids[$0].height, width: grids[$0].width) }
    }

    private struct Candidate {
        var anchor: Int
        var target: Int
        var x: Float, y: Float, w: Float, h: Float
    }

    private func assignLevel(targets: Tensor, level: Int, height ny: Int, width nx: Int) -> LevelTargets {
        let nt = targets.shape[0], t = targets.storage
        let gainX = Float(nx), gainY = Float(ny)
        let levelAnchors = anchors[level]
        // Matches: the (na, nt) mask flattened anchor-major.
        var matched: [Candidate] = []
        for a in 0..<anchorsPerLevel {
            let aw = levelAnchors[2 * a], ah = levelAnchors[2 * a + 1]
            for n in 0..<nt {
                let w = t[n * 6 + 4] * gainX, h = t[n * 6 + 5] * gainY
                let rw = w / aw, rh = h / ah
                let worst = Swift.max(Swift.max(rw, 1 / rw), Swift.max(rh, 1 / rh))
                if worst < anchorThreshold {
                    matched.append(Candidate(anchor: a, target: n, x: t[n * 6 + 2] * gainX, y: t[n * 6 + 3] * gainY, w: w, h: h))
                }
            }
        }
        // Offsets: group 0 every row, then j (−x), k (−y), l (+x), m (+y) where the centre is near that edge.
        let half: Float = 0.5
        func nearLow(_ v: Float) -> Bool { (v - v.rounded(.down)) < half && v > 1 }
        let offsets: [(Float, Float)] = [(0, 0), (half, 0), (0, half), (-half, 0), (0, -half)]
        var result = LevelTargets()
        for (group, offset) in offsets.enumerated() {
            for c in matched {
                let take: Bool
                switch group {
                case 0: take = true
                case 1: take = nearLow(c.x)
                case 2: take = nearLow(c.y)
                case 3: take = nearLow(gainX - c.x)
                default: take = nearLow(gainY - c.y)
                }
                guard take else { continue }
                let gi = Int(c.x - offset.0), gj = Int(c.y - offset.1)  // .long() truncates toward zero
                result.image.append(Int(t[c.target * 6]))
                result.classIndex.append(Int(t[c.target * 6 + 1]))
                result.anchor.append(c.anchor)
                result.gridY.append(Swift.min(Swift.max(gj, 0), ny - 1))
                result.gridX.append(Swift.min(Swift.max(gi, 0), nx - 1))
                result.box.append(contentsOf: [c.x - Float(gi), c.y - Float(gj), c.w, c.h])
                result.anchorSize.append(contentsOf: [levelAnchors[2 * c.anchor], levelAnchors[2 * c.anchor + 1]])
            }
        }
        return result
    }
}
