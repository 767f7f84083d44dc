// SPDX-License-Identifier: MIT
// The hash that spreads ticket and customer ids over shards: the memory
// store's streams and customer lists, the engine's ticket map; and the
// memory store's intern tables' hash of a name.
//
// Private to the library.
#pragma once

#include <cstdint>
#include <string_view>

// xxHash (Debian: libxxhash-dev), header-only here: its functions are
// compiled into each user, inlined, and nothing links against libxxhash.
#ifndef XXH_INLINE_ALL
#define XXH_INLINE_ALL
#endif
#include <xxhash.h>

namespace tierflow::detail {

/// XXH3 (64-bit) of an id: every bit depends on every byte, so shards
/// can come from its top bits and table slots from its low bits, one
/// computation serving both. Inlined (XXH_INLINE_ALL), it reads a short id
/// (tickets' and customers', the store's interned names) a word or two at
/// a time: FNV-1a before it took a multiply per byte, and std::hash a call
/// to the library's byte loop (together about 4 % of an audited transition,
/// engine_bench BM_transition/1000, perf).
[[nodiscard]] inline std::uint64_t id_hash_of(std::string_view id) noexcept {
  return XXH3_64bits(id.data(), id.size());
}

}  // namespace tierflow::detail
