/// An image that cannot be read, decoded, encoded or written: which file and what is wrong.
///
/// The description reads `file: problem`, so a message names the image a dataset entry points
/// at (or `<memory>` for bytes that came from elsewhere).
public struct ImageError: Error, Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var problem: String

    public init(_ problem: String, file: String) {
        self.file = file
        self.problem = problem
    }

    public var description: String { "\(file): \(problem)" }
}
