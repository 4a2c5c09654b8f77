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
