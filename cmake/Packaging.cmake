# Install rules and Debian packages (CPack DEB), docs/deploy.md:
#   tapeline-tape-agent   the tape agent, its unit and example
#   tapeline-coordinator  the coordinator and the tapeline CLI, unit, example
#   tapeline-tools        tapeline-vtape, -extract, -vhd, -send, -fileset and
#                         tapeline-pki (deploy/pki.sh)
# Include it from the root CMakeLists.txt after every add_subdirectory(), so
# that the targets exist. Packages: `cpack -G DEB` in the build folder (it
# installs what is built; it does not build).
include(GNUInstallDirs)

# cpack (and `make install`) install what is built and build nothing, so that
# tests/integration/package_test.sh packs the tested binaries without a
# rebuild. `make package` still builds everything first.
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)

set(_deploy "${PROJECT_SOURCE_DIR}/deploy")
set(_unitdir "lib/systemd/system")  # under /usr: /usr/lib/systemd/system

# _tapeline_install_bins(COMPONENT TARGET...): the targets that exist.
function(_tapeline_install_bins component)
  foreach(_t ${ARGN})
    if(TARGET ${_t})
      install(TARGETS ${_t} RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
        COMPONENT ${component})
    endif()
  endforeach()
endfunction()

# _tapeline_service(COMPONENT PACKAGE UNIT CONFIG): unit, example, the
# deploy guide, and the maintainer scripts made from deploy/debian/*.in.
function(_tapeline_service component package unit config)
  install(FILES "${_deploy}/systemd/${unit}.service" DESTINATION ${_unitdir}
    COMPONENT ${component})
  install(FILES "${_deploy}/examples/${config}"
    DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/${package}/examples COMPONENT ${component})
  install(FILES "${PROJECT_SOURCE_DIR}/docs/deploy.md"
    DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/${package} COMPONENT ${component})
  set(PACKAGE ${package})
  set(UNIT ${unit})
  set(CONFIG ${config})
  set(_scripts)
  foreach(_s postinst prerm postrm)
    configure_file("${_deploy}/debian/${_s}.in"
      "${PROJECT_BINARY_DIR}/debian/${package}/${_s}" @ONLY
      FILE_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ
      GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
    list(APPEND _scripts "${PROJECT_BINARY_DIR}/debian/${package}/${_s}")
  endforeach()
  string(TOUPPER ${component} _c)
  set(CPACK_DEBIAN_${_c}_PACKAGE_CONTROL_EXTRA "${_scripts}" PARENT_SCOPE)
endfunction()

_tapeline_install_bins(tape_agent tapeline-tape-agent)
_tapeline_service(tape_agent tapeline-tape-agent tapeline-tape-agent tape-agent.toml)

# The coordinator's package exists once its binary does (issue #4).
set(_components tape_agent tools)
if(TARGET tapeline-coordinator)
  _tapeline_install_bins(coordinator tapeline-coordinator tapeline)
  _tapeline_service(coordinator tapeline-coordinator tapeline-coordinator coordinator.toml)
  list(APPEND _components coordinator)
endif()

_tapeline_install_bins(tools tapeline-vtape tapeline-extract tapeline-vhd
  tapeline-send tapeline-fileset)
install(PROGRAMS "${_deploy}/pki.sh" DESTINATION ${CMAKE_INSTALL_BINDIR}
  RENAME tapeline-pki COMPONENT tools)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME tapeline)
set(CPACK_PACKAGE_VENDOR "Tapeline")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL ${_components})
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "Tapeline maintainers <tapeline@localhost>")
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS OFF)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://example.invalid/tapeline")

set(CPACK_DEBIAN_TAPE_AGENT_PACKAGE_NAME tapeline-tape-agent)
set(CPACK_COMPONENT_TAPE_AGENT_DESCRIPTION
  "Tapeline tape agent: writes backup streams to LTO tape drives\n Runs the tape drives of a backup server (one actor per drive, Linux st\n or virtual), receives backup streams over mutual TLS and writes them as\n POSIX tar archives that GNU tar can read back.")
set(CPACK_DEBIAN_TAPE_AGENT_PACKAGE_DEPENDS "passwd")
set(CPACK_DEBIAN_TAPE_AGENT_PACKAGE_RECOMMENDS "tapeline-tools, mt-st")

set(CPACK_DEBIAN_COORDINATOR_PACKAGE_NAME tapeline-coordinator)
set(CPACK_COMPONENT_COORDINATOR_DESCRIPTION
  "Tapeline coordinator and the tapeline command\n Schedules and plans the backups of XCP-ng VMs and file sets to tape,\n keeps the catalog (SQLite) and notifies the operators.")
set(CPACK_DEBIAN_COORDINATOR_PACKAGE_DEPENDS "passwd, tzdata")
set(CPACK_DEBIAN_COORDINATOR_PACKAGE_RECOMMENDS "tapeline-tools")

set(CPACK_DEBIAN_TOOLS_PACKAGE_NAME tapeline-tools)
set(CPACK_COMPONENT_TOOLS_DESCRIPTION
  "Tapeline tools: virtual tapes, extraction, VHD, site PKI\n tapeline-vtape (virtual cartridges), tapeline-extract (restore from\n dumped tape files without the catalog), tapeline-vhd, tapeline-send,\n tapeline-fileset and tapeline-pki (the site CA and role certificates).")
set(CPACK_DEBIAN_TOOLS_PACKAGE_DEPENDS "openssl")
set(CPACK_DEBIAN_TOOLS_PACKAGE_SUGGESTS "tar, mt-st")

include(CPack)
