# The viz tests need the viz component (fmt, and giflib/libpng/FFmpeg when found).
if(TARGET tabrl::viz)
  target_link_libraries(${TABRL_TEST_TARGET} PRIVATE tabrl::viz)

  # report.html in a real browser: report_fixture writes a run's --out folder, then
  # report_browser_test.py opens its report in headless Chromium (no network) and checks the
  # DOM against the CSVs beside it. Needs Debian's chromium and python3; skipped without them.
  add_executable(tabrl_viz_report_fixture "${CMAKE_CURRENT_LIST_DIR}/report_fixture.cpp")
  target_link_libraries(tabrl_viz_report_fixture PRIVATE tabrl::viz)
  tabrl_set_warnings(tabrl_viz_report_fixture)
  find_program(TABRL_CHROMIUM NAMES chromium chromium-browser)
  find_package(Python3 COMPONENTS Interpreter QUIET)
  if(TABRL_CHROMIUM AND Python3_Interpreter_FOUND)
    foreach(_env cliff taxi)
      set(_dir "${CMAKE_CURRENT_BINARY_DIR}/report_${_env}")
      add_test(NAME viz.report_fixture_${_env}
               COMMAND tabrl_viz_report_fixture "${_dir}" --env ${_env})
      set_tests_properties(viz.report_fixture_${_env} PROPERTIES FIXTURES_SETUP viz_report_${_env})
      add_test(NAME viz.report_in_browser_${_env}
               COMMAND "${Python3_EXECUTABLE}" "${CMAKE_CURRENT_LIST_DIR}/report_browser_test.py"
                       --chromium "${TABRL_CHROMIUM}" --dir "${_dir}" --env ${_env}
                       --screenshot "${_dir}/report.png")
      set_tests_properties(viz.report_in_browser_${_env} PROPERTIES
        FIXTURES_REQUIRED viz_report_${_env} TIMEOUT 120 RESOURCE_LOCK chromium)
    endforeach()
  else()
    message(STATUS "tabrl tests: chromium or python3 not found (Debian: chromium), the "
                   "report's browser test is skipped")
  endif()
endif()
