import Foundation
import KBTestSupport
import Glibc
import Testing

/// The package root, found from this file's path.
let packageRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
}()

/// The built `kb` binary (debug build, as `swift build` makes it).
let kbBinary: String = {
    for candidate in [".build/debug/kb", ".build/x86_64-unknown-linux-gnu/debug/kb", ".build/aarch64-unknown-linux-gnu/debug/kb"] {
        let p = packageRoot + "/" + candidate
        if FileManager.default.isExecutableFile(atPath: p) { return p }
    }
    return packageRoot + "/.build/debug/kb"
}()

struct RunResult {
    var status: Int32
    var stdout: String
    var stderr: String
}


/// Runs a command to completion, collecting its output.
func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws -> RunResult {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: executable)
    p.arguments = arguments
    var env = ProcessInfo.processInfo.environment
    env["NO_COLOR"] = "1"
    for (k, v) in environment { env[k] = v }
    p.environment = env
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    try p.run()
    let o = out.fileHandleForReading.readDataToEndOfFile()
    let e = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return RunResult(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
}

func kb(_ arguments: String..., store: String) throws -> RunResult {
    try run(kbBinary, ["--store", store] + arguments)
}

func kb(_ arguments: [String], store: String) throws -> RunResult {
    try run(kbBinary, arguments.count > 0 ? [arguments[0], "--store", store] + arguments.dropFirst() : [])
}

func json(_ s: String) -> [String: Any] {
    (try? JSONSerialization.jsonObject(with: Data(s.utf8)) as? [String: Any]) ?? [:]
}

@Suite("kb command line", .serialized)
struct CLITests {
    @Test("ingest the bundled corpus, query, show and stats")
    func bundledCorpus() throws {
        let store = temporaryFolder() + "/kb.sqlite"
        let ingest = try kb(["ingest", packageRoot + "/corpus", "--json"], store: store)
        #expect(ingest.status == 0, "\(ingest.stderr)")
        let report = json(ingest.stdout)["report"] as? [String: Any] ?? [:]
        #expect((report["chunks"] as? Int ?? 0) > 300)
        #expect(report["failed"] as? Int == 0)
        let phases = report["phases"] as? [String: Double] ?? [:]
        #expect((phases["write"] ?? 0) > 0 && (phases["walk"] ?? -1) >= 0)

        // Retrieval quality on both labelled sets: hybrid at least matches each leg alone (nDCG@10).
        for set in ["dev-queries", "queries"] {
            let eval = try kb(["eval", packageRoot + "/bench/eval/\(set).jsonl", "--json"], store: store)
            #expect(eval.status == 0, "\(eval.stderr)")
            let modes = json(eval.stdout)["modes"] as? [[String: Any]] ?? []
            let ndcg = Dictionary(uniqueKeysWithValues: modes.compactMap { m -> (String, Double)? in
                guard let mode = m["mode"] as? String, let v = m["ndcgAt10"] as? Double else { return nil }
                return (mode, v)
            })
            let hybrid = try #require(ndcg["hybrid"])
            #expect(hybrid >= (ndcg["bm25"] ?? 1), "\(set): \(ndcg)")
            #expect(hybrid >= (ndcg["vector"] ?? 1), "\(set): \(ndcg)")
        }
        let badFusion = try kb(["eval", "--fusion", "max"], store: store)
        #expect(badFusion.status == 2)
        #expect(badFusion.stderr.contains("--fusion must be one of rrf, convex"), "\(badFusion.stderr)")

        let query = try kb(["query", "online softmax running max", "--json", "-k", "5"], store: store)
        #expect(query.status == 0, "\(query.stderr)")
        let hits = json(query.stdout)["hits"] as? [[String: Any]] ?? []
        #expect(hits.count == 5)
        let first = try #require(hits.first)
        #expect((first["path"] as? String)?.isEmpty == false)
        #expect(first["startLine"] is Int)

        // Every identifier query of both labelled sets whose best answer is a definition (a chunk named by the
        // identifier: a function, an intrinsic's reference entry, a trace id) ranks that chunk first.
        var identifierQueries = 0
        for set in ["queries", "dev-queries"] {
            let lines = try String(contentsOfFile: packageRoot + "/bench/eval/\(set).jsonl", encoding: .utf8).split(separator: "\n")
            for line in lines {
                let q = json(String(line))
                guard q["type"] as? String == "identifier", let text = q["query"] as? String else { continue }
                let best = (q["relevant"] as? [[String: Any]] ?? []).first { $0["grade"] as? Int == 2 }
                guard let symbol = best?["symbol"] as? String else { continue }
                identifierQueries += 1
                let r = try kb(["query", text, "--json", "-k", "1"], store: store)
                let first = (json(r.stdout)["hits"] as? [[String: Any]])?.first
                #expect(first?["symbol"] as? String == symbol, "\(text): first is \(first?["symbol"] ?? first?["title"] ?? "nothing")")
            }
        }
        #expect(identifierQueries >= 20)

        let text = try kb(["query", "_mm512_stream_ps"], store: store)
        #expect(text.stdout.contains("1. "))
        #expect(text.stdout.contains("_mm512_stream_ps"))
        #expect(!text.stdout.contains("\u{1B}["))  // no colour when piped

        let id = try #require(first["id"] as? Int)
        let show = try kb(["show", String(id)], store: store)
        #expect(show.status == 0)
        #expect(show.stdout.contains("kind: "))

        let stats = try kb(["stats", "--json"], store: store)
        #expect((json(stats.stdout)["documents"] as? Int ?? 0) >= 40)

        let reingest = try kb(["ingest", packageRoot + "/corpus", "--json"], store: store)
        let again = json(reingest.stdout)["report"] as? [String: Any] ?? [:]
        #expect(again["added"] as? Int == 0)
        #expect(again["updated"] as? Int == 0)
    }

    @Test("errors are clear and exit non-zero")
    func errors() throws {
        let store = temporaryFolder() + "/kb.sqlite"
        let missing = try kb(["query", "softmax"], store: store)
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("run kb ingest"))
        let nothing = try kb(["ingest", "/no/such/folder"], store: store)
        #expect(nothing.status == 1)
        #expect(nothing.stderr.contains("/no/such/folder: error: no such file or folder"))
        _ = try kb(["ingest", packageRoot + "/corpus/docs"], store: store)
        let empty = try kb(["query", "!!!"], store: store)
        #expect(empty.status == 1)
        #expect(empty.stderr.contains("no searchable words"))
        let badShow = try kb(["show", "999999"], store: store)
        #expect(badShow.status == 1)
        #expect(badShow.stderr.contains("no chunk with id 999999"))
        let badK = try kb(["query", "x", "-k", "0"], store: store)
        #expect(badK.status != 0)
        let badPath = try kb(["query", "x", "--path", ""], store: store)
        #expect(badPath.status == 2)
        #expect(badPath.stderr.contains("--path needs a file or folder"))
        let scoped = try kb(["query", "softmax", "--path", "docs/", "--json"], store: store)
        #expect(scoped.status == 0)
        #expect(scoped.stdout.contains("\"path\" : \"docs/"))
        let elsewhere = try kb(["query", "softmax", "--path", "kernels"], store: store)
        #expect(elsewhere.status == 0)
        #expect(!elsewhere.stdout.contains("docs/"))
    }

    @Test("numeric options out of range are usage errors naming the option and its range, never a crash",
          arguments: [
              ["ingest", "x", "--url-timeout", "inf"], ["ingest", "x", "--url-timeout", "nan"], ["ingest", "x", "--url-timeout", "1e300"],
              ["ingest", "x", "--url-timeout", "0"], ["ingest", "x", "--url-timeout=-1"], ["ingest", "x", "--batch-mb", "nan"],
              ["ingest", "x", "--max-file-size", "0"], ["eval", "--depth=-1"], ["eval", "--depth", "0"], ["eval", "--rrf-k", "inf"],
              ["eval", "--weights", "1,nan,0"], ["eval", "--columns", "1,-2,1"],
              ["generate", "--task", "rmsnorm", "--time", "inf"], ["generate", "--task", "rmsnorm", "--time", "1e300"],
              ["generate", "--task", "rmsnorm", "--target-sol", "inf"], ["generate", "--task", "rmsnorm", "--target-sol", "0"],
              ["generate", "--task", "rmsnorm", "--budget", "0"], ["generate", "--task", "rmsnorm", "--threads", "0"],
              ["generate", "--task", "rmsnorm", "--request-timeout", "0"], ["verify", "--task", "rmsnorm", "x.c", "--threads=-3"],
              ["verify", "--task", "rmsnorm", "x.c", "--rounds", "1000000000"], ["prompt", "--task", "rmsnorm", "--threads", "0"],
          ])
    func numericOptions(_ arguments: [String]) throws {
        let store = temporaryFolder() + "/kb.sqlite"
        let r = try kb(arguments, store: store)
        // kb's usage-error status (2), not a trap (a signal, or status 132/133).
        #expect(r.status == 2, "\(arguments): \(r.status) \(r.stderr)")
        // The range check's own message, naming the option (the usage line below it names every option anyway).
        let option = String((arguments.last { $0.hasPrefix("--") } ?? "").prefix { $0 != "=" })
        #expect(r.stderr.contains("Error: \(option) must be "), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: store), "a usage error creates no store")
    }

    @Test("--target-sol above 1 is accepted (a measured fraction can exceed 1)")
    func targetAboveOne() throws {
        let r = try kb(["generate", "--task", "no-such-task", "--target-sol", "1.5"], store: temporaryFolder() + "/kb.sqlite")
        #expect(!r.stderr.contains("--target-sol must be"), "\(r.stderr)")
        #expect(r.stderr.contains("no-such-task"), "it got past the options to the task: \(r.stderr)")
    }

    @Test("URLs: fetched, and 404, 500, timeouts, refused connections, redirect loops and oversize reported")
    func urls() throws {
        let server = Process()
        server.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        server.arguments = ["python3", packageRoot + "/Tests/Fixtures/http_server.py", "60"]
        let out = Pipe()
        server.standardOutput = out
        try server.run()
        defer { server.terminate() }
        var portLine = Data()
        while !portLine.contains(10) {
            let d = out.fileHandleForReading.availableData
            if d.isEmpty { break }
            portLine.append(d)
        }
        let port = String(decoding: portLine, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        try #require(Int(port) != nil, "the test HTTP server did not start")
        let base = "http://127.0.0.1:\(port)"
        // A port with nothing listening: bind, read the port, close.
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        close(fd)
        let closedPort = Int(UInt16(bigEndian: addr.sin_port))

        let store = temporaryFolder() + "/kb.sqlite"
        let result = try kb(["ingest", "--url-timeout", "1.5", "--max-file-size", "1000000", "--json",
                             base + "/doc.md", base + "/page", base + "/missing", base + "/error", base + "/slow",
                             base + "/loop", base + "/big.md", base + "/stream.md", base + "/binary.md", base + "/blob.bin", "http://127.0.0.1:\(closedPort)/x.md"], store: store)
        #expect(result.status == 1)
        let report = json(result.stdout)["report"] as? [String: Any] ?? [:]
        #expect(report["added"] as? Int == 2)
        // Binary and unsupported answers are skipped, as such files are; the seven others failed.
        #expect(report["skipped"] as? Int == 2)
        #expect(report["failed"] as? Int == 7)
        let messages = (report["diagnostics"] as? [[String: Any]] ?? []).compactMap { $0["message"] as? String }.joined(separator: "\n")
        #expect(messages.contains("HTTP 404"))
        #expect(messages.contains("HTTP 500"))
        #expect(messages.contains("timed out"))
        #expect(messages.contains("redirects"))
        // Both oversize answers are stopped: the one announcing its length and the one that does not.
        #expect(messages.components(separatedBy: "exceeds the 1000000-byte limit").count == 3, "\(messages)")
        #expect(messages.contains("binary file skipped"))
        #expect(messages.contains("unsupported file type"))
        #expect(messages.contains("Couldn't connect") || messages.contains("refused"))
        let q = try kb(["query", "tiling over http", "--json"], store: store)
        let hits = json(q.stdout)["hits"] as? [[String: Any]] ?? []
        #expect((hits.first?["path"] as? String) == base + "/doc.md")
    }

    @Test("libcurl is loaded only for URLs: without it a URL fails with the reason and local work goes on")
    func withoutLibcurl() throws {
        let dir = temporaryFolder()
        write(dir + "/docs/tiling.md", "# Tiling\n\nBlocking a matmul for the L1 cache.\n")
        let store = dir + "/kb.sqlite"
        let missing = ["KB_LIBCURL": dir + "/no-such-libcurl.so"]
        let ingest = try run(kbBinary, ["ingest", "--store", store, "--json", dir + "/docs", "http://127.0.0.1:9/x.md"],
                             environment: missing)
        #expect(ingest.status == 1)
        let report = json(ingest.stdout)["report"] as? [String: Any] ?? [:]
        #expect(report["added"] as? Int == 1)
        #expect(report["failed"] as? Int == 1)
        let messages = (report["diagnostics"] as? [[String: Any]] ?? []).compactMap { $0["message"] as? String }.joined()
        #expect(messages.contains("libcurl could not be loaded"), "\(messages)")
        #expect(messages.contains("KB_LIBCURL"))
        let query = try run(kbBinary, ["query", "--store", store, "matmul blocking"], environment: missing)
        #expect(query.status == 0)
        #expect(query.stdout.contains("tiling.md"))
    }

    @Test("two ingests on one store at once both succeed")
    func concurrentIngests() throws {
        let dir = temporaryFolder()
        for i in 0..<60 { write(dir + "/a/doc\(i).md", "# A\(i)\n\n" + String(repeating: "alpha\(i) words ", count: 2000)) }
        for i in 0..<60 { write(dir + "/b/doc\(i).md", "# B\(i)\n\n" + String(repeating: "beta\(i) words ", count: 2000)) }
        let store = dir + "/kb.sqlite"
        let results = ResultBox()
        let group = DispatchGroup()
        for folder in ["a", "b"] {
            group.enter()
            DispatchQueue.global().async {
                let r = try? kb(["ingest", dir + "/" + folder], store: store)
                results.add(r)
                group.leave()
            }
        }
        group.wait()
        #expect(results.all.count == 2)
        #expect(results.all.allSatisfy { $0?.status == 0 }, "\(results.all.map { $0?.stderr ?? "nil" })")
        let stats = try kb(["stats", "--json"], store: store)
        #expect(json(stats.stdout)["documents"] as? Int == 120)
        // Both ingests' word counts are in the stored frequency table: one chunk counted per chunk stored.
        let counts = try run("/usr/bin/env", ["python3", "-c", "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); "
            + "print(c.execute(\"select value from meta where key='word_df_count'\").fetchone()[0], c.execute('select count(*) from chunks').fetchone()[0])", store])
        let pair = counts.stdout.split(separator: " ").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        #expect(pair.count == 2 && pair.first == pair.last, "\(counts.stdout) \(counts.stderr)")
    }

    @Test("on a terminal: a progress bar, a summary and highlighted terms; piped: plain text and silence on stderr",
          .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/script")))
    func terminalOutput() throws {
        let dir = temporaryFolder()
        for i in 0..<30 { write(dir + "/docs/d\(i).md", "# Doc \(i)\n\nsoftmax tiling words \(i)\n") }
        let store = dir + "/kb.sqlite"
        // script(1) runs the command on a pseudo-terminal (stdout and stderr both on it).
        func onTerminal(_ command: String, noColor: Bool = false) throws -> String {
            var env = ProcessInfo.processInfo.environment
            env.removeValue(forKey: "NO_COLOR")
            if noColor { env["NO_COLOR"] = "1" }
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/script")
            p.arguments = ["-qec", command, "/dev/null"]
            p.environment = env
            let out = Pipe()
            p.standardOutput = out
            p.standardInput = FileHandle.nullDevice
            try p.run()
            let data = out.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            return String(decoding: data, as: UTF8.self)
        }
        let ingest = try onTerminal("'\(kbBinary)' ingest --store '\(store)' '\(dir)/docs'")
        #expect(ingest.contains("\r\u{1B}[K") && ingest.contains("█") && ingest.contains("30/30"), "progress bar: \(ingest.debugDescription)")
        #expect(ingest.contains("ingested into \(store): 30 added, 0 updated, 0 unchanged, 0 skipped, 0 failed"), "\(ingest)")
        let query = try onTerminal("'\(kbBinary)' query --store '\(store)' softmax -k 1")
        #expect(query.contains("\u{1B}[1;33msoftmax\u{1B}[0m"), "highlight: \(query.debugDescription)")
        let plain = try onTerminal("'\(kbBinary)' query --store '\(store)' softmax -k 1", noColor: true)
        #expect(!plain.contains("\u{1B}[") && plain.contains("softmax"), "NO_COLOR: \(plain.debugDescription)")
        // Piped: no progress, no escape codes; the summary on stdout.
        write(dir + "/docs/d30.md", "# Doc 30\n\nnew\n")
        let piped = try kb(["ingest", dir + "/docs"], store: store)
        #expect(piped.stderr.isEmpty, "\(piped.stderr)")
        #expect(!piped.stdout.contains("\u{1B}["))
        #expect(piped.stdout.contains("1 added, 0 updated, 30 unchanged"), "\(piped.stdout)")
        let quiet = try kb(["ingest", dir + "/docs", "-q"], store: store)
        #expect(quiet.stdout.isEmpty && quiet.stderr.isEmpty)
    }

    @Test("query filters: --op, --isa, --kind, --lang and --backend keep only matching chunks", arguments: [
        ["--op", "softmax"], ["--isa", "avx2"], ["--kind", "trace"], ["--lang", "opencl"], ["--backend", "c-simd"],
    ])
    func queryFilters(_ filter: [String]) throws {
        let store = temporaryFolder() + "/kb.sqlite"
        #expect(try kb(["ingest", packageRoot + "/corpus", "-q"], store: store).status == 0)
        let r = try kb(["query", "kernel max sum tile", "-k", "20", "--json"] + filter, store: store)
        let hits = json(r.stdout)["hits"] as? [[String: Any]] ?? []
        #expect(hits.count >= 2, "\(filter): \(r.stderr)")
        for hit in hits {
            let ok: Bool
            switch filter[0] {
            case "--op": ok = (hit["ops"] as? [String] ?? []).contains(filter[1])
            case "--isa": ok = (hit["isa"] as? [String] ?? []).contains(filter[1])
            case "--kind": ok = hit["kind"] as? String == filter[1]
            case "--lang": ok = hit["language"] as? String == filter[1]
            default: ok = hit["backend"] as? String == filter[1]
            }
            #expect(ok, "\(filter): \(hit["path"] ?? "") \(hit["ops"] ?? "") \(hit["isa"] ?? "")")
        }
    }

    @Test("three ingests of the same folder at once all succeed, and the store matches one ingest's")
    func concurrentIngestsOfSameFiles() throws {
        let dir = temporaryFolder()
        for i in 0..<80 { write(dir + "/docs/doc\(i).md", "# Doc \(i)\n\n" + String(repeating: "gamma\(i) tile words ", count: 1500)) }
        for i in 0..<80 { write(dir + "/docs/k\(i).c", "/* kernel \(i) */\nvoid k\(i)(float *y) { y[0] = \(i); }\n") }
        let store = dir + "/kb.sqlite"
        // Started by one shell, so they overlap (processes started one by one from here often did not).
        let script = (0..<3).map { "\"$1\" ingest --store \"$2\" \"$3\" --json > \"$3.\($0).json\" 2>&1 & p\($0)=$!" }.joined(separator: "; ")
            + "; s=0; for p in $p0 $p1 $p2; do wait $p || s=1; done; exit $s"
        let all = try run("/bin/bash", ["-c", script, "sh", kbBinary, store, dir + "/docs"])
        let outputs = (0..<3).map { (try? String(contentsOfFile: dir + "/docs.\($0).json", encoding: .utf8)) ?? "" }
        #expect(all.status == 0, "\(outputs)")
        let reports = outputs.map { json($0)["report"] as? [String: Any] ?? [:] }
        // Every file was written by one of them at least, and none failed.
        #expect(reports.reduce(0) { $0 + ($1["added"] as? Int ?? 0) } == 160, "\(outputs)")
        #expect(reports.allSatisfy { $0["failed"] as? Int == 0 }, "\(outputs)")
        // They overlapped: at least two of them wrote documents (run one after another, the later ones would have
        // found every file unchanged).
        #expect(reports.filter { ($0["added"] as? Int ?? 0) + ($0["updated"] as? Int ?? 0) > 0 }.count >= 2, "\(outputs)")
        let single = dir + "/single.sqlite"
        #expect(try kb(["ingest", dir + "/docs"], store: single).status == 0)
        // Same documents, chunks and word frequencies as one ingest alone: no process wrote over another's counts.
        let facts = "import sqlite3,sys,hashlib\nfor p in sys.argv[1:]:\n c=sqlite3.connect(p)\n "
            + "print(c.execute('select count(*) from documents').fetchone()[0], c.execute('select count(*) from chunks').fetchone()[0], "
            + "c.execute(\"select value from meta where key='word_df_count'\").fetchone()[0], "
            + "hashlib.sha1(c.execute(\"select value from meta where key='word_df'\").fetchone()[0]).hexdigest(), "
            + "c.execute('pragma integrity_check').fetchone()[0])"
        let check = try run("/usr/bin/env", ["python3", "-c", facts, store, single])
        let lines = check.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 2, "\(check.stderr)")
        #expect(lines.first?.hasPrefix("160 160 160 ") == true, "\(lines)")
        #expect(lines.first?.hasSuffix(" ok") == true, "\(lines)")
        #expect(lines.first == lines.last, "\(lines)")
        let q = try kb(["query", "gamma79", "--json"], store: store)
        #expect(((json(q.stdout)["hits"] as? [[String: Any]])?.first?["path"] as? String)?.hasSuffix("doc79.md") == true, "\(q.stdout)")
    }

    @Test("kill -9 in the middle of an ingest leaves a store that opens, and a re-run completes")
    func killDuringIngest() throws {
        let dir = temporaryFolder()
        for i in 0..<400 {
            write(dir + "/c/k\(i).c", (0..<40).map { "/* kernel \(i).\($0) */\nvoid f\(i)_\($0)(float *y) { y[\($0)] = \(i); }\n" }.joined())
        }
        let store = dir + "/kb.sqlite"
        let p = Process()
        p.executableURL = URL(fileURLWithPath: kbBinary)
        p.arguments = ["ingest", "--store", store, dir + "/c"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        // Wait until the first batch is committed, then kill.
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline, (try? FileManager.default.attributesOfItem(atPath: store + "-wal")[.size] as? Int ?? 0) ?? 0 < 200_000 {
            usleep(20_000)
        }
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        // It was killed, not finished: the signal ended it, with part of the files stored.
        #expect(p.terminationReason == .uncaughtSignal && p.terminationStatus == SIGKILL, "the ingest ended before the kill")
        let stats = try kb(["stats", "--json"], store: store)
        #expect(stats.status == 0, "\(stats.stderr)")
        #expect((json(stats.stdout)["documents"] as? Int ?? 400) < 400, "\(stats.stdout)")
        let rerun = try kb(["ingest", dir + "/c", "--json"], store: store)
        #expect(rerun.status == 0, "\(rerun.stderr)")
        let after = try kb(["stats", "--json"], store: store)
        #expect(json(after.stdout)["documents"] as? Int == 400)
        #expect(json(after.stdout)["chunks"] as? Int == 16000)
        let check = try run("/usr/bin/env", ["python3", "-c", "import sqlite3; print(sqlite3.connect('\(store)').execute('PRAGMA integrity_check').fetchone()[0])"])
        #expect(check.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "ok")
        let q = try kb(["query", "f399_39", "--json"], store: store)
        #expect(((json(q.stdout)["hits"] as? [[String: Any]])?.first?["symbol"] as? String) == "f399_39")
    }

    @Test("every bundled C kernel compiles and every OpenCL kernel builds (PoCL)")
    func corpusCompiles() throws {
        let r = try run("/bin/bash", [packageRoot + "/scripts/check-corpus.sh"])
        #expect(r.status == 0, "\(r.stdout)\n\(r.stderr)")
        #expect(r.stdout.contains("0 failed"))
        // Every C kernel and every task's scalar reference was compiled, none skipped on x86-64.
        let fm = FileManager.default
        let kernels = try fm.contentsOfDirectory(atPath: packageRoot + "/corpus/kernels/c").filter { $0.hasSuffix(".c") }.count
        let references = try fm.contentsOfDirectory(atPath: packageRoot + "/corpus/tasks")
            .filter { fm.fileExists(atPath: packageRoot + "/corpus/tasks/\($0)/reference.c") }.count
        #expect(references >= 19)
        #expect(r.stdout.contains("c: \(kernels + references) passed, 0 failed, 0 skipped"), "\(r.stdout)")
    }
}

final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [RunResult?] = []
    func add(_ r: RunResult?) { lock.lock(); results.append(r); lock.unlock() }
    var all: [RunResult?] { lock.lock(); defer { lock.unlock() }; return results }
}
