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
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include <tierflow/dot.hpp>
#include <tierflow/loader.hpp>

#include "commands.hpp"
#include "say.hpp"

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

/// `text` with detail::printable applied to each line, the line ends kept.
std::string printable_lines(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  while (!text.empty()) {
    const auto end = text.find('\n');
    out += detail::printable(text.substr(0, end));
    if (end == std::string_view::npos) break;
    out += '\n';
    text.remove_prefix(end + 1);
  }
  return out;
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
  // A workflow kept elsewhere (a draft beside a checked-in deployment) is
  // loaded with the organisation file alone: adding it to the whole
  // directory would load the organisation twice, or the workflow twice
  // when the directory holds its released version. Checks across workflows
  // are warnings only, and graph shows errors only.
  diagnostics diags;
  const auto dir_of = [](const fs::path& p) {
    return p.parent_path().empty() ? fs::path(".") : p.parent_path();
  };
  std::error_code ec;
  std::vector<std::string> paths;
  if (fs::equivalent(dir_of(workflow_path), dir_of(org_path), ec))
    paths = {dir_of(org_path).string()};
  else
    paths = {org_path, options.workflow_file};
  auto sources = read_sources(paths, diags);
  // A directory read names files "dir/file.yaml"; find the one the user meant.
  std::string wanted;
  for (const auto& src : sources) {
    if (fs::equivalent(src.name, workflow_path, ec)) wanted = src.name;
  }
  const catalog cat = load_catalog(sources, diags);
  for (const auto& d : diags.items())
    if (d.level == severity::error) say(err, "{}", d.str());
  if (diags.has_errors()) return exit_errors;
  const workflow* chosen = nullptr;
  for (const auto& wf : cat.workflows)
    if (!wanted.empty() && wf.where.file == wanted) chosen = &wf;
  if (chosen == nullptr) {
    say(err, "{}: error: not a workflow file of organisation '{}'", options.workflow_file,
        org_path);
    return exit_errors;
  }

  // Labels quote the definition's names and texts: no control character
  // reaches the terminal or the file raw (the line breaks are DOT's own).
  const std::string text = printable_lines(to_dot(*chosen, cat.org));
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
      say(err, "{}: error: cannot write file", options.output);
      return exit_errors;
    }
    return exit_ok;
  }
  if (extension != ".svg" && extension != ".png" && extension != ".pdf") {
    say(err, "error: unknown output format '{}' (use .dot, .svg, .png or .pdf)",
               extension);
    return exit_usage;
  }
  const std::string dot_path = find_on_path("dot");
  if (dot_path.empty()) {
    say(err,
        "error: Graphviz's 'dot' is not installed, so '{}' cannot be rendered; install the "
        "graphviz package, or write DOT with -o {}.dot",
        options.output, fs::path(options.output).stem().string());
    return exit_errors;
  }
  const int status = render_with_dot(dot_path, extension.substr(1), options.output, text);
  if (status != 0) {
    say(err, "error: dot failed to render '{}' (exit status {})", options.output, status);
    return exit_errors;
  }
  return exit_ok;
}

}  // namespace tierflow::cli
