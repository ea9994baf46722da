/* SPDX-License-Identifier: MIT
 * The client side of the Redis Cluster protocol, as far as the store needs
 * it (issue 14): the hash slot of a key, the slot map read from CLUSTER
 * SLOTS, and the redirections a node answers with. Pure: no I/O; replies
 * come in as hiredis reply objects.
 *
 * Slots (the cluster specification): CRC16 (XMODEM: polynomial 0x1021,
 * initial 0) of the key modulo 16384 — of the part between the first '{'
 * and the first '}' after it when that part is not empty (the hash tag:
 * every key of learner I carries {I}, svc_keys.h). */
#ifndef SVC_CLUSTER_H
#define SVC_CLUSTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SVC_CLUSTER_SLOTS 16384
#define SVC_CLUSTER_NO_NODE 0xFFFFu

struct redisReply;

uint16_t svc_cluster_crc16(const char *buf, size_t len);
/* The hash slot of `key` (len bytes). */
uint16_t svc_cluster_slot(const char *key, size_t len);

struct svc_cluster_node {
    char host[256];
    int port;
    char id[41];                        /* the node id ("" when the reply gave none) */
};

/* Which primary serves each slot. */
struct svc_cluster_map {
    uint16_t owner[SVC_CLUSTER_SLOTS];  /* index into nodes, SVC_CLUSTER_NO_NODE for none */
    struct svc_cluster_node *nodes;     /* the primaries, in the order the reply named them */
    size_t n_nodes;
    size_t covered;                     /* slots with a primary */
};

/* Read a CLUSTER SLOTS reply into `m` (its old content freed). A primary
 * given as "" or "?" (its address unknown to the node asked) is taken to
 * be `asked_host`. 0, or -1 with the reason in err (m left empty). */
int svc_cluster_map_read(struct svc_cluster_map *m, const struct redisReply *r, const char *asked_host,
                         char *err, size_t errlen);
/* Empty a map (no slot served): what a map starts as, and what freeing
 * leaves; the struct itself stays the caller's. */
void svc_cluster_map_free(struct svc_cluster_map *m);
/* The primary serving `slot`, or NULL. */
const struct svc_cluster_node *svc_cluster_map_node(const struct svc_cluster_map *m, uint16_t slot);

/* What an error reply asks of the client. */
enum svc_cluster_redirect {
    SVC_CLUSTER_NOT_REDIRECT,           /* some other error: the caller's */
    SVC_CLUSTER_MOVED,                  /* the slot lives at host:port now: refresh the map, resend */
    SVC_CLUSTER_ASK,                    /* this once at host:port, after ASKING */
    SVC_CLUSTER_TRYAGAIN,               /* keys mid-migration: retry after a short pause */
    SVC_CLUSTER_DOWN,                   /* CLUSTERDOWN: refresh, back off */
};

struct svc_cluster_target {
    uint16_t slot;
    char host[256];
    int port;
};

/* Classify the error text of a reply ("MOVED 3999 127.0.0.1:6381", "ASK
 * ...", "TRYAGAIN ...", "CLUSTERDOWN ..."); for MOVED and ASK the slot and
 * address go to *to (an address with an empty host, "MOVED 1 :6380",
 * means the node asked: `asked_host`). Malformed MOVED/ASK text is
 * SVC_CLUSTER_NOT_REDIRECT. */
enum svc_cluster_redirect svc_cluster_redirect(const char *err, const char *asked_host,
                                               struct svc_cluster_target *to);

#endif
