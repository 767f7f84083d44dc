// SPDX-License-Identifier: MIT
// `tierflow audit keygen|checkpoint|prove|check-proof` and the --checkpoints
// part of `audit verify`: the signed checkpoints that anchor the audit trail
// outside the database (tierflow/checkpoint.hpp). Stores are opened
// read-only and never created, as for every audit command; key files,
// checkpoint logs and proofs are read as regular files only.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include <tierflow/audit.hpp>
#include <tierflow/checkpoint.hpp>
#include <tierflow/clock.hpp>
#include <tierflow/store.hpp>
#include <tierflow/time.hpp>

#include "audit_store.hpp"
#include "commands.hpp"
#include "say.hpp"
#include "text/input_file.hpp"

namespace tierflow::cli {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view tool = "tierflow audit";

// A key file is one short line; a proof a few kilobytes (64 path steps at
// most); a trail is one stream's export.
constexpr std::size_t max_key_bytes = 4096;
constexpr std::size_t max_proof_bytes = 1 << 20;
constexpr std::size_t max_trail_bytes = std::size_t{1} << 30;

/// The database file of a sqlite: URL, or "" for other stores.
std::string sqlite_file(std::string_view url) {
  if (url.substr(0, 7) != "sqlite:") return {};
  std::string_view path = url.substr(7);
  if (path.substr(0, 2) == "//") path.remove_prefix(2);
  return std::string(path);
}

// --- files ---------------------------------------------------------------------------------

/// The content of the input file `path` (what: "public key", …), or nullopt
/// after reporting why not on `err`.
std::optional<std::string> read_input(const std::string& path, std::size_t limit,
                                      std::string_view what, std::FILE* err) {
  auto text = detail::read_input_file(path, limit);
  if (!text) {
    say(err, "{}: error: {} '{}': {}", tool, what, path, text.error().message());
    return std::nullopt;
  }
  return std::move(*text);
}

std::optional<verify_key> read_verify_key(const std::string& path, std::FILE* err) {
  auto text = read_input(path, max_key_bytes, "public key", err);
  if (!text) return std::nullopt;
  auto key = verify_key::parse(*text);
  if (!key) {
    say(err, "{}: error: public key '{}': {}", tool, path, key.error().message());
    return std::nullopt;
  }
  return *key;
}

std::optional<signing_key> read_signing_key(const std::string& path, std::FILE* err) {
  auto text = read_input(path, max_key_bytes, "secret key", err);
  if (!text) return std::nullopt;
  auto key = signing_key::parse(*text);
  std::fill(text->begin(), text->end(), '\0');
  if (!key) {
    say(err, "{}: error: secret key '{}': {}", tool, path, key.error().message());
    return std::nullopt;
  }
  // A secret key others can read is no longer secret: refused, as ssh does,
  // so that the mistake is fixed rather than repeated every hour.
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && (st.st_mode & 077) != 0) {
    say(err,
        "{}: error: secret key '{}' can be read by others (mode {:04o}); run chmod 600 "
        "on it",
        tool, path, st.st_mode & 07777);
    return std::nullopt;
  }
  return std::move(*key);
}

/// Writes `text` to the new file `path` with `mode`, synced; never replaces
/// a file (O_EXCL) nor follows a symbolic link. On failure nothing is left
/// behind. Returns the error text, "" on success.
std::string write_new_file(const std::string& path, std::string_view text, mode_t mode) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
  if (fd < 0) return std::generic_category().message(errno);
  std::string problem;
  // The umask may only have removed bits; fchmod makes the mode exact.
  if (::fchmod(fd, mode) != 0) problem = std::generic_category().message(errno);
  while (problem.empty() && !text.empty()) {
    const ssize_t n = ::write(fd, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      problem = std::generic_category().message(errno);
      break;
    }
    text.remove_prefix(static_cast<std::size_t>(n));
  }
  if (problem.empty() && ::fsync(fd) != 0) problem = std::generic_category().message(errno);
  if (::close(fd) != 0 && problem.empty()) problem = std::generic_category().message(errno);
  if (!problem.empty()) ::unlink(path.c_str());
  return problem;
}

bool exists_or_link(const std::string& path) {
  std::error_code ec;
  return fs::exists(fs::symlink_status(path, ec));
}

// --- output ----------------------------------------------------------------------------------

std::string plural(std::uint64_t n, std::string_view word) {
  return fmt::format("{} {}{}", n, word, n == 1 ? "" : "s");
}

std::string short_hex(const merkle_hash& h) { return to_hex(h).substr(0, 16); }

void print_problem(std::FILE* out, const checkpoint_problem& p) {
  if (p.stream.empty()) {
    say(out, "checkpoint {}: {}: {}", p.checkpoint, to_string(p.fault), p.message);
  } else {
    say(out, "{}: {} (checkpoint {}): {}", p.stream, to_string(p.fault), p.checkpoint, p.message);
  }
}

}  // namespace

int run_audit_verify_checkpoints(const audit_verify_options& options, std::FILE* out,
                                 std::FILE* err) {
  if (options.public_key.empty()) {
    say(err,
        "{}: error: --checkpoints needs --public-key: the key the checkpoints are "
        "signed for",
        tool);
    return exit_usage;
  }
  const auto key = read_verify_key(options.public_key, err);
  if (!key) return exit_usage;
  auto log = read_checkpoint_log(options.checkpoints);
  if (!log) {
    say(err, "{}: error: checkpoint log {}", tool, log.error().message());
    return exit_usage;
  }
  if (log->empty()) {
    say(err, "{}: error: checkpoint log '{}' holds no checkpoints: nothing is anchored", tool,
        options.checkpoints);
    return exit_errors;
  }
  auto opened = open_for_audit(options.db, tool, err);
  if (!opened.handle) return opened.status;
  const store& handle = *opened.handle;
  const checkpoint_report report = verify_checkpoints(handle, *log, *key);
  for (const checkpoint_problem& p : report.problems) print_problem(out, p);
  const std::string summary = fmt::format(
      "checked {} (the newest is {}, key {}): {} of {}, {}",
      plural(report.checkpoints, "checkpoint"), log->back().head.sequence, key->id(),
      report.leaves == 1 ? std::string("1 leaf") : fmt::format("{} leaves", report.leaves),
      plural(report.streams, "stream"), plural(report.events, "event"));
  if (report.problems.empty()) {
    say(out, "{}: OK", summary);
    return exit_ok;
  }
  say(out, "{}: {}", summary, plural(report.problems.size(), "problem"));
  return exit_errors;
}

int run_audit_keygen(const audit_keygen_options& options, std::FILE* out, std::FILE* err) {
  std::error_code ec;
  if (options.secret_key == options.public_key ||
      fs::equivalent(options.secret_key, options.public_key, ec)) {
    say(err, "{}: error: --secret-key and --public-key must be two files", tool);
    return exit_usage;
  }
  for (const std::string* path : {&options.secret_key, &options.public_key}) {
    if (exists_or_link(*path)) {
      say(err, "{}: error: '{}' exists; a key file is never overwritten", tool, *path);
      return exit_errors;
    }
  }
  auto key = signing_key::generate();
  if (!key) {
    say(err, "{}: error: {}", tool, key.error().message());
    return exit_errors;
  }
  std::string secret = key->to_text();
  std::string problem = write_new_file(options.secret_key, secret, 0600);
  std::fill(secret.begin(), secret.end(), '\0');
  if (!problem.empty()) {
    say(err, "{}: error: cannot write '{}': {}", tool, options.secret_key, problem);
    return exit_errors;
  }
  problem = write_new_file(options.public_key, key->public_key().to_text(), 0644);
  if (!problem.empty()) {
    ::unlink(options.secret_key.c_str());  // a secret key without its public half is no use
    say(err, "{}: error: cannot write '{}': {}", tool, options.public_key, problem);
    return exit_errors;
  }
  say(out,
      "key {}: secret key in {} (mode 0600: keep it off the database's machine), public "
      "key in {}",
      key->public_key().id(), options.secret_key, options.public_key);
  return exit_ok;
}

int run_audit_checkpoint(const audit_checkpoint_options& options, std::FILE* out, std::FILE* err) {
  const std::string db_file = sqlite_file(options.db);
  std::error_code ec;
  if (!db_file.empty() && fs::equivalent(options.output, db_file, ec)) {
    say(err, "{}: error: --out '{}' is the database itself", tool, options.output);
    return exit_usage;
  }
  const auto key = read_signing_key(options.secret_key, err);
  if (!key) return exit_usage;
  auto opened = open_for_audit(options.db, tool, err);
  if (!opened.handle) return opened.status;
  const store& handle = *opened.handle;
  const system_clock clock;
  auto made = append_new_checkpoint(options.output, handle, *key, clock.now());
  if (!made) {
    say(err, "{}: error: {}", tool, scrub(made.error().message(), options.db));
    return exit_errors;
  }
  say(out, "checkpoint {} of {}: {}, root {}…, key {}, appended to {}", made->head.sequence,
      format_iso8601(made->head.time), plural(made->head.tree_size, "stream"),
      short_hex(made->head.root), made->head.key_id, options.output);
  return exit_ok;
}

int run_audit_prove(const audit_prove_options& options, std::FILE* out, std::FILE* err) {
  auto log = read_checkpoint_log(options.checkpoints);
  if (!log) {
    say(err, "{}: error: checkpoint log {}", tool, log.error().message());
    return exit_usage;
  }
  // The newest checkpoint that holds the stream: the longest history proven.
  const auto holds = [&](const checkpoint& c) {
    return std::any_of(c.leaves.begin(), c.leaves.end(),
                       [&](const checkpoint_leaf& l) { return l.stream == options.ticket; });
  };
  const auto newest = std::find_if(log->rbegin(), log->rend(), holds);
  if (newest == log->rend()) {
    say(err, "{}: error: no checkpoint in '{}' holds '{}'", tool, options.checkpoints,
        options.ticket);
    return exit_errors;
  }
  auto proof = prove_inclusion(*newest, options.ticket);
  if (!proof) {
    say(err, "{}: error: {}", tool, proof.error().message());
    return exit_errors;
  }
  const std::string json = to_json(*proof);
  if (options.output.empty()) {
    fmt::print(out, "{}", json);
    return std::fflush(out) == 0 ? exit_ok : exit_errors;
  }
  std::FILE* file = std::fopen(options.output.c_str(), "wb");
  const bool written =
      file != nullptr && std::fwrite(json.data(), 1, json.size(), file) == json.size();
  if (file == nullptr || std::fclose(file) != 0 || !written) {
    say(err, "{}: error: cannot write '{}'", tool, options.output);
    return exit_errors;
  }
  return exit_ok;
}

int run_audit_check_proof(const audit_check_proof_options& options, std::FILE* out,
                          std::FILE* err) {
  const auto text = read_input(options.proof, max_proof_bytes, "proof", err);
  if (!text) return exit_usage;
  auto proof = parse_inclusion_proof(*text);
  if (!proof) {
    say(err, "{}: error: proof '{}': {}", tool, options.proof, proof.error().message());
    return exit_usage;
  }
  const auto key = read_verify_key(options.public_key, err);
  if (!key) return exit_usage;
  std::optional<std::string> trail;
  if (!options.trail.empty()) {
    trail = read_input(options.trail, max_trail_bytes, "trail", err);
    if (!trail) return exit_usage;
  }
  const std::string what =
      fmt::format("{} at version {} (head {}…) in checkpoint {} of {} ({})", proof->leaf.stream,
                  proof->leaf.version, short_hex(proof->leaf.head), proof->head.sequence,
                  format_iso8601(proof->head.time), plural(proof->head.tree_size, "stream"));
  if (auto checked = check_inclusion_proof(*proof, *key); !checked) {
    say(out, "{}: NOT PROVEN: {}", what, checked.error().message());
    return exit_errors;
  }
  std::string trail_note;
  if (trail) {
    auto later = check_trail(*proof, *trail);
    if (!later) {
      if (later.error().code() == errc::invalid_argument) {
        say(err, "{}: error: trail '{}': {}", tool, options.trail, later.error().message());
        return exit_usage;
      }
      say(out, "{}: proven, but the trail {} is not: {}", what, options.trail,
          later.error().message());
      return exit_errors;
    }
    trail_note =
        fmt::format("; the trail's first {} lead to it", plural(proof->leaf.version, "event"));
    if (*later > 0) trail_note += fmt::format(" ({} after it, not covered)", *later);
  }
  say(out, "{}: proven, signed by key {}{}", what, key->id(), trail_note);
  return exit_ok;
}

}  // namespace tierflow::cli
