import Foundation
import TensorCore
import YOLOConfig
import YOLOData
import YOLOModel

/// Everything train.py prepares before its first epoch, from the options: hyperparameters,
/// dataset, model (from a YAML, or transferred from weights), image size, loaders and, for
/// `--resume`, the checkpoint to continue from.
public struct TrainingSetup {
    public var options: TrainingOptions
    public var hyperparameters: Hyperparameters
    public var hyperparametersYAML: String
    public var dataset: DatasetSpec
    public var classNames: [String]
    public var network: Network
    public var emaNetwork: Network
    public var imageSize: Int
    public var resumeCheckpoint: TrainingCheckpoint?
    /// Lines train.py logs while setting up (transfer counts, frozen layers, size warnings, dataset scans).
    public var notes: [String] = []
    public var trainingSet: DetectionDataset
    public var validationSet: ValidationSet?

    /// `locateModel` resolves a `--cfg` name to a file (the command's model-file lookup).
    /// `hyperparameterOverrides` are `key=value` texts applied over the hyperparameter file
    /// (not on resume, which keeps the run's own).
    /// `resumeEpochs`: an --epochs given together with --resume (nil keeps the run's own).
    public init(options given: TrainingOptions, hyperparameterOverrides: [String] = [],
                resumeCheckpoint: TrainingCheckpoint? = nil, resumeEpochs: Int? = nil,
                locateModel: (String) throws -> String = { $0 }) throws {
        var options = given
        if let checkpoint = resumeCheckpoint {
            // the run continues with its own options; only a longer --epochs given with --resume changes them
            options = checkpoint.options
            options.resume = given.resume
            if let resumeEpochs, resumeEpochs != options.epochs {
                guard resumeEpochs > checkpoint.epoch + 1 else {
                    throw ConfigError("--epochs \(resumeEpochs) with --resume: the run already finished epoch \(checkpoint.epoch + 1) of \(options.epochs)",
                                      file: given.resume)
                }
                notes.append("Resuming with --epochs \(resumeEpochs) (was \(options.epochs)): the LR schedule now ends at epoch \(resumeEpochs)")
                options.epochs = resumeEpochs
            }
        }
        self.resumeCheckpoint = resumeCheckpoint
        if let checkpoint = resumeCheckpoint {
            hyperparametersYAML = checkpoint.hyperparametersYAML
            hyperparameters = try Hyperparameters.parse(hyperparametersYAML, file: "hyp of the resumed checkpoint")
        } else if let hyp = options.hyp {
            hyperparameters = try Hyperparameters.load(path: hyp)
            hyperparametersYAML = hyperparameters.yamlText
        } else {
            hyperparameters = Hyperparameters()
            hyperparametersYAML = hyperparameters.yamlText
        }
        if resumeCheckpoint == nil, !hyperparameterOverrides.isEmpty {
            for assignment in hyperparameterOverrides { hyperparameters = try hyperparameters.setting(assignment) }
            hyperparametersYAML = hyperparameters.yamlText
        }
        guard options.epochs > 0, options.batchSize > 0, options.imageSize > 0 else {
            throw ConfigError("--epochs, --batch-size and --img must be positive", file: nil)
        }
        dataset = try DatasetSpec.load(path: options.data)
        let classCount = options.singleClass ? 1 : dataset.nc
        classNames = options.singleClass ? ["item"] : dataset.names

        // the model: a YAML (fresh weights or weights transferred by name and shape) or the weights' own description
        // --weights are read once: for their model description (without --cfg) and for the transfer
        let transferSource = try (resumeCheckpoint == nil ? options.weights : nil).map { try ModelLoader.load(weights: $0) }
        let spec: ModelSpec
        if let cfg = options.cfg {
            spec = try ModelSpec.load(path: try locateModel(cfg))
        } else if let transferSource {
            spec = transferSource.network.spec
        } else if resumeCheckpoint != nil, let resume = options.resume {
            spec = try ModelLoader.load(weights: resume).network.spec
        } else {
            throw ConfigError("pass --cfg (a model YAML) or --weights", file: nil)
        }
        network = try ModelCompiler().compile(spec, classCount: classCount)
        emaNetwork = try ModelCompiler().compile(spec, classCount: classCount)
        network.initializeWeights(seed: UInt64(options.seed))
        if let source = transferSource, let weights = options.weights {
            // Ultralytics keeps the YAML's anchors when a --cfg is given
            let keepAnchors = options.cfg != nil
            let entries = source.network.storedTensors(source.network.stateDict).filter { entry in
                !(keepAnchors && entry.name.hasSuffix(".anchors"))
            }
            let loaded = try network.load(entries, source: weights, matching: .intersect)
            notes.append("Transferred \(loaded.count)/\(network.stateDict.count) items from \(weights)")
        }
        let frozen = options.frozenPrefixes
        for prefix in frozen { notes.append("freezing \(prefix)") }

        // train.py's check_img_size: a multiple of the grid stride, at least twice it
        let gridStride = max(Int(network.strides.max() ?? 32), 32)
        let rounded = max(Int((Double(options.imageSize) / Double(gridStride)).rounded(.up)) * gridStride, 2 * gridStride)
        if rounded != options.imageSize {
            notes.append("WARNING: --img-size \(options.imageSize) must be multiple of max stride \(gridStride), updating to \(rounded)")
        }
        imageSize = rounded

        trainingSet = try DetectionDataset(sources: dataset.train, classCount: dataset.nc, labelsFolder: dataset.labelsFolder)
        notes.append(trainingSet.summary)
        notes += trainingSet.messages
        if !dataset.val.isEmpty {
            let validation = try DetectionDataset(sources: dataset.val, classCount: dataset.nc, labelsFolder: dataset.labelsFolder)
            notes.append(validation.summary)
            notes += validation.messages
            validationSet = ValidationSet(dataset: validation, imageSize: imageSize, batchSize: options.batchSize * 2,
                                          stride: gridStride, pad: 0.5, rect: true)
        }
        if options.rect && !options.imageWeights {
            // shuffle is off with --rect, as Ultralytics warns
            notes.append("WARNING: --rect is incompatible with DataLoader shuffle, setting shuffle=False")
        }
        self.options = options
    }

    /// The augmentation settings of the hyperparameters.
    public var augmentation: AugmentationSettings {
        let h = hyperparameters
        return AugmentationSettings(hsvHue: h.hsvHue, hsvSaturation: h.hsvSaturation, hsvValue: h.hsvValue, degrees: h.degrees,
                                    translate: h.translate, scale: h.scale, shear: h.shear, perspective: h.perspective,
                                    flipUpDown: h.flipUpDown, flipLeftRight: h.flipLeftRight, mosaic: h.mosaic, mixup: h.mixup,
                                    copyPaste: h.copyPaste)
    }

    /// The augmenting loader over the training split.
    public func makeBatchSource() throws -> LoaderBatchSource {
        var images = trainingSet.images
        if options.singleClass {
            images = images.map { image in
                var single = image
                single.labels = image.labels.map { var label = $0; label.classIndex = 0; return label }
                return single
            }
        }
        let cache: ImageCacheMode = options.cache == "ram" ? .ram : options.cache == "disk" ? .disk : .none
        let gridStride = max(Int(network.strides.max() ?? 32), 32)
        let data = try TrainingDataset(images: images, imageSize: imageSize, batchSize: options.batchSize, augment: true,
                                       settings: augmentation, rect: options.rect, stride: gridStride, pad: 0, cache: cache)
        let loader = TrainingLoader(dataset: data, workers: max(options.workers, 1), shuffle: !options.rect,
                                    seed: UInt64(options.seed))
        return LoaderBatchSource(loader: loader, classCount: options.singleClass ? 1 : dataset.nc,
                                 imageWeighting: options.imageWeights)
    }

    public func makeTrainer(events: TrainingEvents) throws -> Trainer {
        try Trainer(options: options, hyperparameters: hyperparameters, hyperparametersYAML: hyperparametersYAML,
                    network: network, emaNetwork: emaNetwork, classNames: classNames, imageSize: imageSize,
                    batches: try makeBatchSource(), validationSet: validationSet, events: events,
                    resumeFrom: resumeCheckpoint)
    }
}
