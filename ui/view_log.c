/* view_log.c: panel 6, merges as their manifests recorded them: who ran
 * each, under which lease token, a restore named as a restore, how each
 * conflict was resolved and by whom. Enter opens the merge in full, with
 * what it changed in memory.json (merge_diff.h, read by a job). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memtui/ops/merge_diff.h"
#include "memtui/ui/app.h"
#include "memtui/ui/text.h"

/* Conflicts an operator decided (the manifest's resolution says so). */
static size_t decided_by_operator(const struct mt_manifest *m)
{
    size_t n = 0;
    for (size_t k = 0; k < m->nconflicts; k++)
        n += m->conflicts[k].decided_by && strcmp(m->conflicts[k].decided_by, "operator") == 0;
    return n;
}

/* "merge", "restore"; and how its conflicts were settled in words: a merge
 * an operator finished is not "policy fail". */
static void how(const struct mt_manifest *m, char *buf, size_t size)
{
    size_t ops = decided_by_operator(m), n = m->nconflicts;
    if (!n) snprintf(buf, size, "no conflicts");
    else if (ops == n) snprintf(buf, size, "%zu %s decided by an operator", n, mt_plural(n, "conflict", "conflicts"));
    else if (ops) snprintf(buf, size, "%zu of %zu conflicts decided by an operator, the rest by the %s rule", ops, n,
                           m->policy ? m->policy : "?");
    else snprintf(buf, size, "%zu %s settled by the %s rule", n, mt_plural(n, "conflict", "conflicts"),
                  m->policy ? m->policy : "?");
}

static void heading(struct mt_rows *out, const struct mt_history_entry *l)
{
    char when[32];
    struct mt_row *r = mt_rows_add(out);
    mt_row_seg(r, MT_ROLE_HEADER, "%.10s", l->commit);
    mt_row_seg(r, l->m.restore ? MT_ROLE_CHANGED : MT_ROLE_DEFAULT, "  %s", l->m.restore ? "restore" : "merge  ");
    mt_row_seg(r, MT_ROLE_DEFAULT, "  %s  by %s@%s pid %ld  lease token %lld",
               l->m.run_time ? l->m.run_time : mt_fmt_time(l->time, when, sizeof when), l->m.run_env ? l->m.run_env : "?",
               l->m.run_host ? l->m.run_host : "?", l->m.run_pid, l->m.lease_token);
}

/* "(1 entity fewer, 2 observations more)" than the merge before (NULL:
 * none recorded): where a deletion happened shows in the list itself. */
static void growth(char *buf, size_t size, const struct mt_history_entry *l, const struct mt_history_entry *before)
{
    buf[0] = '\0';
    if (!before) return;
    long long de = (long long)l->m.out_entities - (long long)before->m.out_entities;
    long long dobs = (long long)l->m.out_observations - (long long)before->m.out_observations;
    if (!de && !dobs) return;
    int n = snprintf(buf, size, " (");
    if (de && n > 0 && (size_t)n < size)
        n += snprintf(buf + n, size - (size_t)n, "%lld %s %s", llabs(de), llabs(de) == 1 ? "entity" : "entities",
                      de < 0 ? "fewer" : "more");
    if (dobs && n > 0 && (size_t)n < size)
        n += snprintf(buf + n, size - (size_t)n, "%s%lld %s %s", de ? ", " : "", llabs(dobs),
                      llabs(dobs) == 1 ? "observation" : "observations", dobs < 0 ? "fewer" : "more");
    if (n > 0 && (size_t)n < size) snprintf(buf + n, size - (size_t)n, ")");
}

static void summary(struct mt_rows *out, const struct mt_history_entry *l, const struct mt_history_entry *before)
{
    char h[128], cnt[96], grew[96];
    how(&l->m, h, sizeof h);
    growth(grew, sizeof grew, l, before);
    mt_rows_line(out, MT_ROLE_DIM, "    %s%s; %zu %s; %s",
                 mt_counts_text(cnt, sizeof cnt, l->m.out_entities, l->m.out_relations, l->m.out_observations), grew,
                 l->m.nfrags, mt_plural(l->m.nfrags, "fragment", "fragments"), h);
    char *restore = mt_ui_log_restore_text(&l->m);
    if (restore) mt_rows_line(out, MT_ROLE_CHANGED, "    %s", restore);
    free(restore);
    for (size_t k = 0; k < l->m.nconflicts; k++) {
        const struct mt_manifest_conflict *c = &l->m.conflicts[k];
        struct mt_row *cr = mt_rows_add(out);
        mt_row_seg(cr, MT_ROLE_CONFLICT, "    %s %s", c->kind ? c->kind : "?", c->entity ? c->entity : "?");
        mt_row_seg(cr, MT_ROLE_DEFAULT, ": %s", c->resolution ? c->resolution : "");
        if (c->decided_by) mt_row_seg(cr, MT_ROLE_DIM, "  (by the %s)", c->decided_by);
    }
}

/* Each merge's lines, wrapped to the screen (a long resolution is read in
 * full), every row carrying the merge's index for Enter. */
static void rows(struct mt_app *a, struct mt_rows *out, int width)
{
    struct mt_ui_snap *s = a->snap;
    if (!s || !s->open) return;
    if (!s->nlog) mt_rows_line(out, MT_ROLE_DIM, "no merges yet");
    for (size_t i = 0; i < s->nlog; i++) {
        struct mt_rows lines = {0};
        heading(&lines, &s->log[i]);
        summary(&lines, &s->log[i], i + 1 < s->nlog ? &s->log[i + 1] : NULL);
        for (size_t k = 0; k < lines.n; k++) {
            size_t first = out->n;
            mt_row_wrap(out, &lines.v[k], width > 40 ? (size_t)width : 80, 8, 6);
            for (size_t r = first; r < out->n; r++) out->v[r].idx = i;
        }
        mt_rows_clear(&lines);
    }
}

/* The page's top, from the manifest (made on the input loop: the job must
 * not read the snapshot, which a reload may free). */
static void manifest_rows(struct mt_rows *out, const struct mt_history_entry *l, const struct mt_history_entry *before)
{
    heading(out, l);
    summary(out, l, before);
    mt_rows_line(out, MT_ROLE_DEFAULT, "commit %s: %s", l->commit, l->summary ? l->summary : "");
    mt_rows_line(out, MT_ROLE_HEADER, "Fragments as merged");
    for (size_t k = 0; k < l->m.nfrags; k++) {
        const struct mt_frag_ref *f = &l->m.frags[k];
        char cnt[96];
        mt_rows_line(out, MT_ROLE_DEFAULT, "    %-16s %-12s sha-256 %.12s  %s", f->env,
                     l->m.frag_status ? l->m.frag_status[k] : "merged", f->m_sha256[0] ? f->m_sha256 : "-",
                     mt_counts_text(cnt, sizeof cnt, f->m_entities, f->m_relations, f->m_observations));
    }
}

/* What the merge changed in memory.json: the diff producer's lines, each
 * entity's heading saying created, deleted or retyped. */
static int detail_job(struct mt_job *j)
{
    struct mt_ui_page *pg = j->arg;
    j->result = pg;
    mt_job_progress(j, 0, 0, "reading what %.10s changed", pg->subject);
    struct mt_commit_diff d;
    struct mt_error err = {0};
    int rc = mt_commit_diff(pg->cfg, pg->subject, &d, &err);
    if (rc) {
        mt_rows_line(&pg->rows, MT_ROLE_DANGER, "what it changed cannot be read: %s", err.msg ? err.msg : "?");
        mt_error_clear(&err);
    } else {
        mt_rows_line(&pg->rows, MT_ROLE_HEADER, "What it changed in memory.json: %zu %s, %zu relation %s",
                     d.nchanges, mt_plural(d.nchanges, "entity", "entities"), d.relations.n,
                     mt_plural(d.relations.n, "change", "changes"));
        for (size_t i = 0; i < d.nchanges; i++) {
            const struct mt_entity *any = d.changes[i].after ? d.changes[i].after : d.changes[i].before;
            mt_rows_change_diff(&pg->rows, any->name, d.changes[i].before, d.changes[i].after, NULL, NULL);
        }
        if (d.relations.n) mt_rows_line(&pg->rows, MT_ROLE_HEADER, "@ relations");
        for (size_t i = 0; i < d.relations.n; i++)
            mt_rows_relation_diff(&pg->rows, d.relations.v[i].sign == '+', d.relations.v[i].rel, NULL, false);
    }
    mt_commit_diff_free(&d);
    return MT_EXIT_OK;
}

static void enter(struct mt_app *a, const struct mt_row *r)
{
    struct mt_ui_snap *s = a->snap;
    if (!s || r->idx >= s->nlog) return;
    const struct mt_history_entry *l = &s->log[r->idx];
    struct mt_ui_page *pg = xcalloc(1, sizeof(*pg));
    pg->cfg = a->cfg;
    pg->subject = xstrdup(l->commit);
    pg->title = xasprintf("%s %.10s (Esc goes back)", l->m.restore ? "Restore" : "Merge", l->commit);
    manifest_rows(&pg->rows, l, r->idx + 1 < s->nlog ? &s->log[r->idx + 1] : NULL);
    mt_app_page_job(a, pg, detail_job);
}

const struct mt_view_ops mt_view_log = {.name = "Log", .rows = rows, .enter = enter};
