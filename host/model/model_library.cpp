// Compiling, caching and loading model files (docs/models.md).
#include "model/model_library.hpp"

#include <dlfcn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "manychains/error.hpp"

#ifndef MANYCHAINS_SOURCE_INCLUDE
#define MANYCHAINS_SOURCE_INCLUDE ""
#endif

namespace fs = std::filesystem;

namespace manychains {
namespace {

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

/// FNV-1a, 64 bits: a cache key, not a security boundary.
struct fnv1a {
  std::uint64_t h = 14695981039346656037ull;
  void add(const std::string& s) {
    for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
    h = (h ^ 0xff) * 1099511628211ull;  // separator, so "ab"+"c" ≠ "a"+"bc"
  }
};

/// stdout and stderr of a shell command, and its exit status.
std::pair<int, std::string> run_capture(const std::string& command) {
  std::string out;
  FILE* p = popen((command + " 2>&1").c_str(), "r");
  if (!p) return {-1, "cannot run: " + command};
  char buf[4096];
  while (std::size_t n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  const int status = pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

std::string shell_quoted(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

std::string cache_root(const model_build_options& o) {
  if (!o.cache_dir.empty()) return o.cache_dir;
  if (const char* d = std::getenv("MANYCHAINS_CACHE_DIR"); d && *d) return d;
  if (const char* d = std::getenv("XDG_CACHE_HOME"); d && *d) return std::string(d) + "/manychains";
  if (const char* h = std::getenv("HOME"); h && *h) return std::string(h) + "/.cache/manychains";
  return (fs::temp_directory_path() / "manychains-cache").string();
}

/// The model headers' text, so that a changed header (a development build) is a new key.
std::string header_text(const std::string& include_dir) {
  std::string all;
  for (const char* sub : {"manychains/ad", "manychains/model"}) {
    const fs::path dir = fs::path(include_dir) / sub;
    if (!fs::exists(dir)) continue;
    std::vector<fs::path> files;
    for (const auto& e : fs::recursive_directory_iterator(dir))
      if (e.is_regular_file()) files.push_back(e.path());
    std::sort(files.begin(), files.end());
    for (const auto& f : files) all += f.filename().string() + read_text(f);
  }
  return all + read_text(fs::path(include_dir) / "manychains/config.hpp");
}

/// The compiler's first error line ("file:line:col: error: …"), else its first line.
std::string first_error(const std::string& log) {
  std::istringstream in(log);
  std::string line, first;
  while (std::getline(in, line)) {
    if (first.empty() && !line.empty()) first = line;
    if (line.find("error:") != std::string::npos || line.find("error :") != std::string::npos) return line;
  }
  return first;
}

}  // namespace

std::string find_model_include_dir() {
  if (const char* d = std::getenv("MANYCHAINS_INCLUDE_DIR"); d && *d) return d;
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const fs::path installed = exe.parent_path().parent_path() / "include";
    if (fs::exists(installed / "manychains/model/model.hpp")) return installed.string();
  }
  const std::string source = MANYCHAINS_SOURCE_INCLUDE;
  if (!source.empty() && fs::exists(fs::path(source) / "manychains/model/model.hpp")) return source;
  throw input_error("cannot find manychains' model headers (manychains/model/model.hpp): set MANYCHAINS_INCLUDE_DIR");
}

model_build build_model(const std::string& model_file, const model_build_options& o) {
  if (!fs::is_regular_file(model_file)) throw input_error("--model: no such file: " + model_file);
  const std::string include_dir = o.include_dir.empty() ? find_model_include_dir() : o.include_dir;
  std::string compiler = o.compiler;
  if (compiler.empty()) {
    const char* cxx = std::getenv("CXX");
    compiler = cxx && *cxx ? cxx : "c++";
  }
  // The CPU engine's flags: no FMA contraction, so the model's sums round as the built-in targets'.
  const std::string flags = "-std=c++17 -O2 -march=native -ffp-contract=off -fno-math-errno -fPIC -shared "
                            "-fvisibility=hidden";
  const auto [version_status, compiler_version] = run_capture(shell_quoted(compiler) + " --version");
  if (version_status != 0)
    throw input_error("cannot run the C++ compiler '" + compiler + "' to build the model (set CXX): " +
                      first_error(compiler_version));
  fnv1a key;
  for (const std::string& part : std::vector<std::string>{read_text(model_file), compiler, compiler_version, flags, o.version,
                                  header_text(include_dir)})
    key.add(part);
  const fs::path dir = cache_root(o);
  const fs::path so = dir / fmt::format("{}-{:016x}.so", fs::path(model_file).stem().string(), key.h);
  model_build b{so.string(), false, 0};
  if (fs::exists(so)) return b;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw input_error("cannot create the model cache folder " + dir.string() + ": " + ec.message());
  const std::string tmp = so.string() + fmt::format(".tmp{}", getpid());
  const std::string log_path = (dir / (so.stem().string() + ".log")).string();
  const auto start = std::chrono::steady_clock::now();
  const auto [status, log] =
      run_capture(fmt::format("{} {} -I{} -x c++ {} -o {}", shell_quoted(compiler), flags, shell_quoted(include_dir),
                              shell_quoted(fs::absolute(model_file).string()), shell_quoted(tmp)));
  b.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (status != 0) {
    std::ofstream(log_path) << log;
    fs::remove(tmp, ec);
    throw input_error("model does not compile: " + first_error(log) + " (full log: " + log_path + ")");
  }
  fs::rename(tmp, so, ec);  // atomic: a concurrent run sees the whole object or none
  if (ec) throw input_error("cannot store the compiled model in " + dir.string() + ": " + ec.message());
  b.compiled = true;
  return b;
}

}  // namespace manychains
