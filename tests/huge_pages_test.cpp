// SPDX-License-Identifier: MIT
// The tool's heap on transparent huge pages (cli/huge_pages.hpp): with
// tcmalloc, memory the heap takes after the call carries the kernel's
// MADV_HUGEPAGE mark (`hg` in /proc/self/smaps), TIERFLOW_HUGE_PAGES=0 rules
// it out; without tcmalloc nothing is installed.
#include <algorithm>
#include <cstddef>
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

#if defined(TIERFLOW_TCMALLOC) && defined(__linux__)
namespace {

// A source of memory that records what it was asked and can refuse
// requests above a size.
class recording_source final : public SysAllocator {
 public:
  std::size_t asked_size = 0, asked_alignment = 0, calls = 0;
  std::size_t refuse_above = static_cast<std::size_t>(-1);
  bool report_actual = true;
  void* Alloc(std::size_t size, std::size_t* actual_size, std::size_t alignment) override {
    ++calls;
    asked_size = size;
    asked_alignment = alignment;
    if (size > refuse_above) return nullptr;
    if (report_actual && actual_size != nullptr) *actual_size = size;
    return std::aligned_alloc(std::max<std::size_t>(alignment, 4096), (size + 4095) & ~std::size_t{4095});
  }
};

constexpr std::size_t two_mib = std::size_t{2} << 20U;

}  // namespace

TEST_CASE("cli.huge_pages.regions_are_asked_for_in_whole_aligned_huge_pages") {
  // A region that is not whole huge pages on a huge-page boundary is mostly
  // touched before its huge page is whole in advised memory, and keeps small
  // pages: each request is rounded up and aligned, and tcmalloc told the
  // size it got.
  recording_source source;
  tierflow::cli::detail::huge_page_allocator advising(&source);
  for (const std::size_t size : {std::size_t{1} << 20U, two_mib, two_mib + 4096, std::size_t{7} << 20U}) {
    CAPTURE(size);
    std::size_t actual = 0;
    void* region = advising.Alloc(size, &actual, 4096);
    REQUIRE(region != nullptr);
    CHECK(source.asked_size % two_mib == 0);
    CHECK(source.asked_size >= size);
    CHECK(source.asked_size < size + two_mib);
    CHECK(source.asked_alignment == two_mib);
    CHECK(actual == source.asked_size);
    CHECK(reinterpret_cast<std::uintptr_t>(region) % two_mib == 0);
    std::free(region);
  }
  // A caller that cannot take more than it asked (no actual_size) gets
  // what it asked, on a huge-page boundary.
  void* exact = advising.Alloc(std::size_t{3} << 20U, nullptr, 4096);
  REQUIRE(exact != nullptr);
  CHECK(source.asked_size == std::size_t{3} << 20U);
  CHECK(source.asked_alignment == two_mib);
  std::free(exact);
  // A larger alignment asked for is kept.
  std::size_t actual = 0;
  void* region = advising.Alloc(4096, &actual, std::size_t{4} << 20U);
  REQUIRE(region != nullptr);
  CHECK(source.asked_alignment == std::size_t{4} << 20U);
  std::free(region);
}

TEST_CASE("cli.huge_pages.a_source_that_cannot_round_up_is_asked_as_tcmalloc_asked") {
  recording_source source;
  source.refuse_above = std::size_t{1} << 20U;  // the rounded request fails, the plain one not
  tierflow::cli::detail::huge_page_allocator advising(&source);
  std::size_t actual = 0;
  void* region = advising.Alloc(std::size_t{1} << 20U, &actual, 4096);
  REQUIRE(region != nullptr);
  CHECK(source.calls == 2);
  CHECK(source.asked_size == std::size_t{1} << 20U);
  CHECK(source.asked_alignment == 4096);
  CHECK(actual == std::size_t{1} << 20U);
  std::free(region);
  // Both refused: null, as tcmalloc expects of a source out of memory.
  source.refuse_above = 0;
  CHECK(advising.Alloc(4096, &actual, 4096) == nullptr);
}
#endif

TEST_CASE("cli.huge_pages.memory_taken_before_keeps_small_pages") {
  // The control: a mapping nobody advised carries no mark, so the check
  // above reads the advice, not a default.
  static int in_static_storage = 0;
  const std::string flags = flags_of_mapping_holding(&in_static_storage);
  REQUIRE_FALSE(flags.empty());
  CHECK(flags.find(" hg") == std::string::npos);
}
