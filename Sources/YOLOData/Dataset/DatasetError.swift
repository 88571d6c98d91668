/// A dataset that cannot be used at all: a source that does not exist, a list file that cannot
/// be read, no images. (Problems with single images or label lines are `DatasetIssue`s: they
/// are reported and the rest of the dataset is used.)
public struct DatasetError: Error, Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var problem: String

    public init(_ problem: String, file: String) {
        self.file = file
        self.problem = problem
    }

    public var description: String { "\(file): \(problem)" }
}
