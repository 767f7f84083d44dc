// SPDX-License-Identifier: MIT
// The heap of the `tierflow` tool and of the benchmarks on transparent huge
// pages.
//
// A simulated city-year keeps about 1.5 GB of tickets, trails, indexes and
// customers and touches it all over: with 4 KiB pages nearly every cache
// miss is a TLB miss too, and in a virtual machine each TLB miss walks two
// page tables. Debian's kernels hand out transparent huge pages (2 MiB) only
// to memory that asks for them (`enabled` is `madvise`), so the memory
// tcmalloc takes from the system is advised as it is taken, and taken in
// whole huge pages on a huge-page boundary (else most of it keeps small
// pages; see huge_page_allocator::Alloc). The library itself never does
// this: a host links its own allocator and decides.
#pragma once

#include <cstdlib>
#include <string_view>

#if defined(TIERFLOW_TCMALLOC) && defined(__linux__)
#include <sys/mman.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <new>

#include <gperftools/malloc_extension.h>
#endif

namespace tierflow::cli {

#if defined(TIERFLOW_TCMALLOC) && defined(__linux__)
namespace detail {

/// tcmalloc's source of memory, passed through, with each region it hands
/// out advised MADV_HUGEPAGE (its whole pages only; an advice the kernel
/// refuses changes nothing, and the memory is used with small pages).
class huge_page_allocator final : public SysAllocator {
 public:
  explicit huge_page_allocator(SysAllocator* next) noexcept : next_(next) {}

  /// The kernel backs an advised range with a huge page at its first touch
  /// only when the whole 2 MiB-aligned page around the touched address lies
  /// in advised memory by then; tcmalloc grows its heap by a megabyte or so
  /// at a time, so most of it would be touched before its huge page is
  /// whole and keep small pages (AnonHugePages was 43 of 338 MiB of an
  /// M/M/10 run). So every region starts on a huge-page boundary and, when
  /// tcmalloc can take more than it asked (actual_size not null: it uses
  /// the whole region), is asked for in whole huge pages. A source that
  /// cannot (null) is asked again as tcmalloc asked.
  void* Alloc(std::size_t size, std::size_t* actual_size, std::size_t alignment) override {
    constexpr std::size_t huge = std::size_t{2} << 20U;
    std::size_t asked = size;
    if (actual_size != nullptr && size <= std::numeric_limits<std::size_t>::max() - huge)
      asked = (size + huge - 1) & ~(huge - 1);
    void* region = next_->Alloc(asked, actual_size, std::max(alignment, huge));
    if (region == nullptr) {
      asked = size;
      region = next_->Alloc(size, actual_size, alignment);
      if (region == nullptr) return nullptr;
    }
    const std::size_t length = actual_size != nullptr ? *actual_size : asked;
    constexpr std::uintptr_t page = 4096;
    const auto begin = reinterpret_cast<std::uintptr_t>(region);
    const std::uintptr_t first = (begin + page - 1) & ~(page - 1);
    const std::uintptr_t end = (begin + length) & ~(page - 1);
    if (end > first) (void)::madvise(reinterpret_cast<void*>(first), end - first, MADV_HUGEPAGE);
    return region;
  }

 private:
  SysAllocator* next_;
};

}  // namespace detail
#endif

/// Makes the memory the heap takes from the system from now on ask for
/// transparent huge pages, when the binary allocates with tcmalloc
/// (TIERFLOW_TCMALLOC, on Linux) and the environment variable
/// TIERFLOW_HUGE_PAGES is not "0" (an operator's way to rule it out).
/// Returns whether the heap asks for them (true again on a later call once
/// it does). Call it first thing in main(), before any thread starts:
/// tcmalloc's SetSystemAllocator is not synchronised. Memory taken before
/// keeps small pages.
inline bool back_heap_with_huge_pages() noexcept {
#if defined(TIERFLOW_TCMALLOC) && defined(__linux__)
  static bool installed = false;
  if (installed) return true;
  if (const char* off = std::getenv("TIERFLOW_HUGE_PAGES"); off != nullptr && std::string_view{off} == "0")
    return false;
  MallocExtension* const heap = MallocExtension::instance();
  SysAllocator* const next = heap->GetSystemAllocator();
  if (next == nullptr) return false;
  // Never destroyed: tcmalloc may take memory until the process ends.
  static detail::huge_page_allocator* const advising = new (std::nothrow) detail::huge_page_allocator(next);
  if (advising == nullptr) return false;
  heap->SetSystemAllocator(advising);
  installed = true;
  return true;
#else
  return false;
#endif
}

}  // namespace tierflow::cli
