/* commands.c: the batch commands' table, its lookup and the --help lines
 * made from it. */
#include "memtui/batch/commands.h"

#include <stdio.h>
#include <string.h>

/* In the order --help lists them. */
const struct mt_command MT_COMMANDS[] = {
    {"init",
     {{"URL", "clone the backup repo (or create it on an empty remote)\n"
              "(a password or token in URL is never shown)"}},
     MT_CMD_NO_SESSION | MT_CMD_TAKES_ARGS, MT_MEMORY_UNUSED, mt_cmd_init},
    {"export",
     {{"[--from FILE]", "copy the local graph into memory-<env>.json, commit, push"}},
     0, MT_MEMORY_UNLESS_FROM, mt_cmd_export},
    {"merge",
     {{"[--policy preserve|fail] [--dry-run] [--no-push] [--allow-mass-delete]",
       "merge every fragment into memory.json, verify, commit, push"}},
     0, MT_MEMORY_UNUSED, mt_cmd_merge},
    {"import",
     {{"[--to FILE]", "write memory.json into the local MCP file (old file kept)"}},
     0, MT_MEMORY_UNLESS_TO, mt_cmd_import},
    {"sync",
     {{"", "export, merge, import: what cron runs (lease held past\n"
           "--lock-timeout: the export alone is pushed, exit 0)"}},
     0, MT_MEMORY_ALWAYS, mt_cmd_sync},
    {"status",
     {{"[--offline]", "fetch, then: fragments, counts, checksums, pending plan,\n"
                      "commits behind/ahead of the remote's main and its fragments\n"
                      "(--offline: no fetch; a failed fetch: stale, exit 5)"}},
     MT_CMD_OFFLINE_OK | MT_CMD_READ_ONLY, MT_MEMORY_UNUSED, mt_cmd_status},
    {"diff",
     {{"[--offline]", "what a merge would change, and its conflicts"}},
     MT_CMD_OFFLINE_OK | MT_CMD_READ_ONLY, MT_MEMORY_UNUSED, mt_cmd_diff},
    {"verify",
     {{"", "recompute the manifest's checksums and counts at HEAD"}},
     MT_CMD_READ_ONLY, MT_MEMORY_UNUSED, mt_cmd_verify},
    {"backups",
     {{"[--offline]", "stashes and backup branches (local, on the remote, both),\n"
                      "with counts; pushes the local ones the remote lacks and\n"
                      "fetches its ones first (--offline: neither; a failed\n"
                      "fetch: the ones as last fetched, exit 5)"}},
     MT_CMD_OFFLINE_OK, MT_MEMORY_UNUSED, mt_cmd_backups},
    {"config",
     {{"", "every effective setting and where it came from"}},
     MT_CMD_NO_SESSION | MT_CMD_READ_ONLY, MT_MEMORY_UNUSED, mt_cmd_config},
    {"restore",
     {{"REF [--entity NAME]...", "bring entities back from a commit, stash or backup branch"}},
     MT_CMD_TAKES_ARGS, MT_MEMORY_UNUSED, mt_cmd_restore},
    {"lease",
     {{"show [--limit N]", "the git lease: holder, token, ttl, how long this machine has\n"
                           "seen it unchanged, and the last N entries of its chain (10)"},
      {"break --token N", "break the lease held with token N (as lease show names it):\n"
                          "a released entry with token N+1 naming the holder, logged;\n"
                          "refused (exit 4) when the lease changed hands since"}},
     MT_CMD_TAKES_ARGS, MT_MEMORY_UNUSED, mt_cmd_lease},
    {"schedule",
     {{"--print|--install [--every MINUTES] [--kind systemd|launchd|cron]\n"
       "         [--force]",
       "the units that run sync every MINUTES (15): a systemd timer\n"
       "(Linux), a launchd agent (macOS) or a cron line, with\n"
       "absolute paths; --install writes them (a different file\n"
       "only with --force) and prints the command to run next"}},
     MT_CMD_NO_SESSION, MT_MEMORY_UNUSED, mt_cmd_schedule},
    {"gc",
     {{"[--dry-run] [--min-age DAYS]", "prune backup branches older than DAYS (14) whose every\n"
                                       "entity, observation and relation main holds; remove\n"
                                       "leftover push refs; repack past 1000 loose objects or\n"
                                       "20 packs (a sync does this by itself once a day)"}},
     0, MT_MEMORY_UNUSED, mt_cmd_gc},
    {NULL, {{NULL, NULL}}, 0, MT_MEMORY_UNUSED, NULL},
};

const struct mt_command *mt_command_find(const char *name)
{
    if (!name) return NULL;
    for (const struct mt_command *c = MT_COMMANDS; c->name; c++)
        if (strcmp(c->name, name) == 0) return c;
    return NULL;
}

bool mt_command_has(const struct mt_command *c, enum mt_command_flag flag)
{
    return (c->flags & (unsigned)flag) != 0;
}

bool mt_command_needs_memory_file(const struct mt_command *c, const struct mt_config *cfg)
{
    switch (c->memory) {
    case MT_MEMORY_ALWAYS: return true;
    case MT_MEMORY_UNLESS_FROM: return !cfg->from;
    case MT_MEMORY_UNLESS_TO: return !cfg->to;
    case MT_MEMORY_UNUSED: break;
    }
    return false;
}

void mt_commands_with(enum mt_command_flag flag, char *out, size_t size)
{
    size_t n = 0, len = 0;
    for (const struct mt_command *c = MT_COMMANDS; c->name; c++) n += mt_command_has(c, flag);
    out[0] = '\0';
    size_t i = 0;
    for (const struct mt_command *c = MT_COMMANDS; c->name && len < size; c++) {
        if (!mt_command_has(c, flag)) continue;
        const char *sep = i == 0 ? "" : i + 1 == n ? " and " : ", ";
        int w = snprintf(out + len, size - len, "%s%s", sep, c->name);
        if (w < 0) break;
        len += (size_t)w;
        i++;
    }
}

/* ---- --help ------------------------------------------------------------------ */

enum { HELP_INDENT = 2, HELP_COLUMN = 25 };   /* where a command's description starts */

/* The lines of text, each starting at column indent; the first goes on a
 * line that already has col characters. */
static void help_lines(FILE *to, const char *text, int col, int indent)
{
    while (*text) {
        const char *nl = strchr(text, '\n');
        int len = nl ? (int)(nl - text) : (int)strlen(text);
        fprintf(to, "%*s%.*s\n", col < indent ? indent - col : 0, "", len, text);
        col = 0;
        text += len + (nl ? 1 : 0);
    }
}

/* "  NAME SYNOPSIS"; returns how many characters its last line has, or 0
 * after ending that line when it reaches the description's column. */
static int help_synopsis(FILE *to, const char *name, const char *synopsis)
{
    int col = fprintf(to, "%*s%s", HELP_INDENT, "", name);
    if (*synopsis) col += fprintf(to, " ");
    for (const char *s = synopsis; *s; s++) {
        fputc(*s, to);
        col = *s == '\n' ? 0 : col + 1;
        if (*s == '\n') col += fprintf(to, "%*s", HELP_INDENT, "");
    }
    if (col < HELP_COLUMN) return col;
    fputc('\n', to);
    return 0;
}

void mt_commands_help(FILE *to)
{
    for (const struct mt_command *c = MT_COMMANDS; c->name; c++)
        for (int i = 0; i < MT_COMMAND_FORMS && c->forms[i].help; i++) {
            int col = help_synopsis(to, c->name, c->forms[i].synopsis);
            help_lines(to, c->forms[i].help, col, HELP_COLUMN);
        }
}
