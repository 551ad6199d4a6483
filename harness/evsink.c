#include "evsink.h"

#include <stdio.h>

void ev_vemit(const struct evsink *sink, const char *fmt, va_list ap)
{
  char line[512];

  if (!sink || !sink->emit)
    return;
  vsnprintf(line, sizeof line, fmt, ap);
  sink->emit(sink->ctx, line);
}

void ev_emit(const struct evsink *sink, const char *fmt, ...)
{
  va_list ap;

  va_start(ap, fmt);
  ev_vemit(sink, fmt, ap);
  va_end(ap);
}
