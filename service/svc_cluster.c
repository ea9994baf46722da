/* SPDX-License-Identifier: MIT
 * Redis Cluster: slots, the slot map, redirections (svc_cluster.h). */
#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "svc_cluster.h"

uint16_t svc_cluster_crc16(const char *buf, size_t len)
{
    uint16_t crc = 0;
    for (size_t i = 0; i < len; i++) {
        crc ^= (uint16_t)((unsigned char)buf[i] << 8);
        for (int b = 0; b < 8; b++)
            crc = crc & 0x8000 ? (uint16_t)((crc << 1) ^ 0x1021) : (uint16_t)(crc << 1);
    }
    return crc;
}

uint16_t svc_cluster_slot(const char *key, size_t len)
{
    const char *open = memchr(key, '{', len);
    if (open) {
        size_t at = (size_t)(open - key) + 1;
        const char *close = memchr(key + at, '}', len - at);
        if (close && close > key + at)              /* a tag, not "{}" */
            return svc_cluster_crc16(key + at, (size_t)(close - (key + at))) & (SVC_CLUSTER_SLOTS - 1);
    }
    return svc_cluster_crc16(key, len) & (SVC_CLUSTER_SLOTS - 1);
}

void svc_cluster_map_free(struct svc_cluster_map *m)
{
    free(m->nodes);
    m->nodes = NULL;
    m->n_nodes = 0;
    m->covered = 0;
    for (size_t s = 0; s < SVC_CLUSTER_SLOTS; s++)
        m->owner[s] = SVC_CLUSTER_NO_NODE;
}

const struct svc_cluster_node *svc_cluster_map_node(const struct svc_cluster_map *m, uint16_t slot)
{
    uint16_t o = m->owner[slot & (SVC_CLUSTER_SLOTS - 1)];
    return o == SVC_CLUSTER_NO_NODE ? NULL : &m->nodes[o];
}

/* The node (host, port, id) of one CLUSTER SLOTS entry's address array. */
static int read_node(const redisReply *a, const char *asked_host, struct svc_cluster_node *n)
{
    if (a->type != REDIS_REPLY_ARRAY || a->elements < 2 || a->element[0]->type != REDIS_REPLY_STRING ||
        a->element[1]->type != REDIS_REPLY_INTEGER || a->element[1]->integer < 1 ||
        a->element[1]->integer > 65535)
        return -1;
    const char *host = a->element[0]->str;
    if (host[0] == '\0' || strcmp(host, "?") == 0)
        host = asked_host;
    if (strlen(host) >= sizeof n->host)
        return -1;
    memset(n, 0, sizeof *n);
    snprintf(n->host, sizeof n->host, "%s", host);
    n->port = (int)a->element[1]->integer;
    if (a->elements > 2 && a->element[2]->type == REDIS_REPLY_STRING && a->element[2]->len < sizeof n->id)
        memcpy(n->id, a->element[2]->str, a->element[2]->len);
    return 0;
}

int svc_cluster_map_read(struct svc_cluster_map *m, const redisReply *r, const char *asked_host, char *err,
                         size_t errlen)
{
    svc_cluster_map_free(m);
    if (r == NULL || r->type != REDIS_REPLY_ARRAY) {
        snprintf(err, errlen, "CLUSTER SLOTS: %s", r && r->type == REDIS_REPLY_ERROR ? r->str : "not an array");
        return -1;
    }
    m->nodes = calloc(r->elements + 1, sizeof *m->nodes);
    if (m->nodes == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < r->elements; i++) {
        const redisReply *e = r->element[i];
        struct svc_cluster_node n;
        if (e->type != REDIS_REPLY_ARRAY || e->elements < 3 || e->element[0]->type != REDIS_REPLY_INTEGER ||
            e->element[1]->type != REDIS_REPLY_INTEGER || e->element[0]->integer < 0 ||
            e->element[1]->integer >= SVC_CLUSTER_SLOTS || e->element[0]->integer > e->element[1]->integer ||
            read_node(e->element[2], asked_host, &n) != 0) {
            snprintf(err, errlen, "CLUSTER SLOTS: entry %zu is malformed", i);
            svc_cluster_map_free(m);
            return -1;
        }
        size_t k = 0;                   /* the same primary in several ranges: one node */
        while (k < m->n_nodes && !(m->nodes[k].port == n.port && strcmp(m->nodes[k].host, n.host) == 0))
            k++;
        if (k == m->n_nodes)
            m->nodes[m->n_nodes++] = n;
        for (long long s = e->element[0]->integer; s <= e->element[1]->integer; s++) {
            if (m->owner[s] == SVC_CLUSTER_NO_NODE)
                m->covered++;
            m->owner[s] = (uint16_t)k;
        }
    }
    return 0;
}

/* "SLOT HOST:PORT" after the word: the target; false when malformed. */
static bool read_target(const char *p, const char *asked_host, struct svc_cluster_target *to)
{
    char *end;
    long slot = strtol(p, &end, 10);
    if (end == p || *end != ' ' || slot < 0 || slot >= SVC_CLUSTER_SLOTS)
        return false;
    const char *addr = end + 1, *colon = strrchr(addr, ':');
    if (colon == NULL || (size_t)(colon - addr) >= sizeof to->host)
        return false;
    long port = strtol(colon + 1, &end, 10);
    if (end == colon + 1 || (*end != '\0' && *end != ' ' && *end != '@') || port < 1 || port > 65535)
        return false;
    memset(to, 0, sizeof *to);
    to->slot = (uint16_t)slot;
    to->port = (int)port;
    if (colon == addr)
        snprintf(to->host, sizeof to->host, "%s", asked_host);
    else
        snprintf(to->host, sizeof to->host, "%.*s", (int)(colon - addr), addr);
    return true;
}

enum svc_cluster_redirect svc_cluster_redirect(const char *err, const char *asked_host,
                                               struct svc_cluster_target *to)
{
    if (strncmp(err, "MOVED ", 6) == 0)
        return read_target(err + 6, asked_host, to) ? SVC_CLUSTER_MOVED : SVC_CLUSTER_NOT_REDIRECT;
    if (strncmp(err, "ASK ", 4) == 0)
        return read_target(err + 4, asked_host, to) ? SVC_CLUSTER_ASK : SVC_CLUSTER_NOT_REDIRECT;
    if (strncmp(err, "TRYAGAIN", 8) == 0)
        return SVC_CLUSTER_TRYAGAIN;
    if (strncmp(err, "CLUSTERDOWN", 11) == 0)
        return SVC_CLUSTER_DOWN;
    return SVC_CLUSTER_NOT_REDIRECT;
}
