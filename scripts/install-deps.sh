#!/usr/bin/env bash
# Installs the Debian packages manychains builds with, when any is missing.
# The CUDA Toolkit is expected at /usr/local/cuda (or nvcc on PATH); without it the CPU backend
# alone is built.
set -euo pipefail
packages=(cmake ninja-build g++ libeigen3-dev libcli11-dev nlohmann-json3-dev libfmt-dev libgtest-dev libnetcdf-dev libopenmpi-dev openmpi-bin python3-dev python3-venv)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}"
fi
