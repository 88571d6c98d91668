/// train.py's EarlyStopping: stop once `patience` epochs pass without a fitness at least as
/// good as the best (ties count as better).
public struct EarlyStopping: Sendable, Equatable {
    public private(set) var bestFitness = 0.0
    public private(set) var bestEpoch = 0
    /// nil for no patience limit (`--patience 0`).
    public let patience: Int?
    /// True when the next epoch without improvement would stop the run (so it is validated and saved).
    public private(set) var possibleStop = false

    public init(patience: Int, bestFitness: Double = 0, bestEpoch: Int = 0) {
        self.patience = patience > 0 ? patience : nil
        self.bestFitness = bestFitness
        self.bestEpoch = bestEpoch
    }

    /// Records `epoch`'s fitness; true when training should stop.
    public mutating func update(epoch: Int, fitness: Double) -> Bool {
        if fitness >= bestFitness {
            bestEpoch = epoch
            bestFitness = fitness
        }
        guard let patience else { return false }
        let sinceBest = epoch - bestEpoch
        possibleStop = sinceBest >= patience - 1
        return sinceBest >= patience
    }
}
