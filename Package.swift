// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "prn",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "prn", targets: ["prn"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
    ],
    targets: [
        // MARK: System libraries (each has exactly one importer inside the package)
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib",
                       providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CPNG", path: "Sources/CPNG", pkgConfig: "libpng",
                       providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CJPEG", path: "Sources/CJPEG", pkgConfig: "libjpeg",
                       providers: [.apt(["libjpeg62-turbo-dev"])]),
        .systemLibrary(name: "CEditLine", path: "Sources/CEditLine", pkgConfig: "libedit",
                       providers: [.apt(["libedit-dev"])]),

        // MARK: Libraries; imports flow prn -> Runtime -> (Language, Pruning), Pruning -> Engine
        // Hot loops in C, compiled per instruction set and picked at load time (CKernels.h).
        .target(name: "CKernels"),
        // PNG and JPEG through libpng and libjpeg-turbo; their longjmp errors stay inside this C code.
        .target(name: "CImage", dependencies: ["CPNG", "CJPEG"]),
        .target(name: "Engine", dependencies: ["CBLAS", "CZlib", "CKernels", "CImage"]),
        .target(name: "Pruning", dependencies: ["Engine", "CKernels"]),
        .target(name: "Language"),
        // ONNX models: Swift types generated once from onnx.proto (committed) plus converters.
        .target(name: "ONNX", dependencies: ["Engine", .product(name: "SwiftProtobuf", package: "swift-protobuf")]),
        .target(name: "Runtime", dependencies: ["Language", "Pruning", "Engine", "ONNX"]),

        // MARK: The executable
        .executableTarget(name: "prn", dependencies: [
            "Runtime", "Language", "Engine", "CEditLine",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // MARK: Tests, one target per module
        .testTarget(name: "EngineTests", dependencies: ["Engine"]),
        .testTarget(name: "LanguageTests", dependencies: ["Language"]),
        .testTarget(name: "PruningTests", dependencies: ["Pruning", "Engine"]),
        // Scripts/ and VerbScripts/ hold self-checking .prn files the tests read from the source tree.
        .testTarget(name: "RuntimeTests", dependencies: ["Runtime", "Language", "Pruning", "Engine"],
                    exclude: ["Scripts", "VerbScripts"]),
        .testTarget(name: "InteropTests", dependencies: ["ONNX", "Engine", "Pruning", "Runtime"]),
        // Hostile inputs, faults and interruptions; some drive the built `prn` binary.
        .testTarget(name: "ReliabilityTests", dependencies: ["Runtime", "Language", "Engine", "prn"]),
        // Drives the built `prn` binary through a pseudo-terminal.
        .testTarget(name: "REPLTests", dependencies: ["prn"]),
    ]
)

// The fuzz targets (Fuzz/Targets, driven by scripts/fuzz): the language front end, checked against
// the runtime's own verb table, and the file readers. libFuzzer supplies its main, so it links only
// when built with -sanitize=fuzzer: it is declared only when PRN_FUZZ_BUILD is set, and ordinary
// builds never see it.
if Context.environment["PRN_FUZZ_BUILD"] != nil {
    package.targets.append(.executableTarget(name: "prn-fuzz", dependencies: ["Runtime", "Language", "Engine", "ONNX"],
                                             path: "Fuzz/Targets"))
}
