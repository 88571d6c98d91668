/// The four numbers of val.py's "all" row: mean precision and recall, mAP@0.5 and mAP@0.5:0.95.
public struct ValidationSummary: Sendable, Equatable {
    public var precision: Double
    public var recall: Double
    public var map50: Double
    public var map: Double

    public init(precision: Double, recall: Double, map50: Double, map: Double) {
        self.precision = precision
        self.recall = recall
        self.map50 = map50
        self.map = map
    }

    /// What val.py reports when no detection is correct at any threshold.
    public static let zero = ValidationSummary(precision: 0, recall: 0, map50: 0, map: 0)

    /// YOLOv5's `fitness`: 0.1·mAP@0.5 + 0.9·mAP@0.5:0.95 (P and R weigh 0).
    public var fitness: Double { Fitness.of(self) }
}
