// RAII device memory, page-locked host memory and events. Allocation failure becomes a
// memory_error the user can act on.
#pragma once

#include <cstddef>
#include <vector>

#include "manychains/cuda_try.hpp"

namespace manychains {

/// Device memory (cudaMalloc) for cuda_buffer.
struct device_memory {
  static cudaError_t allocate(void** p, std::size_t bytes) { return cudaMalloc(p, bytes); }
  static void release(void* p) { cudaFree(p); }
  static constexpr const char* what = " MiB of GPU memory: ";
  static constexpr const char* advice = "; use fewer chains or draws, or --thin";
};

/// Page-locked host memory (cudaMallocHost), so that device-to-host copies run asynchronously.
struct pinned_memory {
  static cudaError_t allocate(void** p, std::size_t bytes) { return cudaMallocHost(p, bytes); }
  static void release(void* p) { cudaFreeHost(p); }
  static constexpr const char* what = " MiB of page-locked host memory: ";
  static constexpr const char* advice = "";
};

/// n values of T in Memory, owned; resizing discards the contents.
template <class T, class Memory>
class cuda_buffer {
 public:
  cuda_buffer() = default;
  explicit cuda_buffer(std::size_t n) { resize(n); }
  ~cuda_buffer() { release(); }
  cuda_buffer(const cuda_buffer&) = delete;
  cuda_buffer& operator=(const cuda_buffer&) = delete;

  void resize(std::size_t n) {
    if (n == size_) return;
    release();
    if (n == 0) return;
    void* p = nullptr;
    const cudaError_t status = Memory::allocate(&p, n * sizeof(T));
    if (status != cudaSuccess) {
      (void)cudaGetLastError();
      throw memory_error("cannot allocate " + std::to_string((n * sizeof(T)) >> 20) + Memory::what +
                         cudaGetErrorString(status) + Memory::advice);
    }
    data_ = static_cast<T*>(p);
    size_ = n;
  }
  T* data() { return data_; }
  const T* data() const { return data_; }
  std::size_t size() const { return size_; }

 private:
  void release() {
    if (data_) Memory::release(data_);
    data_ = nullptr;
    size_ = 0;
  }
  T* data_ = nullptr;
  std::size_t size_ = 0;
};

template <class T>
class device_buffer : public cuda_buffer<T, device_memory> {
 public:
  using cuda_buffer<T, device_memory>::cuda_buffer;
  using cuda_buffer<T, device_memory>::data;
  using cuda_buffer<T, device_memory>::size;
  using cuda_buffer<T, device_memory>::resize;

  void upload(const std::vector<T>& host) {
    resize(host.size());
    if (size()) MC_CUDA_TRY(cudaMemcpy(data(), host.data(), size() * sizeof(T), cudaMemcpyHostToDevice));
  }
  std::vector<T> download() const {
    std::vector<T> host(size());
    if (size()) MC_CUDA_TRY(cudaMemcpy(host.data(), data(), size() * sizeof(T), cudaMemcpyDeviceToHost));
    return host;
  }
  void zero() {
    if (size()) MC_CUDA_TRY(cudaMemset(data(), 0, size() * sizeof(T)));
  }
};

template <class T>
using pinned_buffer = cuda_buffer<T, pinned_memory>;

/// A CUDA event without timing (cheaper to record and wait on), created on first use.
class cuda_event {
 public:
  cuda_event() = default;
  ~cuda_event() {
    if (event_) cudaEventDestroy(event_);
  }
  cuda_event(const cuda_event&) = delete;
  cuda_event& operator=(const cuda_event&) = delete;
  operator cudaEvent_t() {
    if (!event_) MC_CUDA_TRY(cudaEventCreateWithFlags(&event_, cudaEventDisableTiming));
    return event_;
  }

 private:
  cudaEvent_t event_ = nullptr;
};

}  // namespace manychains
