/* GDB remote protocol transport (see gdb_conn.h). Framing follows the
 * GDB manual, "Remote Protocol" appendix: $payload#XX with XX the
 * modulo-256 sum of the payload bytes; '+'/'-' acknowledge until
 * QStartNoAckMode; a raw 0x03 byte between packets asks for a stop. */
#include "gdb_conn.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int gdb_conn_listen(struct gdb_conn *c, unsigned port, char *err, size_t errlen)
{
  struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
  socklen_t sl = sizeof sa;
  int one = 1;

  c->fd = -1;
  c->noack = false;
  c->last_len = 0;
  c->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (c->lfd < 0) {
    snprintf(err, errlen, "socket: %s", strerror(errno));
    return -1;
  }
  setsockopt(c->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK); /* loopback only */
  if (bind(c->lfd, (struct sockaddr *)&sa, sizeof sa) || listen(c->lfd, 1) ||
      getsockname(c->lfd, (struct sockaddr *)&sa, &sl)) {
    snprintf(err, errlen, "127.0.0.1:%u: %s", port, strerror(errno));
    close(c->lfd);
    c->lfd = -1;
    return -1;
  }
  c->port = ntohs(sa.sin_port);
  return 0;
}

int gdb_conn_accept(struct gdb_conn *c, bool block)
{
  struct pollfd p = { .fd = c->lfd, .events = POLLIN };
  int one = 1;

  if (c->lfd < 0)
    return -1;
  if (poll(&p, 1, block ? -1 : 0) <= 0)
    return 0;
  c->fd = accept4(c->lfd, NULL, NULL, SOCK_CLOEXEC);
  if (c->fd < 0)
    return -1;
  setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  c->noack = false;
  return 1;
}

static int read_byte(struct gdb_conn *c)
{
  unsigned char b;
  for (;;) {
    ssize_t n = read(c->fd, &b, 1);
    if (n == 1)
      return b;
    if (n < 0 && errno == EINTR)
      continue;
    return -1;
  }
}

static int write_all(struct gdb_conn *c, const char *p, size_t n)
{
  while (n) {
    ssize_t w = write(c->fd, p, n);
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0)
      return -1;
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

static int hexval(int ch)
{
  if (ch >= '0' && ch <= '9')
    return ch - '0';
  if (ch >= 'a' && ch <= 'f')
    return ch - 'a' + 10;
  if (ch >= 'A' && ch <= 'F')
    return ch - 'A' + 10;
  return -1;
}

int gdb_conn_recv(struct gdb_conn *c, char *buf, size_t cap)
{
  if (c->fd < 0)
    return -1;
  for (;;) {
    int ch = read_byte(c);
    if (ch < 0)
      return -1;
    if (ch == 0x03)
      return GDB_CONN_INTR;
    if (ch == '-' && c->last_len) {
      if (write_all(c, c->last, c->last_len))
        return -1;
      continue;
    }
    if (ch != '$')
      continue; /* '+' and noise between packets */
    size_t n = 0;
    unsigned sum = 0;
    bool overflow = false;
    while ((ch = read_byte(c)) >= 0 && ch != '#') {
      sum += (unsigned)ch;
      if (n + 1 < cap)
        buf[n++] = (char)ch;
      else
        overflow = true;
    }
    if (ch < 0)
      return -1;
    int h = read_byte(c), l = read_byte(c);
    if (h < 0 || l < 0)
      return -1;
    buf[n] = 0;
    bool ok = !overflow && hexval(h) >= 0 && hexval(l) >= 0 &&
              (unsigned)(hexval(h) << 4 | hexval(l)) == (sum & 0xFF);
    if (!c->noack && write_all(c, ok ? "+" : "-", 1))
      return -1;
    if (ok || c->noack)
      return (int)n;
  }
}

bool gdb_conn_poll_intr(struct gdb_conn *c)
{
  unsigned char b[64];
  bool intr = false;

  if (c->fd < 0)
    return false;
  for (;;) {
    ssize_t n = recv(c->fd, b, sizeof b, MSG_DONTWAIT);
    if (n <= 0)
      return intr;
    for (ssize_t i = 0; i < n; i++)
      intr |= b[i] == 0x03; /* acks and stray bytes while running are dropped */
  }
}

int gdb_conn_send_bin(struct gdb_conn *c, const char *payload, size_t len)
{
  static const char hex[] = "0123456789abcdef";
  unsigned sum = 0;
  size_t n = 0;

  if (c->fd < 0)
    return -1;
  c->last[n++] = '$';
  for (size_t i = 0; i < len && n + 4 < sizeof c->last; i++) {
    char ch = payload[i];
    if (ch == '$' || ch == '#' || ch == '}' || ch == '*') {
      c->last[n++] = '}';
      sum += '}';
      ch ^= 0x20;
    }
    c->last[n++] = ch;
    sum += (unsigned char)ch;
  }
  c->last[n++] = '#';
  c->last[n++] = hex[(sum >> 4) & 0xF];
  c->last[n++] = hex[sum & 0xF];
  c->last_len = n;
  return write_all(c, c->last, n);
}

int gdb_conn_send(struct gdb_conn *c, const char *payload)
{
  return gdb_conn_send_bin(c, payload, strlen(payload));
}

void gdb_conn_close_client(struct gdb_conn *c)
{
  if (c->fd >= 0)
    close(c->fd);
  c->fd = -1;
}

void gdb_conn_close(struct gdb_conn *c)
{
  gdb_conn_close_client(c);
  if (c->lfd >= 0)
    close(c->lfd);
  c->lfd = -1;
}
