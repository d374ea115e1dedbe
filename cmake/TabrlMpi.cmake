# tabrl::mpi — the MPI executor of the experiment engine (include/tabrl/experiment/mpi.hpp).
# Needs an MPI implementation with the C API (Debian: libopenmpi-dev openmpi-bin), found
# through CMake's CXX component with the deprecated C++ bindings skipped; without
# one, the rest of tabrl (threads and shards included) builds as usual.
set(MPI_CXX_SKIP_MPICXX ON)
find_package(MPI QUIET COMPONENTS CXX)
if(NOT MPI_CXX_FOUND)
  message(STATUS "tabrl: MPI not found (Debian: libopenmpi-dev), tabrl::mpi is not built")
  return()
endif()

add_library(tabrl_mpi INTERFACE)
add_library(tabrl::mpi ALIAS tabrl_mpi)
target_link_libraries(tabrl_mpi INTERFACE tabrl::tabrl MPI::MPI_CXX)
target_sources(tabrl_mpi INTERFACE
  FILE_SET HEADERS BASE_DIRS "${CMAKE_CURRENT_SOURCE_DIR}/include"
  FILES "${CMAKE_CURRENT_SOURCE_DIR}/include/tabrl/experiment/mpi.hpp")
message(STATUS "tabrl::mpi: MPI ${MPI_CXX_VERSION} found, the MPI sweep executor is enabled")

if(PROJECT_IS_TOP_LEVEL)
  set_target_properties(tabrl_mpi PROPERTIES VERIFY_INTERFACE_HEADER_SETS ON)
endif()
