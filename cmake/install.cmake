# Installing supctl: the program, its manual page, its shell completions, the JSON schemas and
# the examples, under the usual places of the prefix; `cpack` makes the Debian package of the same
# (scripts/package builds it from a Release build).
include(GNUInstallDirs)

set(docs ${CMAKE_BINARY_DIR}/share)
add_custom_command(OUTPUT ${docs}/supctl.1.gz ${docs}/supctl.bash ${docs}/_supctl
                   COMMAND ${CMAKE_COMMAND} -DSUPCTL=$<TARGET_FILE:supctl> -DOUT=${docs} -P ${CMAKE_SOURCE_DIR}/cmake/generate_docs.cmake
                   DEPENDS supctl ${CMAKE_SOURCE_DIR}/cmake/generate_docs.cmake
                   COMMENT "Writing the manual page and the shell completions")
add_custom_target(supctl_docs ALL DEPENDS ${docs}/supctl.1.gz ${docs}/supctl.bash ${docs}/_supctl)

install(TARGETS supctl RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES ${docs}/supctl.1.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES ${docs}/supctl.bash DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/bash-completion/completions RENAME supctl)
install(FILES ${docs}/_supctl DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/zsh/vendor-completions)
install(DIRECTORY ${CMAKE_SOURCE_DIR}/schemas/ DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/supctl/schemas FILES_MATCHING PATTERN "*.json")
install(DIRECTORY ${CMAKE_SOURCE_DIR}/examples/ DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples
        PATTERN ".supctl" EXCLUDE PATTERN "*.db*" EXCLUDE)
install(FILES ${CMAKE_SOURCE_DIR}/README.md ${CMAKE_SOURCE_DIR}/CHANGELOG.md DESTINATION ${CMAKE_INSTALL_DOCDIR})

# The Debian package: `cpack -G DEB` in the build tree. Its Depends are computed by dpkg-shlibdeps
# from the libraries the program links; the version is the project's.
set(SUPCTL_PACKAGE_MAINTAINER "supctl developers <supctl@localhost>" CACHE STRING "The Debian package's Maintainer field")
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME supctl)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "${SUPCTL_PACKAGE_MAINTAINER}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "configuration as code for ConfigMgr software update points and WSUS")
# The first line of Description is the summary above; this is the rest.
string(CONCAT CPACK_DEBIAN_PACKAGE_DESCRIPTION
       "supctl keeps a Configuration Manager hierarchy's software update points, their WSUS servers, "
       "accounts, sync settings, registry values and services in TOML manifests: it validates them, "
       "plans, applies over WinRM, SSH or locally, and proves the result from the servers' logs. "
       "A simulated lab estate runs the whole flow on this machine.")
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# Not linked, so not computed: NTLM over WinRM is a GSS-API mechanism loaded at run time, and the
# ssh transport runs the ssh client.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "gss-ntlmssp, openssh-client")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_STRIP_FILES ON)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
include(CPack)
