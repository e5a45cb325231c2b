// Failures agreed between processes: a step that may fail on some processes only (bad input on
// one, a start with no finite point) runs in collectively(), after which every process fails
// alike, with the message of the lowest-ranked failing one.
#pragma once

#include <functional>

#include "manychains/process_group.hpp"

namespace manychains {

/// Runs `f` on every process of `group`. If it throws on any, every process throws an error of
/// the first failing process's kind (input_error, device_unavailable, memory_error,
/// resource_error, error) with its message, prefixed "rank r: " when there are several
/// processes, and sets failure_agreed(): main() then reports it once (rank 0) and exits
/// normally instead of aborting the others. With one process, `f`'s own exception propagates.
void collectively(process_group& group, const std::function<void()>& f);

/// Whether the exception in flight was agreed by every process (so nobody waits for another).
bool& failure_agreed();

}  // namespace manychains
