# Warnings, sanitizers and the module function shared by every casework target.
function(casework_target_defaults target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow=local -Wnon-virtual-dtor
                                           -Wno-unused-parameter)
  if(CASEWORK_SANITIZE)
    string(REPLACE "," ";" _san "${CASEWORK_SANITIZE}")
    foreach(s IN LISTS _san)
      target_compile_options(${target} PRIVATE -fsanitize=${s} -fno-omit-frame-pointer)
      target_link_options(${target} PRIVATE -fsanitize=${s})
    endforeach()
  endif()
endfunction()

# casework_module(<target> <export name>): a library from <this folder>/src/*.cpp with public headers in
# <this folder>/include, exported and installed as casework::<export name>. Callers add their dependencies
# with target_link_libraries.
function(casework_module target export_name)
  file(GLOB _sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/src/*.cpp)
  add_library(${target} ${_sources})
  add_library(casework::${export_name} ALIAS ${target})
  set_target_properties(${target} PROPERTIES EXPORT_NAME ${export_name} OUTPUT_NAME ${target}
                                             POSITION_INDEPENDENT_CODE ON)
  target_include_directories(${target} PUBLIC
    $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/include>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>
    PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
  casework_target_defaults(${target})
  install(TARGETS ${target} EXPORT caseworkTargets
          ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
  install(DIRECTORY include/casework DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
endfunction()

# casework_program_allocator(<target>): a program (never a library) links the allocator CASEWORK_ALLOCATOR names.
# jemalloc: the command path and the timer backlog spend 30-40% of their time in glibc's malloc/free (arena
# locks, malloc_consolidate with gigabytes of churn); jemalloc's thread caches took the command path from
# 14,452 to 17,919 commands/s and the timer backlog from 4,521 to 6,679 fires/s in the same session
# (docs/performance.md). Linked as a DT_NEEDED library ahead of libc, it replaces malloc for the whole process.
function(casework_program_allocator target)
  if(CASEWORK_JEMALLOC_LIBRARY AND CASEWORK_ALLOCATOR STREQUAL "jemalloc" AND NOT CASEWORK_SANITIZE)
    target_link_libraries(${target} PRIVATE ${CASEWORK_JEMALLOC_LIBRARY})
  endif()
endfunction()
