/* help.c: the text of --help; its commands come from the table (commands.h). */
#include "memtui/batch/help.h"

#include "memtui/batch/commands.h"
#include "memtui/config/config.h"

static const char HELP_INTRO[] =
    "memtui keeps one MCP memory graph in step across machines through a shared\n"
    "git repository. Each machine exports its graph as memory-<env>.json; the\n"
    "merge folds every fragment's changes into memory.json (3-way, per entity),\n"
    "verifies that nothing was lost, commits, pushes and imports the result.\n"
    "\n"
    "Without --batch, memtui opens the workstation (a terminal UI).\n"
    "\n"
    "Commands (with --batch):\n";

static const char HELP_REST[] =
    "\n"
    "Options:\n"
    "  --repo DIR             backup repo (default $MEMTUI_REPO, then ~/.cache/memory-backup-repo)\n"
    "  --env NAME             this machine's environment name (default: short host name)\n"
    "  --memory-file PATH     the local MCP memory file (default $MEMORY_FILE_PATH, then\n"
    "                         the config file, then the file the MCP memory server uses\n"
    "                         as Claude Desktop, Claude Code, Cursor or VS Code name it)\n"
    "  --remote NAME          git remote (default origin)\n"
    "  --lock-file PATH       local lock file (default <git dir>/memtui.lock);\n"
    "                         any other file there is refused, never overwritten\n"
    "  --lock-timeout SECONDS how long to wait for the lock and lease (default 30,\n"
    "                         0 to 604800; 0: one try)\n"
    "  --lease-ttl SECONDS    lease time to live (default 60, 1 to 3600)\n"
    "  --json                 print one JSON object with the result on stdout\n"
    "  --claim-env            this machine takes over the env name from another machine\n"
    "                         (export and sync refuse a name another machine exports)\n"
    "  --theme NAME           workstation colour theme: default, light, mono (from\n"
    "                         $MEMTUI_THEMES, themes/ beside the binary, or\n"
    "                         <bindir>/../share/memtui/themes); default is for dark\n"
    "                         terminals, light for light ones\n"
    "  --no-mouse             the workstation ignores the mouse (with it on, Shift\n"
    "                         selects text in the terminal)\n"
    "  --help, --version\n"
    "\n"
    "Config file: $XDG_CONFIG_HOME/memtui/config (default ~/.config/memtui/config),\n"
    "'key = value' lines for repo, env, memory-file, remote, theme, lock-timeout,\n"
    "lease-ttl, mouse (yes|no); # comments. Order: option, environment, config file, discovered,\n"
    "default. See where each setting came from: memtui --batch config\n"
    "\n"
    "Exit codes: 0 ok; 1 verification failed (nothing written); 2 usage or config\n"
    "error; 3 conflicts left pending (--policy fail); 4 lock or lease timeout;\n"
    "5 remote unreachable or push rejected (status: fetch failed); 6 degraded (merged, but some fragments\n"
    "were quarantined (invalid, or a symlink or anything but a regular file) or\n"
    "held back, or a corrupt memory.json or manifest at HEAD was rebuilt from the\n"
    "last verified merge). A sync that times out on the lease but pushed its\n"
    "export exits 0: the holder's merge folds it in. A holder whose lease was\n"
    "broken or taken over publishes nothing and exits 4. lease break: 0 broken or already released; 2 no --token,\n"
    "or no lease branch; 4 held with another token; 5 unreachable.\n"
    "\n"
    "Environment: MEMTUI_REPO, MEMORY_FILE_PATH, MEMTUI_GIT_TOKEN (a token for an\n"
    "http(s) remote, e.g. in CI; else git's credential helpers, then GIT_ASKPASS).\n"
    "\n"
    "Example crontab line, shown folded (`schedule --print --kind cron` prints\n"
    "yours; absolute paths, since cron's PATH is minimal and it sees neither\n"
    "$MEMTUI_REPO nor $MEMORY_FILE_PATH):\n"
    "  */15 * * * * /usr/local/bin/memtui --batch --repo /home/you/memory-repo\n"
    "    --env laptop --memory-file /home/you/memory.json sync\n"
    "    >>/home/you/.cache/memtui-sync.log 2>&1\n";

void mt_help(FILE *to)
{
    mt_usage(to);
    fputc('\n', to);
    fputs(HELP_INTRO, to);
    mt_commands_help(to);
    fputs(HELP_REST, to);
}
