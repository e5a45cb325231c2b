// The process group of the MPI ranks (built with MANYCHAINS_MPI). MPI is initialised only when
// the process was started by mpirun (its environment says so): a plain `manychains sample` then
// pays nothing and needs no MPI runtime set up.
#include <mpi.h>

#include <climits>
#include <cstdlib>
#include <string>

#include "manychains/error.hpp"
#include "manychains/io/temp_files.hpp"
#include "manychains/process_group.hpp"
#include "mpi/lone_process.hpp"

namespace manychains {
namespace {

void check(int rc, const char* what) {
  if (rc != MPI_SUCCESS) throw error(std::string("MPI: ") + what + " failed");
}

int as_count(std::size_t bytes) {
  if (bytes > static_cast<std::size_t>(INT_MAX))
    throw resource_error("a message between MPI ranks would exceed 2 GiB; use more ranks or fewer chains");
  return static_cast<int>(bytes);
}

class mpi_group final : public process_group {
 public:
  mpi_group() {
    int provided = 0;
    check(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread");
    std::atexit([] {
      int finalized = 0;
      MPI_Finalized(&finalized);
      if (!finalized) MPI_Finalize();
    });
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
    MPI_Comm node;
    check(MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, rank_, MPI_INFO_NULL, &node), "MPI_Comm_split_type");
    MPI_Comm_rank(node, &local_);
    MPI_Comm_free(&node);
    // One GPU per rank: the node-local rank's, unless the launcher already chose (before any
    // CUDA call: main() asks for world() first). A rank beyond the node's GPUs sees none.
    if (!std::getenv("CUDA_VISIBLE_DEVICES")) ::setenv("CUDA_VISIBLE_DEVICES", std::to_string(local_).c_str(), 1);
  }
  int rank() const override { return rank_; }
  int size() const override { return size_; }
  int local_rank() const override { return local_; }
  void sum(std::uint64_t* values, std::size_t n) override {
    check(MPI_Allreduce(MPI_IN_PLACE, values, as_count(n), MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD), "MPI_Allreduce");
  }
  std::uint64_t min(std::uint64_t value) override {
    check(MPI_Allreduce(MPI_IN_PLACE, &value, 1, MPI_UINT64_T, MPI_MIN, MPI_COMM_WORLD), "MPI_Allreduce");
    return value;
  }
  void fold_in_order(std::vector<double>& acc, const std::function<void(std::vector<double>&)>& add) override {
    // A chain of messages 0 -> 1 -> … -> R-1, then the last rank's result to all: R-1 latencies
    // and one broadcast of acc.size() doubles.
    const int n = as_count(acc.size() * sizeof(double)) / static_cast<int>(sizeof(double));
    if (rank_ > 0)
      check(MPI_Recv(acc.data(), n, MPI_DOUBLE, rank_ - 1, fold_tag, MPI_COMM_WORLD, MPI_STATUS_IGNORE), "MPI_Recv");
    add(acc);
    if (rank_ + 1 < size_) check(MPI_Send(acc.data(), n, MPI_DOUBLE, rank_ + 1, fold_tag, MPI_COMM_WORLD), "MPI_Send");
    check(MPI_Bcast(acc.data(), n, MPI_DOUBLE, size_ - 1, MPI_COMM_WORLD), "MPI_Bcast");
  }
  std::vector<char> all_gather(const void* data, std::size_t bytes) override {
    int mine = as_count(bytes);
    std::vector<int> counts(static_cast<std::size_t>(size_)), offsets(counts.size());
    check(MPI_Allgather(&mine, 1, MPI_INT, counts.data(), 1, MPI_INT, MPI_COMM_WORLD), "MPI_Allgather");
    std::size_t total = 0;
    for (std::size_t r = 0; r < counts.size(); ++r) {
      offsets[r] = as_count(total);
      total += static_cast<std::size_t>(counts[r]);
    }
    as_count(total);
    std::vector<char> all(total);
    check(MPI_Allgatherv(data, mine, MPI_BYTE, all.data(), counts.data(), offsets.data(), MPI_BYTE, MPI_COMM_WORLD),
          "MPI_Allgatherv");
    return all;
  }
  std::vector<char> all_to_all(const std::vector<std::vector<char>>& to) override {
    const std::size_t r = static_cast<std::size_t>(size_);
    if (to.size() != r) throw error("MPI: all_to_all needs one message per rank");
    std::vector<int> send_counts(r), send_offsets(r), recv_counts(r), recv_offsets(r);
    std::vector<char> out;  // every message to send, in rank order
    for (std::size_t q = 0; q < r; ++q) {
      send_counts[q] = as_count(to[q].size());
      send_offsets[q] = as_count(out.size());
      out.insert(out.end(), to[q].begin(), to[q].end());
    }
    check(MPI_Alltoall(send_counts.data(), 1, MPI_INT, recv_counts.data(), 1, MPI_INT, MPI_COMM_WORLD),
          "MPI_Alltoall");
    std::size_t total = 0;
    for (std::size_t q = 0; q < r; ++q) {
      recv_offsets[q] = as_count(total);
      total += static_cast<std::size_t>(recv_counts[q]);
    }
    as_count(total);
    std::vector<char> in(total);
    check(MPI_Alltoallv(out.data(), send_counts.data(), send_offsets.data(), MPI_BYTE, in.data(), recv_counts.data(),
                        recv_offsets.data(), MPI_BYTE, MPI_COMM_WORLD),
          "MPI_Alltoallv");
    return in;
  }
  void barrier() override { check(MPI_Barrier(MPI_COMM_WORLD), "MPI_Barrier"); }
  [[noreturn]] void abort(int code) override {
    remove_temp_files();
    MPI_Abort(MPI_COMM_WORLD, code);
    std::_Exit(code);
  }

 private:
  static constexpr int fold_tag = 7;
  int rank_ = 0, size_ = 1, local_ = 0;
};

/// Whether mpirun (Open MPI, MPICH/Hydra, Slurm's PMI) started this process.
bool started_by_mpirun() {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK", "PMI_RANK"})
    if (std::getenv(v)) return true;
  return false;
}

}  // namespace

process_group& world() {
  static process_group* group = started_by_mpirun() ? static_cast<process_group*>(new mpi_group)
                                                    : static_cast<process_group*>(new lone_process);
  return *group;
}

bool mpi_enabled() { return true; }

}  // namespace manychains
