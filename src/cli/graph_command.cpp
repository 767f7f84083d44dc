// SPDX-License-Identifier: MIT
// `tierflow graph`: a workflow as Graphviz DOT, or rendered through `dot`.
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

#include <fmt/format.h>

#include <tierflow/dot.hpp>
#include <tierflow/loader.hpp>

#include "commands.hpp"

namespace tierflow::cli {
namespace {

/// Finds an executable on PATH; empty when there is none.
std::string find_on_path(std::string_view name) {
  const char* path = std::getenv("PATH");
  if (path == nullptr) return {};
  std::string_view rest(path);
  while (!rest.empty()) {
    const auto colon = rest.find(':');
    const std::string_view dir = rest.substr(0, colon);
    rest = colon == std::string_view::npos ? std::string_view{} : rest.substr(colon + 1);
    if (dir.empty()) continue;
    const auto candidate = std::filesystem::path(dir) / name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
  }
  return {};
}

/// Feeds `text` to `dot -T<format> -o <output>` without a shell, so the output
/// name is never interpreted. Returns dot's exit status, or -1 if it could not
/// be started.
int render_with_dot(const std::string& dot_path, const std::string& format,
                    const std::string& output, const std::string& text) {
  int pipe_fds[2];
  if (::pipe(pipe_fds) != 0) return -1;
  const pid_t child = ::fork();
  if (child < 0) {
    ::close(pipe_fds[0]);
    ::close(pipe_fds[1]);
    return -1;
  }
  if (child == 0) {
    ::dup2(pipe_fds[0], STDIN_FILENO);
    ::close(pipe_fds[0]);
    ::close(pipe_fds[1]);
    const std::string type_arg = "-T" + format;
    ::execl(dot_path.c_str(), "dot", type_arg.c_str(), "-o", output.c_str(),
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(pipe_fds[0]);
  std::size_t written = 0;
  while (written < text.size()) {
    const auto n = ::write(pipe_fds[1], text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    written += static_cast<std::size_t>(n);
  }
  ::close(pipe_fds[1]);
  int status = 0;
  while (::waitpid(child, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

int run_graph(const graph_options& options, std::FILE* out, std::FILE* err) {
  namespace fs = std::filesystem;
  const fs::path workflow_path(options.workflow_file);
  const std::string org_path =
      options.organisation_file.empty()
          ? (workflow_path.parent_path() / "organisation.yaml").string()
          : options.organisation_file;

  // The whole deployment beside the organisation is loaded, not just the one
  // workflow: catalog-wide checks (a derived attribute counting another
  // workflow's tickets) need the other workflows to be there.
  diagnostics diags;
  const fs::path org_dir = fs::path(org_path).parent_path().empty()
                               ? fs::path(".")
                               : fs::path(org_path).parent_path();
  std::vector<std::string> paths{org_dir.string()};
  std::error_code ec;
  if (!fs::equivalent(workflow_path.parent_path().empty() ? fs::path(".") : workflow_path.parent_path(),
                      org_dir, ec)) {
    paths.push_back(org_path);
    paths.push_back(options.workflow_file);
  }
  auto sources = read_sources(paths, diags);
  // A directory read names files "dir/file.yaml"; find the one the user meant.
  std::string wanted;
  for (const auto& src : sources) {
    if (fs::equivalent(src.name, workflow_path, ec)) wanted = src.name;
  }
  const catalog cat = load_catalog(sources, diags);
  for (const auto& d : diags.items())
    if (d.level == severity::error) fmt::print(err, "{}\n", d.str());
  if (diags.has_errors()) return exit_errors;
  const workflow* chosen = nullptr;
  for (const auto& wf : cat.workflows)
    if (!wanted.empty() && wf.where.file == wanted) chosen = &wf;
  if (chosen == nullptr) {
    fmt::print(err, "{}: error: not a workflow file of organisation '{}'\n",
               options.workflow_file, org_path);
    return exit_errors;
  }

  const std::string text = to_dot(*chosen, cat.org);
  if (options.output.empty()) {
    fmt::print(out, "{}", text);
    return exit_ok;
  }

  const std::string extension = fs::path(options.output).extension().string();
  if (extension == ".dot" || extension == ".gv") {
    std::ofstream file(options.output, std::ios::binary);
    file << text;
    file.close();
    if (!file) {
      fmt::print(err, "{}: error: cannot write file\n", options.output);
      return exit_errors;
    }
    return exit_ok;
  }
  if (extension != ".svg" && extension != ".png" && extension != ".pdf") {
    fmt::print(err, "error: unknown output format '{}' (use .dot, .svg, .png or .pdf)\n",
               extension);
    return exit_usage;
  }
  const std::string dot_path = find_on_path("dot");
  if (dot_path.empty()) {
    fmt::print(err,
               "error: Graphviz's 'dot' is not installed, so '{}' cannot be rendered; install "
               "the graphviz package, or write DOT with -o {}.dot\n",
               options.output, fs::path(options.output).stem().string());
    return exit_errors;
  }
  const int status = render_with_dot(dot_path, extension.substr(1), options.output, text);
  if (status != 0) {
    fmt::print(err, "error: dot failed to render '{}' (exit status {})\n", options.output, status);
    return exit_errors;
  }
  return exit_ok;
}

}  // namespace tierflow::cli
