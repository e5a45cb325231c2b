# install() rules and the exported package: an outside project does
#   find_package(manychains 0.1 REQUIRED)
#   target_link_libraries(app PRIVATE manychains::manychains)
# and gets the headers, the libraries (the CUDA backend too when it was built) and, through
# find_dependency, OpenMP, fmt, Eigen and nlohmann_json. examples/ is such a project;
# scripts/check-package.sh builds it against an installed copy.
include(CMakePackageConfigHelpers)

set(MANYCHAINS_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/manychains)
set(MANYCHAINS_LIBRARIES manychains_core manychains_host)
if(MANYCHAINS_HAVE_CUDA)
  list(APPEND MANYCHAINS_LIBRARIES manychains_cuda)
endif()

install(TARGETS ${MANYCHAINS_LIBRARIES} EXPORT manychainsTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS manychains RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/manychains DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT manychainsTargets NAMESPACE manychains:: DESTINATION ${MANYCHAINS_INSTALL_CMAKEDIR})

configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/manychainsConfig.cmake.in
  ${PROJECT_BINARY_DIR}/manychainsConfig.cmake INSTALL_DESTINATION ${MANYCHAINS_INSTALL_CMAKEDIR})
# 0.x: a minor version may change the API.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/manychainsConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/manychainsConfig.cmake ${PROJECT_BINARY_DIR}/manychainsConfigVersion.cmake
  DESTINATION ${MANYCHAINS_INSTALL_CMAKEDIR})
