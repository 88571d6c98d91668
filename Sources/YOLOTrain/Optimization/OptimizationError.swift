/// A problem with the inputs of an optimizer step, an EMA update or a saved training state:
/// the message names the tensor or key and what was expected.
public struct OptimizationError: Error, CustomStringConvertible, Equatable {
    public let message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
