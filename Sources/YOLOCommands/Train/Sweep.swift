import ArgumentParser
import Foundation
import YOLOConfig
import YOLOTrain

/// `yolo sweep`: one short training per combination of hyperparameter values, each in its own
/// run directory, then `sweep.csv` with the varied values and each run's best metrics, best first.
public struct Sweep: ParsableCommand {
    public static let configuration = CommandConfiguration(
        abstract: "Train once per combination of hyperparameter values and rank them by fitness.")

    @Option(name: .customLong("grid"), help: "key=v1,v2,... (repeatable; every combination is trained).")
    public var grids: [String] = []
    @OptionGroup public var flags: TrainingFlags

    public init() {}

    /// The grid as (key, values) in the order given; each value checked as a hyperparameter.
    static func parse(_ grids: [String]) throws -> [(key: String, values: [String])] {
        guard !grids.isEmpty else { throw ConfigError("give at least one --grid key=v1,v2,...", file: nil) }
        var seen = Set<String>()
        return try grids.map { grid in
            let parts = grid.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[1].isEmpty else { throw ConfigError("--grid '\(grid)' must be key=v1,v2,...", file: nil) }
            guard seen.insert(parts[0]).inserted else { throw ConfigError("--grid gives '\(parts[0])' twice", file: nil) }
            let values = parts[1].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            for value in values { _ = try Hyperparameters().setting(parts[0] + "=" + value) }
            return (parts[0], values)
        }
    }

    /// Every combination, the first grid varying slowest.
    static func combinations(_ grid: [(key: String, values: [String])]) -> [[String]] {
        grid.reduce([[]]) { partial, axis in partial.flatMap { prefix in axis.values.map { prefix + [$0] } } }
    }

    public func run() throws {
        try reportingConfigErrors {
            let grid = try Self.parse(grids)
            let base = try flags.options()
            guard base.resume == nil else { throw ConfigError("--resume does not apply to a sweep", file: nil) }
            let sweepDirectory = try RunDirectory.create(project: base.project, name: base.name, existOK: base.existOK)
            let combinations = Self.combinations(grid)
            var rows: [(values: [String], directory: String, best: EpochSummary?)] = []
            for (index, values) in combinations.enumerated() {
                let assignments = zip(grid, values).map { "\($0.key)=\($1)" }
                print("\nSweep \(index + 1)/\(combinations.count): \(assignments.joined(separator: " "))")
                var options = base
                options.project = sweepDirectory
                options.name = "run\(index)"
                options.existOK = false
                let outcome = try TrainingRun(options: options, hyperparameterOverrides: flags.hypSet + assignments).run()
                let best = outcome.summaries.filter(\.validated).max { $0.fitness < $1.fitness }
                rows.append((values, outcome.directory, best))
            }
            rows.sort { ($0.best?.fitness ?? -1) > ($1.best?.fitness ?? -1) }
            var lines = [(grid.map(\.key) + ["fitness", "precision", "recall", "mAP_0.5", "mAP_0.5:0.95", "best_epoch", "run"])
                .joined(separator: ",")]
            for row in rows {
                let metrics = row.best.map { [$0.fitness] + $0.metrics } ?? [Double](repeating: .nan, count: 5)
                lines.append((row.values + metrics.map { String(format: "%.5g", $0) }
                              + [row.best.map { String($0.epoch) } ?? "", row.directory]).joined(separator: ","))
            }
            let path = sweepDirectory + "/sweep.csv"
            try AtomicTextFile.write(lines.joined(separator: "\n") + "\n", to: path)
            print("\nSweep results (best first) saved to \(path):")
            for line in lines { print("  " + line) }
        }
    }
}
