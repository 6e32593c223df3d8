// The `actorrent` command line: one subcommand per job.
#include <CLI/CLI.hpp>
#include <iostream>

#include "main/announce_command.hpp"
#include "main/create_command.hpp"
#include "main/exit_codes.hpp"
#include "main/info_command.hpp"
#include "main/log_command.hpp"
#include "main/session_commands.hpp"
#include "main/split_command.hpp"
#include "main/tracker_command.hpp"
#include "main/verify_command.hpp"

int main(int argc, char** argv) {
  CLI::App app{"actorrent: a BitTorrent client and tracker built on the actor model"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "actorrent " ACTORRENT_VERSION);
  actorrent::add_info_command(app);
  actorrent::add_announce_command(app);
  actorrent::add_create_command(app);
  actorrent::add_verify_command(app);
  actorrent::add_split_command(app);
  actorrent::add_tracker_command(app);
  actorrent::add_session_commands(app);
  actorrent::add_log_command(app);
  try {
    app.parse(argc, argv);
  } catch (const actorrent::command_result& r) {
    return r.status;
  } catch (const CLI::ParseError& e) {
    int status = app.exit(e);
    return status == 0 ? 0 : actorrent::exit_bad_input;
  }
  return actorrent::exit_ok;
}
