import Foundation
import PromptSynth
public import Retrieval
import Verification

/// An OpenAI-compatible chat-completions endpoint (hosted APIs, vLLM, llama.cpp's server, Ollama) over libcurl.
///
/// The API key comes from an environment variable and is never logged or stored. Replies are cached in the
/// store by (endpoint, model, prompt hash, parameters), so a re-run costs nothing and is reproducible.
public struct LLMGenerator: KernelGenerator {
    /// Connection settings.
    public struct Settings: Sendable, Codable, Hashable {
        /// Base URL, e.g. https://api.openai.com/v1 or http://127.0.0.1:8080/v1.
        public var baseURL: String
        /// Model name.
        public var model: String
        /// Environment variable holding the API key (may be unset for local servers).
        public var apiKeyVariable = "OPENAI_API_KEY"
        /// Sampling temperature.
        public var temperature = 0.2
        /// Maximum reply tokens.
        public var maxTokens = 4096
        /// Seconds to connect.
        public var connectTimeout = 10
        /// Seconds per request.
        public var timeout = 180
        /// Retries on 429, 5xx and transport errors.
        public var retries = 4
        /// First backoff in seconds (doubles each retry) when the server gives no Retry-After.
        public var backoff = 1.0

        /// Settings for `baseURL` and `model`.
        public init(baseURL: String, model: String) {
            self.baseURL = baseURL
            self.model = model
        }
    }

    /// Token usage of one reply.
    public struct Usage: Sendable, Codable, Hashable {
        /// Prompt tokens.
        public var prompt: Int
        /// Completion tokens.
        public var completion: Int
    }

    /// The settings.
    public var settings: Settings
    /// The store (reply cache).
    public let store: KnowledgeStore
    /// Usage of every reply so far (cached replies count their original usage).
    public private(set) var usage: [Usage] = []
    /// How many replies came from the cache.
    public private(set) var cacheHits = 0
    /// Sleeps between retries (tests shorten it).
    public var sleep: @Sendable (Double) -> Void = { s in usleep(UInt32(min(s, 60) * 1_000_000)) }
    /// The generator's name in traces and reports.
    public var name: String { "llm" }

    static let namespace = "llm-reply"

    /// A generator for `settings`.
    public init(settings: Settings, store: KnowledgeStore) {
        self.settings = settings
        self.store = store
    }

    struct CachedReply: Codable {
        var content: String
        var usage: Usage
    }

    /// Asks the endpoint for the next kernel and takes the code block from its reply.
    public mutating func next(_ context: GenerationContext) throws(GenerationError) -> Draft? {
        let prompt: SynthesizedPrompt
        do { prompt = try context.synthesizer.synthesize(feedback: context.feedback, budgetTokens: context.budgetTokens) } catch { throw .lab(error.description) }
        let reply = try complete(prompt.text)
        guard let code = extractCode(reply) else {
            throw .generator("the model's reply has no code block (\(reply.prefix(120).replacingOccurrences(of: "\n", with: " "))…)")
        }
        return Draft(source: code, change: "llm \(settings.model): attempt \(context.attempts.count + 1)", parent: context.best?.id)
    }

    /// The reply to `prompt` (from the cache when this exact request was made before).
    public mutating func complete(_ prompt: String) throws(GenerationError) -> String {
        let key = Self.cacheKey(settings: settings, prompt: prompt)
        if let bytes = try? store.artifact(namespace: Self.namespace, key: key), let cached = try? JSONDecoder().decode(CachedReply.self, from: Data(bytes)) {
            cacheHits += 1
            usage.append(cached.usage)
            return cached.content
        }
        let body: [String: Any] = [
            "model": settings.model, "temperature": settings.temperature, "max_tokens": settings.maxTokens,
            "messages": [["role": "system", "content": "You write fast, correct compute kernels. Follow the rules exactly."],
                         ["role": "user", "content": prompt]],
        ]
        guard let payload = try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys]) else { throw .generator("cannot encode the request") }
        var headers = ["Content-Type: application/json", "Accept: application/json"]
        if let key = ProcessInfo.processInfo.environment[settings.apiKeyVariable], !key.isEmpty { headers.append("Authorization: Bearer \(key)") }
        let url = settings.baseURL.hasSuffix("/") ? settings.baseURL + "chat/completions" : settings.baseURL + "/chat/completions"
        var lastProblem = ""
        var delay = settings.backoff
        for attempt in 0...settings.retries {
            if attempt > 0 { sleep(delay); delay *= 2 }
            let response: HTTP.Response
            do {
                response = try HTTP.post(url: url, headers: headers, body: Array(payload), connectTimeout: settings.connectTimeout, timeout: settings.timeout)
            } catch {
                if case .transport(let why) = error { lastProblem = why }
                continue
            }
            if response.status == 429 || response.status >= 500 {
                lastProblem = "HTTP \(response.status)"
                if let r = response.retryAfter { delay = r }
                continue
            }
            guard response.status == 200 else {
                throw .endpoint("HTTP \(response.status) from \(url): \(String(decoding: response.body.prefix(300), as: UTF8.self))")
            }
            guard let object = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any],
                  let choices = object["choices"] as? [[String: Any]], let message = choices.first?["message"] as? [String: Any],
                  let content = message["content"] as? String else {
                lastProblem = "a reply that is not chat-completions JSON (truncated?)"
                continue
            }
            let u = object["usage"] as? [String: Any]
            let used = Usage(prompt: u?["prompt_tokens"] as? Int ?? 0, completion: u?["completion_tokens"] as? Int ?? 0)
            usage.append(used)
            if let data = try? JSONEncoder().encode(CachedReply(content: content, usage: used)) {
                try? store.putArtifact(namespace: Self.namespace, key: key, value: Array(data))
            }
            return content
        }
        throw .endpoint("\(url) failed after \(settings.retries + 1) tries: \(lastProblem)")
    }

    /// The cache key: endpoint, model, sampling parameters and the prompt's hash (never the API key).
    static func cacheKey(settings: Settings, prompt: String) -> String {
        "\(settings.baseURL)|\(settings.model)|t\(settings.temperature)|m\(settings.maxTokens)|" + Digest.sha256(prompt)
    }
}

/// SHA-256 hex digests (via the verifier's implementation).
enum Digest {
    static func sha256(_ text: String) -> String { Verifier.contentHash(text) }
}
