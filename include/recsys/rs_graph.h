/* SPDX-License-Identifier: MIT
 * The knowledge graph: courses and their prerequisites, a DAG checked when the
 * catalog is created. Read-only queries; safe from any thread. */
#ifndef RS_GRAPH_H
#define RS_GRAPH_H

#include <stddef.h>
#include <stdint.h>

struct rs_catalog;

/* All N course indices in a topological order (every prerequisite before the
 * courses that need it; ties broken by catalog order). Owned by the catalog. */
const uint32_t *rs_graph_topo_order(const struct rs_catalog *cat);

/* Position of course j in rs_graph_topo_order(). */
uint32_t rs_graph_topo_rank(const struct rs_catalog *cat, size_t j);

/* The direct prerequisites / direct successors of course j: stores a pointer to
 * the catalog-owned index array in *out and returns its length. */
size_t rs_graph_prerequisites(const struct rs_catalog *cat, size_t j, const uint32_t **out);
size_t rs_graph_successors(const struct rs_catalog *cat, size_t j, const uint32_t **out);

/* The transitive prerequisites of course j (j itself excluded), in topological
 * order, written to out[0..cap). Returns how many there are (which may exceed
 * cap: then only the first cap are written), or RS_ENOMEM as a negative value.
 * `mark` is caller scratch of N bytes, all zero on entry and on return. */
long rs_graph_closure(const struct rs_catalog *cat, size_t j, uint8_t *mark,
                      uint32_t *out, size_t cap);

/* The neighbours of course j for continuity of study: its successors and the
 * courses that share a direct prerequisite with it (j excluded, no repeats),
 * written to out[0..cap). Returns the count written. `mark` as above. */
size_t rs_graph_neighbours(const struct rs_catalog *cat, size_t j, uint8_t *mark,
                           uint32_t *out, size_t cap);

/* The courses related to course j for one thread of study: j itself (practice),
 * its direct prerequisites, its direct successors and the courses sharing a
 * direct prerequisite with it (no repeats), written to out[0..cap). Returns
 * the count written. `mark` as above. */
size_t rs_graph_related(const struct rs_catalog *cat, size_t j, uint8_t *mark, uint32_t *out,
                        size_t cap);

#endif
