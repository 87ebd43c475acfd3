/* test_mcp_discover.c: the memory server's file from MCP client
 * configurations (mcp_discover.h): each client's format, the server's own
 * rule for a relative or missing MEMORY_FILE_PATH, the dist folder from a
 * path or the npx cache, malformed files skipped, disagreement refused. */
#include "testutil.h"

#include "memtui/config/mcp_discover.h"
#include "memtui/base/util.h"

static char *home, *proj;

static void setup(void)
{
    home = tu_tmpdir();
    proj = xasprintf("%s/project", home);
    tu_sh("mkdir -p '%s'", proj);
}

static void teardown(void)
{
    tu_sh("rm -rf '%s'", home);
    free(home);
    free(proj);
}

static void put(const char *dir, const char *rel, const char *text)
{
    char *p = xasprintf("%s/%s", dir, rel);
    tu_sh("mkdir -p \"$(dirname '%s')\"", p);
    FILE *f = fopen(p, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
    free(p);
}

/* What discovery settles on (caller frees), with *why when nothing. */
static char *found(char **why)
{
    struct mt_mcp_discovery d;
    mt_mcp_discover(home, proj, &d);
    const struct mt_mcp_entry *from;
    char *r = mt_mcp_discovery_result(&d, &from, why);
    mt_mcp_discovery_free(&d);
    return r;
}

#define NPX_MEM(file) \
    "{\"command\": \"npx\", \"args\": [\"-y\", \"@modelcontextprotocol/server-memory\"], \"env\": {\"MEMORY_FILE_PATH\": \"" file "\"}}"

START_TEST(test_each_client_format)
{
    static const struct {
        int in_project;
        const char *rel, *text;
    } CASES[] = {
        {0, ".config/Claude/claude_desktop_config.json", "{\"mcpServers\": {\"memory\": " NPX_MEM("/a.jsonl") "}}"},
        {0, "Library/Application Support/Claude/claude_desktop_config.json",
         "{\"mcpServers\": {\"memory\": " NPX_MEM("/a.jsonl") "}}"},
        {0, ".claude.json", "{\"mcpServers\": {\"mem\": " NPX_MEM("/a.jsonl") "}}"},
        {1, ".mcp.json", "{\"mcpServers\": {\"memory\": " NPX_MEM("/a.jsonl") "}}"},
        {0, ".cursor/mcp.json", "{\"mcpServers\": {\"memory\": " NPX_MEM("/a.jsonl") "}}"},
        {0, ".config/Code/User/mcp.json",
         "// VS Code allows comments\n{\"servers\": {\"memory\": {\"type\": \"stdio\", \"command\": \"npx\", \"args\": "
         "[\"-y\", \"@modelcontextprotocol/server-memory@latest\"], \"env\": {\"MEMORY_FILE_PATH\": \"/a.jsonl\"}}}}"},
        {0, "Library/Application Support/Code/User/mcp.json", "{\"servers\": {\"memory\": " NPX_MEM("/a.jsonl") "}}"},
        {1, ".vscode/mcp.json", "{\"servers\": {\"memory\": " NPX_MEM("/a.jsonl") "}}"},
    };
    for (size_t i = 0; i < sizeof CASES / sizeof CASES[0]; i++) {
        tu_sh("rm -rf '%s'/.c* '%s'/Library '%s'/.mcp.json '%s'/.vscode", home, home, proj, proj);
        put(CASES[i].in_project ? proj : home, CASES[i].rel, CASES[i].text);
        bool vscode_project = strcmp(CASES[i].rel, ".vscode/mcp.json") == 0;
        if (strcmp(CASES[i].rel, ".mcp.json") == 0) {   /* approved in Claude Code */
            char *ok = xasprintf("{\"projects\": {\"%s\": {\"enabledMcpjsonServers\": [\"memory\"]}}}", proj);
            put(home, ".claude.json", ok);
            free(ok);
        }
        struct mt_mcp_discovery d;
        mt_mcp_discover(home, proj, &d);
        if (vscode_project) {   /* a project's VS Code file never decides (test_project_files) */
            ck_assert_uint_eq(d.nentries, 0);
            ck_assert_uint_eq(d.nskipped, 1);
            mt_mcp_discovery_free(&d);
            continue;
        }
        ck_assert_msg(d.nentries == 1, "%s: %zu entries", CASES[i].rel, d.nentries);
        ck_assert_str_eq(d.entries[0].memory_file, "/a.jsonl");
        ck_assert_ptr_nonnull(strstr(d.entries[0].client_file, CASES[i].rel));
        ck_assert_uint_eq(d.nskipped, 0);
        ck_assert_uint_eq(d.nlooked, 8);
        mt_mcp_discovery_free(&d);
    }
}
END_TEST

/* A project's own files come with the folder, a cloned repository's too:
 * ./.mcp.json counts only for servers Claude Code was told to run there,
 * ./.vscode/mcp.json never decides (VS Code's folder trust is not known). */
START_TEST(test_project_files)
{
    put(proj, ".mcp.json", "{\"mcpServers\": {\"memory\": " NPX_MEM("/planted.jsonl") "}}");
    put(proj, ".vscode/mcp.json", "{\"servers\": {\"memory\": " NPX_MEM("/planted2.jsonl") "}}");
    char *why = NULL, *f = found(&why);
    ck_assert_ptr_null(f);
    ck_assert_ptr_nonnull(why);
    free(why);
    struct mt_mcp_discovery d;
    mt_mcp_discover(home, proj, &d);
    ck_assert_uint_eq(d.nentries, 0);
    ck_assert_uint_eq(d.nskipped, 2);
    ck_assert_ptr_nonnull(strstr(d.skipped[0], "enabledMcpjsonServers"));
    mt_mcp_discovery_free(&d);
    /* with a user's file naming another: no conflict, the user's wins */
    put(home, ".cursor/mcp.json", "{\"mcpServers\": {\"memory\": " NPX_MEM("/mine.jsonl") "}}");
    why = NULL;
    f = found(&why);
    ck_assert_str_eq(f, "/mine.jsonl");
    free(f);
    free(why);
    tu_sh("rm -f '%s/.cursor/mcp.json'", home);
    /* approved: every project server, or this one by name */
    char *ok = xasprintf("{\"projects\": {\"%s\": {\"enableAllProjectMcpServers\": true}}}", proj);
    put(home, ".claude.json", ok);
    free(ok);
    why = NULL;
    f = found(&why);
    ck_assert_str_eq(f, "/planted.jsonl");
    free(f);
    free(why);
    ok = xasprintf("{\"projects\": {\"%s\": {\"enabledMcpjsonServers\": [\"other\", \"memory\"]}}}", proj);
    put(home, ".claude.json", ok);
    free(ok);
    why = NULL;
    f = found(&why);
    ck_assert_str_eq(f, "/planted.jsonl");
    free(f);
    free(why);
    tu_sh("rm -rf '%s/.mcp.json' '%s/.vscode' '%s/.claude.json'", proj, proj, home);
}
END_TEST

START_TEST(test_claude_code_projects_and_other_servers)
{
    char *text = xasprintf("{\"projects\": {\"/elsewhere\": {\"mcpServers\": {\"m\": " NPX_MEM("/other.jsonl") "}},"
                           " \"%s\": {\"mcpServers\": {\"m\": " NPX_MEM("/mine.jsonl") "}}},"
                           " \"mcpServers\": {\"fs\": {\"command\": \"npx\", \"args\": [\"@modelcontextprotocol/"
                           "server-filesystem\", \"/\"]}, \"bad\": 3}}",
                           proj);
    put(home, ".claude.json", text);
    free(text);
    char *why = NULL, *f = found(&why);
    ck_assert_str_eq(f, "/mine.jsonl");
    free(f);
    free(why);
}
END_TEST

START_TEST(test_relative_and_missing_path_follow_the_server)
{
    /* the server joins a relative MEMORY_FILE_PATH to its dist folder */
    char *p = mt_mcp_server_path("/opt/n/server-memory/dist", "../../data/./m.jsonl");
    ck_assert_str_eq(p, "/opt/n/data/m.jsonl");
    free(p);
    p = mt_mcp_server_path("/opt/dist", NULL);
    ck_assert_str_eq(p, "/opt/dist/memory.jsonl");
    free(p);
    p = mt_mcp_server_path("/opt/dist", "");
    ck_assert_str_eq(p, "/opt/dist/memory.jsonl");
    free(p);
    p = mt_mcp_server_path("/opt/dist", "/abs/x.json");
    ck_assert_str_eq(p, "/abs/x.json");
    free(p);

    /* a path to dist/index.js names the folder */
    char *dist = xasprintf("%s/lib/node_modules/@modelcontextprotocol/server-memory/dist", home);
    tu_sh("mkdir -p '%s' && touch '%s/index.js'", dist, dist);
    char *text = xasprintf("{\"mcpServers\": {\"memory\": {\"command\": \"node\", \"args\": [\"%s/index.js\"], "
                           "\"env\": {\"MEMORY_FILE_PATH\": \"../mem/graph.jsonl\"}}}}",
                           dist);
    put(home, ".cursor/mcp.json", text);
    free(text);
    char *why = NULL, *f = found(&why), *want = xasprintf("%s/lib/node_modules/@modelcontextprotocol/server-memory/mem/graph.jsonl", home);
    ck_assert_str_eq(f, want);
    free(f);
    free(want);
    free(why);

    /* npx: the one copy in the npx cache; no MEMORY_FILE_PATH: memory.jsonl there */
    tu_sh("rm -rf '%s/.cursor'", home);
    put(home, ".config/Claude/claude_desktop_config.json",
        "{\"mcpServers\": {\"memory\": {\"command\": \"npx\", \"args\": [\"-y\", \"@modelcontextprotocol/server-memory\"]}}}");
    why = NULL;
    f = found(&why);
    ck_assert_ptr_null(f);
    ck_assert_ptr_nonnull(strstr(why, ".npm/_npx"));   /* no copy: says so */
    free(why);
    char *npx = xasprintf("%s/.npm/_npx/0a1b/node_modules/@modelcontextprotocol/server-memory/dist", home);
    tu_sh("mkdir -p '%s'", npx);
    f = found(&why);
    want = xasprintf("%s/memory.jsonl", npx);
    ck_assert_str_eq(f, want);
    free(f);
    free(want);
    /* an old memory.json the server has not renamed yet: not told */
    tu_sh("touch '%s/memory.json'", npx);
    why = NULL;
    f = found(&why);
    ck_assert_ptr_null(f);
    ck_assert_ptr_nonnull(strstr(why, "has not yet moved its old"));
    free(why);
    tu_sh("touch '%s/memory.jsonl'", npx);   /* both there: the server uses memory.jsonl */
    f = found(&why);
    want = xasprintf("%s/memory.jsonl", npx);
    ck_assert_str_eq(f, want);
    free(f);
    free(want);
    /* two copies: which one runs cannot be told */
    tu_sh("mkdir -p '%s/.npm/_npx/ffff/node_modules/@modelcontextprotocol/server-memory/dist'", home);
    why = NULL;
    f = found(&why);
    ck_assert_ptr_null(f);
    ck_assert_ptr_nonnull(strstr(why, "several npx copies"));
    free(why);
    free(npx);

    /* the package's bin on PATH, a link to dist/index.js (npm install -g) */
    tu_sh("rm -rf '%s/.config' && mkdir -p '%s/bin' && ln -s '%s/index.js' '%s/bin/mcp-server-memory' && chmod +x '%s/index.js'",
          home, home, dist, home, dist);
    put(home, ".cursor/mcp.json", "{\"mcpServers\": {\"memory\": {\"command\": \"mcp-server-memory\"}}}");
    char *old_path = xstrdup(getenv("PATH")), *new_path = xasprintf("%s/bin:%s", home, old_path);
    setenv("PATH", new_path, 1);
    why = NULL;
    f = found(&why);
    want = xasprintf("%s/memory.jsonl", dist);
    ck_assert_msg(f && strcmp(f, want) == 0, "got %s (%s)", f, why);
    free(f);
    free(want);
    setenv("PATH", old_path, 1);
    why = NULL;
    f = found(&why);
    ck_assert_ptr_null(f);
    ck_assert_ptr_nonnull(strstr(why, "not on PATH"));
    free(why);
    /* another launcher: said, not guessed */
    put(home, ".cursor/mcp.json", "{\"mcpServers\": {\"memory\": {\"command\": \"bunx\", \"args\": [\"" 
                                  "@modelcontextprotocol/server-memory\"]}}}");
    why = NULL;
    f = found(&why);
    ck_assert_ptr_null(f);
    ck_assert_ptr_nonnull(strstr(why, "cannot be told from its command (bunx)"));
    free(why);
    free(old_path);
    free(new_path);
    free(dist);
}
END_TEST

START_TEST(test_malformed_files_are_skipped)
{
    put(home, ".claude.json", "{\"mcpServers\": {");
    put(home, ".cursor/mcp.json", "[1, 2]");
    put(proj, ".mcp.json", "{\"a\": 1} trailing");
    put(home, ".config/Code/User/mcp.json", "{\"servers\": {\"memory\": " NPX_MEM("/ok.jsonl") "}}");
    struct mt_mcp_discovery d;
    mt_mcp_discover(home, proj, &d);
    ck_assert_uint_eq(d.nskipped, 3);
    ck_assert_ptr_nonnull(strstr(d.skipped[0], ".claude.json: does not parse"));
    ck_assert_ptr_nonnull(strstr(d.skipped[2], "not a JSON object"));
    ck_assert_uint_eq(d.nentries, 1);
    const struct mt_mcp_entry *from;
    char *why = NULL, *f = mt_mcp_discovery_result(&d, &from, &why);
    ck_assert_str_eq(f, "/ok.jsonl");
    ck_assert_ptr_nonnull(strstr(from->client_file, "Code/User/mcp.json"));
    free(f);
    mt_mcp_discovery_free(&d);
}
END_TEST

START_TEST(test_disagreement_and_nothing)
{
    char *why = NULL, *f = found(&why);
    ck_assert_ptr_null(f);
    ck_assert_ptr_nonnull(strstr(why, "claude_desktop_config.json (absent)"));
    ck_assert_ptr_nonnull(strstr(why, ".vscode/mcp.json (absent)"));
    free(why);
    /* two clients naming the same file agree */
    put(home, ".cursor/mcp.json", "{\"mcpServers\": {\"memory\": " NPX_MEM("/same.jsonl") "}}");
    put(proj, ".mcp.json", "{\"mcpServers\": {\"memory\": " NPX_MEM("/same.jsonl") "}}");
    f = found(&why);
    ck_assert_str_eq(f, "/same.jsonl");
    free(f);
    /* a third naming another: refused, every entry listed */
    put(home, ".claude.json", "{\"mcpServers\": {\"memory\": " NPX_MEM("/different.jsonl") "}}");
    why = NULL;
    f = found(&why);
    ck_assert_ptr_null(f);
    ck_assert_ptr_nonnull(strstr(why, "name different memory files"));
    ck_assert_ptr_nonnull(strstr(why, "/same.jsonl"));
    ck_assert_ptr_nonnull(strstr(why, "/different.jsonl"));
    ck_assert_ptr_nonnull(strstr(why, "--memory-file"));
    free(why);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("mcp_discover");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 30);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_each_client_format);
    tcase_add_test(tc, test_project_files);
    tcase_add_test(tc, test_claude_code_projects_and_other_servers);
    tcase_add_test(tc, test_relative_and_missing_path_follow_the_server);
    tcase_add_test(tc, test_malformed_files_are_skipped);
    tcase_add_test(tc, test_disagreement_and_nothing);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(make_suite)
