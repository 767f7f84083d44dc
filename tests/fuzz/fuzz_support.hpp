// SPDX-License-Identifier: MIT
// What the fuzz harnesses share: the shipped definitions, loaded once, and a
// reader that turns the fuzzer's bytes into choices.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include <tierflow/catalog.hpp>
#include <tierflow/loader.hpp>

namespace tierflow_fuzz {

/// The repository's workflows/ directory (organisation and workflows).
inline std::string shipped_dir() { return std::string(TIERFLOW_SOURCE_DIR) + "/workflows"; }

/// The shipped catalog, loaded on first use. A harness that cannot load it
/// cannot test anything: it says why and aborts, which fails the run.
inline const tierflow::catalog& shipped_catalog() {
  static const tierflow::catalog cat = [] {
    tierflow::diagnostics diags;
    auto loaded = tierflow::load_catalog_files({shipped_dir()}, diags);
    if (!loaded) {
      std::fprintf(stderr, "fuzz: cannot load the shipped workflows: %s\n",
                   loaded.error().message().c_str());
      std::abort();
    }
    return std::move(*loaded);
  }();
  return cat;
}

/// The shipped sources (organisation.yaml first, then the workflows), read once.
inline const std::vector<tierflow::source_file>& shipped_sources() {
  static const std::vector<tierflow::source_file> sources = [] {
    tierflow::diagnostics diags;
    auto read = tierflow::read_sources({shipped_dir()}, diags);
    std::vector<tierflow::source_file> ordered;
    for (auto& s : read)
      if (s.name.ends_with("/organisation.yaml")) ordered.push_back(s);
    for (auto& s : read)
      if (!s.name.ends_with("/organisation.yaml")) ordered.push_back(s);
    if (diags.has_errors() || ordered.empty() || !ordered.front().name.ends_with("/organisation.yaml")) {
      std::fprintf(stderr, "fuzz: cannot read the shipped workflows\n");
      std::abort();
    }
    return ordered;
  }();
  return sources;
}

/// Fails the run: prints what broke and aborts (libFuzzer then saves the
/// input as a crash; the corpus replay fails its CTest test).
[[noreturn]] inline void violated(const std::string& what) {
  std::fprintf(stderr, "fuzz: invariant violated: %s\n", what.c_str());
  std::abort();
}

/// Takes choices from the input's bytes, front to back; once they run out
/// every choice is 0 (the first option), so any input decodes to something.
class byte_reader {
 public:
  byte_reader(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}

  [[nodiscard]] bool empty() const noexcept { return pos_ >= size_; }
  [[nodiscard]] std::size_t left() const noexcept { return empty() ? 0 : size_ - pos_; }

  std::uint8_t byte() noexcept { return empty() ? 0 : data_[pos_++]; }
  std::uint32_t u32() noexcept {
    std::uint32_t out = 0;
    for (int i = 0; i < 4; ++i) out = (out << 8U) | byte();
    return out;
  }
  /// An index below `n` (n > 0).
  std::size_t below(std::size_t n) noexcept { return n == 0 ? 0 : byte() % n; }
  /// One of `options` (not empty).
  template <class T>
  const T& pick(const std::vector<T>& options) noexcept {
    return options[below(options.size())];
  }
  /// Raw bytes: a length byte, then that many bytes (NULs, invalid UTF-8,
  /// escapes and all).
  std::string bytes() {
    const std::size_t n = std::min<std::size_t>(byte(), left());
    std::string out(reinterpret_cast<const char*>(data_ + pos_), n);
    pos_ += n;
    return out;
  }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t pos_ = 0;
};

}  // namespace tierflow_fuzz
