// SPDX-License-Identifier: MIT
// open_store: which store a URL names, and what a bad URL gets.
#include <filesystem>
#include <memory>
#include <string>

#include <sys/stat.h>

#include <doctest/doctest.h>

#include <tierflow/memory_store.hpp>
#include <tierflow/open_store.hpp>
#include <tierflow/sqlite_store.hpp>

#include "store_conformance.hpp"
#include "support/scratch_db.hpp"

namespace {

namespace tf = tierflow;
namespace fs = std::filesystem;

}  // namespace

TEST_CASE("store.open.memory_is_a_fresh_memory_store_each_time") {
  auto a = tf::open_store("memory:");
  REQUIRE(a);
  CHECK(dynamic_cast<tf::memory_store*>(a->get()) != nullptr);
  CHECK_FALSE((*a)->shared());
  REQUIRE(tierflow_test::store_conformance::append_next(**a, "T1", 1));
  auto b = tf::open_store("memory:");
  REQUIRE(b);
  CHECK((*b)->head("T1")->version == 0);
}

TEST_CASE("store.open.sqlite_path_with_or_without_slashes_names_one_file") {
  const tierflow_test::scratch_sqlite db("tierflow_open_store", "crm.db");
  const std::string& file = db.path();
  const tierflow_test::temp_dir& dir = db.dir();
  {
    auto s = tf::open_store("sqlite:" + file);
    REQUIRE_MESSAGE(s, (s ? "" : s.error().message()));
    CHECK(dynamic_cast<tf::sqlite_store*>(s->get()) != nullptr);
    CHECK((*s)->shared());
    REQUIRE(tierflow_test::store_conformance::append_next(**s, "T1", 2));
  }
  CHECK(fs::exists(file));
  auto again = tf::open_store("sqlite://" + file);
  REQUIRE(again);
  CHECK((*again)->head("T1")->version == 2);

  // Reading only: no file is created, nothing is appended.
  tf::store_options read_only;
  read_only.read_only = true;
  read_only.create = false;
  auto missing = tf::open_store("sqlite:" + (dir.path() / "none.db").string(), read_only);
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code() == tf::errc::io_error);
  CHECK(missing.error().message().find("none.db") != std::string::npos);
  CHECK_FALSE(fs::exists(dir.path() / "none.db"));
  auto reader = tf::open_store("sqlite:" + file, read_only);
  REQUIRE_MESSAGE(reader, (reader ? "" : reader.error().message()));
  CHECK((*reader)->head("T1")->version == 2);
  CHECK_FALSE(tierflow_test::store_conformance::append_next(**reader, "T1", 1));
}

TEST_CASE("store.open.bad_urls_are_invalid_argument_unreachable_servers_io_error") {
  for (const char* url : {"", "sqlite:", "sqlite://", "mysql://db/crm", "memory", "file:/tmp/x.db"}) {
    CAPTURE(url);
    auto s = tf::open_store(url);
    REQUIRE_FALSE(s);
    CHECK(s.error().code() == tf::errc::invalid_argument);
  }
  // No server listens on this socket directory.
  auto pg = tf::open_store("postgresql:///tierflow?host=/nonexistent-tierflow-socket-dir&connect_timeout=2");
  REQUIRE_FALSE(pg);
  CHECK(pg.error().code() == tf::errc::io_error);
  // A password never comes back in the message, whether libpq could parse
  // the URL or repeats it whole.
  for (const char* url : {"postgresql://auditor:s3cret@[::1", "postgresql://auditor:s3cret@/db?host=/nonexistent-dir"}) {
    CAPTURE(url);
    auto refused = tf::open_store(url);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().message().find("s3cret") == std::string::npos);
  }
}

TEST_CASE("store.open.a_sqlite_url_naming_a_fifo_or_a_directory_is_invalid_argument") {
  const tierflow_test::temp_dir dir("tierflow_open_store");
  const std::string fifo = dir.file("fifo.db");
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  for (const std::string& path : {fifo, dir.path().string()}) {
    for (const bool read_only : {false, true}) {
      CAPTURE(path);
      CAPTURE(read_only);
      tf::store_options o;
      o.read_only = read_only;
      // Returning at all is half the check: SQLite would block on the FIFO.
      auto s = tf::open_store("sqlite:" + path, o);
      REQUIRE_FALSE(s);
      CHECK(s.error().code() == tf::errc::invalid_argument);
      CHECK(s.error().message().find("not a regular file") != std::string::npos);
    }
  }
}
