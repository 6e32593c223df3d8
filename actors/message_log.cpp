#include "actors/message_log.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/blocking_actor.hpp>
#include <caf/type_erased_tuple.hpp>

#include <spdlog/async.h>
#include <spdlog/async_logger.h>
#include <spdlog/details/periodic_worker.h>
#include <spdlog/sinks/rotating_file_sink.h>

#include <unistd.h>

#include <chrono>
#include <system_error>

#include "actors/actor_setup.hpp"
#include "actors/client_version.hpp"
#include "actors/message_json.hpp"
#include "actors/message_printers.hpp"

namespace actorrent {

namespace {

// Lines waiting for the writer thread; beyond this an actor waits (nothing is dropped).
constexpr std::size_t queue_lines = 16384;

std::int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void begin_line(std::string& out, const char* event) {
  out.reserve(256);
  out += "{\"t\":";
  out += std::to_string(now_us());
  out += ",\"event\":\"";
  out += event;
  out += '"';
}

bool contains(const std::vector<std::string>& list, const std::string& s) {
  for (const auto& e : list)
    if (e == s) return true;
  return false;
}

}  // namespace

struct message_log::type_policy {
  bool kept = true;
  std::uint32_t every = 1;
  std::uint64_t seen = 0;  // under mutex_
};

expected<std::shared_ptr<message_log>, std::string> message_log::open(
    message_log_settings settings) {
  namespace fs = std::filesystem;
  const auto& file = settings.file;
  if (file.empty()) return make_unexpected(std::string("message log: no file given"));
  if (settings.max_files < 1) settings.max_files = 1;
  std::error_code ec;
  // One run per set of files (the current one included): the files of an earlier run would mix
  // its actor ids with this one's.
  for (std::size_t i = 0; i <= settings.max_files + 1; ++i)
    fs::remove(spdlog::sinks::rotating_file_sink_mt::calc_filename(file.string(), i), ec);
  std::shared_ptr<message_log> log(new message_log());
  try {
    auto sink = std::make_shared<spdlog::sinks::rotating_file_sink_mt>(
        file.string(), static_cast<std::size_t>(settings.max_file_size), settings.max_files);
    sink->set_pattern("%v");
    log->pool_ = std::make_shared<spdlog::details::thread_pool>(queue_lines, 1);
    log->logger_ = std::make_shared<spdlog::async_logger>(
        "message_log", std::move(sink), log->pool_, spdlog::async_overflow_policy::block);
    log->logger_->set_level(spdlog::level::info);
  } catch (const std::exception& e) {
    return make_unexpected("message log " + file.string() + ": " + e.what());
  }
  std::weak_ptr<message_log> weak = log;
  log->flusher_ = std::make_unique<spdlog::details::periodic_worker>(
      [weak] {
        if (auto l = weak.lock()) l->flush();
      },
      std::chrono::seconds{1});
  log->settings_ = std::move(settings);
  for (const auto& [type, every] : log->settings_.sample)
    log->policy_for(type).every = every;
  log->write_started();
  return log;
}

message_log::~message_log() {
  flusher_.reset();
  if (logger_) logger_->flush();
  logger_.reset();
  pool_.reset();  // joins the writer thread once the queue is written
}

// What this run records, for a reader to know its counts are partial.
void message_log::write_started() {
  auto names = [](std::string& out, const std::vector<std::string>& list) {
    out += '[';
    for (std::size_t i = 0; i < list.size(); ++i) {
      if (i > 0) out += ',';
      append_json_string(out, list[i]);
    }
    out += ']';
  };
  std::string line;
  begin_line(line, "log_started");
  line += ",\"pid\":" + std::to_string(::getpid()) + ",\"version\":";
  append_json_string(line, actorrent_version());
  line += ",\"filters\":{\"actors\":";
  names(line, settings_.actors);
  line += ",\"types\":";
  names(line, settings_.types);
  line += ",\"exclude_types\":";
  names(line, settings_.exclude_types);
  line += ",\"sample\":{";
  bool first = true;
  for (const auto& [type, every] : settings_.sample) {
    if (!first) line += ',';
    first = false;
    append_json_string(line, type);
    line += ':' + std::to_string(every);
  }
  line += "}}";
  write_line(std::move(line));
}

void message_log::flush() {
  if (logger_) logger_->flush();
}

void message_log::write_line(std::string&& line) {
  line += '}';
  logger_->log(spdlog::level::info, spdlog::string_view_t(line));
}

const actor_label* message_log::find(caf::actor_id id) const {
  auto i = names_.find(id);
  return i == names_.end() ? nullptr : &i->second;
}

void message_log::append_actor(std::string& out, caf::actor_id id, const actor_label* label) const {
  out += "{\"kind\":";
  append_json_string(out, label ? label->kind : std::string("unknown"));
  out += ",\"id\":";
  out += std::to_string(id);
  if (label && !label->torrent.empty()) {
    out += ",\"torrent\":";
    append_json_string(out, label->torrent);
  }
  if (label && !label->peer.empty()) {
    out += ",\"peer\":";
    append_json_string(out, label->peer);
  }
  out += '}';
}

void message_log::append_named(std::string& out, const char* key, caf::actor_id id) const {
  out += ",\"";
  out += key;
  out += "\":";
  append_actor(out, id, find(id));
}

message_log::type_policy& message_log::policy_for(const std::string& type) {
  auto& p = policies_[type];
  if (!p) {
    p = std::make_unique<type_policy>();
    p->kept = (settings_.types.empty() || contains(settings_.types, type)) &&
              !contains(settings_.exclude_types, type);
  }
  return *p;
}

void message_log::name(caf::actor_id id, actor_label label, caf::actor_id parent) {
  std::string line;
  begin_line(line, "spawned");
  std::lock_guard<std::mutex> lock(mutex_);
  auto& stored = names_[id] = std::move(label);
  line += ",\"actor\":";
  append_actor(line, id, &stored);
  if (parent != 0) append_named(line, "parent", parent);
  write_line(std::move(line));
}

void message_log::terminated(caf::actor_id id, const std::string& reason) {
  std::string line;
  begin_line(line, "terminated");
  std::lock_guard<std::mutex> lock(mutex_);
  append_named(line, "actor", id);
  line += ",\"reason\":";
  append_json_string(line, reason);
  write_line(std::move(line));
}

void message_log::restarted(caf::actor_id new_id, caf::actor_id old_id, caf::actor_id parent,
                            std::uint32_t restarts, const std::string& reason) {
  std::string line;
  begin_line(line, "restarted");
  std::lock_guard<std::mutex> lock(mutex_);
  append_named(line, "actor", new_id);
  line += ",\"replaces\":";
  line += std::to_string(old_id);
  if (parent != 0) append_named(line, "parent", parent);
  line += ",\"restarts\":";
  line += std::to_string(restarts);
  line += ",\"reason\":";
  append_json_string(line, reason);
  write_line(std::move(line));
}

void message_log::wire(caf::actor_id peer, const char* dir, const char* what,
                       const std::string& fields_json) {
  std::string line;
  begin_line(line, "wire");
  std::lock_guard<std::mutex> lock(mutex_);
  append_named(line, "actor", peer);
  line += ",\"dir\":\"";
  line += dir;
  line += "\",\"what\":\"";
  line += what;
  line += "\",\"fields\":";
  line += fields_json;
  write_line(std::move(line));
}

void message_log::delivered(caf::actor_id receiver, const caf::strong_actor_ptr& sender,
                            const caf::type_erased_tuple& content) {
  if (content.empty()) return;
  const std::string type = element_type_name(content);
  const caf::actor_id from = sender ? sender->id() : 0;
  std::uint32_t every;
  std::string line;
  begin_line(line, "message");
  {
    // One lock for the type's policy and both names: this runs for every delivered message.
    std::lock_guard<std::mutex> lock(mutex_);
    const auto* to_label = find(receiver);
    const auto* from_label = from ? find(from) : nullptr;
    if (!settings_.actors.empty() && !(to_label && contains(settings_.actors, to_label->kind)) &&
        !(from_label && contains(settings_.actors, from_label->kind)))
      return;
    auto& policy = policy_for(type);
    if (!policy.kept) return;
    every = policy.every;
    if (every > 1 && policy.seen++ % every != 0) return;
    line += ",\"from\":";
    if (from && !from_label && dynamic_cast<caf::blocking_actor*>(sender->get())) {
      // A scoped actor: the process's own call into the actors (client.cpp, a test).
      actor_label caller{"client", {}, {}};
      append_actor(line, from, &caller);
    } else if (from) {
      append_actor(line, from, from_label);
    } else if (to_label && to_label->kind == "peer") {
      // No sender: the connection's asio side, which is not an actor.
      actor_label socket{"socket", to_label->torrent, to_label->peer};
      append_actor(line, 0, &socket);
    } else {
      actor_label none{"client", {}, {}};
      append_actor(line, 0, &none);
    }
    line += ",\"to\":";
    append_actor(line, receiver, to_label);
  }
  line += ",\"type\":";
  append_json_string(line, type);
  line += ",\"fields\":";
  append_fields_json(content, line);
  if (every > 1) {
    line += ",\"sampled\":";
    line += std::to_string(every);
  }
  write_line(std::move(line));
}

std::shared_ptr<message_log> message_log_of(caf::actor_system& sys) {
  if (const auto* cfg = dynamic_cast<const actorrent_config*>(&sys.config()))
    return cfg->message_log;
  return nullptr;
}

}  // namespace actorrent
