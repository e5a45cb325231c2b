/// \file temp_files.hpp
/// The temporary files being written right now, so that a signal handler can remove them
/// before the process ends: no `draws.npy.tmp.PID` is ever left behind by a caught signal.
#pragma once

#include <string>

namespace manychains {

/// Registers `path` (before it is created); returns a slot to unregister, or -1 when all slots
/// are taken (the file is then removed only by its owner's normal clean-up).
int register_temp_file(const std::string& path);

/// Forgets the slot (after the file was renamed into place or removed); -1 is ignored.
void unregister_temp_file(int slot);

/// Removes every registered file. Async-signal-safe: it only calls unlink().
void remove_temp_files() noexcept;

}  // namespace manychains
