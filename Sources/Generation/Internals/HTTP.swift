import CCurl
import Foundation

/// A blocking HTTP POST through libcurl (the only place the Generation module calls curl_*).
enum HTTP {
    struct Response {
        var status: Int
        var body: [UInt8]
        var retryAfter: Double?
    }

    enum Failure: Error {
        case transport(String)
    }

    final class Sink {
        var data: [UInt8] = []
        let limit: Int
        init(limit: Int) { self.limit = limit }
    }

    static func post(url: String, headers: [String], body: [UInt8], connectTimeout: Int, timeout: Int, maxBytes: Int = 16 << 20) throws(Failure) -> Response {
        // libcurl is loaded on first use; a machine without it gets the loader's reason.
        guard kb_curl_load() == 1 else { throw .transport(String(cString: kb_curl_load_error())) }
        guard let curl = kb_curl_easy_init() else { throw .transport("libcurl could not start") }
        defer { kb_curl_easy_cleanup(curl) }
        var list: UnsafeMutablePointer<curl_slist>?
        for h in headers { list = kb_curl_slist_append(list, h) }
        defer { kb_curl_slist_free_all(list) }
        let sink = Sink(limit: maxBytes)
        let unmanaged = Unmanaged.passRetained(sink)
        defer { unmanaged.release() }
        var payload = body
        let rc: CURLcode = payload.withUnsafeMutableBufferPointer { buf -> CURLcode in
            _ = kb_curl_set_url(curl, url)
            _ = kb_curl_set_long(curl, CURLOPT_POST, 1)
            _ = kb_curl_set_pointer(curl, CURLOPT_POSTFIELDS, UnsafeMutableRawPointer(buf.baseAddress))
            _ = kb_curl_set_long(curl, CURLOPT_POSTFIELDSIZE, buf.count)
            _ = kb_curl_set_pointer(curl, CURLOPT_HTTPHEADER, UnsafeMutableRawPointer(list))
            _ = kb_curl_set_long(curl, CURLOPT_CONNECTTIMEOUT, connectTimeout)
            _ = kb_curl_set_long(curl, CURLOPT_TIMEOUT, timeout)
            _ = kb_curl_set_long(curl, CURLOPT_NOSIGNAL, 1)
            _ = kb_curl_set_long(curl, CURLOPT_FOLLOWLOCATION, 0)
            _ = kb_curl_set_write(curl, { ptr, size, count, userdata in
                guard let ptr, let userdata else { return 0 }
                let sink = Unmanaged<Sink>.fromOpaque(userdata).takeUnretainedValue()
                let n = size * count
                if sink.data.count + n > sink.limit { return 0 }
                ptr.withMemoryRebound(to: UInt8.self, capacity: n) { sink.data.append(contentsOf: UnsafeBufferPointer(start: $0, count: n)) }
                return n
            }, unmanaged.toOpaque())
            return kb_curl_easy_perform(curl)
        }
        guard rc == CURLE_OK else { throw .transport(String(cString: kb_curl_easy_strerror(rc))) }
        var code = 0
        _ = kb_curl_get_response_code(curl, &code)
        var retry: curl_off_t = -1
        _ = kb_curl_get_retry_after(curl, &retry)
        return Response(status: code, body: sink.data, retryAfter: retry > 0 ? Double(retry) : nil)
    }
}
