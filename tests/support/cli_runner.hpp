// SPDX-License-Identifier: MIT
// Running the `tierflow` tool (TIERFLOW_CLI, defined for tests added with
// CLI) as a separate process from a test, its stdout and stderr captured in
// files of a temp_dir: one runner for every CLI test file.
#pragma once

#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include "support/scratch_db.hpp"

namespace tierflow_test {

/// `text` as one single-quoted word for /bin/sh.
inline std::string sh_quote(std::string_view text) {
  std::string out = "'";
  for (const char c : text) {
    if (c == '\'')
      out += "'\\''";
    else
      out += c;
  }
  return out + "'";
}

/// The whole content of a file ("" when it cannot be read).
inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

struct cli_result {
  int status = -1;  ///< exit status; -1 if the program did not exit normally
  std::string out;
  std::string err;
};

/// Runs `command` (each word shell-quoted), its output captured in `dir`.
inline cli_result run_program(const temp_dir& dir, const std::vector<std::string>& command) {
  const std::filesystem::path out_file = dir.path() / "cli.stdout";
  const std::filesystem::path err_file = dir.path() / "cli.stderr";
  std::string line;
  for (const auto& word : command) line += (line.empty() ? "" : " ") + sh_quote(word);
  line += " >" + sh_quote(out_file.string()) + " 2>" + sh_quote(err_file.string());
  const int raw = std::system(line.c_str());
  cli_result r;
  r.status = raw != -1 && WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  r.out = read_file(out_file);
  r.err = read_file(err_file);
  return r;
}

#ifdef TIERFLOW_CLI
/// Runs `tierflow ARGS…`.
inline cli_result run_cli(const temp_dir& dir, std::vector<std::string> args) {
  args.insert(args.begin(), TIERFLOW_CLI);
  return run_program(dir, args);
}

/// Runs `tierflow ARGS…` under timeout(1): a tool that blocks (on a FIFO)
/// fails the test with status 124 instead of hanging it.
inline cli_result run_cli_bounded(const temp_dir& dir, std::vector<std::string> args) {
  args.insert(args.begin(), {"timeout", "--kill-after=5", "20", TIERFLOW_CLI});
  return run_program(dir, args);
}
#endif

}  // namespace tierflow_test
