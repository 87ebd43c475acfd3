# Faults (DESIGN 3.2, 3.3: every write is temp file, fsync, rename, fsync of
# the folder; libgit2's fsync is on). ENOSPC and EIO are injected into single
# write(2) and fsync(2) calls of a sync: the writes and fsyncs of the
# fragment, memory.json, the manifest, the local MCP file and its backup,
# git objects, the index and refs in the clone, the pack and the ref update
# of main in the plain-path remote, and the folder fsyncs after the renames.
# Every faulty run starts from the same state. For each fault: the command
# fails cleanly (non-zero exit, "ok":false, a message), the remote's
# memory.json is intact (the old one, or a complete new merge; git fsck
# passes), the local file is the old or the new version, and the next sync
# succeeds, leaves a clean clone and loses nothing. A run that reports
# success after a failed write or fsync, or a clone left dirty, disagrees
# with DESIGN and fails the test.
#
# How: calls on fixed paths (folders, index.lock, ref .lock files) get
# strace -P PATH -e inject=CALL:error=E:when=N (only calls on PATH count).
# Temp files have random names and memtui writes git objects on a second
# thread, so counting calls (strace's when=N counts per thread) is not
# repeatable for them: a small LD_PRELOAD library built here fails the N-th
# call on a file whose path matches a regex, counted over all threads.
# STRESS=1: every write and fsync on a file or folder that the sync makes.
. "$TESTS_DIR/lib.sh"
trap hard_cleanup EXIT INT TERM
command -v strace >/dev/null 2>&1 || fail "strace is not installed: run sh scripts/install-deps.sh"
command -v cc >/dev/null 2>&1 || fail "no C compiler (cc) for the fault library"
TRACED_ASAN="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
MTA="--batch --repo $T/clone-a --env a --memory-file $T/a.json"

cat >"$T/fault.c" <<'EOF'
/* fault.so (tests only, LD_PRELOAD): make the FAULT_NTH-th call of
 * FAULT_CALL (write, or fsync which counts fdatasync too) on a file whose
 * path matches the extended regex FAULT_PATH fail with errno FAULT_ERRNO,
 * counted over all threads. FAULT_LOG gets "hit CALL PATH" for it, then
 * "after CALL PATH" for every later write or fsync on a matching path (did
 * the program write it again?). FAULT_NTH=0 fails nothing and logs every
 * matching FAULT_CALL as "CALL N PATH": a dry run. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef ssize_t (*write_fn)(int, const void *, size_t);
static regex_t re;
static int armed, hit_done;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static long nth, seen;
static int err_no;
static const char *call;
static write_fn real_write;

static void init(void)
{
    const char *p = getenv("FAULT_PATH"), *n = getenv("FAULT_NTH"), *e = getenv("FAULT_ERRNO");
    real_write = (write_fn)dlsym(RTLD_NEXT, "write");
    call = getenv("FAULT_CALL");
    if (!real_write || !p || !call || regcomp(&re, p, REG_EXTENDED | REG_NOSUB)) return;
    nth = n ? atol(n) : 1;
    err_no = e ? atoi(e) : EIO;
    armed = 1;
}

static void log_line(const char *a, const char *b, const char *path)
{
    const char *log = getenv("FAULT_LOG");
    if (!log) return;
    int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) return;
    char line[4300];
    int len = snprintf(line, sizeof line, "%s %s %s\n", a, b, path);
    if (len > 0) real_write(fd, line, (size_t)len < sizeof line ? (size_t)len : sizeof line - 1);
    close(fd);
}

static int should_fail(const char *which, int fd)
{
    pthread_once(&once, init);
    if (!armed) return 0;
    char link[64], path[4096];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, path, sizeof path - 1);
    if (n < 0) return 0;
    path[n] = '\0';
    if (regexec(&re, path, 0, NULL, 0)) return 0;
    if (strcmp(which, call) == 0) {
        long k = __atomic_add_fetch(&seen, 1, __ATOMIC_ACQ_REL);
        char num[32];
        snprintf(num, sizeof num, "%ld", k);
        if (nth == 0) {
            log_line(which, num, path);
            return 0;
        }
        if (k == nth) {
            log_line("hit", which, path);
            __atomic_store_n(&hit_done, 1, __ATOMIC_RELEASE);
            return 1;
        }
    }
    if (__atomic_load_n(&hit_done, __ATOMIC_ACQUIRE)) log_line("after", which, path);
    return 0;
}

ssize_t write(int fd, const void *buf, size_t count)
{
    pthread_once(&once, init);
    if (should_fail("write", fd)) {
        errno = err_no;
        return -1;
    }
    return real_write(fd, buf, count);
}

int fsync(int fd)
{
    static int (*real)(int);
    if (!real) real = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
    if (should_fail("fsync", fd)) {
        errno = err_no;
        return -1;
    }
    return real(fd);
}

int fdatasync(int fd)
{
    static int (*real)(int);
    if (!real) real = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
    if (should_fail("fsync", fd)) {
        errno = err_no;
        return -1;
    }
    return real(fd);
}
EOF
cc -shared -fPIC -O1 -o "$T/fault.so" "$T/fault.c" -ldl -lpthread || fail "cannot build the fault library"
# a sanitised memtui needs its ASan runtime first in the preload list
PRELOAD="$T/fault.so"
asan=$(ldd "$MEMTUI" 2>/dev/null | awk '/libasan/ {print $3}')
[ -z "$asan" ] || PRELOAD="$asan $PRELOAD"

new_remote
for e in a b; do expect_rc 0 mt $e init "$T/remote.git" >/dev/null; done
python3 "$TESTS_DIR/tools/gen-fragments.py" --out "$T/gen" --envs 1 --entities 200 --seed 5 >/dev/null
cp "$T/gen/base.json" "$T/a.json"
cp "$T/gen/base.json" "$T/base.jsonl"
for e in a b a; do expect_rc 0 mt $e sync >/dev/null 2>&1; done
# the state every faulty run starts from: b published a change, a has its own
graph_add "$T/b.json" b 1 "$T/added-b.jsonl"
expect_rc 0 mt b sync >/dev/null 2>&1
graph_add "$T/a.json" a 1 "$T/added-a.jsonl"
mkdir "$T/S"
cp -a "$T/remote.git" "$T/clone-a" "$T/a.json" "$T/S/"
restore() {
    rm -rf "$T/remote.git" "$T/clone-a" "$T/a.json"
    cp -a "$T/S/remote.git" "$T/S/clone-a" "$T/S/a.json" "$T/"
}
OLD_MAIN=$(git --git-dir="$T/remote.git" rev-parse main)
git --git-dir="$T/remote.git" show main:memory.json >"$T/old-memory.json"
OLD_LOCAL=$(git hash-object "$T/a.json")

# the dry runs: every write and fsync on a file, in order, as the library
# sees them (FAULT_NTH=0 logs and fails nothing)
for c in write fsync; do
    LD_PRELOAD=$PRELOAD FAULT_CALL=$c FAULT_PATH="^$T/" FAULT_NTH=0 FAULT_LOG="$T/dry-$c.log" \
        "$MEMTUI" $MTA sync >/dev/null 2>&1 || fail "the dry run of the sync failed"
    [ $c = fsync ] || {
        git --git-dir="$T/remote.git" show main:memory.json >"$T/new-memory.json"
        graph_has "$T/new-memory.json" "$T/base.jsonl" "$T"/added-*.jsonl || fail "the dry run lost data"
        NEW_LOCAL=$(git hash-object "$T/a.json")
    }
    restore
done
sed -i "s|$T/||" "$T/dry-write.log" "$T/dry-fsync.log"
# the remote's pack for main (the first ones carry the lease's commit)
npack=$(awk '$3 ~ /^remote\.git\/objects\/pack\// {n++} $3 == "remote.git/refs/heads/main.lock" {print n; exit}' "$T/dry-write.log")
nfpack=$(awk '$3 ~ /^remote\.git\/objects\/pack\// {n++} $3 == "remote.git/refs/heads/main.lock" {print n; exit}' "$T/dry-fsync.log")

# targets: HOW CALL WHAT N
#   lib    CALL REGEX N: the N-th CALL on a path matching REGEX ($T/ prefixed)
#   strace CALL PATH N:  the N-th CALL on exactly $T/PATH ("." is $T)
cat >"$T/targets.txt" <<EOF
lib write clone-a/\.memory-a\.json\.tmp- 1
lib fsync clone-a/\.memory-a\.json\.tmp- 1
strace fsync clone-a 1
lib write clone-a/\.memory\.json\.tmp- 1
lib fsync clone-a/\.memory\.json\.tmp- 1
strace fsync clone-a 2
lib write clone-a/\.memtui/\.manifest\.json\.tmp- 1
lib fsync clone-a/\.memtui/\.manifest\.json\.tmp- 1
strace fsync clone-a/.memtui 1
lib write \.a\.json\.bak-[^/]*\.tmp- 1
lib fsync \.a\.json\.bak-[^/]*\.tmp- 1
strace fsync . 1
lib write \.a\.json\.tmp- 1
lib fsync \.a\.json\.tmp- 1
strace fsync . 2
lib write clone-a/\.git/objects/tmp_object_git2_ 1
lib fsync clone-a/\.git/objects/tmp_object_git2_ 1
strace write clone-a/.git/index.lock 1
strace write clone-a/.git/refs/heads/main.lock 2
strace fsync clone-a/.git/refs/heads/main.lock 3
lib write remote\.git/objects/pack/ ${npack:-1}
lib fsync remote\.git/objects/pack/ ${nfpack:-1}
strace write remote.git/refs/heads/main.lock 1
strace fsync remote.git/refs/heads/main.lock 1
strace fsync remote.git/refs/heads 1
EOF
if [ -n "${STRESS:-}" ]; then
    # every call on a file or folder under $T, by its own path pattern
    python3 - "$T/dry-write.log" "$T/dry-fsync.log" >"$T/targets.txt" <<'EOF'
import re, sys
for log in sys.argv[1:]:
    seen = {}
    for line in open(log):
        call, _, path = line.rstrip("\n").split(" ", 2)
        if path.endswith("memtui.log"):
            continue
        pat = re.sub(r"[0-9a-f]{4,}", "[0-9a-f]+", re.escape(path))
        seen[pat] = seen.get(pat, 0) + 1
        print("lib", call, pat, seen[pat])
EOF
fi

RUNS=0 FAILED_CLEANLY=0 RETRIED=0 BUGS=0
disagrees() {
    BUGS=$((BUGS + 1))
    fail "$1: $2"
}

# inject HOW CALL WHAT N ERRNO: one faulty sync from the saved state, checked.
inject() {
    how=$1 sc=$2 what=$3 n=$4 err=$5
    tag="$err on $sc #$n of $(echo "$what" | sed 's/\\//g')"
    restore
    rm -f "$T/hit.log"
    set +e
    if [ "$how" = lib ]; then
        case $err in ENOSPC) eno=28 ;; EIO) eno=5 ;; esac
        LD_PRELOAD=$PRELOAD FAULT_CALL=$sc FAULT_PATH="^$T/$what" FAULT_NTH=$n FAULT_ERRNO=$eno FAULT_LOG="$T/hit.log" \
            "$MEMTUI" $MTA --json sync >"$T/inj.out" 2>"$T/inj.err"
        rc=$?
        hit=$(grep '^hit ' "$T/hit.log" 2>/dev/null | sed "s|$T/||" | head -n 1)
        # written and fsynced again after the fault (a retry)?
        grep -q '^after fsync ' "$T/hit.log" 2>/dev/null && again=yes || again=""
    else
        p="$T/$what"; [ "$what" != . ] || p=$T
        # shellcheck disable=SC2086
        ASAN_OPTIONS=$TRACED_ASAN strace -f -qq -o "$T/inj.trace" -P "$p" -e "trace=$sc" \
            -e "inject=$sc:error=$err:when=$n" "$MEMTUI" $MTA --json sync >"$T/inj.out" 2>"$T/inj.err"
        rc=$?
        hit=$(grep -m 1 '(INJECTED)' "$T/inj.trace" | sed "s|$T/||g; s|^[0-9]* *||" | cut -c1-100)
        again=$(sed -n '/(INJECTED)/,$p' "$T/inj.trace" | grep -Eq "^[0-9]* *fsync\(.*\) *= 0" && echo yes || true)
    fi
    set -e
    RUNS=$((RUNS + 1))
    [ -n "$hit" ] || fail "$tag: nothing was injected: the sync makes no such call"
    python3 - "$T/inj.out" "$rc" <<'EOF' || fail "$tag: --json output: $(cat "$T/inj.out")"
import json, sys
j = json.loads(open(sys.argv[1]).read())
assert j["exit_code"] == int(sys.argv[2]), "exit_code %r, exit %s" % (j["exit_code"], sys.argv[2])
assert j["ok"] is (int(sys.argv[2]) == 0), "ok %r" % j["ok"]
EOF
    if [ "$rc" = 0 ] && [ -n "$again" ]; then
        RETRIED=$((RETRIED + 1))
        echo "$tag: exit 0 after writing and fsyncing it again: $(grep -i 'fail' "$T/inj.err" | head -n 1)" >>"$T/retried.txt"
    elif [ "$rc" = 0 ]; then
        disagrees "$tag" "the sync exited 0 (\"ok\":true) and never wrote or fsynced it again after this $sc failed: $(grep -iv '^memtui: \(acquired\|released\|lease \|pushed\|verified\)' "$T/inj.err" | head -n 2 | tr '\n' ' ')"
    else
        FAILED_CLEANLY=$((FAILED_CLEANLY + 1))
        [ -s "$T/inj.err" ] || fail "$tag: exit $rc without a message"
        grep -Eqi 'space|input/output' "$T/inj.err" ||
            echo "note ($tag): exit $rc, the message does not name the error: $(tail -n 1 "$T/inj.err")"
    fi
    # the remote: main is the old one, or a complete new merge; fsck passes
    git --git-dir="$T/remote.git" fsck --no-dangling >"$T/fsck.out" 2>&1 || fail "$tag: git fsck of the remote: $(cat "$T/fsck.out")"
    git -C "$T/clone-a" fsck --no-dangling >"$T/fsck.out" 2>&1 || fail "$tag: git fsck of the clone: $(cat "$T/fsck.out")"
    git --git-dir="$T/remote.git" show main:memory.json >"$T/m.json"
    if [ "$(git --git-dir="$T/remote.git" rev-parse main)" = "$OLD_MAIN" ]; then
        cmp -s "$T/m.json" "$T/old-memory.json" || fail "$tag: memory.json on the remote changed without a commit"
        [ "$rc" != 0 ] || disagrees "$tag" "exit 0 but main on the remote did not move"
    else
        graph_has "$T/m.json" "$T/base.jsonl" "$T"/added-*.jsonl || fail "$tag: the remote's new memory.json lost data"
        [ "$rc" = 0 ] || echo "note ($tag): exit $rc, yet the merge was published"
    fi
    left=$(git -C "$T/clone-a" status --porcelain | tr '\n' ' ')
    # the local file: the old or the new version, never a mix
    valid_jsonl "$T/a.json" || fail "$tag: the local file is not valid JSONL"
    h=$(git hash-object "$T/a.json")
    [ "$h" = "$OLD_LOCAL" ] || [ "$h" = "$NEW_LOCAL" ] || fail "$tag: the local file is neither the old nor the new version"
    # the next sync recovers, nothing lost, the clone is clean
    set +e; mt a --lock-timeout 10 sync >/dev/null 2>"$T/r.err"; rrc=$?; set -e
    [ "$rrc" = 0 ] || [ "$rrc" = 6 ] || fail "$tag: the sync after the fault exited $rrc: $(cat "$T/r.err")"
    git --git-dir="$T/remote.git" show main:memory.json >"$T/m.json"
    graph_has "$T/m.json" "$T/base.jsonl" "$T"/added-*.jsonl || fail "$tag: data lost after the fault"
    graph_has "$T/a.json" "$T/base.jsonl" "$T/added-a.jsonl" || fail "$tag: the local file lost data after the fault"
    if [ -n "$(git -C "$T/clone-a" status --porcelain)" ] || [ -n "$(git -C "$T/clone-a" stash list)" ]; then
        disagrees "$tag" "the failed run left the work tree as '${left:-clean}'; the next sync exits $rrc and leaves '$(git -C "$T/clone-a" status --porcelain | tr '\n' ' ')' $(git -C "$T/clone-a" stash list | head -n 1)"
    fi
    echo "$tag: exit $rc; next sync $rrc" >>"$T/summary.txt"
}

# Every target with both errors under STRESS=1; in make check each target
# gets one of them, alternating, so both kinds still reach every call kind.
i=0
while read -r how sc what n; do
    i=$((i + 1))
    if [ -n "${STRESS:-}" ]; then errs="ENOSPC EIO"
    elif [ $((i % 2)) = 0 ]; then errs=EIO
    else errs=ENOSPC; fi
    for err in $errs; do
        inject "$how" "$sc" "$what" "$n" "$err"
    done
done <"$T/targets.txt"
echo "faults: $RUNS faulty syncs: $FAILED_CLEANLY failed cleanly, $RETRIED succeeded after writing and fsyncing" \
     "the data again, $BUGS disagreements with DESIGN"
[ ! -s "$T/retried.txt" ] || sed 's/^/  retried: /' "$T/retried.txt"
