import TensorCore

/// The training step's passes through the whole network: a forward pass that leaves each
/// module holding what its backward needs, and the backward pass from the loss's gradients
/// w.r.t. Detect's raw maps to every parameter.
extension Network {
    /// Training-mode forward (batch norms use and update batch statistics): Detect's raw maps
    /// `[batch, anchors, ny, nx, classes + 5]` per level. Row outputs are released as soon as
    /// their last reader has run; what backward needs stays inside the modules. `observe` is
    /// called with each row's index once its forward is done (per-row timing).
    public func trainingForward(_ images: Tensor, layout: DetectMapLayout = .raw,
                                observe: ((Int) -> Void)? = nil) throws -> [Tensor] {
        let levels = try trainingFeatures(images, observe: observe)
        let maps = try detect!.trainingForward(levels: levels, layout: layout)
        observe?(rows.count - 1)
        return maps
    }

    /// The training pass up to Detect: its inputs, one per level (for `Detect.sparseTrainingForward`).
    /// `observe` sees every row before Detect.
    public func trainingFeatures(_ images: Tensor, observe: ((Int) -> Void)? = nil) throws -> [Tensor] {
        AllocatorTuning.configure()
        guard detect != nil, let detectRow = rows.last else {
            throw ShapeError("the model has no Detect head as its last row")
        }
        guard images.shape.count == 4, images.shape[1] == spec.inputChannels else {
            throw ShapeError("the input must be [batch, \(spec.inputChannels), height, width], got \(images.shape)")
        }
        setTraining(true)
        var outputs = [Tensor?](repeating: nil, count: rows.count)
        for row in rows.dropLast() {
            if row.inputRows == [-1] { row.module.skipInputGradient() }
            let inputs = try row.inputRows.map { index -> Tensor in
                if index == -1 { return images }
                guard let value = outputs[index] else { throw ShapeError("row \(index) output was released early") }
                return value
            }
            do {
                outputs[row.index] = try row.module.trainingForward(inputs)
            } catch let error as ShapeError {
                throw ShapeError("row \(row.index) (\(row.kindName)): \(error.message)")
            }
            for input in row.inputRows where input >= 0 && lastConsumer[input] == row.index { outputs[input] = nil }
            observe?(row.index)
        }
        let levels = try detectRow.inputRows.map { index -> Tensor in
            guard let value = index == -1 ? images : outputs[index] else { throw ShapeError("row \(index) output missing") }
            return value
        }
        return levels
    }

    /// Back-propagates dL/d(raw maps) through every row in reverse, adding each parameter's
    /// gradient to its buffer. A row read by several later rows receives the sum of their gradients.
    /// `observe` is called with each row's index once its backward is done.
    public func backward(rawGradients: [Tensor], observe: ((Int) -> Void)? = nil) throws {
        try backward(mapGradients: rawGradients, layout: .raw, observe: observe)
    }

    /// `backward(rawGradients:)` for maps in either layout (as `trainingForward` returned them).
    public func backward(mapGradients: [Tensor], layout: DetectMapLayout, observe: ((Int) -> Void)? = nil) throws {
        try backward(observe: observe) { try $0.backward(mapGradients: mapGradients, layout: layout) }
    }

    /// `backward(mapGradients:layout: .head)` for the heads' gradients given sparsely.
    public func backward(sparseGradients: [SparseChannelGradient], observe: ((Int) -> Void)? = nil) throws {
        try backward(observe: observe) { try $0.backward(sparseGradients: sparseGradients) }
    }

    /// The rows' backward once `detectBackward` has given the gradients of Detect's inputs.
    private func backward(observe: ((Int) -> Void)?, _ detectBackward: (Detect) throws -> [Tensor]) throws {
        guard let detect, let detectRow = rows.last else {
            throw ShapeError("the model has no Detect head as its last row")
        }
        var gradients = [Tensor?](repeating: nil, count: rows.count)
        func accumulate(_ gradient: Tensor, into row: Int) {
            guard row >= 0 else { return }  // the images need no gradient
            if gradients[row] == nil { gradients[row] = gradient } else { ChannelOps.addInPlace(&gradients[row]!, gradient) }
        }
        for (input, gradient) in zip(detectRow.inputRows, try detectBackward(detect)) {
            accumulate(gradient, into: input)
        }
        observe?(detectRow.index)
        for row in rows.dropLast().reversed() {
            guard let outputGradient = gradients[row.index] else {
                throw ShapeError("row \(row.index) (\(row.kindName)) received no gradient: its output reaches no Detect level")
            }
            gradients[row.index] = nil
            let inputGradients: [Tensor]
            do {
                inputGradients = try row.module.backward(outputGradient)
            } catch let error as ShapeError {
                throw ShapeError("row \(row.index) (\(row.kindName)) backward: \(error.message)")
            }
            for (input, gradient) in zip(row.inputRows, inputGradients) { accumulate(gradient, into: input) }
            observe?(row.index)
        }
    }

    /// Zeroes every parameter gradient (`optimizer.zero_grad()` with zeros rather than None).
    public func zeroGradients() {
        var seen = Set<ObjectIdentifier>()
        for row in rows { row.module.visitModules(&seen) { $0.zeroOwnGradients() } }
    }

    /// The accumulated gradient of every parameter by state_dict name, in state_dict order
    /// (zeros for a parameter no backward has reached).
    public var parameterGradients: [(name: String, gradient: Tensor)] {
        tensorSlots.filter { $0.spec.role.isParameter }.map { slot in
            let local = String(slot.name.split(separator: ".").last!)
            return (slot.name, slot.owner.gradientValue(local) ?? Tensor(shape: slot.spec.shape))
        }
    }
}

extension Network {
    /// Every trainable parameter's current value by state_dict name.
    public var parameterValues: [String: Tensor] {
        var values: [String: Tensor] = [:]
        for slot in tensorSlots where slot.spec.role.isParameter {
            values[slot.name] = slot.owner.tensorValue(String(slot.name.split(separator: ".").last!))
        }
        return values
    }

    /// Every floating-point state_dict entry (parameters, running statistics, anchors) by name:
    /// what an exponential moving average of the model covers.
    public var floatingStateValues: [String: Tensor] {
        var values: [String: Tensor] = [:]
        for slot in tensorSlots where slot.spec.role != .batchesTracked {
            values[slot.name] = slot.owner.tensorValue(String(slot.name.split(separator: ".").last!))
        }
        return values
    }

    /// Replaces tensors by state_dict name; every name and shape must belong to the network.
    public func setTensorValues(_ values: [String: Tensor]) throws {
        var slots: [String: (spec: TensorSpec, owner: any Module)] = [:]
        for slot in tensorSlots { slots[slot.name] = (slot.spec, slot.owner) }
        for (name, value) in values {
            guard let slot = slots[name] else { throw ShapeError("the network has no tensor '\(name)'") }
            guard value.shape == slot.spec.shape else {
                throw ShapeError("'\(name)' is \(slot.spec.shape) in the network but \(value.shape) was given")
            }
        }
        for (name, value) in values {
            slots[name]!.owner.setTensorValue(String(name.split(separator: ".").last!), value)
        }
    }
}
