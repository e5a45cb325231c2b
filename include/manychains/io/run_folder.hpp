/// \file run_folder.hpp
/// A run's output folder, replaced as a unit. Every file is first written under a temporary name
/// in the folder; commit() then removes the previous run's run.json, renames each file into
/// place and writes run.json last. So whoever finds a run.json finds beside it the files of that
/// same run: a failure (a full disk, say) before commit() leaves the previous run untouched, and
/// one during it leaves no run.json at all.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace manychains {

class run_folder {
 public:
  /// Creates the folder (and its parents) if needed; throws input_error when it cannot. Without
  /// commit() the folders it created are removed again (while empty).
  explicit run_folder(std::string dir);
  ~run_folder();  ///< without commit(), removes every temporary file staged
  run_folder(const run_folder&) = delete;
  run_folder& operator=(const run_folder&) = delete;

  const std::string& dir() const { return dir_; }
  /// The path to write `name` at now; commit() renames it to dir/name.
  std::string stage(const std::string& name);
  /// Takes over a file already written at `temporary` (in the folder) as `name`.
  void adopt(const std::string& temporary, const std::string& name);
  /// Puts the staged files in place and writes run.json with `run_json` last. Files named in
  /// `stale` that this run did not stage (a previous run's) are removed first.
  void commit(const std::string& run_json, const std::vector<std::string>& stale = {});

 private:
  std::string dir_;
  std::vector<std::pair<std::string, std::string>> staged_;  // temporary path, final name
  bool committed_ = false;
  std::vector<std::string> created_;  // the folders the constructor made, innermost first
  std::vector<int> temp_slots_;  // the staged files in the signal handler's table (temp_files.hpp)
};

}  // namespace manychains
