# init on an empty remote leaves the remote's HEAD on main (DESIGN 4), so
# that a plain `git clone` checks out main with memory.json: for a path or
# file:// remote memtui points the bare repo's HEAD at refs/heads/main
# (here git's own default branch is master); over the network, where the
# server picks its default branch from the first branch pushed, init
# pushes main and nothing else. A remote whose HEAD names a branch that
# exists is left alone.
. "$TESTS_DIR/lib.sh"
git config --global init.defaultBranch master
ent() { printf '{"type":"entity","name":"%s","entityType":"thing","observations":["x"]}\n' "$1"; }

for how in path file; do
    git init -q --bare "$T/r-$how.git"
    [ "$(git -C "$T/r-$how.git" symbolic-ref HEAD)" = refs/heads/master ] || fail "test set-up: default branch not master"
    url="$T/r-$how.git"; [ "$how" = file ] && url="file://$T/r-$how.git"
    expect_rc 0 mt $how init "$url" >/dev/null
    [ "$(git -C "$T/r-$how.git" symbolic-ref HEAD)" = refs/heads/main ] || fail "$how: remote HEAD not on main"
    ent "E$how" >"$T/$how.json"
    expect_rc 0 mt $how sync >/dev/null 2>&1
    git clone -q "$T/r-$how.git" "$T/plain-$how" 2>"$T/clone.err" || fail "$how: git clone: $(cat "$T/clone.err")"
    [ "$(git -C "$T/plain-$how" symbolic-ref --short HEAD)" = main ] || fail "$how: git clone is not on main"
    grep -q "E$how" "$T/plain-$how/memory.json" || fail "$how: memory.json missing from a plain clone"
done

# a remote whose HEAD names an existing branch keeps it
git init -q --bare "$T/r-keep.git"
git clone -q "$T/r-keep.git" "$T/seed" 2>/dev/null
git -C "$T/seed" commit -q --allow-empty -m other && git -C "$T/seed" push -q origin HEAD:refs/heads/master HEAD:refs/heads/main
expect_rc 0 mt keep init "$T/r-keep.git" >/dev/null
[ "$(git -C "$T/r-keep.git" symbolic-ref HEAD)" = refs/heads/master ] || fail "an existing HEAD branch was changed"

# over git daemon: main is the first and only branch init pushes
git init -q --bare "$T/srv/r.git"
start_git_daemon "$T/srv"
expect_rc 0 mt net init "git://127.0.0.1:$GIT_DAEMON_PORT/r.git" >/dev/null
[ "$(git -C "$T/srv/r.git" for-each-ref --format='%(refname)')" = refs/heads/main ] ||
    fail "init pushed more than main: $(git -C "$T/srv/r.git" for-each-ref)"
echo "remote_head: ok"
