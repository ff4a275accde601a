// What the simulated VMs do to their disks: fills with incompressible bytes
// and "nights" of random whole-block writes, both from a seed so a test can
// replay them. Writes go to the VDI's writable leaf (model.h).
//
// REQUIRES: st.mu held (the writes run under the lock; a 4 GiB fill takes
// seconds and stalls other calls meanwhile, which the tests accept).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "state.h"

namespace xapi_sim {

// Makes the first `bytes` of `vdi` PRNG bytes: whole blocks as a generated
// layer (no disk writes, chain.h), a partial last block written for real.
tapeline::status fill_vdi(state& st, const std::string& vdi, uint64_t bytes,
                          uint64_t seed);

// Overwrites `count` distinct blocks chosen from `seed` with PRNG bytes and
// returns their indices, ascending. All blocks when count >= the VDI's.
tapeline::result<std::vector<uint32_t>> write_blocks(state& st,
                                                     const std::string& vdi,
                                                     uint32_t count,
                                                     uint64_t seed);

}  // namespace xapi_sim
