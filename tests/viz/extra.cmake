# The viz tests need the viz component (fmt, and giflib/libpng when found).
if(TARGET tabrl::viz)
  target_link_libraries(${TABRL_TEST_TARGET} PRIVATE tabrl::viz)
endif()
