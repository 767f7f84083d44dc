// SPDX-License-Identifier: MIT
// open_store: a store from its URL. Lives in tierflow::tierflow, the target
// that links every backend built (TIERFLOW_WITH_SQLITE, TIERFLOW_WITH_POSTGRES).
#include <tierflow/open_store.hpp>

#include <string>

#include <tierflow/memory_store.hpp>
#if TIERFLOW_WITH_POSTGRES
#include <tierflow/postgres_store.hpp>
#endif
#if TIERFLOW_WITH_SQLITE
#include <tierflow/sqlite_store.hpp>
#endif

namespace tierflow {

result<std::unique_ptr<store>> open_store(std::string_view url, const store_options& options) {
  const auto starts = [&](std::string_view p) { return url.substr(0, p.size()) == p; };
  if (url == "memory:") return std::unique_ptr<store>(std::make_unique<memory_store>());
  if (starts("sqlite:")) {
    std::string_view path = url.substr(7);
    if (path.substr(0, 2) == "//") path.remove_prefix(2);
    if (path.empty()) return fail(errc::invalid_argument, "store URL 'sqlite:' names no file");
#if TIERFLOW_WITH_SQLITE
    auto s = sqlite_store::open(std::string(path), options);
    if (!s) return fail(std::move(s).error());
    return std::unique_ptr<store>(std::move(*s));
#else
    (void)options;
    return fail(errc::invalid_argument, "store URL 'sqlite:…': this tierflow was built without SQLite (TIERFLOW_WITH_SQLITE=OFF)");
#endif
  }
  if (starts("postgresql://") || starts("postgres://")) {
#if TIERFLOW_WITH_POSTGRES
    auto s = postgres_store::open(std::string(url), options);
    if (!s) return fail(std::move(s).error());
    return std::unique_ptr<store>(std::move(*s));
#else
    (void)options;
    return fail(errc::invalid_argument, "store URL 'postgresql://…': this tierflow was built without PostgreSQL (TIERFLOW_WITH_POSTGRES=OFF)");
#endif
  }
  return fail(errc::invalid_argument, "store URL '" + std::string(url.substr(0, 64)) +
                                          "': expected memory:, sqlite:PATH or postgresql://…");
}

}  // namespace tierflow
