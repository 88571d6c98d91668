/// The options of one training run, named and defaulted as Ultralytics' train.py flags.
public struct TrainingOptions: Sendable, Equatable, Codable {
    public var weights: String? = nil
    public var cfg: String? = nil
    public var data: String = ""
    public var hyp: String? = nil
    public var epochs = 100
    public var batchSize = 16
    public var imageSize = 640
    public var rect = false
    public var resume: String? = nil
    public var noSave = false
    public var noVal = false
    /// "ram", "disk" or nil.
    public var cache: String? = nil
    public var imageWeights = false
    public var multiScale = false
    public var singleClass = false
    /// SGD, Adam, AdamW or RMSProp.
    public var optimizer = "SGD"
    public var cosineLR = false
    public var labelSmoothing = 0.0
    public var patience = 100
    /// One value n freezes rows 0..<n; several values freeze those rows (train.py's `--freeze`).
    public var freeze = [0]
    public var savePeriod = -1
    public var seed = 0
    public var workers = 8
    public var project = "runs/train"
    public var name = "exp"
    public var existOK = false
    /// Set once the run directory exists.
    public var saveDirectory = ""

    public init() {}

    /// The state_dict prefixes whose parameters stay fixed, as train.py builds them.
    public var frozenPrefixes: [String] {
        let rows = freeze.count > 1 ? freeze : Array(0..<(freeze.first ?? 0))
        return rows.map { "model.\($0)." }
    }
}
