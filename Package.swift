// swift-tools-version:6.0
import PackageDescription

// Targets import one way only:
//   CYAML, CBLAS (system libraries)
//   CKernels                                   (C: the AVX-512/AVX2 and AVX512-BF16 tiles Swift cannot select; the
//                                               thread-placement calls Glibc does not export)
//   TensorCore  <- CBLAS, CMalloc, CKernels           (numerics, knows nothing of YOLO)
//   Checkpoint                                 (.pt zip+pickle reader, safetensors, .npy)
//   YOLOData    <- CJPEG, CPNG, TensorCore     (images, letterbox, datasets)
//   YOLOEval    <- TensorCore, YOLOModel, YOLOData (boxes, NMS, metrics, the validator)
//   YOLOConfig  <- CYAML                       (YAML, model/hyp/data specs)
//   YOLOModel   <- YOLOConfig, TensorCore, Checkpoint (IR, module registry, network)
//   YOLOTrain   <- TensorCore, Checkpoint, YOLOConfig, YOLOModel, YOLOData, YOLOEval
//                                              (loss, optimizers, EMA, the training run)
//   YOLOCommands <- YOLOModel, YOLOConfig, YOLOData, YOLOEval, YOLOTrain, ArgumentParser (the CLI's commands)
//   yolo        <- YOLOCommands                (executable, a one-line main)
// The numeric targets are compiled for x86-64-v3 (AVX2, FMA: every x86 server CPU since 2013):
// the element-wise kernels (activations, the data pipeline's warps) then run 8 floats wide,
// about 12% off yolov5n's inference time. No floating-point contraction is enabled, so every
// result is the same as with the baseline instruction set. `yolo` checks the CPU at start.
#if arch(x86_64)
let vectorISA: [SwiftSetting] = [.unsafeFlags(["-target-cpu", "haswell"])]
#else
let vectorISA: [SwiftSetting] = []
#endif

// The kernels are optimised in debug builds too: unoptimised SIMD code runs hundreds of times
// slower, which would make the test suite (built in debug) crawl through every convolution.
let optimisedKernels: [SwiftSetting] = vectorISA + [.unsafeFlags(["-O"], .when(configuration: .debug))]

let package = Package(
    name: "YOLOv5Swift",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "yolo", targets: ["yolo"]),
        .library(name: "YOLOModel", targets: ["YOLOModel"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CYAML",
            path: "Sources/CYAML",
            providers: [.apt(["libyaml-dev"])]
        ),
        .systemLibrary(
            name: "CBLAS",
            path: "Sources/CBLAS",
            providers: [.apt(["libopenblas-dev"])]
        ),
        .systemLibrary(
            name: "CJPEG",
            path: "Sources/CJPEG",
            providers: [.apt(["libturbojpeg0-dev"])]
        ),
        .systemLibrary(
            name: "CPNG",
            path: "Sources/CPNG",
            providers: [.apt(["libpng-dev"])]
        ),
        .systemLibrary(name: "CMalloc", path: "Sources/CMalloc"),
        // optimised in debug builds too, like TensorCore's kernels; each function names the
        // instruction set extensions it uses, so the target needs no CPU flags of its own
        .target(name: "CKernels", cSettings: [.unsafeFlags(["-O2", "-ffp-contract=off"])]),
        .target(name: "TensorCore", dependencies: ["CBLAS", "CMalloc", "CKernels"], swiftSettings: optimisedKernels),
        .target(name: "Checkpoint"),
        .target(name: "YOLOData", dependencies: ["CJPEG", "CPNG", "TensorCore"], swiftSettings: vectorISA),
        .target(name: "YOLOConfig", dependencies: ["CYAML"]),
        .target(name: "YOLOEval", dependencies: ["TensorCore", "YOLOModel", "YOLOData"], swiftSettings: vectorISA),
        .target(name: "YOLOModel", dependencies: ["YOLOConfig", "TensorCore", "Checkpoint"], swiftSettings: vectorISA),
        .target(name: "YOLOTrain", dependencies: ["TensorCore", "Checkpoint", "YOLOConfig", "YOLOModel", "YOLOData", "YOLOEval"], swiftSettings: vectorISA),
        .target(
            name: "YOLOCommands",
            dependencies: [
                "YOLOModel", "YOLOConfig", "YOLOData", "YOLOEval", "YOLOTrain",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "yolo", dependencies: ["YOLOCommands"]),
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "TensorCoreTests", dependencies: ["TensorCore", "CBLAS", "CKernels"], exclude: ["Fixtures"]),
        .testTarget(name: "CheckpointTests", dependencies: ["Checkpoint", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "DataTests", dependencies: ["YOLOData", "Checkpoint", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(
            name: "EvalTests",
            dependencies: ["YOLOEval", "YOLOModel", "YOLOData", "YOLOConfig", "Checkpoint", "TestSupport"],
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "TrainTests",
            dependencies: ["YOLOTrain", "YOLOModel", "YOLOConfig", "Checkpoint", "TensorCore", "TestSupport"],
            exclude: ["Fixtures"]
        ),
        .testTarget(name: "ConfigTests", dependencies: ["YOLOConfig", "TestSupport"]),
        .testTarget(
            name: "ModelTests",
            dependencies: ["YOLOModel", "YOLOConfig", "Checkpoint", "TensorCore", "TestSupport"],
            exclude: ["Fixtures"]
        ),
        .testTarget(name: "CommandTests", dependencies: ["YOLOCommands", "yolo", "YOLOData", "YOLOModel", "Checkpoint", "TestSupport"]),
    ],
    // Swift 5 language mode: the numeric code shares buffers across threads explicitly and
    // does not need strict Sendable checking of every static table.
    swiftLanguageModes: [.v5]
)
