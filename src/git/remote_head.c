/* remote_head.c: point a new local remote's dangling HEAD at main. */
#include "memtui/git/remote_head.h"

#include <git2.h>
#include <string.h>

#define MAIN_REF "refs/heads/main"

bool mt_remote_head_to_main(const char *bare_path)
{
    git_repository *rr = NULL;
    git_reference *head = NULL, *target = NULL, *main_ref = NULL;
    bool moved = false;
    if (git_repository_open_bare(&rr, bare_path) < 0) goto out;
    if (git_reference_lookup(&head, rr, "HEAD") < 0 || git_reference_type(head) != GIT_REFERENCE_SYMBOLIC)
        goto out;
    const char *name = git_reference_symbolic_target(head);
    if (!name || strcmp(name, MAIN_REF) == 0) goto out;
    /* a HEAD that names a real branch was someone's choice: keep it */
    if (git_reference_lookup(&target, rr, name) == 0) goto out;
    if (git_reference_lookup(&main_ref, rr, MAIN_REF) < 0) goto out;
    moved = git_repository_set_head(rr, MAIN_REF) == 0;
out:
    git_error_clear();
    git_reference_free(main_ref);
    git_reference_free(target);
    git_reference_free(head);
    git_repository_free(rr);
    return moved;
}
