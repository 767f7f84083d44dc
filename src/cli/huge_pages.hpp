// SPDX-License-Identifier: MIT
// The heap of the `tierflow` tool and of the benchmarks on transparent huge
// pages.
//
// A simulated city-year keeps about 1.5 GB of tickets, trails, indexes and
// customers and touches it all over: with 4 KiB pages nearly every cache
// miss is a TLB miss too, and in a virtual machine each TLB miss walks two
// page tables. Debian's kernels hand out transparent huge pages (2 MiB) only
// to memory that asks for them (`enabled` is `madvise`), so the memory
// tcmalloc takes from the system is advised as it is taken. The library
// itself never does this: a host links its own allocator and decides.
#pragma once

#include <cstdlib>
#include <string_view>

#if defined(TIERFLOW_TCMALLOC) && defined(__linux__)
#include <sys/mman.h>

#include <cstddef>
#include <cstdint>
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

  void* Alloc(std::size_t size, std::size_t* actual_size, std::size_t alignment) override {
    void* const region = next_->Alloc(size, actual_size, alignment);
    if (region == nullptr) return nullptr;
    constexpr std::uintptr_t page = 4096;
    const auto begin = reinterpret_cast<std::uintptr_t>(region);
    const std::size_t length = actual_size != nullptr ? *actual_size : size;
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
