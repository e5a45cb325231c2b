/// \file resources.hpp
/// Up-front resource checks: a run whose arrays cannot fit in this machine's memory, or whose
/// files cannot fit on its disk, is refused before anything is allocated or created, with one
/// line that says what needs how much and how much there is.
#pragma once

#include <cstddef>
#include <string>

namespace manychains {

/// This machine's physical memory in bytes.
std::size_t physical_memory_bytes();

/// The part of physical memory a run may plan to use (80%: the rest is for the system and
/// for page-cache writes of memory-mapped outputs).
std::size_t usable_memory_bytes();

/// Free bytes on the file system holding `directory` (or its nearest existing parent); the
/// largest size_t when it cannot be determined.
std::size_t free_disk_bytes(const std::string& directory);

/// "1.5 GiB", "312 MiB", "17 bytes", "more than 16 EiB" (a saturated estimate).
std::string readable_bytes(std::size_t bytes);

/// Throws memory_error "<what> need <bytes>, more than the <usable> of this machine's <physical>
/// memory a run may use; <advice>" when `bytes` exceeds usable_memory_bytes().
void require_memory(const std::string& what, std::size_t bytes, const std::string& advice);

/// Throws resource_error "<what> need <bytes> in <directory>, but only <free> are free; <advice>"
/// when the file system holding `directory` has less free space.
void require_disk(const std::string& what, std::size_t bytes, const std::string& directory,
                  const std::string& advice);

}  // namespace manychains
