/* mcp_discover.h: finding the memory file the user's MCP memory server uses
 * (DESIGN 4), from the MCP clients' configuration files.
 *
 * Promises: looks at Claude Desktop (Linux and macOS), Claude Code
 * (~/.claude.json, top level and this project's entry; ./.mcp.json), Cursor
 * (~/.cursor/mcp.json) and VS Code (the user's mcp.json, Linux and macOS;
 * ./.vscode/mcp.json) for servers whose command or arguments name
 * @modelcontextprotocol/server-memory (the package, its mcp-server-memory
 * bin or a path to its dist/index.js), and resolves each one's
 * MEMORY_FILE_PATH as the server does: absolute as it is, relative to the
 * server's dist folder, unset as memory.jsonl there (while an old
 * memory.json there waits for the server to rename it, the file cannot be
 * told). The dist folder is the one of the index.js the command runs, or
 * the mcp-server-memory bin on PATH links to, or for npx the one package in
 * ~/.npm/_npx; when it cannot be told the entry says why. A project's
 * .mcp.json counts only for servers ~/.claude.json approves for the
 * project; a project's .vscode/mcp.json never counts (both are listed as
 * skipped, with why). A file that does not parse is listed as skipped,
 * never fatal. Nothing is guessed: entries that disagree, or
 * one whose file cannot be told, give no result. */
#ifndef MEMTUI_MCP_DISCOVER_H
#define MEMTUI_MCP_DISCOVER_H

#include <stdbool.h>
#include <stddef.h>

struct mt_mcp_entry {
    char *client_file;   /* the client configuration file */
    char *where;         /* the server's key in it: "mcpServers.memory" */
    char *memory_file;   /* as the server resolves it; NULL when it cannot be told */
    char *why;           /* with memory_file NULL: why */
};

struct mt_mcp_discovery {
    char **looked;                 /* every client file looked for, in order */
    bool *present;                 /* looked[i] exists */
    size_t nlooked;
    char **skipped;                /* "PATH: why" for a file that does not parse */
    size_t nskipped;
    struct mt_mcp_entry *entries;
    size_t nentries;
};

/* home: the user's home folder; cwd: the project folder (the current one). */
void mt_mcp_discover(const char *home, const char *cwd, struct mt_mcp_discovery *d);
/* The one memory file every entry names (caller frees) and, in *from, the
 * first entry naming it; or NULL with *why (caller frees): nothing found
 * (naming every place looked), entries that disagree (listing them), or an
 * entry whose file cannot be told. */
char *mt_mcp_discovery_result(const struct mt_mcp_discovery *d, const struct mt_mcp_entry **from, char **why);
void mt_mcp_discovery_free(struct mt_mcp_discovery *d);

/* The server's own rule: value absolute as it is, else joined to dist and
 * normalised (NULL or "" value: dist/memory.jsonl). Caller frees. */
char *mt_mcp_server_path(const char *dist, const char *value);

#endif
