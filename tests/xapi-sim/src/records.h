// XAPI object records as the sim creates them, with the datamodel's field
// names (ocaml/idl/datamodel_vm.ml, datamodel_vdi.ml, …), and the pool
// `xapi-sim init` builds. REQUIRES for the functions taking a state: st.mu
// held (or the state not yet shared).
#pragma once

#include <string>

#include "model.h"
#include "state.h"

namespace xapi_sim {

json vm_record(const std::string& name, const std::string& host,
               bool control_domain, int domid);
json vdi_record(const std::string& name, const std::string& sr, uint64_t size);
json vbd_record(const std::string& vm, const std::string& vdi,
                const std::string& userdevice, bool cd);
// Adds the record and links it from its VM and VDI / VM and network.
void add_vbd(state& st, const std::string& ref, json rec);
void add_vif(state& st, const std::string& vm, const std::string& network,
             const std::string& device, const std::string& mac);
// The first object of a class (the pool has one host, one SR), or NULL.
std::string first_ref(state& st, const std::string& cls);

}  // namespace xapi_sim
