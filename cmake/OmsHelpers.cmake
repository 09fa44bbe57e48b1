# oms_embed_migrations(<target> <namespace> <dir>): compiles every <dir>/NNNN_*.sql into <target>
# as oms::<namespace>::Migrations(), so a binary carries its schema and needs no files at run time.
function(oms_embed_migrations target ns dir)
  file(GLOB sql_files CONFIGURE_DEPENDS "${dir}/*.sql")
  list(SORT sql_files)
  set(out "${CMAKE_CURRENT_BINARY_DIR}/${target}_migrations.cc")
  # A ';' list would split the shell command: pass the files '|'-separated.
  string(REPLACE ";" "|" files_arg "${sql_files}")
  add_custom_command(
    OUTPUT "${out}"
    COMMAND ${CMAKE_COMMAND} -DOUT=${out} -DNS=${ns} "-DFILES=${files_arg}"
            -P "${PROJECT_SOURCE_DIR}/cmake/EmbedMigrations.cmake"
    DEPENDS ${sql_files} "${PROJECT_SOURCE_DIR}/cmake/EmbedMigrations.cmake"
    COMMENT "Embedding ${ns} migrations"
    VERBATIM)
  target_sources(${target} PRIVATE "${out}")
endfunction()

# oms_test(<name> SOURCES ... LIBS ... [LABELS ...] [SECURITY <gtest patterns>...]): a GoogleTest
# binary registered with CTest. Tests are listed at build time, so every test binary must start
# without a database. The tests SECURITY's patterns match ("*": all) also carry the label
# `security`: the security probes, run alone by `./oms test -L security` (README.md lists what
# each one probes).
function(oms_test name)
  cmake_parse_arguments(T "" "" "SOURCES;LIBS;LABELS;SECURITY" ${ARGN})
  # The sanitized tree runs the in-process suites only; the ones that start the service binaries
  # as processes are `./oms test`'s, so there they are neither built by default nor listed (their
  # extra copy of gRPC's reflection messages, beside libgrpc++_reflection's, also aborts their
  # listing under AddressSanitizer).
  set(process_suite_in_sanitized_tree FALSE)
  if(OMS_SANITIZE AND T_LABELS MATCHES "e2e|chaos")
    set(process_suite_in_sanitized_tree TRUE)
  endif()
  string(JOIN ":" security_filter ${T_SECURITY})
  # One label for both: CMake 3.25's gtest_discover_tests cannot give a test two labels, and
  # ctest matches labels by regular expression, so `-L security`, `-L e2e` and `-LE e2e` all
  # find "e2e-security".
  if(T_LABELS)
    string(JOIN "-" security_label ${T_LABELS} security)
  else()
    set(security_label security)
  endif()
  if(process_suite_in_sanitized_tree)
    add_executable(${name} EXCLUDE_FROM_ALL ${T_SOURCES})
  else()
    add_executable(${name} ${T_SOURCES})
  endif()
  target_link_libraries(${name} PRIVATE ${T_LIBS} GTest::gtest GTest::gtest_main oms_warnings)
  if(process_suite_in_sanitized_tree)
    return()
  elseif(NOT T_SECURITY)
    gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60 PROPERTIES LABELS "${T_LABELS}")
  elseif(security_filter STREQUAL "*")
    gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60 PROPERTIES LABELS "${security_label}")
  else()
    gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60 TEST_FILTER "-${security_filter}"
                         PROPERTIES LABELS "${T_LABELS}")
    gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60 TEST_FILTER "${security_filter}"
                         PROPERTIES LABELS "${security_label}")
  endif()
endfunction()

# oms_use_service_binaries(<target>): the paths of the five binaries as OMS_<NAME>_BIN for code
# that starts the real processes (end-to-end suites, benchmarks), built before <target>.
function(oms_use_service_binaries target)
  target_compile_definitions(${target} PRIVATE
    OMS_GATEWAY_BIN="$<TARGET_FILE:gateway>"
    OMS_INVENTORY_BIN="$<TARGET_FILE:inventory-service>"
    OMS_BILLING_BIN="$<TARGET_FILE:billing-service>"
    OMS_SHIPPING_BIN="$<TARGET_FILE:shipping-service>"
    OMS_ORDER_BIN="$<TARGET_FILE:order-service>")
  add_dependencies(${target} gateway inventory-service billing-service shipping-service
                   order-service)
endfunction()
