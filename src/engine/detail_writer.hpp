// SPDX-License-Identifier: MIT
// The details of an event in the making, written in place.
//
// Private to the engine: command.hpp begins an event and hands out its
// writer; outcomes.hpp and the engine's parts write the details through it.
#pragma once

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include <tierflow/event.hpp>

namespace tierflow::detail {

struct command;

/// The details of the event a command is building, written in place over
/// what the event's storage held before (command::details): each detail
/// assigned into a pair kept from an earlier command, so that its strings
/// (and the vector) keep their capacity. finish() drops the pairs beyond
/// the ones written.
class detail_writer {
 public:
  /// Appends key = value.
  void add(std::string_view key, std::string_view value) {
    auto& [k, v] = next();
    k.assign(key);
    v.assign(value);
  }
  /// Appends `prefix` + `name` = value (the prefixed keys of
  /// tierflow/event_schema.hpp: customer., ticket., deadline., class., in.).
  void add_prefixed(std::string_view prefix, std::string_view name, std::string_view value) {
    auto& [k, v] = next();
    k.assign(prefix);
    k.append(name);
    v.assign(value);
  }
  /// Appends key = `seconds` as decimal text (std::to_string's).
  void add_seconds(std::string_view key, std::int64_t seconds) {
    char digits[24];
    const auto end = std::to_chars(digits, digits + sizeof digits, seconds).ptr;
    add(key, std::string_view(digits, static_cast<std::size_t>(end - digits)));
  }

 private:
  // The command begins an event's writer and finishes it (command.hpp).
  friend struct command;
  event_details* d_ = nullptr;
  std::size_t n_ = 0;

  void begin(event_details& d) noexcept {
    d_ = &d;
    n_ = 0;
  }
  std::pair<std::string, std::string>& next() {
    if (n_ == d_->size()) d_->emplace_back();
    return (*d_)[n_++];
  }
  void finish() { d_->resize(n_); }
};

}  // namespace tierflow::detail
