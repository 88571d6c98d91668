/// What an optimizer keeps for one parameter between steps, torch's `optimizer.state[p]`.
/// The buffers are float32 like the parameters; nil until the step that creates them.
public struct ParameterState: Sendable, Equatable {
    /// Steps taken (Adam, AdamW and RMSprop count them; SGD does not).
    public var step = 0
    /// SGD's and RMSprop's momentum buffer (`momentum_buffer`).
    public var momentumBuffer: [Float]?
    /// Adam's first moment (`exp_avg`).
    public var firstMoment: [Float]?
    /// Adam's second moment (`exp_avg_sq`).
    public var secondMoment: [Float]?
    /// RMSprop's running mean of squared gradients (`square_avg`).
    public var squareAverage: [Float]?

    public init() {}

    /// The buffers under torch's state_dict keys, for saving.
    var buffers: [(key: String, values: [Float])] {
        var result: [(key: String, values: [Float])] = []
        if let momentumBuffer { result.append((Self.momentumBufferKey, momentumBuffer)) }
        if let firstMoment { result.append((Self.firstMomentKey, firstMoment)) }
        if let secondMoment { result.append((Self.secondMomentKey, secondMoment)) }
        if let squareAverage { result.append((Self.squareAverageKey, squareAverage)) }
        return result
    }

    static let momentumBufferKey = "momentum_buffer"
    static let firstMomentKey = "exp_avg"
    static let secondMomentKey = "exp_avg_sq"
    static let squareAverageKey = "square_avg"
    static let bufferKeys = [momentumBufferKey, firstMomentKey, secondMomentKey, squareAverageKey]

    /// Sets a buffer by its torch key; false for an unknown key.
    mutating func setBuffer(_ key: String, _ values: [Float]) -> Bool {
        switch key {
        case Self.momentumBufferKey: momentumBuffer = values
        case Self.firstMomentKey: firstMoment = values
        case Self.secondMomentKey: secondMoment = values
        case Self.squareAverageKey: squareAverage = values
        default: return false
        }
        return true
    }
}
