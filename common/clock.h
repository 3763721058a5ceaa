/* clock.h: the two clocks lynxeval reads: a monotonic one for durations, and the wall clock (as
 * seconds, and as an ISO 8601 UTC timestamp for manifests and benchmark reports). */
#ifndef LX_CLOCK_H
#define LX_CLOCK_H

/* Seconds on the monotonic clock (for differences only). */
double lx_seconds(void);

/* Seconds since the Unix epoch on the wall clock, to the microsecond or better: for comparing
 * moments across processes (shards finishing on several machines). */
double lx_unix_seconds(void);

/* Now as "2026-12-02T14:41:14Z" (20 characters and the NUL). */
void lx_utc_now(char buf[32]);

#endif
