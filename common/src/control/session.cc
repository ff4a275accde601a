#include "tapeline/control/session.h"

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <caf/openssl/remote_actor.hpp>

#include "tapeline/caf/node.h"
#include "tapeline/control/auth.h"
#include "tapeline/control/link.h"

namespace tapeline::control {

session::~session() = default;

result<std::unique_ptr<session>> session::open(caf::actor_system& sys,
                                               const std::string& host,
                                               uint16_t port,
                                               const tls_options& tls,
                                               const std::string& name) {
  auto r = caf::openssl::remote_actor(sys, host, port);
  if (!r)
    return make_error(code::unavailable, node::explain_connect_error(
                                             sys, r.error(), host, port));
  std::unique_ptr<session> s(new session(sys));
  s->coordinator_ = *r;
  v1::ControlRequest begin;
  begin.mutable_auth_begin()->set_name(name);
  auto ch = s->request(std::move(begin), std::chrono::seconds(30));
  if (!ch) return ch.error();
  if (!ch->ok())
    return make_error(code::permission_denied,
                      "coordinator refused: " + ch->error());
  auto p = prove(tls, ch->challenge().nonce());
  if (!p) return p.error();
  v1::ControlRequest pr;
  pr.mutable_auth_prove()->set_certificate_pem(p->certificate_pem);
  pr.mutable_auth_prove()->set_signature(p->signature);
  auto ok = s->request(std::move(pr), std::chrono::seconds(30));
  if (!ok) return ok.error();
  if (!ok->ok())
    return make_error(code::permission_denied,
                      "the coordinator refused this certificate: " +
                          ok->error());
  s->role_ = ok->role();
  return s;
}

result<v1::ControlReply> session::request(v1::ControlRequest req,
                                          std::chrono::seconds timeout) {
  result<v1::ControlReply> out =
      make_error(code::internal, "no reply from the coordinator");
  self_->request(coordinator_, timeout, control_frame(std::move(req)))
      .receive(
          [&](wire::wire_frame& w) {
            v1::Frame f;
            if (auto st = wire::decode(w, f); !st) {
              out = st;
              return;
            }
            if (!f.has_control_reply()) {
              out = make_error(code::protocol_error,
                               std::string("expected a control reply, got ") +
                                   wire::body_name(f));
              return;
            }
            out = f.control_reply();
          },
          [&](caf::error& e) {
            out = make_error(code::unavailable,
                             "coordinator: " + self_->system().render(e));
          });
  return out;
}

result<std::string> session::call(const std::string& command,
                                  const std::string& args_json,
                                  std::chrono::seconds timeout) {
  v1::ControlRequest req;
  req.mutable_call()->set_command(command);
  req.mutable_call()->set_args_json(args_json);
  auto r = request(std::move(req), timeout);
  if (!r) return r.error();
  if (!r->ok()) {
    auto c = r->code() == v1::NOT_FOUND       ? code::not_found
             : r->code() == v1::INVALID       ? code::invalid_argument
             : r->code() == v1::ROLE_REFUSED  ? code::permission_denied
             : r->code() == v1::UNAVAILABLE   ? code::unavailable
                                              : code::internal;
    return make_error(c, r->error());
  }
  return r->json();
}

status session::receive_pushes(
    const std::function<bool(const v1::ControlPush&)>& on_push) {
  self_->monitor(coordinator_);
  bool go = true;
  status out;
  while (go) {
    self_->receive(
        [&](wire::wire_frame& w) {
          v1::Frame f;
          if (wire::decode(w, f).ok() && f.has_push())
            go = on_push(f.push());
        },
        [&](caf::down_msg& dm) {
          out = make_error(code::unavailable,
                           "the coordinator went away (" +
                               self_->system().render(dm.reason) + ")");
          go = false;
        });
  }
  return out;
}

}  // namespace tapeline::control
