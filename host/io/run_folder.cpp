#include "manychains/io/run_folder.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "manychains/error.hpp"
#include "manychains/io/atomic_file.hpp"
#include "manychains/io/temp_files.hpp"

namespace manychains {
namespace {

[[noreturn]] void fail(const std::string& what, const std::string& path) {
  throw error("cannot write " + path + ": " + what + ": " + std::strerror(errno));
}

void remove_if_present(const std::string& path) {
  if (std::remove(path.c_str()) != 0 && errno != ENOENT) fail("remove the previous run's file", path);
}

}  // namespace

run_folder::run_folder(std::string dir) : dir_(std::move(dir)) {
  // The folders this run makes, innermost first: a run that fails before commit() removes them
  // again, so that bad input leaves nothing behind (a folder that existed is left as it was).
  std::error_code ec;
  for (std::filesystem::path p = std::filesystem::absolute(dir_, ec); !ec && !p.empty() && p != p.root_path();
       p = p.parent_path()) {
    if (std::filesystem::exists(p, ec)) break;
    created_.push_back(p.string());
  }
  ensure_directory(dir_);
}

run_folder::~run_folder() {
  if (!committed_) {
    for (const auto& [tmp, name] : staged_) std::remove(tmp.c_str());
    for (const auto& d : created_) ::rmdir(d.c_str());  // only while empty
  }
  for (int slot : temp_slots_) unregister_temp_file(slot);
}

std::string run_folder::stage(const std::string& name) {
  const std::string tmp = dir_ + "/." + name + ".tmp." + std::to_string(::getpid());
  staged_.emplace_back(tmp, name);
  temp_slots_.push_back(register_temp_file(tmp));  // a caught signal removes it
  return tmp;
}

void run_folder::adopt(const std::string& temporary, const std::string& name) { staged_.emplace_back(temporary, name); }

void run_folder::commit(const std::string& run_json, const std::vector<std::string>& stale) {
  // The run.json is written (the step that can run out of space) before anything is replaced.
  const std::string json_tmp = stage("run.json");
  staged_.pop_back();
  write_file_atomically(json_tmp, run_json);
  staged_.emplace_back(json_tmp, "run.json");
  remove_if_present(dir_ + "/run.json");  // from here until the last rename, no run.json
  for (const auto& name : stale) {
    const bool written = std::any_of(staged_.begin(), staged_.end(), [&](const auto& s) { return s.second == name; });
    if (!written) remove_if_present(dir_ + "/" + name);
  }
  for (const auto& [tmp, name] : staged_)  // run.json is last
    if (std::rename(tmp.c_str(), (dir_ + "/" + name).c_str()) != 0) fail("rename", dir_ + "/" + name);
  committed_ = true;
  const int fd = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY);  // the renames themselves, durable
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

}  // namespace manychains
