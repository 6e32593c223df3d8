// How `actorrent log` writes records for a person: local times with microseconds, actors as
// `kind#id`, fields as compact `key=value` pairs, and the one-line form of each record.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "main/log_records.hpp"

namespace actorrent::msglog {

// "2026-11-21 14:03:07.123456" in local time (`utc`: in UTC, with a trailing Z).
std::string format_time(std::int64_t t_us, bool utc = false);

// "peer#41@127.0.0.1:51413", "piece_manager#12", "socket@127.0.0.1:51413", "client";
// "?" when absent.
std::string format_actor(const actor_ref& a);

// The first 8 hex digits of an info-hash.
std::string short_torrent(const std::string& hex);

// A JSON value in few characters: strings bare when they need no quotes, objects as
// {k=v …}, arrays as [a,b,…] with at most `max_items` items then "…+N".
std::string compact_value(const nlohmann::json& v, std::size_t max_items = 8);

// An object's members as `k=v k=v` (compact values).
std::string compact_fields(const nlohmann::json& fields);

// One line for `show`: time, `from → to`, type, fields. Events: spawned is parent → actor,
// terminated and unknown events the actor alone, wire the remote address ↔ the peer actor.
std::string format_record(const record& r, bool utc = false);

}  // namespace actorrent::msglog
