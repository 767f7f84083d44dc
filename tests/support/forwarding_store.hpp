// SPDX-License-Identifier: MIT
// The one store wrapper of the tests: a tierflow::store that forwards every
// call to another store. A test derives from it and overrides only the call
// it watches (which appends succeeded, in what order; how many lost a
// version race) or breaks (a race staged before an append, a store that
// says it is shared), so that a new member of tierflow::store is forwarded
// in one place instead of in every wrapper.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <tierflow/error.hpp>
#include <tierflow/event.hpp>
#include <tierflow/store.hpp>

namespace tierflow_test {

/// Forwards every member of tierflow::store, shared(), claim_due() and
/// flush() included, to the store it wraps: one it borrows (which must
/// outlive it) or one it owns.
class forwarding_store : public tierflow::store {
 public:
  explicit forwarding_store(tierflow::store& inner) : inner_(&inner) {}
  explicit forwarding_store(std::unique_ptr<tierflow::store> owned)
      : owned_(std::move(owned)), inner_(owned_.get()) {}
  forwarding_store(const forwarding_store&) = delete;
  forwarding_store& operator=(const forwarding_store&) = delete;

  /// The wrapped store.
  [[nodiscard]] tierflow::store& inner() const noexcept { return *inner_; }

  [[nodiscard]] tierflow::result<void> append(const tierflow::append_request& request) override {
    return inner_->append(request);
  }

  /// `request` without leave to move its events (append_request::movable):
  /// for a decorator that reads them after passing the request on.
  [[nodiscard]] static tierflow::append_request copying(tierflow::append_request request) noexcept {
    request.movable = nullptr;
    return request;
  }
  [[nodiscard]] tierflow::result<std::vector<tierflow::event>> load(std::string_view ticket_id) const override {
    return inner_->load(ticket_id);
  }
  [[nodiscard]] tierflow::result<stream_head> head(std::string_view ticket_id) const override {
    return inner_->head(ticket_id);
  }
  [[nodiscard]] tierflow::result<std::uint64_t> next_ticket_number() override {
    return inner_->next_ticket_number();
  }
  [[nodiscard]] tierflow::result<tierflow::ticket_intake> number_and_history(std::string_view customer_id) override {
    return inner_->number_and_history(customer_id);
  }
  [[nodiscard]] tierflow::result<tierflow::ticket_summary> summary(std::string_view ticket_id) const override {
    return inner_->summary(ticket_id);
  }
  [[nodiscard]] tierflow::result<std::vector<tierflow::ticket_summary>> queue(
      std::string_view unit, std::string_view region) const override {
    return inner_->queue(unit, region);
  }
  [[nodiscard]] tierflow::result<std::vector<tierflow::ticket_summary>> customer_tickets(
      std::string_view customer_id) const override {
    return inner_->customer_tickets(customer_id);
  }
  [[nodiscard]] tierflow::result<std::vector<tierflow::due_ticket>> due(tierflow::timestamp now,
                                                                        std::size_t limit) const override {
    return inner_->due(now, limit);
  }
  [[nodiscard]] tierflow::result<std::vector<tierflow::ticket_summary>> open_tickets() const override {
    return inner_->open_tickets();
  }
  [[nodiscard]] tierflow::result<std::vector<std::string>> streams() const override {
    return inner_->streams();
  }
  [[nodiscard]] bool shared() const noexcept override { return inner_->shared(); }
  [[nodiscard]] tierflow::result<std::vector<tierflow::due_ticket>> claim_due(tierflow::timestamp now,
                                                                              std::size_t limit) override {
    return inner_->claim_due(now, limit);
  }
  [[nodiscard]] tierflow::result<void> flush() override { return inner_->flush(); }

 private:
  std::unique_ptr<tierflow::store> owned_;  // empty when the store is borrowed
  tierflow::store* inner_;
};

}  // namespace tierflow_test
