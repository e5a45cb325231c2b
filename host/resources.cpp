#include "manychains/resources.hpp"

#include <sys/statvfs.h>
#include <unistd.h>

#include <fmt/format.h>

#include <filesystem>
#include <limits>

#include "manychains/error.hpp"

namespace manychains {

std::size_t physical_memory_bytes() {
  const long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGE_SIZE);
  if (pages <= 0 || page <= 0) return std::numeric_limits<std::size_t>::max();
  return std::size_t(pages) * std::size_t(page);
}

std::size_t usable_memory_bytes() { return physical_memory_bytes() / 5 * 4; }

std::size_t free_disk_bytes(const std::string& directory) {
  // The folder may not exist yet: ask about the nearest parent that does.
  std::filesystem::path p = std::filesystem::absolute(directory.empty() ? "." : directory);
  std::error_code ec;
  while (!std::filesystem::exists(p, ec) && p.has_parent_path() && p.parent_path() != p) p = p.parent_path();
  struct statvfs fs {};
  if (::statvfs(p.c_str(), &fs) != 0) return std::numeric_limits<std::size_t>::max();
  return std::size_t(fs.f_bavail) * std::size_t(fs.f_frsize);
}

std::string readable_bytes(std::size_t bytes) {
  if (bytes == std::numeric_limits<std::size_t>::max()) return "more than 16 EiB";
  const double b = double(bytes);
  if (b >= double(1ull << 60)) return fmt::format("{:.1f} EiB", b / double(1ull << 60));
  if (b >= double(1ull << 50)) return fmt::format("{:.1f} PiB", b / double(1ull << 50));
  if (b >= double(1ull << 40)) return fmt::format("{:.1f} TiB", b / double(1ull << 40));
  if (b >= double(1ull << 30)) return fmt::format("{:.1f} GiB", b / double(1ull << 30));
  if (b >= double(1ull << 20)) return fmt::format("{:.0f} MiB", b / double(1ull << 20));
  if (b >= double(1ull << 10)) return fmt::format("{:.0f} KiB", b / double(1ull << 10));
  return fmt::format("{} bytes", bytes);
}

void require_memory(const std::string& what, std::size_t bytes, const std::string& advice) {
  if (bytes <= usable_memory_bytes()) return;
  throw memory_error(fmt::format("{} need {} of memory, more than the {} a run may use of this machine's {}; {}",
                                 what, readable_bytes(bytes), readable_bytes(usable_memory_bytes()),
                                 readable_bytes(physical_memory_bytes()), advice));
}

void require_disk(const std::string& what, std::size_t bytes, const std::string& directory,
                  const std::string& advice) {
  const std::size_t free = free_disk_bytes(directory);
  if (bytes <= free) return;
  throw resource_error(fmt::format("{} need {} in {}, but only {} are free there; {}", what, readable_bytes(bytes),
                                   directory, readable_bytes(free), advice));
}

}  // namespace manychains
