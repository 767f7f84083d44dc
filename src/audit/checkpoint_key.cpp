// SPDX-License-Identifier: MIT
// The Ed25519 keys of checkpoints (libsodium): generation, the one-line text
// form of key files, signing and verifying.
#include <sodium.h>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include <tierflow/checkpoint.hpp>

#include "audit/hex.hpp"
#include "audit/merkle.hpp"

namespace tierflow {
namespace {

constexpr std::string_view public_label = "tierflow-ed25519-public-key";
constexpr std::string_view secret_label = "tierflow-ed25519-secret-key";

static_assert(crypto_sign_PUBLICKEYBYTES == 32 && crypto_sign_SECRETKEYBYTES == 64 &&
              crypto_sign_SEEDBYTES == 32 && crypto_sign_BYTES == 64);

std::string_view trim(std::string_view text) {
  const auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!text.empty() && blank(text.front())) text.remove_prefix(1);
  while (!text.empty() && blank(text.back())) text.remove_suffix(1);
  return text;
}

// The hex of a key file's one line "<label> <hex>", or an error naming what
// the text is instead. Messages never quote the text: it may be a secret.
result<std::string_view> key_hex(std::string_view text, std::string_view label,
                                 std::string_view other_label, std::string_view what) {
  text = trim(text);
  if (text.substr(0, other_label.size()) == other_label) {
    return fail(errc::invalid_argument,
                "this is a " + std::string(other_label == secret_label ? "secret" : "public") +
                    " key, not a " + std::string(what));
  }
  if (text.substr(0, label.size()) != label || text.size() <= label.size() ||
      text[label.size()] != ' ') {
    return fail(errc::invalid_argument, "not a " + std::string(what) + " (expected one line '" +
                                            std::string(label) + " <64 hex digits>')");
  }
  return trim(text.substr(label.size() + 1));
}

}  // namespace

result<verify_key> verify_key::parse(std::string_view text) {
  auto hex = key_hex(text, public_label, secret_label, "public key");
  if (!hex) return fail(std::move(hex).error());
  const auto bytes = detail::array_of_hex<32>(*hex);
  if (!bytes) return fail(errc::invalid_argument, "the public key is not 64 hex digits");
  return verify_key(*bytes);
}

std::string verify_key::to_text() const {
  return std::string(public_label) + " " + detail::hex_of(bytes_) + "\n";
}

std::string verify_key::id() const {
  const std::string_view raw(reinterpret_cast<const char*>(bytes_.data()), bytes_.size());
  return detail::hex_of(detail::sha256_of(raw).data(), 8);
}

bool verify_key::verify(std::string_view message,
                        const checkpoint_signature& signature) const noexcept {
  // Verification uses no randomness, but libsodium asks for sodium_init
  // before any call; without it nothing verifies.
  if (!detail::sodium_ready()) return false;
  return crypto_sign_verify_detached(signature.data(),
                                     reinterpret_cast<const unsigned char*>(message.data()),
                                     message.size(), bytes_.data()) == 0;
}

result<signing_key> signing_key::generate() {
  if (!detail::sodium_ready()) return fail(errc::io_error, "libsodium cannot be initialised");
  signing_key key;
  std::array<std::uint8_t, 32> public_part{};
  crypto_sign_keypair(public_part.data(), key.secret_.data());
  return key;
}

result<signing_key> signing_key::parse(std::string_view text) {
  if (!detail::sodium_ready()) return fail(errc::io_error, "libsodium cannot be initialised");
  auto hex = key_hex(text, secret_label, public_label, "secret key");
  if (!hex) return fail(std::move(hex).error());
  auto seed = detail::array_of_hex<32>(*hex);
  if (!seed) return fail(errc::invalid_argument, "the secret key is not 64 hex digits");
  signing_key key;
  std::array<std::uint8_t, 32> public_part{};
  crypto_sign_seed_keypair(public_part.data(), key.secret_.data(), seed->data());
  sodium_memzero(seed->data(), seed->size());
  return key;
}

signing_key::signing_key(signing_key&& other) noexcept : secret_(other.secret_) {
  sodium_memzero(other.secret_.data(), other.secret_.size());
}

signing_key& signing_key::operator=(signing_key&& other) noexcept {
  if (this != &other) {
    secret_ = other.secret_;
    sodium_memzero(other.secret_.data(), other.secret_.size());
  }
  return *this;
}

signing_key::~signing_key() { sodium_memzero(secret_.data(), secret_.size()); }

std::string signing_key::to_text() const {
  // The seed (the first half) is the key; the second half is derived.
  return std::string(secret_label) + " " + detail::hex_of(secret_.data(), 32) + "\n";
}

verify_key signing_key::public_key() const noexcept {
  std::array<std::uint8_t, 32> bytes{};
  crypto_sign_ed25519_sk_to_pk(bytes.data(), secret_.data());
  return verify_key(bytes);
}

checkpoint_signature signing_key::sign(std::string_view message) const noexcept {
  checkpoint_signature out{};
  // Ed25519 signing is deterministic and cannot fail for a valid key.
  crypto_sign_detached(out.data(), nullptr, reinterpret_cast<const unsigned char*>(message.data()),
                       message.size(), secret_.data());
  return out;
}

}  // namespace tierflow
