# The MCP server writes its file at any instant (DESIGN 3.3). Deterministic
# versions of the races with a live server, made repeatable by a small
# LD_PRELOAD library that stands in for the server at the one instant that
# matters: the rename that puts the merged graph into the local file.
#   before: a server write lands just before that rename (it must be carried
#           into the import, never overwritten);
#   after:  a server write built on the file as it was before the import
#           lands just after it (the next export must keep its edit and not
#           read it as the deletion of everything the import brought).
# Then, with the real MCP server: a machine that joins with no local file
# (its first deletion counts), and a held mass deletion (never imported
# over; once confirmed, it stands).
. "$TESTS_DIR/lib.sh"
. "$TESTS_DIR/mcp_lib.sh"
command -v cc >/dev/null 2>&1 || fail "no C compiler (cc) for the server stand-in"

cat >"$T/server_write.c" <<'EOF'
/* server_write.so (tests only, LD_PRELOAD): the first time memtui renames
 * one of its temp files (".name.tmp-...") onto SERVER_TARGET, rename
 * SERVER_BEFORE over the target just before, and/or SERVER_AFTER just
 * after, as the MCP server's own write (temp file, rename) would land. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int done;

static int ours(const char *from, const char *to)
{
    const char *t = getenv("SERVER_TARGET"), *b = strrchr(from, '/');
    return !done && t && strcmp(to, t) == 0 && b && strncmp(b + 1, ".", 1) == 0 && strstr(b, ".tmp-");
}

static void land(const char *var)
{
    const char *f = getenv(var);
    int (*real)(const char *, const char *) = (int (*)(const char *, const char *))dlsym(RTLD_NEXT, "rename");
    if (f && *f && real(f, getenv("SERVER_TARGET")) != 0) perror("server stand-in");
}

int rename(const char *from, const char *to)
{
    int (*real)(const char *, const char *) = (int (*)(const char *, const char *))dlsym(RTLD_NEXT, "rename");
    if (!ours(from, to)) return real(from, to);
    done = 1;
    land("SERVER_BEFORE");
    int rc = real(from, to);
    land("SERVER_AFTER");
    return rc;
}

int renameat2(int ofd, const char *from, int nfd, const char *to, unsigned flags)
{
    int (*real)(int, const char *, int, const char *, unsigned) =
        (int (*)(int, const char *, int, const char *, unsigned))dlsym(RTLD_NEXT, "renameat2");
    if (!ours(from, to)) return real(ofd, from, nfd, to, flags);
    done = 1;
    land("SERVER_BEFORE");
    int rc = real(ofd, from, nfd, to, flags);
    land("SERVER_AFTER");
    return rc;
}
EOF
cc -shared -fPIC -O1 -o "$T/server_write.so" "$T/server_write.c" -ldl || fail "cannot build the server stand-in"
PRELOAD="$T/server_write.so"
asan=$(ldd "$MEMTUI" 2>/dev/null | awk '/libasan/ {print $3}')
[ -z "$asan" ] || PRELOAD="$asan $PRELOAD"

names() { python3 -c '
import json, sys
for l in open(sys.argv[1], encoding="utf-8"):
    if l.strip():
        o = json.loads(l)
        if o.get("type") == "entity": print(o["name"])' "$1" | sort; }
has() { names "$1" | grep -qx "$2"; }
main_json() { git --git-dir="$T/remote.git" show main:memory.json >"$T/main.json"; echo "$T/main.json"; }
# ent NAME: one server-style entity line
ent() { printf '{"type":"entity","name":"%s","entityType":"thing","observations":["%s"]}' "$1" "seen by $1"; }

setup() {
    rm -rf "$T/remote.git" "$T"/clone-* "$T"/*.json*
    new_remote
    for e in alpha beta; do expect_rc 0 mt $e init "$T/remote.git" >/dev/null 2>&1; done
    echo '[["create_entities",{"entities":[{"name":"A1","entityType":"t","observations":["a"]}]}]]' | drive alpha
    echo '[["create_entities",{"entities":[{"name":"B1","entityType":"t","observations":["b"]},{"name":"B2","entityType":"t","observations":["b"]}]}]]' | drive beta
    expect_rc 0 mt alpha sync >/dev/null 2>&1
    expect_rc 0 mt beta sync >/dev/null 2>&1
}

# ---- before: a write lands between sync's export and its import -----------
setup
cp "$T/alpha.json" "$T/exported.json"
{ cat "$T/alpha.json"; echo; ent Written-Before; } >"$T/before.json"
SERVER_TARGET="$T/alpha.json" SERVER_BEFORE="$T/before.json" LD_PRELOAD=$PRELOAD \
    "$MEMTUI" --batch --repo "$T/clone-alpha" --env alpha --memory-file "$T/alpha.json" sync >/dev/null 2>"$T/err" ||
    fail "before: sync failed: $(cat "$T/err")"
[ ! -e "$T/before.json" ] || fail "before: the stand-in never wrote (no rename onto the local file?)"
has "$T/alpha.json" Written-Before || fail "before: the server's write was overwritten by the import: $(names "$T/alpha.json" | tr '\n' ' ')"
for x in A1 B1 B2; do has "$T/alpha.json" $x || fail "before: $x missing from alpha's file"; done
expect_rc 0 mt alpha sync >/dev/null 2>&1
has "$(main_json)" Written-Before || fail "before: the server's write never reached main"
expect_rc 0 mt beta sync >/dev/null 2>&1
has "$T/beta.json" Written-Before || fail "before: the server's write never reached beta"
echo "before: ok"

# ---- after: a write built on the pre-import file lands just after ----------
setup
echo '[["create_entities",{"entities":[{"name":"B3","entityType":"t","observations":["b"]}]}]]' | drive beta
expect_rc 0 mt beta sync >/dev/null 2>&1
{ cat "$T/alpha.json"; echo; ent Written-After; } >"$T/after.json"   # the graph before the import + an edit
SERVER_TARGET="$T/alpha.json" SERVER_AFTER="$T/after.json" LD_PRELOAD=$PRELOAD \
    "$MEMTUI" --batch --repo "$T/clone-alpha" --env alpha --memory-file "$T/alpha.json" sync >/dev/null 2>"$T/err" ||
    fail "after: sync failed: $(cat "$T/err")"
[ ! -e "$T/after.json" ] || fail "after: the stand-in never wrote"
has "$T/alpha.json" Written-After || fail "after: the stand-in's write is not in the file"
expect_rc 0 mt alpha sync >/dev/null 2>"$T/err"
expect_rc 0 mt beta sync >/dev/null 2>&1
m=$(main_json)
has "$m" Written-After || fail "after: the server's edit never reached main"
for x in A1 B1 B2 B3; do
    has "$m" $x || fail "after: $x was deleted from main: the clobbering write was read as deletions"
    has "$T/beta.json" $x || fail "after: $x was deleted from beta's file"
done
expect_rc 0 mt alpha sync >/dev/null 2>&1
for x in A1 B1 B2 B3 Written-After; do has "$T/alpha.json" $x || fail "after: $x missing from alpha's file at the end"; done
echo "after: ok"

# ---- a machine that joins with no local file: its first deletion counts ----
setup
expect_rc 0 mt gamma init "$T/remote.git" >/dev/null 2>&1
[ ! -e "$T/gamma.json" ] || fail "join: gamma has a file already"
expect_rc 0 mt gamma sync >/dev/null 2>"$T/err"
for x in A1 B1 B2; do has "$T/gamma.json" $x || fail "join: $x not imported"; done
git --git-dir="$T/remote.git" show main:memory-gamma.json >/dev/null 2>&1 ||
    fail "join: the joining machine recorded no fragment"
echo '[["delete_entities",{"entityNames":["B2"]}]]' | drive gamma
expect_rc 0 mt gamma sync >/dev/null 2>&1
! has "$(main_json)" B2 || fail "join: gamma's first deletion did not count (B2 is on main)"
expect_rc 0 mt alpha sync >/dev/null 2>&1
expect_rc 0 mt beta sync >/dev/null 2>&1
expect_rc 0 mt gamma sync >/dev/null 2>&1
! has "$T/gamma.json" B2 || fail "join: B2 came back into gamma's file"
! has "$(main_json)" B2 || fail "join: B2 came back on main"
echo "join: ok"

# ---- a held mass deletion: never imported over; once confirmed, it stands --
setup
python3 - >"$T/many.json" <<'EOF'
import json
print(json.dumps([["create_entities", {"entities": [
    {"name": "M%02d" % i, "entityType": "t", "observations": ["m"]} for i in range(20)]}]]))
EOF
drive alpha <"$T/many.json"
expect_rc 0 mt alpha sync >/dev/null 2>&1
python3 - >"$T/del.json" <<'EOF'
import json
print(json.dumps([["delete_entities", {"entityNames": ["M%02d" % i for i in range(15)]}]]))
EOF
drive alpha <"$T/del.json"
off=$(wc -c <"$T/clone-alpha/.git/memtui.log")
expect_rc 6 mt alpha sync >/dev/null 2>"$T/err"
has "$T/alpha.json" M00 && fail "held: the held sync imported over the local file (M00 is back)"
tail -c +$((off + 1)) "$T/clone-alpha/.git/memtui.log" | grep -q 'held' || fail "held: nothing logged about the hold"
expect_rc 6 mt alpha sync >/dev/null 2>&1
has "$T/alpha.json" M00 && fail "held: the second held sync imported over the local file"
has "$(main_json)" M00 || fail "held: the held deletion reached main"
expect_rc 0 mt alpha sync --allow-mass-delete >/dev/null 2>&1
has "$(main_json)" M00 && fail "held: the confirmed deletion did not reach main"
for i in 1 2; do
    expect_rc 0 mt beta sync >/dev/null 2>&1
    expect_rc 0 mt alpha sync >/dev/null 2>&1
done
has "$T/alpha.json" M00 && fail "held: the confirmed deletion came back into alpha's file"
has "$(main_json)" M00 && fail "held: the confirmed deletion came back on main"
has "$T/alpha.json" M19 || fail "held: M19 (not deleted) is missing"
echo "held: ok"
