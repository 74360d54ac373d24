import Foundation
import Glibc
import KBTestSupport
import Testing

/// How to run a command as a user without root's powers: as is when this process is not root; as `nobody` through
/// `setpriv` when it is (root reads any file and writes any folder, so permissions could not be tested).
enum Unprivileged {
    static let prefix: [String] = getuid() == 0
        ? ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"] : []

    /// Runs `kb` with `arguments` as that user.
    static func kb(_ arguments: [String]) throws -> RunResult {
        prefix.isEmpty ? try run(kbBinary, arguments) : try run(prefix[0], Array(prefix.dropFirst()) + [kbBinary] + arguments)
    }

    /// Whether such a user can run the built `kb` here (setpriv present, the build folder readable by others).
    static let available: Bool = {
        guard prefix.isEmpty || FileManager.default.isExecutableFile(atPath: prefix[0]) else { return false }
        return (try? kb(["--help"]).status) == 0
    }()
}

/// Whether a private mount namespace with a small tmpfs can be made here (`unshare -Urm`: a user namespace, so no root
/// is needed where the kernel allows them).
let privateTmpfsAvailable: Bool = {
    let dir = temporaryFolder()
    let r = try? run("/usr/bin/unshare", ["-Urm", "/bin/sh", "-c", "mount -t tmpfs -o size=1m tmpfs \"$0\"", dir])
    return r?.status == 0
}()

@Suite("kb command line: hostile environments", .serialized)
struct HostileEnvironmentTests {
    /// Two small docs and a kernel.
    func smallCorpus(_ dir: String) {
        write(dir + "/welford.md", "# Welford\n\nWelford's online variance keeps a running mean and M2, merged pairwise for stability.\n")
        write(dir + "/tiling.md", "# Tiling\n\nBlock the matmul so each tile of A and B stays in L1 while it is reused.\n")
        write(dir + "/relu.c", "/* relu: y = max(x, 0) */\nvoid relu(const float *x, float *y, long n) { for (long i = 0; i < n; i++) y[i] = x[i] > 0 ? x[i] : 0; }\n")
    }

    @Test("an unreadable file fails with its path and the reason; the other files are ingested",
          .enabled(if: Unprivileged.available))
    func unreadableFile() throws {
        let dir = temporaryFolder()
        chmod(dir, 0o777)
        smallCorpus(dir + "/docs")
        write(dir + "/docs/secret.md", "# Secret\n\nnot for this user\n")
        chmod(dir + "/docs/secret.md", 0o000)
        let r = try Unprivileged.kb(["ingest", "--store", dir + "/kb.sqlite", dir + "/docs", "--json"])
        #expect(r.status == 1, "\(r.stderr)")
        let report = json(r.stdout)["report"] as? [String: Any] ?? [:]
        #expect(report["added"] as? Int == 3)
        #expect(report["failed"] as? Int == 1)
        let diagnostics = report["diagnostics"] as? [[String: Any]] ?? []
        #expect(diagnostics.contains { ($0["source"] as? String) == "docs/secret.md" && ($0["message"] as? String ?? "").contains("cannot read (Permission denied)") },
                "\(diagnostics)")
        let text = try Unprivileged.kb(["ingest", "--store", dir + "/kb.sqlite", dir + "/docs"])
        #expect(text.status == 1)
        #expect(text.stderr.contains("docs/secret.md: error: cannot read (Permission denied); check its permissions"), "\(text.stderr)")
        let q = try Unprivileged.kb(["query", "--store", dir + "/kb.sqlite", "Welford variance", "--json", "-k", "1"])
        #expect(((json(q.stdout)["hits"] as? [[String: Any]])?.first?["path"] as? String) == "docs/welford.md", "\(q.stdout)")
    }

    @Test("a store this user cannot write: ingest and query are refused with what to do, and nothing changes",
          .enabled(if: Unprivileged.available))
    func readOnlyStore() throws {
        let dir = temporaryFolder()
        smallCorpus(dir + "/docs")
        let store = dir + "/store/kb.sqlite"
        #expect(try kb(["ingest", dir + "/docs", "-q"], store: store).status == 0)
        write(dir + "/docs/new.md", "# New\n\nA document added after the store was made read-only.\n")
        for file in try FileManager.default.contentsOfDirectory(atPath: dir + "/store") { chmod(dir + "/store/" + file, 0o444) }
        chmod(dir + "/store", 0o555)
        defer { chmod(dir + "/store", 0o755) }
        let before = FileManager.default.contents(atPath: store)

        let ingest = try Unprivileged.kb(["ingest", "--store", store, dir + "/docs"])
        #expect(ingest.status == 1)
        #expect(ingest.stderr.contains("the store at \(store) is read-only"), "\(ingest.stderr)")
        #expect(ingest.stderr.contains("--store"), "the message says what to do: \(ingest.stderr)")
        #expect(FileManager.default.contents(atPath: store) == before, "the store is unchanged")

        // Reading it needs the WAL index SQLite would create beside it, and its owner may write at any moment:
        // refused, saying what to do (an immutable read could see pages of two versions).
        let query = try Unprivileged.kb(["query", "--store", store, "matmul tile L1"])
        #expect(query.status == 1)
        #expect(query.stderr.contains("which this user cannot create in \(dir)/store"), "\(query.stderr)")
        #expect(query.stderr.contains("make the folder writable for this user, or copy the store"), "\(query.stderr)")
    }

    @Test("a store on a read-only mount answers queries, with its vector file and without it",
          .enabled(if: privateTmpfsAvailable))
    func readOnlyMount() throws {
        let dir = temporaryFolder()
        smallCorpus(dir + "/docs")
        let store = dir + "/store/kb.sqlite"
        #expect(try kb(["ingest", dir + "/docs", "-q"], store: store).status == 0)
        // The store's folder bind-mounted read-only over itself in a private mount namespace: nothing can change it.
        let script = """
            mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" || exit 90
            touch "$1/probe" 2>/dev/null && exit 91
            "$2" query --store "$1/kb.sqlite" "matmul tile L1" --json -k 1 > "$3" 2>&1 || exit 92
            """
        for round in 0..<2 {
            let out = dir + "/query-\(round).json"
            let r = try run("/usr/bin/unshare", ["-Urm", "/bin/bash", "-c", script, "bash", dir + "/store", kbBinary, out])
            let answer = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
            #expect(r.status == 0, "round \(round): status \(r.status) \(r.stderr) \(answer)")
            #expect(((json(answer)["hits"] as? [[String: Any]])?.first?["path"] as? String) == "docs/tiling.md", "round \(round): \(answer)")
            try? FileManager.default.removeItem(atPath: store + ".vectors")
        }
    }

    @Test("a full disk (a real 6 MB tmpfs): the failing ingest says so, what was stored stays, and a re-run with space completes",
          .enabled(if: privateTmpfsAvailable))
    func fullDisk() throws {
        let dir = temporaryFolder()
        smallCorpus(dir + "/small")
        for i in 0..<60 {
            write(dir + "/big/doc\(i).md", "# Doc \(i)\n\n" + (0..<4000).map { "payload\(i)x\($0) text words " }.joined())
        }
        try FileManager.default.createDirectory(atPath: dir + "/mnt", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: dir + "/out", withIntermediateDirectories: true)
        // Everything on the tmpfs happens inside the private mount namespace; results go to files outside it.
        let script = """
            set -u
            mount -t tmpfs -o size=6m tmpfs "$1" || exit 90
            s="$1/kb.sqlite"
            "$2" ingest --store "$s" "$3/small" -q > "$4/small.out" 2>&1; echo $? > "$4/small.rc"
            "$2" ingest --store "$s" "$3/big" --json > "$4/big.out" 2> "$4/big.err"; echo $? > "$4/big.rc"
            "$2" stats --store "$s" --json > "$4/stats.json" 2>&1
            "$2" query --store "$s" "Welford variance" --json -k 1 > "$4/query.json" 2>&1; echo $? > "$4/query.rc"
            python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('pragma integrity_check').fetchone()[0])" "$s" > "$4/integrity" 2>&1
            mount -o remount,size=64m "$1"
            "$2" ingest --store "$s" "$3/big" -q > "$4/rerun.out" 2>&1; echo $? > "$4/rerun.rc"
            "$2" stats --store "$s" --json > "$4/after.json" 2>&1
            exit 0
            """
        let r = try run("/usr/bin/unshare", ["-Urm", "/bin/bash", "-c", script, "bash", dir + "/mnt", kbBinary, dir, dir + "/out"])
        #expect(r.status == 0, "\(r.stderr)")
        func file(_ name: String) -> String {
            ((try? String(contentsOfFile: dir + "/out/" + name, encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        }
        #expect(file("small.rc") == "0", "\(file("small.out"))")
        #expect(file("big.rc") == "1")
        #expect(file("big.err").contains("no space left for the store at \(dir)/mnt/kb.sqlite; free disk space"), "\(file("big.err"))")
        #expect(!file("big.err").contains("Fatal error"), "no crash")
        let stored = json(file("stats.json"))["documents"] as? Int ?? 0
        #expect(stored >= 3 && stored < 63, "the three small documents stay, the big load stopped part way: \(stored)")
        #expect(file("query.rc") == "0")
        #expect(((json(file("query.json"))["hits"] as? [[String: Any]])?.first?["path"] as? String) == "small/welford.md")
        #expect(file("integrity") == "ok")
        #expect(file("rerun.rc") == "0", "\(file("rerun.out"))")
        #expect(json(file("after.json"))["documents"] as? Int == 63)
    }
}
