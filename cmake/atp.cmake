# atp_library(NAME <module> SOURCES ... DEPS ...)
# Defines the library atp_<module>; headers are included as "atp/<module>/x.h".
function(atp_library)
  cmake_parse_arguments(ARG "" "NAME" "SOURCES;DEPS" ${ARGN})
  add_library(atp_${ARG_NAME} STATIC ${ARG_SOURCES})
  target_include_directories(atp_${ARG_NAME} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(atp_${ARG_NAME} PUBLIC ${ARG_DEPS})
endfunction()

# atp_test(NAME <binary> SOURCES ... DEPS ...)
# One GTest binary per module; every TEST is registered with ctest.
function(atp_test)
  cmake_parse_arguments(ARG "" "NAME" "SOURCES;DEPS" ${ARGN})
  add_executable(${ARG_NAME} ${ARG_SOURCES})
  target_link_libraries(${ARG_NAME} PRIVATE ${ARG_DEPS} atp_testing GTest::gmock GTest::gtest_main)
  gtest_discover_tests(${ARG_NAME} DISCOVERY_TIMEOUT 60
    PROPERTIES ENVIRONMENT "ATP_TEST_TMPDIR=${CMAKE_BINARY_DIR}/test-tmp")
endfunction()
