# Warnings and sanitizers applied to every casework target through casework_target_defaults().
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
