#ifndef KB_CLIBXML2_SHIM_H
#define KB_CLIBXML2_SHIM_H
/* Debian's libxml2 headers pull in the system ICU, which clashes with Foundation's private ICU
   ("'UErrorCode' has different definitions"). kb never uses libxml2's ICU entry points. */
#include <libxml/xmlversion.h>
#undef LIBXML_ICU_ENABLED
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/HTMLparser.h>
#include <libxml/xmlerror.h>

/// Frees memory that libxml2 allocated (xmlFree is a global function pointer Swift 6 rejects).
static inline void kb_xml_free(void *p) { xmlFree(p); }
/// Silences libxml2's default error printing to stderr; errors are read back with xmlGetLastError.
static inline void kb_xml_silence(void) { xmlSetGenericErrorFunc(NULL, NULL); xmlSetStructuredErrorFunc(NULL, NULL); }
static void kb_xml_ignore(void *ctx, const char *msg, ...) { (void)ctx; (void)msg; }
static inline void kb_xml_quiet(void) { xmlSetGenericErrorFunc(NULL, kb_xml_ignore); }
#endif
