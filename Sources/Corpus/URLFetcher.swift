/// Fetches http(s) URLs through libcurl with bounded redirects, timeouts and size.
public struct URLFetcher: Sendable {
    /// Bounds on one fetch.
    public struct Limits: Sendable {
        /// Largest accepted body in bytes.
        public var maxBytes: Int
        /// Redirects followed at most.
        public var maxRedirects: Int
        /// Connection timeout in milliseconds.
        public var connectTimeoutMilliseconds: Int
        /// Whole-transfer timeout in milliseconds.
        public var totalTimeoutMilliseconds: Int

        /// Creates limits.
        public init(maxBytes: Int = 8 << 20, maxRedirects: Int = 5, connectTimeoutMilliseconds: Int = 10_000,
                    totalTimeoutMilliseconds: Int = 60_000) {
            self.maxBytes = maxBytes; self.maxRedirects = maxRedirects
            self.connectTimeoutMilliseconds = connectTimeoutMilliseconds; self.totalTimeoutMilliseconds = totalTimeoutMilliseconds
        }
    }

    /// The limits applied.
    public var limits: Limits

    /// Creates a fetcher.
    public init(limits: Limits = Limits()) { self.limits = limits }

    /// Whether a string is an http(s) URL kb should fetch.
    public static func isURL(_ s: String) -> Bool {
        let l = s.lowercased()
        return l.hasPrefix("http://") || l.hasPrefix("https://")
    }

    /// Fetches `url` (blocking: call it off the cooperative pool) and decodes it into text of a known format.
    public func fetch(_ url: String) throws(CorpusError) -> (SourceText, [Diagnostic]) {
        let response: CurlTransfer.Response
        switch CurlTransfer.get(url, limits: limits) {
        case .success(let r): response = r
        case .failure(.tooLarge(let limit)):
            throw .tooLarge(path: url, size: limit + 1, limit: limit)
        case .failure(.curl(let code, let message)):
            throw .network(url: url, message: code < 0 ? message : "\(message) (curl error \(code))")
        }
        guard (200..<300).contains(response.status) else { throw .httpStatus(url: url, status: response.status) }
        let path = String(response.effectiveURL.split(separator: "?").first ?? Substring(response.effectiveURL))
        guard let format = DocumentFormat.fromPath(path) ?? response.contentType.flatMap(DocumentFormat.fromContentType) else {
            throw .unsupportedType(path: url)
        }
        let (text, warnings) = try SourceLoader(maxFileSize: limits.maxBytes).decode(response.body, displayPath: url)
        return (SourceText(source: url, displayPath: url, format: format, text: text), warnings)
    }
}
