#include "manychains/io/temp_files.hpp"

#include <unistd.h>

#include <atomic>
#include <cstring>

namespace manychains {
namespace {

// A fixed table (no allocation, no locks), so a signal handler can walk it at any moment.
// A slot's state: 0 free, 1 being filled, 2 holds a path.
struct temp_slot {
  std::atomic<int> state{0};
  char path[4096];
};
constexpr int slot_count = 32;
temp_slot slots[slot_count];

}  // namespace

int register_temp_file(const std::string& path) {
  if (path.size() >= sizeof(slots[0].path)) return -1;
  for (int i = 0; i < slot_count; ++i) {
    int expected = 0;
    if (!slots[i].state.compare_exchange_strong(expected, 1)) continue;
    std::memcpy(slots[i].path, path.c_str(), path.size() + 1);
    slots[i].state.store(2);
    return i;
  }
  return -1;
}

void unregister_temp_file(int slot) {
  if (slot >= 0 && slot < slot_count) slots[slot].state.store(0);
}

void remove_temp_files() noexcept {
  for (auto& s : slots)
    if (s.state.load() == 2) ::unlink(s.path);
}

}  // namespace manychains
