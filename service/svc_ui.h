/* SPDX-License-Identifier: MIT
 * The web UI's static files (service/ui/, or the install's copy), read
 * into memory once at start — a handful of small files — so a request
 * never touches the disk: each with its content type and an ETag (a hash
 * of its bytes). Chart.js is served from the system's copy (Debian's
 * libjs-chart.js) as vendor/chart.js: no copy in git, no CDN. */
#ifndef SVC_UI_H
#define SVC_UI_H

#include <stddef.h>

struct svc_ui_file {
    char *name;                 /* "index.html", "vendor/chart.js" */
    char *body;
    size_t len;
    const char *type;           /* Content-Type */
    char etag[24];              /* "\"<16 hex>\"" */
};

struct svc_ui {
    struct svc_ui_file *files;
    size_t n;
};

/* Read every regular file of `dir` (not its subfolders) and `chartjs` as
 * vendor/chart.js. NULL with the reason in err (dir unreadable, Chart.js
 * missing, out of memory). */
struct svc_ui *svc_ui_load(const char *dir, const char *chartjs, char *err, size_t errlen);
void svc_ui_free(struct svc_ui *ui);            /* NULL is a no-op */
/* The file called `name`, or NULL. */
const struct svc_ui_file *svc_ui_find(const struct svc_ui *ui, const char *name);

#endif
