# Writes the manual page (gzipped, as Debian installs them) and the shell completion scripts from
# the built program itself, so that they say what its --help says.
#   cmake -DSUPCTL=... -DOUT=... -P generate_docs.cmake
file(MAKE_DIRECTORY "${OUT}")
foreach(pair "man;supctl.1" "completion;bash;supctl.bash" "completion;zsh;_supctl")
  list(POP_BACK pair file)
  execute_process(COMMAND "${SUPCTL}" ${pair} OUTPUT_FILE "${OUT}/${file}" RESULT_VARIABLE failed)
  if(failed)
    message(FATAL_ERROR "supctl ${pair} failed: ${failed}")
  endif()
endforeach()
# -n: no name or time stamp inside, so the same page gzips to the same bytes.
execute_process(COMMAND gzip -9nf "${OUT}/supctl.1" RESULT_VARIABLE failed)
if(failed)
  message(FATAL_ERROR "gzip failed: ${failed}")
endif()
