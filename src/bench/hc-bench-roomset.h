/* hyperconf-bench — a set of rooms full of synthetic participants, and one
 * measuring window over them.  The load, ramp and smoke scenarios are
 * made of these. */
#pragma once

#include "hc-bench-context.h"
#include "hc-bench-report.h"

G_BEGIN_DECLS

typedef struct _HcBenchRoomSet HcBenchRoomSet;

HcBenchRoomSet *hc_bench_room_set_new (HcBenchContext *ctx);

/* Adds @n rooms of @per_room participants.  Participants join one per
 * room at a time (the rooms in parallel), each once the previous one is
 * connected, as people trickle into a call; then waits until every
 * expected stream flows.  Problems go to @note.  Returns: FALSE when a
 * join failed or some stream never flowed */
gboolean hc_bench_room_set_add (HcBenchRoomSet *self, guint n, guint per_room,
                                GString *note);

/* Measures @seconds of steady state into @load. */
void hc_bench_room_set_measure (HcBenchRoomSet *self, guint seconds,
                                HcBenchLoad *load);

guint hc_bench_room_set_get_n_rooms (HcBenchRoomSet *self);
/* Returns: (transfer none) (element-type HcBenchClient): room @i's */
GPtrArray *hc_bench_room_set_get_room (HcBenchRoomSet *self, guint i);

/* Everyone leaves; waits (bounded) until the server closed the rooms. */
void hc_bench_room_set_free (HcBenchRoomSet *self);

G_END_DECLS
