// SPDX-License-Identifier: MIT
// The corpus replay: a main for a harness built without libFuzzer (any
// compiler). Runs LLVMFuzzerTestOneInput once on every file named, and on
// every file of every directory named (sorted, not recursive), so CTest
// checks the seed corpus and every crash once found stays fixed. A crash or
// a violated invariant aborts, which fails the test; exit 0 otherwise.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

namespace fs = std::filesystem;

bool run_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "replay: cannot read %s\n", path.c_str());
    return false;
  }
  const std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::fprintf(stderr, "replay: %s (%zu bytes)\n", path.c_str(), bytes.size());
  (void)LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t ran = 0;
  bool ok = true;
  for (int i = 1; i < argc; ++i) {
    const fs::path arg = argv[i];
    std::error_code ec;
    if (!fs::is_directory(arg, ec)) {
      ok = run_file(arg) && ok;
      ++ran;
      continue;
    }
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(arg, ec))
      if (entry.is_regular_file()) files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
      ok = run_file(f) && ok;
      ++ran;
    }
  }
  if (ran == 0) {
    std::fprintf(stderr, "replay: no input files\n");
    return 1;
  }
  std::fprintf(stderr, "replay: %zu input(s) ran\n", ran);
  return ok ? 0 : 1;
}
