// RAII device memory, page-locked host memory and events. Allocation failure becomes a
// memory_error the user can act on.
#pragma once

#include <cstddef>
#include <vector>

#include "manychains/cuda_try.hpp"

namespace manychains {

template <class T>
class device_buffer {
 public:
  device_buffer() = default;
  explicit device_buffer(std::size_t n) { resize(n); }
  ~device_buffer() { release(); }
  device_buffer(const device_buffer&) = delete;
  device_buffer& operator=(const device_buffer&) = delete;

  void resize(std::size_t n) {
    if (n == size_) return;
    release();
    if (n == 0) return;
    const cudaError_t status = cudaMalloc(&data_, n * sizeof(T));
    if (status != cudaSuccess) {
      (void)cudaGetLastError();
      data_ = nullptr;
      throw memory_error("cannot allocate " + std::to_string((n * sizeof(T)) >> 20) +
                         " MiB of GPU memory: " + cudaGetErrorString(status) +
                         "; use fewer chains or draws, or --thin");
    }
    size_ = n;
  }
  void upload(const std::vector<T>& host) {
    resize(host.size());
    if (size_) MC_CUDA_TRY(cudaMemcpy(data_, host.data(), size_ * sizeof(T), cudaMemcpyHostToDevice));
  }
  std::vector<T> download() const {
    std::vector<T> host(size_);
    if (size_) MC_CUDA_TRY(cudaMemcpy(host.data(), data_, size_ * sizeof(T), cudaMemcpyDeviceToHost));
    return host;
  }
  void zero() {
    if (size_) MC_CUDA_TRY(cudaMemset(data_, 0, size_ * sizeof(T)));
  }
  T* data() { return data_; }
  const T* data() const { return data_; }
  std::size_t size() const { return size_; }

 private:
  void release() {
    if (data_) cudaFree(data_);
    data_ = nullptr;
    size_ = 0;
  }
  T* data_ = nullptr;
  std::size_t size_ = 0;
};

/// Page-locked host memory, so that device-to-host copies run asynchronously at full speed.
template <class T>
class pinned_buffer {
 public:
  pinned_buffer() = default;
  ~pinned_buffer() { release(); }
  pinned_buffer(const pinned_buffer&) = delete;
  pinned_buffer& operator=(const pinned_buffer&) = delete;

  void resize(std::size_t n) {
    if (n == size_) return;
    release();
    if (n == 0) return;
    const cudaError_t status = cudaMallocHost(&data_, n * sizeof(T));
    if (status != cudaSuccess) {
      (void)cudaGetLastError();
      data_ = nullptr;
      throw memory_error("cannot allocate " + std::to_string((n * sizeof(T)) >> 20) +
                         " MiB of page-locked host memory: " + cudaGetErrorString(status));
    }
    size_ = n;
  }
  T* data() { return data_; }
  std::size_t size() const { return size_; }

 private:
  void release() {
    if (data_) cudaFreeHost(data_);
    data_ = nullptr;
    size_ = 0;
  }
  T* data_ = nullptr;
  std::size_t size_ = 0;
};

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
