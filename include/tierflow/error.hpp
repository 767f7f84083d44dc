// SPDX-License-Identifier: MIT
// The error type every fallible tierflow call returns, and result<T>.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include <tl/expected.hpp>

namespace tierflow {

/// The closed set of error codes a tierflow call can return.
///
/// Each value says when it is used; callers switch on it, never on message
/// text. New codes are added only with a new major version.
enum class errc : std::uint8_t {
  /// A workflow or organisation file is malformed or inconsistent; the
  /// diagnostics say where. Fix the file.
  invalid_definition = 1,
  /// An argument violates a documented precondition (empty id, a duration
  /// string that does not parse, an out-of-range percentage).
  invalid_argument,
  /// A named thing (ticket, workflow, state, action, tier) does not exist.
  not_found,
  /// The thing exists but the command is not allowed now: wrong state, the
  /// actor lacks a role or sits in another region.
  permission_denied,
  /// A caller-supplied expected version does not match: someone else moved
  /// the ticket first. Reload and retry.
  conflict,
  /// An input exceeds a resource limit (file size, nesting depth, aliases).
  limit_exceeded,
  /// Reading or writing a file or database failed; the command had no
  /// effect.
  io_error,
  /// Stored data was written by a newer tierflow (a database schema version
  /// this build does not know). Upgrade tierflow; nothing was changed.
  incompatible,
};

/// The lowercase name of an error code, e.g. "not_found".
[[nodiscard]] constexpr std::string_view to_string(errc code) noexcept {
  switch (code) {
    case errc::invalid_definition: return "invalid_definition";
    case errc::invalid_argument: return "invalid_argument";
    case errc::not_found: return "not_found";
    case errc::permission_denied: return "permission_denied";
    case errc::conflict: return "conflict";
    case errc::limit_exceeded: return "limit_exceeded";
    case errc::io_error: return "io_error";
    case errc::incompatible: return "incompatible";
  }
  return "unknown";
}

/// A failed call: a code, a one-line lowercase message, and context that is
/// prepended as the error travels up ("loading catalog: workflows/x.yaml: …").
class [[nodiscard]] error {
 public:
  error(errc code, std::string message)
      : code_(code), message_(std::move(message)) {}

  /// The machine-readable code.
  [[nodiscard]] errc code() const noexcept { return code_; }
  /// The message with any context, e.g. "opening ticket: unknown workflow 'x'".
  [[nodiscard]] const std::string& message() const noexcept { return message_; }

  /// Returns this error with `context` and ": " put in front of the message.
  [[nodiscard]] error with_context(std::string_view context) && {
    message_.insert(0, ": ");
    message_.insert(0, context);
    return std::move(*this);
  }

  friend bool operator==(const error& a, const error& b) = default;

 private:
  errc code_;
  std::string message_;
};

/// A value or an error. Uses tl::expected (std::expected needs C++23 on
/// g++ 12); only the members that std::expected also has are used, so the
/// alias can switch when the toolchain allows.
template <class T>
using result = tl::expected<T, error>;

/// Builds the error side of a result: `return fail(errc::not_found, "…");`.
[[nodiscard]] inline tl::unexpected<error> fail(errc code, std::string message) {
  return tl::unexpected<error>(error(code, std::move(message)));
}

}  // namespace tierflow
