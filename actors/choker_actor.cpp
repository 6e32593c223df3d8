#include "actors/choker_actor.hpp"

#include <caf/all.hpp>

#include <optional>
#include <unordered_map>

#include "actors/logged_actor.hpp"
#include "actors/messages.hpp"

namespace actorrent {

namespace {

struct choker_state {
  static inline const char* name = "choker";
  std::optional<choker> core;
  std::unordered_map<peer_key, caf::actor> peers;
  bool seeding = false;
};

using choker_self = caf::stateful_actor<choker_state, logged_actor>;

void rechoke(choker_self* self) {
  auto& st = self->state;
  auto decision = st.core->rechoke(engine_clock::now(), st.seeding);
  auto tell = [&](peer_key peer, bool choke) {
    auto it = st.peers.find(peer);
    if (it != st.peers.end()) self->send(it->second, set_choke{choke});
  };
  for (auto p : decision.choke)
    tell(p, true);
  for (auto p : decision.unchoke)
    tell(p, false);
}

bool slot_free(const choker_state& st) {
  const auto& c = st.core->config();
  return st.core->unchoked().size() < c.upload_slots + c.optimistic_slots;
}

caf::behavior choker_behavior(choker_self* self, choker_config config, bool seeding) {
  self->state.core.emplace(config);
  self->state.seeding = seeding;
  auto interval = std::chrono::duration_cast<std::chrono::milliseconds>(config.rechoke_interval);
  self->delayed_send(self, interval, tick_atom::value);
  return {
      [=](choker_add& a) {
        auto& st = self->state;
        st.core->add_peer(a.peer, engine_clock::now());
        st.peers[a.peer] = std::move(a.actor);
        st.core->set_interested(a.peer, a.interested);
        if (a.interested && slot_free(st)) rechoke(self);
      },
      [=](const peer_gone& g) {
        auto& st = self->state;
        bool held_slot = !st.core->is_choked(g.peer);
        st.core->remove_peer(g.peer);
        st.peers.erase(g.peer);
        if (held_slot) rechoke(self);
      },
      [=](const choker_interest& i) {
        auto& st = self->state;
        if (!st.core->contains(i.peer)) return;
        st.core->set_interested(i.peer, i.interested);
        if (i.interested && st.core->is_choked(i.peer) && slot_free(st)) rechoke(self);
      },
      [=](const choker_rates& r) {
        auto& st = self->state;
        st.core->set_rates(r.peer, r.download_rate, r.upload_rate);
        st.core->set_snubbed(r.peer, r.snubbed);
      },
      [=](const choker_seeding& s) {
        self->state.seeding = s.seeding;
        rechoke(self);
      },
      [=](tick_atom) {
        rechoke(self);
        self->delayed_send(self, interval, tick_atom::value);
      },
  };
}

}  // namespace

caf::actor spawn_choker(caf::actor_system& system, choker_config config, bool seeding) {
  return system.spawn(choker_behavior, config, seeding);
}

}  // namespace actorrent
