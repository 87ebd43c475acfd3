# The code base's layout rules (issue 12): no .c/.h file in src/, ui/ or
# include/ over MAX_LINES lines, no C function over MAX_FN lines (from its
# opening line at column 0 to its closing '}' at column 0), and no libgit2 in
# the workstation (ui/ and include/memtui/ui/ neither include git2.h nor call
# git_*()). What breaks a rule today is in ALLOWLIST; an entry that no longer
# breaks its rule fails too, so the list only shrinks. The checker is first
# run on made-up trees, to show that each rule, and the allowlist's, fails.
set -u
ROOT=$(cd "$TESTS_DIR/.." && pwd)
MAX_LINES=800
MAX_FN=100

# What breaks a rule today: "lines FILE", "function FILE:FUNCTION",
# "git FILE".
ALLOWLIST=''

# Each C function over max lines, as "FILE:FUNCTION LINES".
long_functions() {
    awk -v max="$MAX_FN" '
    function close_fn() { n = end - start + 1; if (n > max) print file ":" name " " n; end = 0; infn = 0 }
    FNR == 1 { if (end) close_fn(); cand = ""; infn = 0; file = FILENAME }
    # A "}" at column 0 followed by more of the body (an indented line or a
    # label) does not close the function.
    end {
        if ($0 ~ /^[ \t]+[^ \t]/ || $0 ~ /^[A-Za-z_][A-Za-z_0-9]*:[ \t]*$/) end = 0
        else close_fn()
    }
    infn { if ($0 ~ /^}/) end = FNR; next }
    # A signature over several lines: its body opens with "{" at column 0.
    cand != "" {
        if ($0 ~ /^{/) { infn = 1; next }
        if ($0 ~ /;[ \t]*$/ || $0 ~ /^[^ \t]/) cand = ""
        else next
    }
    /^[A-Za-z_][^;]*\(/ && $0 !~ /^typedef/ {
        if (match($0, /[A-Za-z_][A-Za-z_0-9]*\(/)) {
            name = substr($0, RSTART, RLENGTH - 1); start = FNR
            if ($0 ~ /\{[ \t]*$/) infn = 1
            else if ($0 !~ /;[ \t]*$/) cand = name
        }
    }
    END { if (end) close_fn() }' "$@"
}

# check DIR ALLOWLIST: every rule broken in DIR ("lines FILE", ...), one a
# line, into $out/found; what is broken but not allowed, or allowed but no
# longer broken, on stdout. Fails when there is any.
check() {
    (
        cd "$1" || exit 2
        files=$(find src ui include -name '*.[ch]' 2>/dev/null | LC_ALL=C sort)
        [ -n "$files" ] || { echo "no sources under $1"; exit 2; }
        for f in $files; do
            n=$(wc -l <"$f")
            [ "$n" -gt "$MAX_LINES" ] && echo "lines $f"
        done
        long_functions $files | sed 's/^/function /; s/ [0-9]*$//'
        for f in $(find ui include/memtui/ui -name '*.[ch]' 2>/dev/null | LC_ALL=C sort); do
            if grep -q 'git2\.h' "$f" || grep -Eq '(^|[^A-Za-z0-9_])git_[A-Za-z0-9_]*[ \t]*\(' "$f"; then
                echo "git $f"
            fi
        done
    ) | LC_ALL=C sort -u >"$out/found" || return 2
    printf '%s\n' "$2" | grep -v '^$' | LC_ALL=C sort -u >"$out/allowed"
    LC_ALL=C comm -23 "$out/found" "$out/allowed" | sed 's/^/breaks the rule: /'
    LC_ALL=C comm -13 "$out/found" "$out/allowed" | sed 's/^/allowlisted but no longer breaks the rule (remove it): /'
    ! LC_ALL=C comm -3 "$out/found" "$out/allowed" | grep -q .
}

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
fail=0

# expect_fail NAME ALLOWLIST WANT: the made-up tree $out/t must fail, with
# WANT in the report.
expect_fail() {
    if check "$out/t" "$2" >"$out/report"; then
        echo "FAIL self-test $1: the checker passed"; fail=1
    elif ! grep -qF "$3" "$out/report"; then
        echo "FAIL self-test $1: no '$3' in:"; cat "$out/report"; fail=1
    fi
}
fake_tree() {
    rm -rf "$out/t"
    mkdir -p "$out/t/src/x" "$out/t/ui" "$out/t/include/memtui/ui"
    printf 'int small(void)\n{\n    return 0;\n}\n' >"$out/t/src/x/ok.c"
    printf '/* ui */\n' >"$out/t/ui/view.c"
}
# body N: a function of N lines in all, its signature over two lines.
body() {
    printf 'static int big(int a,\n               int b)\n{\n'
    i=4
    while [ "$i" -lt "$1" ]; do printf '    a += b;\n'; i=$((i + 1)); done
    printf '}\n'
}

fake_tree
check "$out/t" '' >"$out/report" || { echo "FAIL self-test clean tree:"; cat "$out/report"; fail=1; }
body 100 >"$out/t/src/x/big.c"
check "$out/t" '' >"$out/report" || { echo "FAIL self-test 100-line function:"; cat "$out/report"; fail=1; }
body 101 >"$out/t/src/x/big.c"
expect_fail "101-line function" '' "breaks the rule: function src/x/big.c:big"
expect_fail "allowlisted file for a function" 'lines src/x/big.c' "breaks the rule: function src/x/big.c:big"
check "$out/t" 'function src/x/big.c:big' >"$out/report" ||
    { echo "FAIL self-test allowlisted function:"; cat "$out/report"; fail=1; }
# A "}" at column 0 inside a body, before a label, does not end it (101
# lines in all).
{ body 60 | sed '$d'; printf '}\ndone:\n'; body 43 | sed '1,3d'; } >"$out/t/src/x/big.c"
expect_fail "function with a '}' at column 0 inside" '' "breaks the rule: function src/x/big.c:big"
fake_tree
i=0
while [ "$i" -lt 801 ]; do echo "/* $i */"; i=$((i + 1)); done >"$out/t/include/memtui/x.h"
expect_fail "801-line header" '' "breaks the rule: lines include/memtui/x.h"
fake_tree
expect_fail "stale allowlist entry" 'lines src/x/ok.c' "no longer breaks the rule (remove it): lines src/x/ok.c"
expect_fail "stale function entry" 'function src/x/ok.c:small' "no longer breaks the rule (remove it): function src/x/ok.c:small"
printf '#include <git2.h>\n' >"$out/t/include/memtui/ui/g.h"
expect_fail "git2.h in a ui header" '' "breaks the rule: git include/memtui/ui/g.h"
fake_tree
printf 'void f(void)\n{\n    git_oid_fromstr(0, "");\n}\n' >"$out/t/ui/view.c"
expect_fail "git_ call in ui/" '' "breaks the rule: git ui/view.c"
printf 'void f(void)\n{\n    mt_git_thing(0);\n}\n' >"$out/t/ui/view.c"
check "$out/t" '' >"$out/report" || { echo "FAIL self-test mt_git_ is not libgit2:"; cat "$out/report"; fail=1; }

# The code base itself.
if ! check "$ROOT" "$ALLOWLIST"; then
    echo "layout: see tests/integration/layout.sh (limits: $MAX_LINES lines a file, $MAX_FN a function)"
    fail=1
fi
exit $fail
