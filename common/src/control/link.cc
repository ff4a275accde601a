#include "tapeline/control/link.h"

#include <atomic>

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <caf/openssl/remote_actor.hpp>
#include <spdlog/spdlog.h>

#include "tapeline/caf/node.h"
#include "tapeline/control/auth.h"

namespace tapeline::control {
namespace {

using retry_atom = caf::atom_constant<caf::atom("ctlretry")>;
constexpr auto call_timeout = std::chrono::seconds(60);

struct link_state {
  link_options opts;
  caf::actor coord;
  bool up = false;
  std::chrono::milliseconds backoff{0};
  uint64_t attempts = 0;
  static inline const char* name = "tapeline.control_link";
};
using link_actor_t = caf::stateful_actor<link_state>;

wire::wire_frame error_reply(v1::ControlCode c, const std::string& msg) {
  v1::Frame f;
  auto* r = f.mutable_control_reply();
  r->set_ok(false);
  r->set_code(c);
  r->set_error(msg);
  return wire::encode(f);
}

void schedule_retry(link_actor_t* self) {
  auto& st = self->state;
  if (st.coord) {
    self->demonitor(st.coord);
    st.coord = nullptr;
  }
  bool was_up = st.up;
  st.up = false;
  if (was_up && st.opts.handler)
    self->send(st.opts.handler, disconnected_atom::value);
  self->delayed_send(self, st.backoff, retry_atom::value);
  st.backoff = std::min(st.opts.max_backoff, st.backoff * 2);
}

void fail_attempt(link_actor_t* self, const std::string& why) {
  auto& st = self->state;
  // Say it at the first failure and then now and then, not every second.
  if (st.attempts > 1 && st.attempts % 20 != 0)
    spdlog::debug("coordinator {}:{}: attempt {}: {}", st.opts.host,
                  st.opts.port, st.attempts, why);
  else
    spdlog::warn("coordinator {}:{}: {} (retrying every {} s at most)",
                 st.opts.host, st.opts.port, why,
                 st.opts.max_backoff.count() / 1000);
  schedule_retry(self);
}

void registered(link_actor_t* self) {
  auto& st = self->state;
  st.up = true;
  st.backoff = st.opts.min_backoff;
  st.attempts = 0;
  spdlog::info("coordinator {}:{}: connected, authenticated and registered",
               st.opts.host, st.opts.port);
  if (st.opts.handler) self->send(st.opts.handler, connected_atom::value);
}

void do_register(link_actor_t* self) {
  auto& st = self->state;
  v1::ControlRequest reg =
      st.opts.registration ? st.opts.registration() : v1::ControlRequest{};
  self->request(st.coord, call_timeout, control_frame(std::move(reg)))
      .then(
          [=](wire::wire_frame& w) {
            auto r = decode_reply(w);
            if (!r) return fail_attempt(self, "registration refused: " +
                                                  r.error().message());
            registered(self);
          },
          [=](caf::error& e) {
            fail_attempt(self, "registration: " + self->system().render(e));
          });
}

void authenticate(link_actor_t* self) {
  auto& st = self->state;
  v1::ControlRequest begin;
  begin.mutable_auth_begin()->set_name(st.opts.name);
  self->request(st.coord, call_timeout, control_frame(std::move(begin)))
      .then(
          [=](wire::wire_frame& w) {
            auto r = decode_reply(w);
            if (!r) return fail_attempt(self, r.error().message());
            auto p = prove(self->state.opts.tls, r->challenge().nonce());
            if (!p) return fail_attempt(self, p.error().message());
            v1::ControlRequest pr;
            pr.mutable_auth_prove()->set_certificate_pem(p->certificate_pem);
            pr.mutable_auth_prove()->set_signature(p->signature);
            self->request(self->state.coord, call_timeout,
                          control_frame(std::move(pr)))
                .then(
                    [=](wire::wire_frame& w2) {
                      auto r2 = decode_reply(w2);
                      if (!r2)
                        return fail_attempt(self, "authentication refused: " +
                                                      r2.error().message());
                      do_register(self);
                    },
                    [=](caf::error& e) {
                      fail_attempt(self, "authentication: " +
                                             self->system().render(e));
                    });
          },
          [=](caf::error& e) {
            fail_attempt(self,
                         "authentication: " + self->system().render(e));
          });
}

void try_connect(link_actor_t* self) {
  auto& st = self->state;
  ++st.attempts;
  auto r = caf::openssl::remote_actor(self->system(), st.opts.host,
                                      st.opts.port);
  if (!r)
    return fail_attempt(self,
                        node::explain_connect_error(self->system(), r.error(),
                                                    st.opts.host,
                                                    st.opts.port));
  st.coord = *r;
  self->monitor(st.coord);
  authenticate(self);
}

caf::behavior link_actor(link_actor_t* self, link_options opts) {
  self->state.opts = std::move(opts);
  self->state.backoff = self->state.opts.min_backoff;
  self->set_down_handler([=](caf::down_msg& dm) {
    auto& st = self->state;
    if (st.coord && dm.source == st.coord.address()) {
      spdlog::warn("coordinator {}:{}: connection lost ({}); reconnecting",
                   st.opts.host, st.opts.port, self->system().render(dm.reason));
      st.coord = nullptr;
      schedule_retry(self);
    }
  });
  self->send(self, retry_atom::value);
  return {
      [=](retry_atom) {
        if (!self->state.coord) try_connect(self);
      },
      [=](reregister_atom) {
        if (self->state.up) do_register(self);
      },
      [=](send_atom, wire::wire_frame& w)
          -> caf::result<reply_atom, wire::wire_frame> {
        auto& st = self->state;
        if (!st.up)
          return {reply_atom::value,
                  error_reply(v1::UNAVAILABLE,
                              "not connected to the coordinator at " +
                                  st.opts.host + ":" +
                                  std::to_string(st.opts.port))};
        auto rp = self->make_response_promise<reply_atom, wire::wire_frame>();
        self->request(st.coord, call_timeout, std::move(w))
            .then(
                [=](wire::wire_frame& r) mutable {
                  rp.deliver(reply_atom::value, std::move(r));
                },
                [=](caf::error& e) mutable {
                  rp.deliver(reply_atom::value,
                             error_reply(v1::UNAVAILABLE,
                                         "coordinator: " +
                                             self->system().render(e)));
                });
        return rp;
      },
      [=](wire::wire_frame& w) {
        // A push from the coordinator: the handler answers it.
        if (self->state.opts.handler)
          self->delegate(self->state.opts.handler, std::move(w));
      },
  };
}

std::atomic<uint64_t> next_request_id{1};

}  // namespace

caf::actor spawn_link(caf::actor_system& sys, link_options opts) {
  return sys.spawn<caf::detached>(link_actor, std::move(opts));
}

result<std::pair<std::string, uint16_t>> parse_address(const std::string& s) {
  auto colon = s.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == s.size())
    return make_error(code::invalid_argument,
                      "address '" + s + "' is not HOST:PORT");
  std::string host = s.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  unsigned long port = 0;
  try {
    size_t used = 0;
    port = std::stoul(s.substr(colon + 1), &used);
    if (used != s.size() - colon - 1) port = 0;
  } catch (...) {
    port = 0;
  }
  if (port == 0 || port > 65535)
    return make_error(code::invalid_argument,
                      "address '" + s + "': port must be 1-65535");
  return std::make_pair(host, static_cast<uint16_t>(port));
}

wire::wire_frame control_frame(v1::ControlRequest req) {
  if (req.request_id() == 0) req.set_request_id(next_request_id++);
  v1::Frame f;
  *f.mutable_control() = std::move(req);
  return wire::encode(f);
}

result<v1::ControlReply> decode_reply(const wire::wire_frame& w) {
  v1::Frame f;
  if (auto st = wire::decode(w, f); !st) return st;
  if (!f.has_control_reply())
    return make_error(code::protocol_error,
                      std::string("expected a control reply, got a ") +
                          wire::body_name(f) + " frame");
  const auto& r = f.control_reply();
  if (!r.ok()) {
    auto c = r.code() == v1::NOT_FOUND       ? code::not_found
             : r.code() == v1::INVALID       ? code::invalid_argument
             : r.code() == v1::UNAVAILABLE   ? code::unavailable
             : r.code() == v1::ROLE_REFUSED  ? code::permission_denied
             : r.code() == v1::AUTH_FAILED   ? code::permission_denied
             : r.code() == v1::NOT_AUTHENTICATED ? code::permission_denied
                                                : code::internal;
    return make_error(c, r.error().empty() ? "refused" : r.error());
  }
  return r;
}

}  // namespace tapeline::control
