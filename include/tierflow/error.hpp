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
  /// The command is allowed for this actor in this state, but something it
  /// needs first is missing: a note the action requires, a handoff to
  /// return from. Supply it and retry.
  failed_precondition,
  /// Stored history does not verify: a hash chain is broken, an event is
  /// missing, edited, inserted or belongs to another stream. The message
  /// names the first broken event. Nothing was changed; an operator must
  /// look at the store.
  data_loss,
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
    case errc::failed_precondition: return "failed_precondition";
    case errc::data_loss: return "data_loss";
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

/// The error side of a result, as fail() builds it.
using failure = tl::unexpected<error>;

/// Builds the error side of a result: `return fail(errc::not_found, "…");`.
[[nodiscard]] inline failure fail(errc code, std::string message) {
  return failure(error(code, std::move(message)));
}

/// Passes an error on: `if (!r) return fail(std::move(r).error());`.
[[nodiscard]] inline failure fail(error e) { return failure(std::move(e)); }

/// A value or an error: tl::expected<T, error> (std::expected needs C++23
/// on g++ 12), with one difference that makes the natural code safe. On a
/// temporary — `engine.queue(u, r).value()`, `*engine.events(id)`,
/// `engine.view(id).error()` — value(), operator* and error() return by
/// value (moved out), not a reference into the temporary. So
///
///     for (const auto& t : crm->queue("regional_manager", "wuzhong").value())
///
/// iterates a live vector; with a plain expected it would iterate a
/// reference into a destroyed temporary. On an lvalue they return
/// references, as expected does. Only the members std::expected also has are
/// used, so the base can switch when the toolchain allows.
template <class T>
class [[nodiscard]] result : public tl::expected<T, tierflow::error> {
  using base = tl::expected<T, tierflow::error>;

 public:
  using base::base;
  using value_type = T;
  result(const base& b) : base(b) {}
  result(base&& b) : base(std::move(b)) {}

  /// The value; throws tl::bad_expected_access<error> when there is none.
  [[nodiscard]] T& value() & { return base::value(); }
  [[nodiscard]] const T& value() const& { return base::value(); }
  /// From a temporary: the value itself, moved out.
  [[nodiscard]] T value() && { return std::move(base::value()); }
  [[nodiscard]] T value() const&& { return base::value(); }

  /// The value, unchecked (precondition: has_value()).
  [[nodiscard]] T& operator*() & { return base::operator*(); }
  [[nodiscard]] const T& operator*() const& { return base::operator*(); }
  /// From a temporary: the value itself, moved out.
  [[nodiscard]] T operator*() && { return std::move(base::operator*()); }
  [[nodiscard]] T operator*() const&& { return base::operator*(); }

  /// The error (precondition: !has_value()).
  [[nodiscard]] tierflow::error& error() & { return base::error(); }
  [[nodiscard]] const tierflow::error& error() const& { return base::error(); }
  /// From a temporary: the error itself, moved out.
  [[nodiscard]] tierflow::error error() && { return std::move(base::error()); }
  [[nodiscard]] tierflow::error error() const&& { return base::error(); }
};

/// A call that returns nothing or an error.
template <>
class [[nodiscard]] result<void> : public tl::expected<void, tierflow::error> {
  using base = tl::expected<void, tierflow::error>;

 public:
  using base::base;
  using value_type = void;
  result(const base& b) : base(b) {}
  result(base&& b) : base(std::move(b)) {}

  /// The error (precondition: !has_value()).
  [[nodiscard]] tierflow::error& error() & { return base::error(); }
  [[nodiscard]] const tierflow::error& error() const& { return base::error(); }
  /// From a temporary: the error itself, moved out.
  [[nodiscard]] tierflow::error error() && { return std::move(base::error()); }
  [[nodiscard]] tierflow::error error() const&& { return base::error(); }
};

namespace detail {
/// For internal outcomes whose error side carries more than an error (the
/// PostgreSQL store's "connection lost" flag, a broken link's position):
/// the same expected type with another error side, never in a public call.
template <class T, class E>
using expected_with = tl::expected<T, E>;
/// The error side of an expected_with.
template <class E>
[[nodiscard]] tl::unexpected<E> unexpected_with(E e) {
  return tl::unexpected<E>(std::move(e));
}
}  // namespace detail

}  // namespace tierflow
