#include "mpi/collectively.hpp"

#include <cstdint>
#include <new>
#include <string>

#include "manychains/error.hpp"

namespace manychains {
namespace {

// Kinds in the order main() tells them apart; 0: no failure.
enum kind : char { none = 0, plain, input, unavailable, memory, resource };

kind kind_of(const std::exception_ptr& e, std::string& message) {
  try {
    std::rethrow_exception(e);
  } catch (const device_unavailable& x) {
    message = x.what();
    return unavailable;
  } catch (const input_error& x) {
    message = x.what();
    return input;
  } catch (const memory_error& x) {
    message = x.what();
    return memory;
  } catch (const resource_error& x) {
    message = x.what();
    return resource;
  } catch (const std::bad_alloc&) {
    message = "out of memory; use fewer chains, draws or parameters";
    return memory;
  } catch (const std::exception& x) {
    message = x.what();
    return plain;
  }
}

[[noreturn]] void throw_as(kind k, const std::string& m) {
  failure_agreed() = true;
  switch (k) {
    case input: throw input_error(m);
    case unavailable: throw device_unavailable(m);
    case memory: throw memory_error(m);
    case resource: throw resource_error(m);
    default: throw error(m);
  }
}

}  // namespace

bool& failure_agreed() {
  static bool agreed = false;
  return agreed;
}

void collectively(process_group& group, const std::function<void()>& f) {
  if (group.size() == 1) {
    f();
    return;
  }
  std::string mine;  // kind byte, then the message
  try {
    f();
  } catch (...) {
    std::string message;
    const kind k = kind_of(std::current_exception(), message);
    mine = std::string(1, static_cast<char>(k)) + message;
  }
  // Each process's record, as (length, bytes) in rank order.
  const std::uint64_t length = mine.size();
  const std::vector<std::uint64_t> lengths = gather_in_order(group, std::vector<std::uint64_t>{length});
  const std::vector<char> all = group.all_gather(mine.data(), mine.size());
  std::size_t at = 0;
  for (std::size_t r = 0; r < lengths.size(); at += lengths[r], ++r) {
    if (lengths[r] == 0) continue;
    const std::string message(all.data() + at + 1, all.data() + at + lengths[r]);
    throw_as(static_cast<kind>(all[at]), "rank " + std::to_string(r) + ": " + message);
  }
}

}  // namespace manychains
