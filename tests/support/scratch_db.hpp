// SPDX-License-Identifier: MIT
// The one scratch database of the tests: somewhere fresh to put a store,
// removed when the test is done.
//   - temp_dir: a fresh directory under the system's temporary directory
//     (databases, exports, the files a loader reads);
//   - scratch_sqlite: a SQLite database file in a temp_dir of its own;
//   - scratch_postgres: a database of its own on the throwaway PostgreSQL
//     server of the CTest fixture `postgres` (tests/pg/throwaway-postgres),
//     created through a maintenance connection and dropped, connections and
//     all, afterwards. Only in tests registered with PG in
//     tests/CMakeLists.txt (they link libpq and define TIERFLOW_TEST_POSTGRES).
// Names carry the process id and a random number: tests run in parallel and
// in several processes.
#pragma once

#include <atomic>
#include <filesystem>
#include <random>
#include <string>
#include <string_view>
#include <system_error>

#include <unistd.h>

#ifdef TIERFLOW_TEST_POSTGRES
#include <libpq-fe.h>

#include <cstdlib>
#include <fstream>
#include <memory>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

#include <tierflow/postgres_store.hpp>
#include <tierflow/store_options.hpp>
#endif

namespace tierflow_test {

/// A fresh, empty directory under the system's temporary directory, named
/// after `stem`, the process and a random number, removed with everything
/// in it when this goes out of scope.
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

/// A SQLite database file (not yet created: the store creates it) in a
/// temp_dir of its own, so that its -wal and -shm files go with it.
class scratch_sqlite {
 public:
  explicit scratch_sqlite(std::string_view stem = "tierflow_sqlite", std::string_view file = "store.db")
      : dir_(stem), path_(dir_.file(file)) {}

  /// The database file.
  [[nodiscard]] const std::string& path() const noexcept { return path_; }
  /// The file as a URL for tierflow::open_store and `tierflow audit`.
  [[nodiscard]] std::string url() const { return "sqlite:" + path_; }
  /// The directory, for files beside it.
  [[nodiscard]] const temp_dir& dir() const noexcept { return dir_; }

 private:
  temp_dir dir_;
  std::string path_;
};

#ifdef TIERFLOW_TEST_POSTGRES

/// The throwaway server's URL, as the fixture wrote it into the file named
/// by TIERFLOW_PG_URL_FILE; fails the test loudly when it is not there (the
/// PostgreSQL tests are never skipped).
inline std::string pg_server_url() {
  const char* file = std::getenv("TIERFLOW_PG_URL_FILE");
  if (file == nullptr || *file == '\0') {
    FAIL("TIERFLOW_PG_URL_FILE is not set: run this test through ctest, whose `postgres` fixture "
         "starts a throwaway server (tests/pg/throwaway-postgres)");
  }
  std::ifstream in(file);
  std::string url;
  if (!in || !std::getline(in, url) || url.empty()) {
    FAIL("cannot read the PostgreSQL URL from " << file
         << ": did postgres.start (tests/pg/throwaway-postgres) fail? Is PostgreSQL installed?");
  }
  return url;
}

/// `url` (postgresql://[authority]/DB[?query]) with its database name
/// replaced by `db`.
inline std::string pg_with_database(const std::string& url, const std::string& db) {
  const auto scheme = url.find("://");
  REQUIRE_MESSAGE(scheme != std::string::npos, "not a URL: " << url);
  const auto slash = url.find('/', scheme + 3);
  REQUIRE_MESSAGE(slash != std::string::npos, "no database in " << url);
  const auto query = url.find('?', slash);
  return url.substr(0, slash + 1) + db + (query == std::string::npos ? "" : url.substr(query));
}

/// `url` with its database (and any extra key=value settings) replaced, as
/// a key=value conninfo string.
inline std::string pg_conninfo_for(const std::string& url, const std::string& dbname,
                                   const std::vector<std::pair<std::string, std::string>>& extra = {}) {
  char* err = nullptr;
  PQconninfoOption* options = PQconninfoParse(url.c_str(), &err);
  INFO("parsing ", url, ": ", err != nullptr ? err : "");
  REQUIRE(options != nullptr);
  const auto quote = [](std::string_view v) {
    std::string out = "'";
    for (const char c : v) {
      if (c == '\'' || c == '\\') out.push_back('\\');
      out.push_back(c);
    }
    return out + "'";
  };
  std::string out;
  for (PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
    if (o->val == nullptr || std::string_view(o->keyword) == "dbname") continue;
    out += std::string(o->keyword) + "=" + quote(o->val) + " ";
  }
  PQconninfoFree(options);
  out += "dbname=" + quote(dbname);
  for (const auto& [k, v] : extra) out += " " + k + "=" + quote(v);
  return out;
}

/// A libpq connection of the test's own, as the superuser the server was
/// made with: for what the stores never do (drop a trigger, edit an event,
/// kill a connection).
class pg_admin {
 public:
  explicit pg_admin(const std::string& conninfo) : conn_(PQconnectdb(conninfo.c_str())) {
    INFO("connecting to ", conninfo, ": ", PQerrorMessage(conn_));
    REQUIRE(PQstatus(conn_) == CONNECTION_OK);
    PQsetNoticeProcessor(conn_, [](void*, const char*) {}, nullptr);
  }
  ~pg_admin() { PQfinish(conn_); }
  pg_admin(const pg_admin&) = delete;
  pg_admin& operator=(const pg_admin&) = delete;

  /// What a statement gave: whether it succeeded, the first column of the
  /// first row ("" without rows), else the error and its SQLSTATE.
  struct answer {
    bool ok = false;
    std::string value;
    std::string error;
    std::string sqlstate;
  };
  /// Runs `sql` with text parameters.
  answer run(const std::string& sql, const std::vector<std::string>& params = {}) {
    std::vector<const char*> values;
    for (const std::string& p : params) values.push_back(p.c_str());
    PGresult* r = PQexecParams(conn_, sql.c_str(), static_cast<int>(values.size()), nullptr,
                               values.data(), nullptr, nullptr, 0);
    answer a;
    const ExecStatusType status = PQresultStatus(r);
    a.ok = status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
    if (a.ok && PQntuples(r) > 0 && PQnfields(r) > 0) a.value = PQgetvalue(r, 0, 0);
    if (!a.ok) {
      a.error = PQresultErrorMessage(r);
      const char* state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
      a.sqlstate = state != nullptr ? state : "";
    }
    PQclear(r);
    return a;
  }
  /// As run, and the statement must succeed.
  std::string must(const std::string& sql, const std::vector<std::string>& params = {}) {
    const answer a = run(sql, params);
    INFO(sql, ": ", a.error);
    REQUIRE(a.ok);
    return a.value;
  }
  /// A generated identifier (database or role name) quoted for SQL text:
  /// identifiers cannot be bound parameters.
  std::string ident(const std::string& name) {
    char* quoted = PQescapeIdentifier(conn_, name.c_str(), name.size());
    REQUIRE(quoted != nullptr);
    std::string out(quoted);
    PQfreemem(quoted);
    return out;
  }

 private:
  PGconn* conn_;
};

/// A database of the test's own on the throwaway server, named
/// `prefix` + process id + a random number, created from the fixture's
/// database (CREATE DATABASE copies the template in a fraction of a second)
/// and dropped WITH (FORCE) when this goes.
class scratch_postgres {
 public:
  explicit scratch_postgres(std::string_view prefix = "tierflow_t_")
      : server_(pg_server_url()), name_(fresh_name(prefix)), maintenance_(server_) {
    maintenance_.must("CREATE DATABASE " + maintenance_.ident(name_));
    conninfo_ = pg_conninfo_for(server_, name_);
    url_ = pg_with_database(server_, name_);
  }
  ~scratch_postgres() {
    const auto dropped = maintenance_.run("DROP DATABASE " + maintenance_.ident(name_) + " WITH (FORCE)");
    CHECK_MESSAGE(dropped.ok, dropped.error);
  }
  scratch_postgres(const scratch_postgres&) = delete;
  scratch_postgres& operator=(const scratch_postgres&) = delete;

  [[nodiscard]] const std::string& name() const noexcept { return name_; }
  /// The database as a postgresql:// URL (tierflow::open_store, the tools).
  [[nodiscard]] const std::string& url() const noexcept { return url_; }
  /// The database as a libpq key=value conninfo.
  [[nodiscard]] const std::string& conninfo() const noexcept { return conninfo_; }
  /// The conninfo with extra settings (another user, a timeout).
  [[nodiscard]] std::string conninfo(const std::vector<std::pair<std::string, std::string>>& extra) const {
    return pg_conninfo_for(server_, name_, extra);
  }
  /// A postgres_store on the database; the test fails when it does not open.
  [[nodiscard]] std::unique_ptr<tierflow::postgres_store> open(const tierflow::store_options& o = {}) const {
    auto s = tierflow::postgres_store::open(conninfo_, o);
    INFO("opening ", conninfo_, ": ", (s ? std::string() : s.error().message()));
    REQUIRE(s);
    return std::move(*s);
  }
  /// A superuser connection to the database.
  [[nodiscard]] std::unique_ptr<pg_admin> superuser() const { return std::make_unique<pg_admin>(conninfo_); }
  /// The connection to the fixture's database this one was created through.
  [[nodiscard]] pg_admin& maintenance() noexcept { return maintenance_; }

 private:
  static std::string fresh_name(std::string_view prefix) {
    static std::atomic<unsigned> counter{0};
    std::random_device entropy;
    return std::string(prefix) + std::to_string(::getpid()) + "_" + std::to_string(counter++) + "_" +
           std::to_string(entropy());
  }

  std::string server_;
  std::string name_;
  pg_admin maintenance_;
  std::string conninfo_;
  std::string url_;
};

#endif  // TIERFLOW_TEST_POSTGRES

}  // namespace tierflow_test
