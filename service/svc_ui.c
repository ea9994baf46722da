/* SPDX-License-Identifier: MIT
 * The web UI's static files (svc_ui.h). */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "svc_hash.h"
#include "svc_ui.h"

#define MAX_FILE (8u << 20)

static const char *type_of(const char *name)
{
    static const struct { const char *ext, *type; } types[] = {
        { ".html", "text/html; charset=utf-8" }, { ".js", "text/javascript; charset=utf-8" },
        { ".css", "text/css; charset=utf-8" }, { ".png", "image/png" }, { ".svg", "image/svg+xml" },
        { ".json", "application/json" }, { ".ico", "image/x-icon" },
    };
    const char *dot = strrchr(name, '.');
    for (size_t i = 0; dot && i < sizeof types / sizeof *types; i++)
        if (strcmp(dot, types[i].ext) == 0)
            return types[i].type;
    return "application/octet-stream";
}

static int read_file(const char *path, struct svc_ui_file *f, char *err, size_t errlen)
{
    FILE *fp = fopen(path, "rb");
    struct stat st;
    if (fp == NULL || fstat(fileno(fp), &st) != 0 || st.st_size > (off_t)MAX_FILE) {
        snprintf(err, errlen, "%s: %s", path, fp ? "too large" : strerror(errno));
        if (fp)
            fclose(fp);
        return -1;
    }
    f->len = (size_t)st.st_size;
    f->body = malloc(f->len + 1);
    if (f->body == NULL || fread(f->body, 1, f->len, fp) != f->len) {
        snprintf(err, errlen, "%s: cannot read", path);
        fclose(fp);
        return -1;
    }
    fclose(fp);
    uint64_t h = svc_hash(f->body, f->len);
    snprintf(f->etag, sizeof f->etag, "\"%016llx\"", (unsigned long long)h);
    f->type = type_of(f->name);
    return 0;
}

static int add(struct svc_ui *ui, const char *name, const char *path, char *err, size_t errlen)
{
    struct svc_ui_file *files = realloc(ui->files, (ui->n + 1) * sizeof *files);
    if (files == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    ui->files = files;
    struct svc_ui_file *f = &files[ui->n];
    memset(f, 0, sizeof *f);
    if ((f->name = strdup(name)) == NULL || read_file(path, f, err, errlen) != 0) {
        free(f->name);
        free(f->body);
        return -1;
    }
    ui->n++;
    return 0;
}

struct svc_ui *svc_ui_load(const char *dir, const char *chartjs, char *err, size_t errlen)
{
    struct svc_ui *ui = calloc(1, sizeof *ui);
    DIR *d = ui ? opendir(dir) : NULL;
    if (d == NULL) {
        snprintf(err, errlen, "%s: %s", dir, ui ? strerror(errno) : "out of memory");
        free(ui);
        return NULL;
    }
    struct dirent *e;
    int rc = 0;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char path[4096];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
            rc = add(ui, e->d_name, path, err, errlen);
    }
    closedir(d);
    if (rc == 0)
        rc = add(ui, "vendor/chart.js", chartjs, err, errlen);
    if (rc != 0) {
        svc_ui_free(ui);
        return NULL;
    }
    return ui;
}

void svc_ui_free(struct svc_ui *ui)
{
    if (ui == NULL)
        return;
    for (size_t i = 0; i < ui->n; i++) {
        free(ui->files[i].name);
        free(ui->files[i].body);
    }
    free(ui->files);
    free(ui);
}

const struct svc_ui_file *svc_ui_find(const struct svc_ui *ui, const char *name)
{
    for (size_t i = 0; ui && i < ui->n; i++)
        if (strcmp(ui->files[i].name, name) == 0)
            return &ui->files[i];
    return NULL;
}
