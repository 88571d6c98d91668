import Checkpoint
import Foundation
import TensorCore
import YOLOConfig

/// A network with its weights and class names, ready to run.
public struct LoadedModel {
    public var network: Network
    public var classNames: [String]
    /// Where the weights came from (for messages).
    public var source: String
}

/// Builds networks from weight files: Ultralytics `.pt` checkpoints (whole pickled model or a
/// plain state_dict) and this project's `.safetensors` files, which carry the model YAML and the
/// class names in their metadata.
public enum ModelLoader {
    /// Metadata keys of the safetensors files this project writes.
    public static let modelYAMLKey = "yolo.model_yaml"
    public static let classNamesKey = "yolo.names"

    /// Loads `weights`. With `cfg` the network is built from that YAML (and must match the
    /// weights exactly); without it, from the description stored in the weight file.
    public static func load(weights: String, cfg: String? = nil, classCount: Int? = nil) throws -> LoadedModel {
        if weights.hasSuffix(".safetensors") {
            let file = try SafetensorsFile.read(path: weights)
            let spec = try cfg.map { try ModelSpec.load(path: $0) } ?? {
                guard let text = file.metadata[modelYAMLKey] else {
                    throw CheckpointError("no model description in the metadata (\(modelYAMLKey)); pass --cfg", file: weights)
                }
                return try ModelSpec.parse(text, file: weights + " (embedded model description)")
            }()
            let network = try ModelCompiler().compile(spec, classCount: classCount)
            // a training checkpoint also holds its resume state under other prefixes
            try network.load(file.tensors.filter { $0.name.hasPrefix("model.") }, source: weights)
            let names = file.metadata[classNamesKey].flatMap { try? JSONDecoder().decode([String].self, from: Data($0.utf8)) }
            return LoadedModel(network: network, classNames: names ?? defaultNames(network), source: weights)
        }
        let checkpoint = try TorchCheckpoint.load(path: weights)
        let spec: ModelSpec
        if let cfg {
            spec = try ModelSpec.load(path: cfg)
        } else if let description = checkpoint.modelDescription {
            spec = try EmbeddedModelDescription.spec(from: description, source: weights)
        } else {
            throw CheckpointError("a plain state_dict holds no model description; pass --cfg", file: weights)
        }
        let network = try ModelCompiler().compile(spec, classCount: classCount)
        try network.load(checkpoint.stateDict, source: weights)
        return LoadedModel(network: network, classNames: checkpoint.classNames ?? defaultNames(network), source: weights)
    }

    static func defaultNames(_ network: Network) -> [String] {
        (0..<(network.detect?.classCount ?? network.spec.nc)).map { "class\($0)" }
    }
}

extension Network {
    /// The state dict as float32 safetensors (int64 for the batch counters), with the model YAML
    /// and class names in the metadata so the file alone rebuilds the network. Written atomically.
    public func saveSafetensors(to path: String, classNames: [String]) throws {
        guard !isFused else {
            throw CheckpointError("a fused network has no batch norms to save; save the weights before fusing", file: path)
        }
        let tensors = storedTensors(stateDict)
        let names = String(decoding: try JSONEncoder().encode(classNames), as: UTF8.self)
        try SafetensorsFile.write(tensors, metadata: [ModelLoader.modelYAMLKey: spec.yamlText, ModelLoader.classNamesKey: names],
                                  to: path)
    }
}

extension Network {
    /// A state dict (this network's names) as stored tensors: float32, and int64 for the batch counters.
    public func storedTensors(_ state: [(name: String, value: Tensor)]) -> [(name: String, tensor: StoredTensor)] {
        var roles: [String: TensorSpec.Role] = [:]
        for slot in tensorSlots { roles[slot.name] = slot.spec.role }
        return state.map { entry in
            if roles[entry.name] == .batchesTracked {
                var count = Int64(entry.value.storage.first ?? 0).littleEndian
                return (entry.name, StoredTensor(dtype: .int64, shape: entry.value.shape, bytes: withUnsafeBytes(of: &count) { Array($0) }))
            }
            return (entry.name, StoredTensor(shape: entry.value.shape, floats: entry.value.storage))
        }
    }
}
