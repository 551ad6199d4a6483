/* Structured events: one line each, "key field=value ...".
 *
 * Every model reports what it did through an evsink, so that the same
 * lines feed the run log, the trace hash and scenario expectations.
 * Device models never print directly.
 */
#ifndef SMMHP_EVSINK_H
#define SMMHP_EVSINK_H

#include <stdarg.h>

struct evsink {
  void (*emit)(void *ctx, const char *line);
  void *ctx;
};

/* Format one event line and hand it to the sink (no-op for a NULL sink). */
void ev_emit(const struct evsink *sink, const char *fmt, ...)
  __attribute__((format(printf, 2, 3)));
void ev_vemit(const struct evsink *sink, const char *fmt, va_list ap);

#endif
