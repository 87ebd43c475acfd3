# Authentication over http(s) like git's (DESIGN 4, "Authentication"): the
# remote is git-http-backend behind lighttpd demanding a user and password,
# and the URL carries none. memtui finds them in MEMTUI_GIT_TOKEN, in the
# credential helpers of git's config (store, a program by absolute path,
# matched by URL) or through GIT_ASKPASS; after the server accepts them the
# helpers are told to `store`, after it refuses them to `erase`. Without
# credentials, or with wrong ones, it stops at once with exit 5, having
# asked each source once; the secret is shown nowhere. A `!` helper (a
# shell command) is never run.
. "$TESTS_DIR/lib.sh"
MARK=Kw9Pj
PW=${MARK}pw TOKEN=${MARK}tok BAD=${MARK}bad
git init -q --bare "$T/srv/r.git"
git --git-dir="$T/srv/r.git" config http.receivepack true
printf 'alice:%s\nx-access-token:%s\n' "$PW" "$TOKEN" >"$T/users"
HTTP_GIT_EXTRA_CONF="server.modules += (\"mod_auth\", \"mod_authn_file\", \"mod_accesslog\")
accesslog.filename = \"$T/access.log\"
auth.backend = \"plain\"
auth.backend.plain.userfile = \"$T/users\"
auth.require = (\"/git/\" => (\"method\" => \"basic\", \"realm\" => \"memtui\", \"require\" => \"valid-user\"))
accesslog.format = \"%h %t \\\"%r\\\" %>s %b auth=%{Authorization}i\""
start_http_git "$T/srv" 2>"$T/http.err" || fail "lighttpd with git-http-backend: $(cat "$T/http.err")"
HP="127.0.0.1:$HTTP_PORT"
URL="http://$HP/git/r.git"
SHOWN=$T/shown
mkdir "$SHOWN"

# run NAME RC ENV args...: memtui --batch as env ENV; stdout and stderr kept
# in $SHOWN/NAME.out and .err; the exit code must be RC.
run() {
    _name=$1 _rc=$2; shift 2
    set +e; mt "$@" >"$SHOWN/$_name.out" 2>"$SHOWN/$_name.err"; _got=$?; set -e
    [ "$_got" = "$_rc" ] || fail "$_name: exit $_got, want $_rc: $(cat "$SHOWN/$_name.err")"
}
unauthorized() { grep -c '" 401 ' "$T/access.log" || true; }
gcfg() { git config --global "$@"; }

# ---- 1. no credentials: exit 5, saying authentication failed ----------------
run none 5 a init "$URL"
grep -qi 'authentication' "$SHOWN/none.err" || fail "none: no word about authentication: $(cat "$SHOWN/none.err")"

# ---- 2. credential.helper store with ~/.git-credentials ---------------------
printf 'http://alice:%s@%s\n' "$PW" "$HP" >"$HOME/.git-credentials"
gcfg credential.helper store
run store-init 0 b init "$URL"
graph_add "$T/b.json" b 1 "$T/added.jsonl"
run store-sync 0 b sync
run store-status 0 b status
git --git-dir="$T/srv/r.git" show main:memory.json >"$T/m.json"
graph_has "$T/m.json" "$T/added.jsonl" || fail "the sync through the store helper did not publish"
rm "$HOME/.git-credentials"
gcfg --unset-all credential.helper

# ---- 3. a helper by absolute path, matched by URL, with arguments -----------
# rec.sh TAG ACTION: records the action and its input; `get` answers alice
# and the password in $T/pw.
cat >"$T/rec.sh" <<EOF
#!/bin/sh
{ echo "== \$1 \$2"; cat; } >>"$T/rec.log"
[ "\$2" = get ] || exit 0
echo username=alice
echo "password=\$(cat "$T/pw")"
EOF
printf '#!/bin/sh\ntouch "%s/never-ran"\n' "$T" >"$T/never.sh"
chmod +x "$T/rec.sh" "$T/never.sh"
printf '%s' "$PW" >"$T/pw"
gcfg "credential.http://$HP/git.helper" "$T/rec.sh one"
gcfg credential.http://example.invalid.helper "$T/never.sh"
run rec-init 0 c init "$URL"
[ ! -e "$T/never-ran" ] || fail "a helper for another host ran"
grep -qx "== one get" "$T/rec.log" || fail "rec: no get: $(cat "$T/rec.log")"
grep -qx "== one store" "$T/rec.log" || fail "rec: no store after success: $(cat "$T/rec.log")"
! grep -qx "== one erase" "$T/rec.log" || fail "rec: erase after success: $(cat "$T/rec.log")"
sed -n '/^== one get$/,/^$/p' "$T/rec.log" | head -n 4 >"$T/get.in"
printf '== one get\nprotocol=http\nhost=%s\n\n' "$HP" | cmp -s - "$T/get.in" ||
    fail "rec: get's input is not protocol and host: $(cat "$T/get.in")"
sed -n '/^== one store$/,/^$/p' "$T/rec.log" | grep -qx "password=$PW" ||
    fail "rec: store did not get the password: $(cat "$T/rec.log")"
gets_per_run=$(grep -c '^== one get$' "$T/rec.log")

# ---- 4. a wrong password: exit 5 at once, erase, the secret nowhere --------
# The clone's own helper comes after the global ones (git's order); each
# is asked once per run, and a refusal is erased from every helper.
printf '%s' "$BAD" >"$T/pw"
git -C "$T/clone-c" config credential.helper "$T/rec.sh two"
: >"$T/rec.log"
before=$(unauthorized)
graph_add "$T/c.json" c 2 "$T/added.jsonl"
t0=$(date +%s)
run bad-sync 5 c sync
run bad-sync-json 5 c --json sync
[ $(($(date +%s) - t0)) -lt 20 ] || fail "a wrong password took $(($(date +%s) - t0)) s to fail"
json "$SHOWN/bad-sync-json.out" 'j["exit_code"]' | grep -qx 5 || fail "bad: --json: $(cat "$SHOWN/bad-sync-json.out")"
grep -qi 'authentication' "$SHOWN/bad-sync.err" || fail "bad: no word about authentication: $(cat "$SHOWN/bad-sync.err")"
for h in one two; do
    [ "$(grep -c "^== $h get\$" "$T/rec.log")" = 2 ] || fail "bad: helper $h was not asked once per run: $(cat "$T/rec.log")"
    [ "$(grep -c "^== $h erase\$" "$T/rec.log")" = 4 ] || fail "bad: helper $h did not erase each refusal: $(cat "$T/rec.log")"
done
grep '^== ' "$T/rec.log" | head -n 6 | tr '\n' ' ' >"$T/order"
[ "$(cat "$T/order")" = "== one get == one erase == two erase == two get == one erase == two erase " ] ||
    fail "bad: helpers asked out of order: $(cat "$T/order")"
! grep -q '^== .* store$' "$T/rec.log" || fail "bad: store after a refusal"
sed -n '/^== one erase$/,/^$/p' "$T/rec.log" | grep -qx "password=$BAD" || fail "bad: erase without the refused password"
# a refused login is never sent again: each helper's answer goes out once
# per run (2 runs x 2 helpers); a request without credentials may be made
# again (a connection the server closed under load), it carries nothing
n401=$(($(unauthorized) - before))
grep '" 401 ' "$T/access.log" | tail -n "$n401" | grep -v 'auth=-$' >"$T/refused-logins" || true
nlogin=$(wc -l <"$T/refused-logins")
[ "$nlogin" -ge 2 ] || fail "bad: no refused login in the access log (this check would see nothing)"
[ "$nlogin" -le 4 ] || fail "bad: a refused login was sent again: $(cut -c40-90 "$T/refused-logins")"
[ "$n401" -le 8 ] || fail "bad: $n401 refused requests for two runs"
# every command that talks to the remote gives up as fast
t0=$(date +%s)
run bad-export 5 c export
run bad-merge 5 c merge
run bad-lease-show 5 c lease show
run bad-lease-break 5 c lease break --token 1
[ $(($(date +%s) - t0)) -lt 20 ] || fail "export, merge, lease show and break took $(($(date +%s) - t0)) s to fail"
git -C "$T/clone-c" config --unset credential.helper

# ---- 5. GIT_ASKPASS ---------------------------------------------------------
gcfg --remove-section "credential.http://$HP/git"
cat >"$T/askpass.sh" <<EOF
#!/bin/sh
printf '%s\n' "\$1" >>"$T/prompts"
case "\$1" in Username*) echo alice ;; *) echo "$PW" ;; esac
EOF
chmod +x "$T/askpass.sh"
GIT_ASKPASS=$T/askpass.sh run askpass-init 0 d init "$URL"
printf "Username for 'http://%s': \nPassword for 'http://alice@%s': \n" "$HP" "$HP" | cmp -s - "$T/prompts" ||
    fail "askpass: prompts: $(cat "$T/prompts")"
# core.askPass when GIT_ASKPASS is not set
: >"$T/prompts"
gcfg core.askPass "$T/askpass.sh"
run askpass-core 0 d sync
grep -q '^Password for ' "$T/prompts" || fail "core.askPass was not asked"
gcfg --unset core.askPass

# ---- 6. MEMTUI_GIT_TOKEN -----------------------------------------------------
MEMTUI_GIT_TOKEN=$TOKEN run token-init 0 e init "$URL"
MEMTUI_GIT_TOKEN=$TOKEN run token-sync 0 e sync

# ---- 7. a ! helper is a shell command: skipped with a warning ---------------
gcfg credential.helper "!touch $T/bang-ran; echo password=x"
run bang 5 f init "$URL"
[ ! -e "$T/bang-ran" ] || fail "the ! helper ran"
grep -q 'touch' "$SHOWN/bang.err" && grep -qi 'skip' "$SHOWN/bang.err" ||
    fail "bang: no warning naming the skipped helper: $(cat "$SHOWN/bang.err")"
gcfg --unset-all credential.helper

# ---- 8. the secrets are nowhere ----------------------------------------------
leaks=$(grep -lr -- "$MARK" "$SHOWN" || true)
[ -z "$leaks" ] || fail "a secret was shown in: $leaks: $(grep -rh -- "$MARK" "$SHOWN" | head -5)"
for c in b c d e; do
    ! grep -q -- "$MARK" "$T/clone-$c/.git/memtui.log" || fail "clone-$c's memtui.log holds a secret"
    ! grep -q -- "$MARK" "$T/clone-$c/.git/config" || fail "clone-$c's git config holds a secret"
done
echo "ok (one helper get per run: $gets_per_run)"
