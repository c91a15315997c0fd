// fmt's compiled part, compiled once. For cross builds the host's fmt headers are all there
// is (Debian's libfmt-dev ships the library for the host's CPU only). Used header-only
// (FMT_HEADER_ONLY), they make every translation unit that formats compile fmt's
// implementation again, about 3 CPU seconds each under MinGW even with precompiled headers;
// this file compiles it once instead: format-inl.h defines the non-template functions
// (FMT_FUNC is empty without FMT_HEADER_ONLY), and the explicit instantiations below define
// the templates that format.h declares but does not define. Written for fmt 9;
// RtDependencies.cmake links a probe against it and falls back to header-only use when the
// host's fmt is another version that this file does not fit.
#include <fmt/format-inl.h>

FMT_BEGIN_NAMESPACE
namespace detail {
template FMT_API locale_ref::locale_ref(const std::locale&);
template FMT_API auto locale_ref::get<std::locale>() const -> std::locale;
template FMT_API auto thousands_sep_impl(locale_ref) -> thousands_sep_result<char>;
template FMT_API auto thousands_sep_impl(locale_ref) -> thousands_sep_result<wchar_t>;
template FMT_API auto decimal_point_impl(locale_ref) -> char;
template FMT_API auto decimal_point_impl(locale_ref) -> wchar_t;
}  // namespace detail
FMT_END_NAMESPACE
