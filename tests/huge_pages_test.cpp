// SPDX-License-Identifier: MIT
// The tool's heap on transparent huge pages (cli/huge_pages.hpp): with
// tcmalloc, memory the heap takes after the call carries the kernel's
// MADV_HUGEPAGE mark (`hg` in /proc/self/smaps), TIERFLOW_HUGE_PAGES=0 rules
// it out; without tcmalloc nothing is installed.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

#include <doctest/doctest.h>

#include "cli/huge_pages.hpp"

namespace {

// The VmFlags of the mapping of /proc/self/smaps that holds `p`, or "" when
// none does.
std::string flags_of_mapping_holding(const void* p) {
  const auto at = reinterpret_cast<std::uintptr_t>(p);
  std::ifstream smaps("/proc/self/smaps");
  std::string line;
  bool inside = false;
  while (std::getline(smaps, line)) {
    std::uintptr_t from = 0, to = 0;
    char dash = 0;
    std::istringstream head(line);
    if (head >> std::hex >> from >> dash >> to && dash == '-' && line.find(':') > line.find(' ')) {
      inside = from <= at && at < to;
      continue;
    }
    if (inside && line.rfind("VmFlags:", 0) == 0) return line;
  }
  return {};
}

}  // namespace

TEST_CASE("cli.huge_pages.heap_asks_for_them_with_tcmalloc_unless_ruled_out") {
  // Ruled out first: installing cannot be undone within the process.
  REQUIRE(::setenv("TIERFLOW_HUGE_PAGES", "0", 1) == 0);
  CHECK_FALSE(tierflow::cli::back_heap_with_huge_pages());
  REQUIRE(::unsetenv("TIERFLOW_HUGE_PAGES") == 0);
#if defined(TIERFLOW_TCMALLOC) && defined(__linux__)
  CHECK(tierflow::cli::back_heap_with_huge_pages());
  CHECK(tierflow::cli::back_heap_with_huge_pages());  // once is enough; says so again
  // Larger than anything the heap holds yet: taken from the system now.
  constexpr std::size_t bytes = std::size_t{96} << 20;
  auto* block = static_cast<unsigned char*>(std::malloc(bytes));
  REQUIRE(block != nullptr);
  std::memset(block, 1, bytes);
  const std::string flags = flags_of_mapping_holding(block + bytes / 2);
  INFO("mapping flags: " << flags);
  REQUIRE_FALSE(flags.empty());
  CHECK(flags.find(" hg") != std::string::npos);
  std::free(block);
#else
  CHECK_FALSE(tierflow::cli::back_heap_with_huge_pages());
#endif
}

TEST_CASE("cli.huge_pages.memory_taken_before_keeps_small_pages") {
  // The control: a mapping nobody advised carries no mark, so the check
  // above reads the advice, not a default.
  static int in_static_storage = 0;
  const std::string flags = flags_of_mapping_holding(&in_static_storage);
  REQUIRE_FALSE(flags.empty());
  CHECK(flags.find(" hg") == std::string::npos);
}
