// SPDX-License-Identifier: MIT
// Equality of two short texts without a call to memcmp.
//
// Private to the library. The memory store compares a few short texts per
// append (a name with the intern table's guess for it, a detail value with
// its key's last one, a summary's fields with the ones it packed, a stream
// id with the one its table slot names); std::string_view's operator== calls
// memcmp for each, whose call and size dispatch cost more than the
// comparison of a dozen bytes.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

namespace tierflow::detail {

/// True when `a` and `b` hold the same bytes, as `a == b`. Texts of up to
/// 16 bytes compare as two loads of each that may overlap (never reading
/// outside either text); longer ones through memcmp.
// Always inlined: g++ kept it a function of its own, called like memcmp
// (2.2 % self time of a city-year simulation in perf); inlined, a
// transition takes 0.92-0.93 of the time the starting commit took, against
// 0.95 with the call (engine_bench BM_transition_brief/1000, alternating).
[[nodiscard]] [[gnu::always_inline]] inline bool same_text(std::string_view a, std::string_view b) noexcept {
  const std::size_t n = a.size();
  if (n != b.size()) return false;
  const char* x = a.data();
  const char* y = b.data();
  const auto load8 = [](const char* p) {
    std::uint64_t w;
    std::memcpy(&w, p, sizeof w);
    return w;
  };
  const auto load4 = [](const char* p) {
    std::uint32_t w;
    std::memcpy(&w, p, sizeof w);
    return w;
  };
  if (n >= 8) {
    if (n > 16) return std::memcmp(x, y, n) == 0;
    return ((load8(x) ^ load8(y)) | (load8(x + n - 8) ^ load8(y + n - 8))) == 0;
  }
  if (n >= 4) return ((load4(x) ^ load4(y)) | (load4(x + n - 4) ^ load4(y + n - 4))) == 0;
  // 0 to 3 bytes: the first, the middle and the last (the same byte more
  // than once when shorter).
  if (n == 0) return true;
  return x[0] == y[0] && x[n / 2] == y[n / 2] && x[n - 1] == y[n - 1];
}

}  // namespace tierflow::detail
