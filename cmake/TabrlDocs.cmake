# The API reference as a build target (not built by default): tabrl_api_docs writes
# <build>/api/html/index.html with Doxygen (docs/Doxyfile) and fails on a warning that
# docs/api_undocumented.txt does not list. CI runs the same check in .ci/stages/42-api-docs.sh.
find_package(Doxygen QUIET)
find_package(Python3 3.9 QUIET COMPONENTS Interpreter)
if(NOT DOXYGEN_FOUND OR NOT Python3_Interpreter_FOUND)
  message(STATUS "tabrl: doxygen or python3 not found (Debian: doxygen), no tabrl_api_docs target")
  return()
endif()
add_custom_target(tabrl_api_docs
  COMMAND "${Python3_EXECUTABLE}" "${PROJECT_SOURCE_DIR}/tests/docs/api_docs.py"
          --root "${PROJECT_SOURCE_DIR}" --out "${PROJECT_BINARY_DIR}/api" --doxygen "${DOXYGEN_EXECUTABLE}"
  COMMENT "API reference (Doxygen) into ${PROJECT_BINARY_DIR}/api/html"
  VERBATIM)
