/* SPDX-License-Identifier: MIT
 * recsys: the skillpath core — catalog and knowledge graph, BLAS gap scoring,
 * learner model and path sequencing. Pure C: no I/O, no clock, no globals. */
#ifndef RECSYS_H
#define RECSYS_H

#include "recsys/rs_status.h"
#include "recsys/rs_catalog.h"
#include "recsys/rs_graph.h"
#include "recsys/rs_score.h"
#include "recsys/rs_learner.h"
#include "recsys/rs_path.h"
#include "recsys/rs_synth.h"

#endif
