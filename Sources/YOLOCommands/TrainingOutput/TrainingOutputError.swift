/// A run file (results.csv, opt.yaml, hyp.yaml) that cannot be written or read back; the
/// description names the file first, as every error of the project does.
public struct TrainingOutputError: Error, Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var problem: String

    public init(_ problem: String, file: String) {
        self.file = file
        self.problem = problem
    }

    public var description: String { "\(file): \(problem)" }
}
