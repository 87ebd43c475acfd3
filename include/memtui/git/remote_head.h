/* remote_head.h: the default branch of a remote that init just created.
 *
 * Promises: a bare repository reached by a plain path or file:// whose HEAD
 * names a branch that does not exist (an empty remote made with another
 * default branch, e.g. master) gets HEAD -> refs/heads/main, so that a
 * plain `git clone` checks out main; a HEAD that names an existing branch,
 * a detached HEAD and a repository without main are left alone. Best
 * effort, through libgit2: a remote that cannot be opened is left as it is
 * (the data is on main either way). Network remotes cannot be changed this
 * way: there init pushes main before any other branch, which servers such
 * as GitHub take as the default branch. */
#ifndef MEMTUI_REMOTE_HEAD_H
#define MEMTUI_REMOTE_HEAD_H

#include <stdbool.h>

/* True when HEAD was moved to main. */
bool mt_remote_head_to_main(const char *bare_path);

#endif
