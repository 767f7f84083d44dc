// SPDX-License-Identifier: MIT
// Reading a stream for audit: the one way engine::verify, the engine's
// restore and `tierflow audit verify` read and judge a ticket's history.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include <tierflow/audit.hpp>
#include <tierflow/error.hpp>
#include <tierflow/event.hpp>
#include <tierflow/store.hpp>

namespace tierflow {

/// A stream as read for audit: its events, the head the store recorded for
/// them, and the first broken link the audit verifier found, if any.
struct verified_stream {
  std::vector<event> events;
  store::stream_head head;
  /// None: the stream verifies (see first_break(ticket_id, stream, head)).
  std::optional<broken_link> broken;
};

/// Reads stream `ticket_id` from `s` and judges it with the audit verifier
/// (first_break(ticket_id, events, head): hash chain, recorded head, every
/// event naming this stream).
///
/// On a shared store another engine may append between reading the events
/// and reading the head, which would look like a break (`inserted`). So the
/// events are read between two reads of the head, and only a pair of equal
/// heads (nothing appended meanwhile) is taken as the snapshot to judge; a
/// stream that keeps moving for `attempts` rounds is judged up to the first
/// head read in the last round.
///
/// Errors: errc::not_found when the store holds nothing for `ticket_id` (no
/// events and no head); a store's own errors (io_error …) as it reports
/// them. A damaged stream is not an error of this call: it is reported in
/// `broken`, so that an audit lists every damaged stream and goes on.
/// Reads only; O(n) in the stream's length.
[[nodiscard]] result<verified_stream> read_verified(const store& s, std::string_view ticket_id,
                                                    int attempts = 16);

/// read_verified as a yes/no: success when the stream verifies;
/// errc::data_loss with the first broken link's message when it does not;
/// read_verified's errors otherwise.
[[nodiscard]] result<void> verify_stored(const store& s, std::string_view ticket_id);

}  // namespace tierflow
