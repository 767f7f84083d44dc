// SPDX-License-Identifier: MIT
// `tierflow audit keygen|checkpoint|prove|check-proof` and `audit verify
// --checkpoints` (src/cli/audit_checkpoint_command.cpp), run as a separate
// process (TIERFLOW_CLI) on a SQLite store written with the store API; the
// re-sealed case rewrites the file as an insider would
// (support/checkpoint_cases.hpp).
#include <sys/stat.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <doctest/doctest.h>

#include <tierflow/audit.hpp>
#include <tierflow/open_store.hpp>
#include <tierflow/store.hpp>

#include "support/checkpoint_cases.hpp"
#include "support/cli_runner.hpp"
#include "support/scratch_db.hpp"

namespace fs = std::filesystem;
namespace tf = tierflow;
using tierflow_test::append_events;
using tierflow_test::temp_dir;
using tierflow_test::cli_result;
using tierflow_test::read_file;
using tierflow_test::run_cli;

namespace {

void write_file(const fs::path& path, std::string_view text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

bool contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}


/// A store of three streams, a key pair and one checkpoint of the store.
struct anchored_store {
  temp_dir dir{"tierflow_cli_checkpoint"};
  std::string db = dir.file("store.db");
  std::string url = "sqlite:" + db;
  std::string secret = dir.file("checkpoint.key");
  std::string pub = dir.file("checkpoint.pub");
  std::string log = dir.file("checkpoints.jsonl");

  anchored_store() {
    {
      auto s = tf::open_store(url);
      REQUIRE(s.has_value());
      append_events(**s, "T00000001", 5);
      append_events(**s, "T00000002", 3);
      append_events(**s, "~denied", 1);
    }
    const auto keygen =
        run_cli(dir, {"audit", "keygen", "--secret-key", secret, "--public-key", pub});
    REQUIRE_MESSAGE(keygen.status == 0, keygen.err);
    const auto cp =
        run_cli(dir, {"audit", "checkpoint", "--db", url, "--secret-key", secret, "--out", log});
    REQUIRE_MESSAGE(cp.status == 0, cp.err);
    CHECK(contains(cp.out, "checkpoint 1 of "));
    CHECK(contains(cp.out, ": 3 streams, root "));
  }
};

}  // namespace

TEST_CASE("cli.checkpoint.keygen_writes_a_0600_secret_key_and_never_overwrites") {
  const temp_dir dir("tierflow_cli_keygen");
  const std::string secret = dir.file("k.secret");
  const std::string pub = dir.file("k.pub");
  const auto made = run_cli(dir, {"audit", "keygen", "--secret-key", secret, "--public-key", pub});
  REQUIRE_MESSAGE(made.status == 0, made.err);
  struct stat st {};
  REQUIRE(::stat(secret.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK(read_file(secret).rfind("tierflow-ed25519-secret-key ", 0) == 0);
  CHECK(read_file(pub).rfind("tierflow-ed25519-public-key ", 0) == 0);
  CHECK(contains(made.out, "key "));

  const std::string before = read_file(secret);
  const auto again = run_cli(
      dir, {"audit", "keygen", "--secret-key", secret, "--public-key", dir.file("other.pub")});
  CHECK(again.status == 1);
  CHECK(contains(again.err, "exists; a key file is never overwritten"));
  CHECK(read_file(secret) == before);
  CHECK_FALSE(fs::exists(dir.file("other.pub")));
  const auto pub_exists = run_cli(
      dir, {"audit", "keygen", "--secret-key", dir.file("new.secret"), "--public-key", pub});
  CHECK(pub_exists.status == 1);
  CHECK_FALSE(fs::exists(dir.file("new.secret")));

  // A secret key others can read is refused.
  ::chmod(secret.c_str(), 0644);
  const auto loose = run_cli(dir, {"audit", "checkpoint", "--db", "sqlite:" + dir.file("x.db"),
                                   "--secret-key", secret, "--out", dir.file("log")});
  CHECK(loose.status == 2);
  CHECK(contains(loose.err, "can be read by others (mode 0644)"));
}

TEST_CASE("cli.checkpoint.verify_passes_a_good_store_and_names_a_resealed_ticket") {
  anchored_store a;
  const auto good = run_cli(
      a.dir, {"audit", "verify", "--db", a.url, "--checkpoints", a.log, "--public-key", a.pub});
  CHECK_MESSAGE(good.status == 0, (good.out + good.err));
  CHECK(contains(good.out, "checked 1 checkpoint (the newest is 1, key "));
  CHECK(contains(good.out, "3 leaves of 3 streams, 9 events: OK\n"));

  // Grown after the checkpoint, then checkpointed again: still fine.
  {
    auto s = tf::open_store(a.url);
    REQUIRE(s.has_value());
    append_events(**s, "T00000001", 2);
    append_events(**s, "T00000003", 1);
  }
  REQUIRE(run_cli(a.dir,
                  {"audit", "checkpoint", "--db", a.url, "--secret-key", a.secret, "--out", a.log})
              .status == 0);
  CHECK(run_cli(a.dir,
                {"audit", "verify", "--db", a.url, "--checkpoints", a.log, "--public-key", a.pub})
            .status == 0);

  tierflow_test::rewrite_and_reseal(a.db, "T00000002", 1);
  const auto plain = run_cli(a.dir, {"audit", "verify", "--db", a.url});
  CHECK_MESSAGE(plain.status == 0, plain.out);  // the chain alone cannot tell
  const auto caught = run_cli(
      a.dir, {"audit", "verify", "--db", a.url, "--checkpoints", a.log, "--public-key", a.pub});
  CHECK(caught.status == 1);
  CHECK(contains(caught.out, "T00000002: rewritten (checkpoint 1): event 3 has hash "));
  CHECK(contains(caught.out, ": 1 problem\n"));
  CHECK_FALSE(contains(caught.out, "T00000001:"));
}

TEST_CASE("cli.checkpoint.prove_and_check_proof_without_the_database") {
  anchored_store a;
  const std::string proof = a.dir.file("T00000001.proof.json");
  const auto proved =
      run_cli(a.dir, {"audit", "prove", "--checkpoints", a.log, "T00000001", "-o", proof});
  REQUIRE_MESSAGE(proved.status == 0, proved.err);
  const std::string trail = a.dir.file("T00000001.jsonl");
  REQUIRE(run_cli(a.dir, {"audit", "export", "--db", a.url, "--ticket", "T00000001", "-o", trail})
              .status == 0);
  fs::remove(a.db);  // the proof needs neither the database nor the log
  fs::remove(a.log);

  const auto ok = run_cli(a.dir, {"audit", "check-proof", proof, "--public-key", a.pub});
  CHECK_MESSAGE(ok.status == 0, (ok.out + ok.err));
  CHECK(contains(ok.out, "T00000001 at version 5 (head "));
  CHECK(contains(ok.out, "in checkpoint 1 of "));
  CHECK(contains(ok.out, "proven, signed by key "));
  const auto with_trail =
      run_cli(a.dir, {"audit", "check-proof", proof, "--public-key", a.pub, "--trail", trail});
  CHECK_MESSAGE(with_trail.status == 0, (with_trail.out + with_trail.err));
  CHECK(contains(with_trail.out, "the trail's first 5 events lead to it"));

  SUBCASE("a tampered proof") {
    std::string text = read_file(proof);
    const auto at = text.find("\"version\": 5");
    REQUIRE(at != std::string::npos);
    text.replace(at, 12, "\"version\": 4");
    write_file(proof, text);
    const auto bad = run_cli(a.dir, {"audit", "check-proof", proof, "--public-key", a.pub});
    CHECK(bad.status == 1);
    CHECK(contains(bad.out, "NOT PROVEN: the audit path does not lead"));
  }
  SUBCASE("another key") {
    const std::string other = a.dir.file("other.pub");
    REQUIRE(run_cli(a.dir, {"audit", "keygen", "--secret-key", a.dir.file("other.key"),
                            "--public-key", other})
                .status == 0);
    const auto bad = run_cli(a.dir, {"audit", "check-proof", proof, "--public-key", other});
    CHECK(bad.status == 1);
    CHECK(contains(bad.out, "NOT PROVEN: the checkpoint is signed by key "));
  }
  SUBCASE("a forged trail") {
    std::string text = read_file(trail);
    const auto at = text.find("csr_01");
    REQUIRE(at != std::string::npos);
    text.replace(at, 6, "csr_99");
    write_file(trail, text);
    const auto bad =
        run_cli(a.dir, {"audit", "check-proof", proof, "--public-key", a.pub, "--trail", trail});
    CHECK(bad.status == 1);
    CHECK(contains(bad.out, "proven, but the trail"));
  }
}

TEST_CASE("cli.checkpoint.usage_errors_exit_2") {
  anchored_store a;
  struct usage_case {
    std::vector<std::string> args;
    std::string_view message;
  };
  const std::vector<usage_case> cases = {
      {{"audit", "verify", "--db", a.url, "--checkpoints", a.log},
       "--checkpoints needs --public-key"},
      {{"audit", "verify", "--db", a.url, "--checkpoints", a.dir.file("none"), "--public-key",
        a.pub},
       "checkpoint log "},
      {{"audit", "verify", "--db", a.url, "--checkpoints", a.log, "--public-key", a.secret},
       "this is a secret key, not a public key"},
      {{"audit", "checkpoint", "--db", a.url, "--secret-key", a.pub, "--out", a.log},
       "this is a public key, not a secret key"},
      {{"audit", "checkpoint", "--db", a.url, "--secret-key", a.secret, "--out", a.db},
       "is the database itself"},
      {{"audit", "checkpoint", "--db", "memory:", "--secret-key", a.secret, "--out", a.log},
       "--db"},
      {{"audit", "prove", "--checkpoints", a.dir.file("none"), "T00000001"}, "checkpoint log "},
      {{"audit", "check-proof", a.log, "--public-key", a.pub}, "proof '"},
      {{"audit", "check-proof", a.dir.file("none"), "--public-key", a.pub}, "proof '"},
      {{"audit", "keygen", "--secret-key", a.dir.file("same"), "--public-key", a.dir.file("same")},
       "must be two files"},
      {{"audit", "prove", "T00000001"}, ""},
      {{"audit", "keygen", "--secret-key", a.dir.file("only")}, ""},
  };
  for (const auto& c : cases) {
    std::string joined;
    for (const auto& arg : c.args) joined += arg + " ";
    CAPTURE(joined);
    const auto r = run_cli(a.dir, c.args);
    CHECK(r.status == 2);
    CHECK(contains(r.err, c.message));
  }
  // Not a usage error: a ticket no checkpoint holds.
  const auto unknown = run_cli(a.dir, {"audit", "prove", "--checkpoints", a.log, "T99"});
  CHECK(unknown.status == 1);
  CHECK(contains(unknown.err, "no checkpoint in "));
}
