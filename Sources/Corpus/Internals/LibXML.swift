import Foundation
import CLibXML2

/// A parsed libxml2 document, freed when released. Used by one thread at a time.
final class XMLDocumentHandle {
    let pointer: xmlDocPtr

    init(pointer: xmlDocPtr) { self.pointer = pointer }
    deinit { xmlFreeDoc(pointer) }

    /// Initializes libxml2 once (required before parsing from several threads) and silences its stderr output.
    static let initialized: Bool = {
        xmlInitParser()
        kb_xml_quiet()
        return true
    }()

    /// Parses HTML leniently (recovering from errors, no network access).
    static func parseHTML(_ text: String, url: String) -> XMLDocumentHandle? {
        _ = initialized
        let options = Int32(HTML_PARSE_RECOVER.rawValue | HTML_PARSE_NOERROR.rawValue | HTML_PARSE_NOWARNING.rawValue
                            | HTML_PARSE_NONET.rawValue)
        let doc: htmlDocPtr? = text.withCString { ptr in
            htmlReadMemory(ptr, Int32(strlen(ptr)), url, "UTF-8", options)
        }
        return doc.map(XMLDocumentHandle.init(pointer:))
    }

    /// Parses XML strictly (no network, no entity substitution); on failure returns the line and message.
    static func parseXML(_ text: String, url: String) -> Result<XMLDocumentHandle, XMLParseFailure> {
        _ = initialized
        let options = Int32(XML_PARSE_NONET.rawValue | XML_PARSE_NOWARNING.rawValue | XML_PARSE_NOERROR.rawValue)
        xmlResetLastError()
        let doc: xmlDocPtr? = text.withCString { ptr in
            xmlReadMemory(ptr, Int32(strlen(ptr)), url, "UTF-8", options)
        }
        if let doc { return .success(XMLDocumentHandle(pointer: doc)) }
        if let err = xmlGetLastError() {
            let message = err.pointee.message.map { String(cString: $0) } ?? "parse error"
            return .failure(XMLParseFailure(line: Int(err.pointee.line), message: message.trimmingCharacters(in: .whitespacesAndNewlines)))
        }
        return .failure(XMLParseFailure(line: nil, message: "not well-formed XML"))
    }

    var root: XMLNode? { xmlDocGetRootElement(pointer).map(XMLNode.init) }

    /// The HTML `<title>` text, if any.
    var htmlTitle: String? {
        guard let root else { return nil }
        for child in root.elementChildren where child.name == "head" {
            for h in child.elementChildren where h.name == "title" {
                let t = h.textContent.collapsedWhitespace()
                if !t.isEmpty { return t }
            }
        }
        return nil
    }
}

/// Where and why XML parsing failed.
struct XMLParseFailure: Error {
    var line: Int?
    var message: String
}

/// A borrowed view of one libxml2 node; valid while its document lives.
struct XMLNode {
    let pointer: xmlNodePtr

    var isElement: Bool { pointer.pointee.type == XML_ELEMENT_NODE }
    var isText: Bool { pointer.pointee.type == XML_TEXT_NODE || pointer.pointee.type == XML_CDATA_SECTION_NODE }
    var name: String { pointer.pointee.name.map { String(cString: $0).lowercased() } ?? "" }
    var rawName: String { pointer.pointee.name.map { String(cString: $0) } ?? "" }
    var line: Int { Int(xmlGetLineNo(pointer)) }

    var children: [XMLNode] {
        var out: [XMLNode] = []
        var c = pointer.pointee.children
        while let node = c { out.append(XMLNode(pointer: node)); c = node.pointee.next }
        return out
    }

    var elementChildren: [XMLNode] { children.filter(\.isElement) }

    var textContent: String {
        guard let raw = xmlNodeGetContent(pointer) else { return "" }
        defer { kb_xml_free(raw) }
        return String(cString: raw)
    }

    /// The node's own text (text node content).
    var content: String { pointer.pointee.content.map { String(cString: $0) } ?? "" }

    var attributes: [(name: String, value: String)] {
        var out: [(String, String)] = []
        var a = pointer.pointee.properties
        while let attr = a {
            out.append((attr.pointee.name.map { String(cString: $0) } ?? "", value(of: attr)))
            a = attr.pointee.next
        }
        return out
    }

    /// An attribute's value: `xmlNodeListGetString(doc, children, 1)`, read in place when it is one text node (what
    /// that function then copies; one allocation less per attribute).
    private func value(of attr: xmlAttrPtr) -> String {
        if let only = attr.pointee.children, only.pointee.next == nil, only.pointee.type == XML_TEXT_NODE {
            return only.pointee.content.map { String(cString: $0) } ?? ""
        }
        guard let raw = xmlNodeListGetString(pointer.pointee.doc, attr.pointee.children, 1) else { return "" }
        defer { kb_xml_free(raw) }
        return String(cString: raw)
    }

    /// The value of the first attribute whose lower-cased name is `name`. Names are compared byte by byte when both
    /// are ASCII (lower-casing then maps only A-Z), without making Strings of the names passed over.
    func attribute(_ name: String) -> String? {
        var key = name
        return key.withUTF8 { key -> String? in
            let asciiKey = !key.contains { $0 >= 0x80 }
            var a = pointer.pointee.properties
            while let attr = a {
                defer { a = attr.pointee.next }
                guard let raw = attr.pointee.name else {
                    if name.isEmpty { return value(of: attr) }
                    continue
                }
                if asciiKey, let matched = Self.asciiNameMatches(raw, key) {
                    if matched { return value(of: attr) }
                    continue
                }
                if String(cString: raw).lowercased() == name { return value(of: attr) }
            }
            return nil
        }
    }

    /// Whether the NUL-terminated `name`, lower-cased, equals the ASCII `key`; nil when `name` has a non-ASCII byte
    /// before the answer is known (Unicode lower-casing decides then).
    private static func asciiNameMatches(_ name: UnsafePointer<xmlChar>, _ key: UnsafeBufferPointer<UInt8>) -> Bool? {
        var i = 0
        while true {
            let b = name[i]
            if b >= 0x80 { return nil }
            if i == key.count { return b == 0 ? true : Self.restIsASCII(name + i) ? false : nil }
            if b == 0 { return false }
            let lower = b >= 65 && b <= 90 ? b + 32 : b
            if lower != key[i] { return Self.restIsASCII(name + i) ? false : nil }
            i += 1
        }
    }

    private static func restIsASCII(_ p: UnsafePointer<xmlChar>) -> Bool {
        var i = 0
        while p[i] != 0 { if p[i] >= 0x80 { return false }; i += 1 }
        return true
    }
}

extension String {
    /// Runs of whitespace collapsed to one space, ends trimmed: `split(whereSeparator: \.isWhitespace)` joined by
    /// spaces, on bytes when the text is ASCII (`MarkdownBuilder.collapsingWhitespace`; Character by Character it
    /// was ~7 % of ingesting the OpenCL specification's HTML, with its many table cells and code spans).
    func collapsedWhitespace() -> String {
        MarkdownBuilder.collapsingWhitespace(self)
    }
}
