// swift-tools-version: 6.0
import PackageDescription

let strictness: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "kb",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "kb", targets: ["kb"]),
        .executable(name: "kb-verify", targets: ["kb-verify"]),
        .library(name: "Retrieval", targets: ["Retrieval"]),
        .library(name: "Corpus", targets: ["Corpus"]),
        .library(name: "Verification", targets: ["Verification"]),
        .library(name: "KernelLab", targets: ["KernelLab"]),
        .library(name: "PromptSynth", targets: ["PromptSynth"]),
        .library(name: "Generation", targets: ["Generation"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        .systemLibrary(
            name: "CSQLite", path: "Sources/CSQLite", pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]),
        // libcurl is loaded on first use (dlopen), not linked; the target needs only its header (libcurl4-openssl-dev).
        // Hence a C target of its own rather than a system-library target, which would link libcurl and its ~25
        // shared libraries into every kb process (~10 ms on each `kb query`, measured; docs/usage.md).
        .target(name: "CCurl", path: "Sources/CCurl"),
        .systemLibrary(
            name: "CLibXML2", path: "Sources/CLibXML2", pkgConfig: "libxml-2.0",
            providers: [.apt(["libxml2-dev"])]),
        .target(name: "CVectorScan", path: "Sources/CVectorScan"),
        // The embedding's word splitting (hot on every ingest), in C.
        .target(name: "CEmbedding", path: "Sources/CEmbedding"),
        // FTS5 auxiliary functions (BM25 with row sizes from memory, capped phrase counts), registered per connection.
        .target(name: "CFTS5Rank", dependencies: ["CSQLite"], path: "Sources/CFTS5Rank"),
        // Counting many phrases in one pass (op tagging), in C.
        .target(name: "CTextScan", path: "Sources/CTextScan"),
        .target(name: "Corpus", dependencies: ["CCurl", "CLibXML2", "CTextScan"], swiftSettings: strictness),
        .target(name: "Retrieval", dependencies: ["Corpus", "CSQLite", "CVectorScan", "CFTS5Rank", "CEmbedding"], swiftSettings: strictness),
        .target(name: "CProcessSupport", path: "Sources/CProcessSupport"),
        .target(name: "Verification", dependencies: ["CProcessSupport"], exclude: ["CSources"], swiftSettings: strictness),
        .target(name: "KernelLab", dependencies: ["Retrieval", "Corpus", "Verification"], swiftSettings: strictness),
        .target(name: "PromptSynth", dependencies: ["Retrieval", "Corpus", "Verification"], swiftSettings: strictness),
        .target(name: "Generation", dependencies: ["PromptSynth", "KernelLab", "Retrieval", "Verification", "CCurl"], swiftSettings: strictness),
        .executableTarget(
            name: "kb",
            dependencies: ["Retrieval", "Corpus", "Verification", "KernelLab", "PromptSynth", "Generation", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: strictness),
        .executableTarget(
            name: "kb-verify", dependencies: ["Verification", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: strictness),
        .executableTarget(name: "kb-bench", dependencies: ["Retrieval", "Corpus"], path: "bench/Sources/kb-bench", swiftSettings: strictness),
        .target(name: "KBTestSupport", path: "Tests/KBTestSupport", swiftSettings: strictness),
        .testTarget(name: "CorpusTests", dependencies: ["Corpus", "KBTestSupport"], swiftSettings: strictness),
        .testTarget(name: "RetrievalTests", dependencies: ["Retrieval", "Corpus", "KBTestSupport"], swiftSettings: strictness),
        .testTarget(name: "VerificationTests", dependencies: ["Verification", "KBTestSupport"], swiftSettings: strictness),
        .testTarget(name: "GenerationTests", dependencies: ["Generation", "PromptSynth", "KernelLab", "Retrieval", "Corpus", "Verification", "KBTestSupport"], swiftSettings: strictness),
        .testTarget(name: "KBCLITests", dependencies: ["KBTestSupport"], swiftSettings: strictness),
    ]
)
