// The process group of a build without MPI (MANYCHAINS_MPI off or MPI not found): this process alone.
#include "mpi/lone_process.hpp"

namespace manychains {

process_group& world() {
  static lone_process group;
  return group;
}

bool mpi_enabled() { return false; }

}  // namespace manychains
