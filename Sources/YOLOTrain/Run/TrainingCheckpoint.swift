import Checkpoint
import Foundation
import TensorCore
import YOLOModel

/// A training checkpoint (`weights/last.safetensors`, `best.safetensors`): the EMA model under
/// `model.*` — what `yolo val` and `yolo detect` load, as Ultralytics loads `ckpt["ema"]` —
/// plus, until stripped, what `--resume` needs: the trained model under `resume.model.*`, the
/// optimizer and EMA state under `resume.*`, and the run's bookkeeping in the metadata.
/// Written to a temporary file and renamed, so an interrupted save never leaves a torn file.
public struct TrainingCheckpoint {
    /// The epoch this checkpoint ends (-1 once stripped, as Ultralytics marks a finished model).
    public var epoch: Int
    public var bestFitness: Double
    /// The epoch whose validation gave `bestFitness`.
    public var bestEpoch: Int
    public var hyperparametersYAML: String
    public var options: TrainingOptions
    /// `resume.*` tensors and scalars (optimizer, EMA updates, schedule); empty once stripped.
    public var resumeState: SavedTrainingState
    /// The trained (non-averaged) model's state; empty once stripped.
    public var modelState: [(name: String, value: Tensor)]
    /// The EMA model's state, the checkpoint's `model`.
    public var emaState: [(name: String, value: Tensor)]

    static let epochKey = "yolo.epoch", bestFitnessKey = "yolo.best_fitness", bestEpochKey = "yolo.best_epoch"
    static let hypKey = "yolo.hyp", optionsKey = "yolo.opt", resumeScalarPrefix = "resume."
    static let resumeModelPrefix = "resume.model."

    public init(epoch: Int, bestFitness: Double, bestEpoch: Int, hyperparametersYAML: String, options: TrainingOptions,
                resumeState: SavedTrainingState, modelState: [(name: String, value: Tensor)],
                emaState: [(name: String, value: Tensor)]) {
        self.epoch = epoch
        self.bestFitness = bestFitness
        self.bestEpoch = bestEpoch
        self.hyperparametersYAML = hyperparametersYAML
        self.options = options
        self.resumeState = resumeState
        self.modelState = modelState
        self.emaState = emaState
    }

    /// Writes the checkpoint for `network` (which supplies the model YAML and the tensor roles).
    public func write(to path: String, network: Network, classNames: [String], beforeRename: () -> Void = {}) throws {
        var tensors = network.storedTensors(emaState)
        tensors += network.storedTensors(modelState).map { ("resume." + $0.name, $0.tensor) }
        tensors += resumeState.tensors.map { ("resume." + $0.name, StoredTensor(shape: $0.value.shape, floats: $0.value.storage)) }
        var metadata: [String: String] = [
            ModelLoader.modelYAMLKey: network.spec.yamlText,
            ModelLoader.classNamesKey: String(decoding: try JSONEncoder().encode(classNames), as: UTF8.self),
            Self.epochKey: String(epoch), Self.bestFitnessKey: String(bestFitness), Self.bestEpochKey: String(bestEpoch),
            Self.hypKey: hyperparametersYAML,
            Self.optionsKey: String(decoding: try JSONEncoder().encode(options), as: UTF8.self),
        ]
        for (key, value) in resumeState.scalars { metadata[Self.resumeScalarPrefix + key] = value }
        try SafetensorsFile.write(tensors, metadata: metadata, to: path, beforeRename: beforeRename)
    }

    /// Reads a checkpoint this project wrote; `requireResumeState` for `--resume`.
    public static func read(path: String, requireResumeState: Bool) throws -> TrainingCheckpoint {
        let file = try SafetensorsFile.read(path: path)
        func value(_ key: String) throws -> String {
            guard let text = file.metadata[key] else {
                throw CheckpointError("not a training checkpoint of this project: metadata '\(key)' is missing", file: path)
            }
            return text
        }
        guard let epoch = Int(try value(epochKey)), let bestFitness = Double(try value(bestFitnessKey)),
              let bestEpoch = Int(try value(bestEpochKey)) else {
            throw CheckpointError("the epoch and fitness metadata are not numbers", file: path)
        }
        let options: TrainingOptions
        do {
            options = try JSONDecoder().decode(TrainingOptions.self, from: Data(try value(optionsKey).utf8))
        } catch let error as CheckpointError {
            throw error
        } catch {
            throw CheckpointError("the stored training options are unreadable: \(error)", file: path)
        }
        var ema: [(String, Tensor)] = [], model: [(String, Tensor)] = [], state: [(name: String, value: Tensor)] = []
        for (name, stored) in file.tensors {
            let tensor = Tensor(shape: stored.shape, values: stored.dtype == .int64 ? stored.integers().map(Float.init) : stored.floats())
            if name.hasPrefix(resumeModelPrefix) {
                model.append((String(name.dropFirst("resume.".count)), tensor))
            } else if name.hasPrefix("resume.") {
                state.append((String(name.dropFirst("resume.".count)), tensor))
            } else {
                ema.append((name, tensor))
            }
        }
        var scalars: [String: String] = [:]
        for (key, text) in file.metadata where key.hasPrefix(resumeScalarPrefix) {
            scalars[String(key.dropFirst(resumeScalarPrefix.count))] = text
        }
        if requireResumeState, model.isEmpty || scalars.isEmpty {
            throw CheckpointError("this checkpoint was stripped at the end of its run and cannot be resumed", file: path)
        }
        return TrainingCheckpoint(epoch: epoch, bestFitness: bestFitness, bestEpoch: bestEpoch,
                                  hyperparametersYAML: try value(hypKey), options: options,
                                  resumeState: SavedTrainingState(tensors: state, scalars: scalars),
                                  modelState: model, emaState: ema)
    }

    /// Ultralytics' strip_optimizer: only the EMA model remains (and the bookkeeping); epoch −1.
    public static func strip(path: String, network: Network, classNames: [String]) throws {
        var checkpoint = try read(path: path, requireResumeState: false)
        checkpoint.resumeState = SavedTrainingState()
        checkpoint.modelState = []
        checkpoint.epoch = -1
        try checkpoint.write(to: path, network: network, classNames: classNames)
    }
}
