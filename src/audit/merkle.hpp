// SPDX-License-Identifier: MIT
// The audit module's SHA-256 for the checkpoint code (libsodium), beside the
// Merkle tree functions of tierflow/checkpoint.hpp that merkle.cpp defines.
#pragma once

#include <string_view>

#include <tierflow/checkpoint.hpp>

namespace tierflow::detail {

/// SHA-256 of `bytes` (libsodium's crypto_hash_sha256). Thread-safe.
[[nodiscard]] merkle_hash sha256_of(std::string_view bytes) noexcept;

/// Initialises libsodium once per process (sodium_init; safe to call from
/// several threads). False when it cannot be initialised (no usable
/// entropy source): nothing may then be signed or generated.
[[nodiscard]] bool sodium_ready() noexcept;

}  // namespace tierflow::detail
