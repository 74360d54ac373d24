import CCurl
import Foundation

/// One libcurl easy handle used by one thread for one transfer.
final class CurlTransfer {
    /// Why libcurl cannot be used in this process (it is loaded on first use), or nil when it can.
    static var unavailable: String? { kb_curl_load() == 1 ? nil : String(cString: kb_curl_load_error()) }

    /// Response body collected so far and the cap beyond which the transfer aborts.
    final class Sink {
        var data = [UInt8]()
        let limit: Int
        var exceeded = false
        init(limit: Int) { self.limit = limit }
    }

    struct Response {
        var status: Int
        var body: [UInt8]
        var contentType: String?
        var effectiveURL: String
    }

    enum Failure: Error {
        case curl(code: Int, message: String)
        case tooLarge(limit: Int)
    }

    static func get(_ url: String, limits: URLFetcher.Limits) -> Result<Response, Failure> {
        if let why = unavailable { return .failure(.curl(code: -1, message: why)) }
        guard let handle = kb_curl_easy_init() else { return .failure(.curl(code: -1, message: "libcurl could not start")) }
        defer { kb_curl_easy_cleanup(handle) }
        let sink = Sink(limit: limits.maxBytes)
        let unmanaged = Unmanaged.passRetained(sink)
        defer { unmanaged.release() }
        var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        _ = kb_curl_set_url(handle, url)
        _ = kb_curl_set_long(handle, CURLOPT_FOLLOWLOCATION, 1)
        _ = kb_curl_set_long(handle, CURLOPT_MAXREDIRS, limits.maxRedirects)
        _ = kb_curl_set_long(handle, CURLOPT_CONNECTTIMEOUT_MS, max(1, limits.connectTimeoutMilliseconds))
        _ = kb_curl_set_long(handle, CURLOPT_TIMEOUT_MS, max(1, limits.totalTimeoutMilliseconds))
        _ = kb_curl_set_long(handle, CURLOPT_NOSIGNAL, 1)
        _ = kb_curl_set_long(handle, CURLOPT_MAXFILESIZE, limits.maxBytes)
        _ = kb_curl_set_string(handle, CURLOPT_PROTOCOLS_STR, "http,https")
        _ = kb_curl_set_string(handle, CURLOPT_REDIR_PROTOCOLS_STR, "http,https")
        _ = kb_curl_set_string(handle, CURLOPT_USERAGENT, "kb/0.1 (kernel knowledge base)")
        _ = kb_curl_set_string(handle, CURLOPT_ACCEPT_ENCODING, "")
        let callback: kb_curl_write_fn = { ptr, size, count, userdata in
            guard let ptr, let userdata else { return 0 }
            let sink = Unmanaged<Sink>.fromOpaque(userdata).takeUnretainedValue()
            let n = size * count
            if sink.data.count + n > sink.limit { sink.exceeded = true; return 0 }
            ptr.withMemoryRebound(to: UInt8.self, capacity: n) { sink.data.append(contentsOf: UnsafeBufferPointer(start: $0, count: n)) }
            return n
        }
        _ = kb_curl_set_write(handle, callback, unmanaged.toOpaque())
        let code = errorBuffer.withUnsafeMutableBufferPointer { buf -> CURLcode in
            _ = kb_curl_set_pointer(handle, CURLOPT_ERRORBUFFER, buf.baseAddress)
            return kb_curl_easy_perform(handle)
        }
        if sink.exceeded || code == CURLE_FILESIZE_EXCEEDED { return .failure(.tooLarge(limit: limits.maxBytes)) }
        guard code == CURLE_OK else {
            let detail = String(decoding: errorBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            let message = detail.isEmpty ? String(cString: kb_curl_easy_strerror(code)) : detail
            return .failure(.curl(code: Int(code.rawValue), message: message))
        }
        var status = 0
        _ = kb_curl_get_response_code(handle, &status)
        var ct: UnsafeMutablePointer<CChar>? = nil
        _ = kb_curl_get_content_type(handle, &ct)
        var eff: UnsafeMutablePointer<CChar>? = nil
        _ = kb_curl_get_effective_url(handle, &eff)
        return .success(Response(status: status, body: sink.data, contentType: ct.map { String(cString: $0) },
                                 effectiveURL: eff.map { String(cString: $0) } ?? url))
    }
}
