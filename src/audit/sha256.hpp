// SPDX-License-Identifier: MIT
// SHA-256 of a byte string (OpenSSL libcrypto), the one the audit trail
// hashes events with; the stores seal their summary rows with it too.
// Private to the library.
#pragma once

#include <string_view>

#include <tierflow/event.hpp>

namespace tierflow::detail {

/// SHA-256 of `bytes`. Allocates nothing; thread-safe. Throws
/// std::bad_alloc should OpenSSL ever report a failure (it reports none
/// for valid arguments).
[[nodiscard]] event_hash sha256(std::string_view bytes);

}  // namespace tierflow::detail
