// SPDX-License-Identifier: MIT
// A scratch directory for tests that write files (databases, exports).
#pragma once

#include <atomic>
#include <filesystem>
#include <random>
#include <string>
#include <string_view>
#include <system_error>

#include <unistd.h>

namespace tierflow_test {

/// A fresh, empty directory under the system's temporary directory, named
/// after `stem`, the process and a random number (tests run in parallel and
/// in several processes), removed with everything in it when this goes out
/// of scope.
class temp_dir {
 public:
  explicit temp_dir(std::string_view stem = "tierflow") {
    static std::atomic<unsigned> counter{0};
    std::random_device entropy;
    const std::filesystem::path base = std::filesystem::temp_directory_path();
    do {
      path_ = base / (std::string(stem) + "_" + std::to_string(::getpid()) + "_" + std::to_string(counter++) +
                      "_" + std::to_string(entropy()));
    } while (!std::filesystem::create_directory(path_));
  }
  ~temp_dir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }
  /// The path of a file in the directory (not created).
  [[nodiscard]] std::string file(std::string_view name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace tierflow_test
