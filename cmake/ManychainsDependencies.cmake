# Third-party libraries, all from Debian packages (scripts/install-deps.sh installs them).
find_package(Eigen3 3.3 REQUIRED NO_MODULE)
find_package(nlohmann_json 3.9 REQUIRED)
find_package(fmt REQUIRED)
find_package(CLI11 REQUIRED)
find_package(OpenMP REQUIRED COMPONENTS CXX)
# NetCDF-4 (Debian libnetcdf-dev) for posterior.nc, the run as ArviZ InferenceData.
find_package(netCDF REQUIRED CONFIG)
