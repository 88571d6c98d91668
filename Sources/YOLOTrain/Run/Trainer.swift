import Foundation
import TensorCore
import YOLOConfig
import YOLOData
import YOLOEval
import YOLOModel

/// train.py's loop: per batch warm-up, (multi-scale,) forward, loss, backward, and every
/// `accumulate` batches gradient clipping, an optimizer step and an EMA update; per epoch the
/// LR schedule, validation of the EMA model, fitness, checkpoints and early stopping.
public final class Trainer {
    public let options: TrainingOptions
    public let hyperparameters: Hyperparameters
    public let network: Network
    /// The EMA model's network (validated and saved); its tensors are copied from `ema` before use.
    public let emaNetwork: Network
    public let classNames: [String]
    public let imageSize: Int
    public let gridStride: Int
    let batches: TrainingBatchSource
    let validationSet: ValidationSet?
    let events: TrainingEvents
    let loss: YOLOLoss
    let frozen: Set<String>

    public private(set) var optimizer: Optimizer
    public private(set) var schedule: TrainingSchedule
    public private(set) var ema: ModelEMA
    public private(set) var stopper: EarlyStopping
    public private(set) var startEpoch = 0
    /// Paths of the checkpoints; nil entries are not written.
    public let lastPath: String
    public let bestPath: String
    let hyperparametersYAML: String
    let faults = FaultInjection()

    public init(options: TrainingOptions, hyperparameters: Hyperparameters, hyperparametersYAML: String,
                network: Network, emaNetwork: Network, classNames: [String], imageSize: Int,
                batches: TrainingBatchSource, validationSet: ValidationSet?, events: TrainingEvents,
                resumeFrom checkpoint: TrainingCheckpoint? = nil) throws {
        self.options = options
        self.hyperparameters = hyperparameters
        self.hyperparametersYAML = hyperparametersYAML
        self.network = network
        self.emaNetwork = emaNetwork
        self.classNames = classNames
        self.imageSize = imageSize
        self.gridStride = max(Int(network.strides.max() ?? 32), 32)
        self.batches = batches
        self.validationSet = validationSet
        self.events = events
        let weightsFolder = options.saveDirectory + "/weights"
        lastPath = weightsFolder + "/last.safetensors"
        bestPath = weightsFolder + "/best.safetensors"

        let anchors = network.tensor(named: "model.\(network.rows.count - 1).anchors")
        guard let anchors else { throw ShapeError("the model has no Detect anchors") }
        loss = YOLOLoss(hyperparameters: hyperparameters, classCount: network.detect?.classCount ?? 1, anchors: anchors,
                        imageSize: imageSize, labelSmoothing: options.labelSmoothing)
        let prefixes = options.frozenPrefixes
        frozen = Set(network.tensorSlots.filter { slot in
            slot.spec.role.isParameter && prefixes.contains { slot.name.hasPrefix($0) }
        }.map(\.name))

        let decay = NominalBatch.weightDecay(hyperparameters.weightDecay, batchSize: options.batchSize)
        let frozenNames = frozen
        let trainable = network.tensorSlots.filter { !frozenNames.contains($0.name) }
        var optimizer = try Optimizer(kind: try OptimizerKind(name: options.optimizer),
                                      groups: ParameterGrouping.groups(parameters: trainable.map { ($0.name, $0.spec.role) },
                                                                       learningRate: hyperparameters.lr0,
                                                                       momentum: hyperparameters.momentum, weightDecay: decay))
        let schedule = try TrainingSchedule(hyperparameters: hyperparameters, epochs: options.epochs, batchSize: options.batchSize,
                                            batchesPerEpoch: batches.batchesPerEpoch,
                                            learningRateSchedule: options.cosineLR ? .cosine : .linear)
        schedule.attach(to: &optimizer)
        self.schedule = schedule
        self.stopper = EarlyStopping(patience: options.patience)
        self.ema = try ModelEMA(network: network)
        self.optimizer = optimizer
        if let checkpoint { try restore(checkpoint) }
    }

    /// Continues from a checkpoint's next epoch with model, EMA, optimizer, schedule and fitness restored.
    private func restore(_ checkpoint: TrainingCheckpoint) throws {
        try network.setTensorValues(Dictionary(uniqueKeysWithValues: checkpoint.modelState.map { ($0.name, $0.value) }))
        try optimizer.restore(from: checkpoint.resumeState)
        try ema.restore(from: checkpoint.resumeState)
        startEpoch = checkpoint.epoch + 1
        stopper = EarlyStopping(patience: options.patience, bestFitness: checkpoint.bestFitness, bestEpoch: checkpoint.bestEpoch)
    }

    /// The whole run, or its epochs up to `lastEpoch` (an interruption after that epoch's
    /// checkpoint, for testing resume); returns the epoch summaries.
    @discardableResult
    public func run(stoppingAfter lastEpoch: Int? = nil) throws -> [EpochSummary] {
        defer { batches.stop(); network.setTraining(false) }
        var summaries: [EpochSummary] = []
        let weightsFolder = options.saveDirectory + "/weights"
        try FileManager.default.createDirectory(atPath: weightsFolder, withIntermediateDirectories: true)
        // a run killed while saving leaves its temporary file beside the intact checkpoint
        for name in (try? FileManager.default.contentsOfDirectory(atPath: weightsFolder)) ?? []
        where name.hasPrefix(".") && name.hasSuffix(".tmp") {
            try? FileManager.default.removeItem(atPath: weightsFolder + "/" + name)
        }
        var epoch = startEpoch
        while epoch < options.epochs {
            let (summary, stop) = try runEpoch(epoch)
            summaries.append(summary)
            events.epochFinished(summary)
            if stop || epoch == lastEpoch { break }
            epoch += 1
        }
        return summaries
    }

    func runEpoch(_ epoch: Int) throws -> (EpochSummary, Bool) {
        try batches.beginEpoch(epoch)
        events.epochStarted(epoch, batches: batches.batchesPerEpoch)
        network.setTraining(true)
        network.zeroGradients()
        var meanLosses = [0.0, 0.0, 0.0]
        var index = 0
        while let batch = try batches.nextBatch() {
            faults.reached("batch:\(epoch):\(index)")
            let ni = schedule.beginIteration(batch: index, epoch: epoch, optimizer: &optimizer)
            var images = batch.images
            if options.multiScale { images = multiScaled(images, epoch: epoch, batch: index) }
            // Detect computed only where the loss reads it, its gradient given back sparsely
            let heads = try loss.trainingForward(network, images: images, targets: batch.targets)
            let result = try loss(sparse: heads)
            guard result.total.isFinite else {
                throw ShapeError("the loss is not finite at epoch \(epoch), batch \(index) (\(result.box), \(result.object), \(result.classification))")
            }
            try network.backward(sparseGradients: result.sparseHeadGradients)
            if schedule.shouldStep(iteration: ni) {
                try optimizerStep()
                schedule.recordStep(iteration: ni)
            }
            let items = [result.box, result.object, result.classification]
            for k in 0..<3 { meanLosses[k] = (meanLosses[k] * Double(index) + items[k]) / Double(index + 1) }
            if epoch == startEpoch && index < 3 {
                events.trainingBatch(batch)
            }
            events.batchFinished(epoch: epoch, batch: index, meanLosses: meanLosses, instances: batch.targets.shape[0],
                                 imageSize: images.shape[3])
            index += 1
        }
        let learningRates = optimizer.groups.map(\.learningRate)
        schedule.endEpoch(epoch, optimizer: &optimizer)

        let finalEpoch = epoch + 1 == options.epochs || stopper.possibleStop
        var metrics = [0.0, 0.0, 0.0, 0.0], validationLosses = [0.0, 0.0, 0.0]
        var validated = false
        var counts = (images: 0, instances: 0)
        if (!options.noVal || finalEpoch), let validationSet {
            (metrics, validationLosses, counts) = try validate(validationSet)
            validated = true
        }
        let fitness = 0.1 * metrics[2] + 0.9 * metrics[3]
        let stop = stopper.update(epoch: epoch, fitness: fitness)
        let isBest = fitness >= stopper.bestFitness && stopper.bestEpoch == epoch
        if !options.noSave || finalEpoch { try saveCheckpoints(epoch: epoch, isBest: isBest) }
        if stop { events.message("Stopping training early as no improvement observed in last \(options.patience) epochs. "
                                 + "Best results observed at epoch \(stopper.bestEpoch), best model saved as best.safetensors.") }
        let summary = EpochSummary(epoch: epoch, trainLosses: meanLosses, metrics: metrics, validationLosses: validationLosses,
                                   learningRates: learningRates, fitness: fitness, bestFitness: stopper.bestFitness,
                                   isBest: isBest, validated: validated, validationImages: counts.images,
                                   validationInstances: counts.instances)
        return (summary, stop)
    }

    /// Clip to norm 10, step, zero the gradients, update the EMA.
    func optimizerStep() throws {
        var gradients: [String: Tensor] = [:]
        var ordered: [(name: String, gradient: Tensor)] = network.parameterGradients.filter { !frozen.contains($0.name) }
        GradientClipping.clipNorm(&ordered)
        for entry in ordered { gradients[entry.name] = entry.gradient }
        var parameters = network.parameterValues.filter { !frozen.contains($0.key) }
        try optimizer.step(parameters: &parameters, gradients: gradients)
        try network.setTensorValues(parameters)
        network.zeroGradients()
        try ema.update(network: network)
    }

    /// Validation of the EMA model: P, R, mAP50, mAP50-95 and the mean validation losses.
    func validate(_ set: ValidationSet) throws -> ([Double], [Double], (images: Int, instances: Int)) {
        try emaNetwork.setTensorValues(Dictionary(uniqueKeysWithValues: ema.stateDict.map { ($0.name, $0.value) }))
        emaNetwork.setTraining(false)
        var lossSums = [0.0, 0.0, 0.0]
        let validator = Validator(singleClass: options.singleClass)
        let result = try validator.run(network: emaNetwork, set: set, classCount: options.singleClass ? 1 : classNames.count,
                                       observeRaw: { raw, targets in
            let parts = try self.loss(raw, targets: targets)
            lossSums[0] += parts.box
            lossSums[1] += parts.object
            lossSums[2] += parts.classification
        }, progress: { done, total in self.events.validationProgress(done: done, total: total) })
        let summary = result.statistics.summary()
        let batchCount = Double(max(set.batchCount, 1))
        if let maps = batches as? LoaderBatchSource { maps.classMAPs = Self.classMAPs(result.statistics, overall: summary.map) }
        return ([summary.precision, summary.recall, summary.map50, summary.map], lossSums.map { $0 / batchCount },
                (result.images.count, result.statistics.instancesPerClass.reduce(0, +)))
    }

    /// val.py's `maps`: each class's mAP50-95, the overall mAP for classes without labels.
    static func classMAPs(_ statistics: ValidationStatistics, overall: Double) -> [Double] {
        var maps = Array(repeating: overall, count: statistics.classCount)
        if let perClass = statistics.perClass() {
            for (i, c) in perClass.classes.enumerated() where c < maps.count { maps[c] = perClass.ap50to95[i] }
        }
        return maps
    }

    func saveCheckpoints(epoch: Int, isBest: Bool) throws {
        let state = try optimizer.savedState().merging(ema.savedState())
        let checkpoint = TrainingCheckpoint(epoch: epoch, bestFitness: stopper.bestFitness, bestEpoch: stopper.bestEpoch,
                                            hyperparametersYAML: hyperparametersYAML, options: options, resumeState: state,
                                            modelState: network.stateDict, emaState: ema.stateDict)
        try checkpoint.write(to: lastPath, network: network, classNames: classNames) { faults.reached("checkpoint:\(epoch)") }
        if isBest { try checkpoint.write(to: bestPath, network: network, classNames: classNames) }
        if options.savePeriod > 0, epoch % options.savePeriod == 0 {
            try checkpoint.write(to: options.saveDirectory + "/weights/epoch\(epoch).safetensors", network: network,
                                 classNames: classNames)
        }
    }

    /// A random size in [0.5, 1.5]·img rounded to the grid stride, the batch resized bilinearly
    /// so its longer side has it (train.py's --multi-scale), drawn from (seed, epoch, batch).
    func multiScaled(_ images: Tensor, epoch: Int, batch: Int) -> Tensor {
        var random = SeededRandom(seed: UInt64(options.seed), keys: [UInt64(epoch), UInt64(batch), 0x6D73])
        let size = MultiScale.size(imageSize: imageSize, stride: gridStride, random: &random)
        guard let shape = MultiScale.shape(height: images.shape[2], width: images.shape[3], size: size, stride: gridStride) else {
            return images
        }
        return BilinearInterpolation.resize(images, height: shape.height, width: shape.width)
    }
}
