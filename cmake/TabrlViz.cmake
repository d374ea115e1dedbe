# tabrl::viz — terminal, SVG, HTML, image, GIF, PNG and MP4 rendering (include/tabrl/viz/).
# Needs fmt; giflib, libpng and FFmpeg's libraries are optional: without them the GIF/PNG/MP4
# writers report that they are unavailable (tabrl::viz::gif_available / png_available /
# mp4_available) instead of writing, and everything else still builds.
find_package(fmt 9 QUIET)
if(NOT fmt_FOUND)
  message(STATUS "tabrl: fmt 9 not found, tabrl::viz is not built")
  return()
endif()
find_package(GIF QUIET)
find_package(PNG QUIET)
# FFmpeg ships pkg-config files only (no CMake package): libavformat muxes the MP4,
# libavcodec encodes, libswscale converts RGB to YUV, libavutil holds frames and options.
find_package(PkgConfig QUIET)
if(PKG_CONFIG_FOUND)
  pkg_check_modules(TABRL_FFMPEG QUIET IMPORTED_TARGET libavformat libavcodec libswscale libavutil)
endif()

add_library(tabrl_viz INTERFACE)
add_library(tabrl::viz ALIAS tabrl_viz)
target_link_libraries(tabrl_viz INTERFACE tabrl::tabrl fmt::fmt)
file(GLOB _tabrl_viz_headers CONFIGURE_DEPENDS "${CMAKE_CURRENT_SOURCE_DIR}/include/tabrl/viz/*.hpp")
target_sources(tabrl_viz INTERFACE
  FILE_SET HEADERS BASE_DIRS "${CMAKE_CURRENT_SOURCE_DIR}/include" FILES ${_tabrl_viz_headers})

if(TARGET GIF::GIF)
  target_link_libraries(tabrl_viz INTERFACE GIF::GIF)
  target_compile_definitions(tabrl_viz INTERFACE TABRL_HAS_GIFLIB=1)
  message(STATUS "tabrl::viz: giflib ${GIF_VERSION} found, animated GIF rollouts enabled")
else()
  message(STATUS "tabrl::viz: giflib not found (Debian: libgif-dev), GIF rollouts are skipped")
endif()
if(TARGET PNG::PNG)
  target_link_libraries(tabrl_viz INTERFACE PNG::PNG)
  target_compile_definitions(tabrl_viz INTERFACE TABRL_HAS_LIBPNG=1)
  message(STATUS "tabrl::viz: libpng ${PNG_VERSION_STRING} found, PNG frames enabled")
else()
  message(STATUS "tabrl::viz: libpng not found (Debian: libpng-dev), PNG frames are skipped")
endif()
if(TARGET PkgConfig::TABRL_FFMPEG)
  target_link_libraries(tabrl_viz INTERFACE PkgConfig::TABRL_FFMPEG)
  target_compile_definitions(tabrl_viz INTERFACE TABRL_HAS_FFMPEG=1)
  message(STATUS "tabrl::viz: FFmpeg (libavformat ${TABRL_FFMPEG_libavformat_VERSION}) found, MP4 rollouts enabled")
else()
  message(STATUS "tabrl::viz: FFmpeg's libraries not found (Debian: libavcodec-dev libavformat-dev "
                 "libswscale-dev libavutil-dev, and pkg-config), MP4 rollouts are skipped")
endif()

if(PROJECT_IS_TOP_LEVEL)
  set_target_properties(tabrl_viz PROPERTIES VERIFY_INTERFACE_HEADER_SETS ON)
endif()
