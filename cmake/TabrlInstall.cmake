# Install rules: headers, CMake package (tabrl::tabrl, optional tabrl::viz and tabrl::mpi)
# and pkg-config.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(TABRL_INSTALL_CMAKEDIR "${CMAKE_INSTALL_DATADIR}/cmake/tabrl" CACHE STRING
    "Where tabrlConfig.cmake is installed (header-only: architecture independent)")

install(TARGETS tabrl EXPORT tabrlTargets FILE_SET HEADERS DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}")
install(EXPORT tabrlTargets NAMESPACE tabrl:: DESTINATION "${TABRL_INSTALL_CMAKEDIR}")

# The viz component has its own export set, so that a consumer of the core alone never
# needs fmt, giflib or libpng.
set(TABRL_VIZ_WITH_GIF OFF)
set(TABRL_VIZ_WITH_PNG OFF)
set(TABRL_VIZ_WITH_FFMPEG OFF)
if(TARGET tabrl_viz)
  set_target_properties(tabrl_viz PROPERTIES EXPORT_NAME viz)
  install(TARGETS tabrl_viz EXPORT tabrlVizTargets FILE_SET HEADERS
          DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}")
  install(EXPORT tabrlVizTargets NAMESPACE tabrl:: DESTINATION "${TABRL_INSTALL_CMAKEDIR}")
  if(TARGET GIF::GIF)
    set(TABRL_VIZ_WITH_GIF ON)
  endif()
  if(TARGET PNG::PNG)
    set(TABRL_VIZ_WITH_PNG ON)
  endif()
  if(TARGET PkgConfig::TABRL_FFMPEG)
    set(TABRL_VIZ_WITH_FFMPEG ON)
  endif()
endif()

# The MPI executor likewise has its own export set (a core consumer never needs MPI).
if(TARGET tabrl_mpi)
  set_target_properties(tabrl_mpi PROPERTIES EXPORT_NAME mpi)
  install(TARGETS tabrl_mpi EXPORT tabrlMpiTargets FILE_SET HEADERS
          DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}")
  install(EXPORT tabrlMpiTargets NAMESPACE tabrl:: DESTINATION "${TABRL_INSTALL_CMAKEDIR}")
endif()

configure_package_config_file(
  "${CMAKE_CURRENT_LIST_DIR}/tabrlConfig.cmake.in" "${PROJECT_BINARY_DIR}/tabrlConfig.cmake"
  INSTALL_DESTINATION "${TABRL_INSTALL_CMAKEDIR}")
# 0.x: only the same minor version is compatible.
write_basic_package_version_file("${PROJECT_BINARY_DIR}/tabrlConfigVersion.cmake"
  COMPATIBILITY SameMinorVersion ARCH_INDEPENDENT)
install(FILES "${PROJECT_BINARY_DIR}/tabrlConfig.cmake" "${PROJECT_BINARY_DIR}/tabrlConfigVersion.cmake"
        DESTINATION "${TABRL_INSTALL_CMAKEDIR}")

# pkg-config files that find their prefix from where they lie (${pcfiledir}), so
# `cmake --install BUILD --prefix P` and moving P later both work.
set(_tabrl_pc_dir "${CMAKE_INSTALL_DATADIR}/pkgconfig")
if(IS_ABSOLUTE "${_tabrl_pc_dir}")
  set(TABRL_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
else()
  file(RELATIVE_PATH _tabrl_pc_up "/root/${_tabrl_pc_dir}" "/root")
  string(REGEX REPLACE "/$" "" _tabrl_pc_up "${_tabrl_pc_up}")
  set(TABRL_PC_PREFIX "\${pcfiledir}/${_tabrl_pc_up}")
endif()
if(IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
  set(TABRL_PC_INCLUDEDIR "${CMAKE_INSTALL_INCLUDEDIR}")
else()
  set(TABRL_PC_INCLUDEDIR "\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}")
endif()
configure_file("${CMAKE_CURRENT_LIST_DIR}/tabrl.pc.in" "${PROJECT_BINARY_DIR}/tabrl.pc" @ONLY)
install(FILES "${PROJECT_BINARY_DIR}/tabrl.pc" DESTINATION "${_tabrl_pc_dir}")
if(TARGET tabrl_viz)
  set(TABRL_VIZ_PC_REQUIRES "")
  set(TABRL_VIZ_PC_CFLAGS "")
  set(TABRL_VIZ_PC_LIBS "")
  if(TABRL_VIZ_WITH_GIF)
    string(APPEND TABRL_VIZ_PC_CFLAGS " -DTABRL_HAS_GIFLIB=1")
    string(APPEND TABRL_VIZ_PC_LIBS " -lgif")  # giflib has no .pc file on every system
  endif()
  if(TABRL_VIZ_WITH_PNG)
    string(APPEND TABRL_VIZ_PC_REQUIRES ", libpng")
    string(APPEND TABRL_VIZ_PC_CFLAGS " -DTABRL_HAS_LIBPNG=1")
  endif()
  if(TABRL_VIZ_WITH_FFMPEG)
    string(APPEND TABRL_VIZ_PC_REQUIRES ", libavformat, libavcodec, libswscale, libavutil")
    string(APPEND TABRL_VIZ_PC_CFLAGS " -DTABRL_HAS_FFMPEG=1")
  endif()
  configure_file("${CMAKE_CURRENT_LIST_DIR}/tabrl-viz.pc.in" "${PROJECT_BINARY_DIR}/tabrl-viz.pc" @ONLY)
  install(FILES "${PROJECT_BINARY_DIR}/tabrl-viz.pc" DESTINATION "${_tabrl_pc_dir}")
endif()
install(FILES "${PROJECT_SOURCE_DIR}/LICENSE" DESTINATION "${CMAKE_INSTALL_DATADIR}/doc/tabrl")
