/* clock.h: the two clocks lynxeval reads: a monotonic one for durations, and the wall clock as an
 * ISO 8601 UTC timestamp for manifests and benchmark reports. */
#ifndef LX_CLOCK_H
#define LX_CLOCK_H

/* Seconds on the monotonic clock (for differences only). */
double lx_seconds(void);

/* Now as "2026-12-02T14:41:14Z" (20 characters and the NUL). */
void lx_utc_now(char buf[32]);

#endif
