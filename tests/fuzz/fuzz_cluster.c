/* SPDX-License-Identifier: MIT
 * libFuzzer target: what a Redis Cluster node may send the client side
 * (svc_cluster.c). The input's first byte picks the reading: odd, an error
 * text read as a redirection (a MOVED/ASK target must name a slot in range
 * and a port in 1..65535); even, RESP bytes read by hiredis and, when they
 * make a reply, read as a CLUSTER SLOTS map (every slot's owner must be a
 * node of the map, and `covered` the count of slots with one). Slots of
 * arbitrary keys must be in range. */
#include <hiredis/hiredis.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "svc_cluster.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct svc_cluster_map map;

/* hiredis 0.14 allocates what a multi-bulk or bulk count says before the
 * elements come: a count in the billions is an out-of-memory of the
 * reader's, not ours (a node never sends one). Such inputs are skipped. */
static int huge_count(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if ((p[i] != '*' && p[i] != '$') || (i > 0 && p[i - 1] != '\n'))
            continue;
        size_t j = i + 1, digits = 0;
        if (j < n && p[j] == '-')
            j++;
        while (j < n && p[j] >= '0' && p[j] <= '9') {
            j++;
            if (++digits > 6)
                return 1;
        }
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    if (svc_cluster_slot((const char *)data + 1, size - 1) >= SVC_CLUSTER_SLOTS)
        abort();
    if (data[0] & 1) {
        char *text = malloc(size);
        memcpy(text, data + 1, size - 1);
        text[size - 1] = '\0';
        struct svc_cluster_target to;
        enum svc_cluster_redirect r = svc_cluster_redirect(text, "asked", &to);
        if ((r == SVC_CLUSTER_MOVED || r == SVC_CLUSTER_ASK) &&
            (to.slot >= SVC_CLUSTER_SLOTS || to.port < 1 || to.port > 65535 || to.host[0] == '\0'))
            abort();
        free(text);
        return 0;
    }
    if (huge_count(data + 1, size - 1))
        return 0;
    redisReader *rd = redisReaderCreate();
    void *reply = NULL;
    if (redisReaderFeed(rd, (const char *)data + 1, size - 1) == REDIS_OK &&
        redisReaderGetReply(rd, &reply) == REDIS_OK && reply) {
        char err[256];
        if (svc_cluster_map_read(&map, reply, "asked", err, sizeof err) == 0) {
            size_t covered = 0;
            for (size_t s = 0; s < SVC_CLUSTER_SLOTS; s++) {
                if (map.owner[s] == SVC_CLUSTER_NO_NODE)
                    continue;
                if (map.owner[s] >= map.n_nodes)
                    abort();
                covered++;
            }
            if (covered != map.covered)
                abort();
        } else if (map.covered != 0 || map.n_nodes != 0) {
            abort();
        }
        svc_cluster_map_free(&map);
        freeReplyObject(reply);
    }
    redisReaderFree(rd);
    return 0;
}
