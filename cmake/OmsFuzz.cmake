# Fuzzers (libFuzzer, Debian's clang). They need clang's coverage instrumentation, so they are
# built in a tree of their own, configured with clang and -DOMS_FUZZ=ON (`./oms test` and
# `./oms fuzz` keep it in build/fuzz), where every library they link is compiled instrumented,
# with AddressSanitizer and UndefinedBehaviorSanitizer. The main tree runs each fuzzer as a test
# for a short budget, from its committed seed corpus (`<dir>/fuzz/corpus/<fuzzer>/`).
option(OMS_FUZZ "Build the libFuzzer targets (clang only)" OFF)
set(OMS_FUZZ_TREE "${PROJECT_BINARY_DIR}/fuzz" CACHE PATH "The clang build tree of the fuzzers")
set(OMS_FUZZ_SECONDS 10 CACHE STRING "How long a test runs each fuzzer, in seconds")

if(OMS_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "OMS_FUZZ needs clang (-DCMAKE_CXX_COMPILER=clang++)")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined
                      -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
  add_custom_target(oms_fuzzers)
endif()

# oms_fuzzer(<name> SOURCES <files> LIBS <libraries>): in the fuzz tree, the fuzzer <name>;
# in the main tree, the test <name> running it (tools/fuzz/run-fuzzer.sh). A fuzzer the fuzz
# tree did not build fails its test: it is never skipped.
function(oms_fuzzer name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS" ${ARGN})
  if(OMS_FUZZ)
    add_executable(${name} ${ARG_SOURCES})
    target_link_libraries(${name} PRIVATE ${ARG_LIBS} oms_warnings)
    target_link_options(${name} PRIVATE -fsanitize=fuzzer)
    add_dependencies(oms_fuzzers ${name})
  else()
    file(RELATIVE_PATH subdir "${PROJECT_BINARY_DIR}" "${CMAKE_CURRENT_BINARY_DIR}")
    add_test(NAME ${name}
      COMMAND ${PROJECT_SOURCE_DIR}/tools/fuzz/run-fuzzer.sh "${OMS_FUZZ_TREE}/${subdir}/${name}"
              "${CMAKE_CURRENT_SOURCE_DIR}/corpus/${name}" ${OMS_FUZZ_SECONDS})
    set_tests_properties(${name} PROPERTIES LABELS "fuzz;security" TIMEOUT 300)
  endif()
endfunction()
