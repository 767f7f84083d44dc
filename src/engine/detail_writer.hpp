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

#include "store/same_text.hpp"

namespace tierflow::detail {

struct command;

/// Writes `text` over `to`, unless `to` holds it already: the storage the
/// engine writes an event's or a summary's texts in held the same text of
/// an earlier command's, most of whose keys and many of whose values
/// repeat. An inline comparison of a few bytes costs less than the
/// string's assign, a call through its general replace (the opens'
/// details were 4 % of the simulator's time in perf, nearly all in it).
inline void write_text(std::string& to, std::string_view text) {
  if (!same_text(to, text)) to.assign(text);
}

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
    write_text(k, key);
    write_text(v, value);
  }
  /// Appends `prefix` + `name` = value (the prefixed keys of
  /// tierflow/event_schema.hpp: customer., ticket., deadline., class., in.).
  void add_prefixed(std::string_view prefix, std::string_view name, std::string_view value) {
    auto& [k, v] = next();
    const std::string_view held = k;
    if (held.size() != prefix.size() + name.size() || !same_text(held.substr(0, prefix.size()), prefix) ||
        !same_text(held.substr(prefix.size()), name)) {
      k.assign(prefix);
      k.append(name);
    }
    write_text(v, value);
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
