/* The GDB remote serial protocol's transport: one TCP client on
 * 127.0.0.1, packet framing ($payload#cs), acknowledgements and the
 * no-ack mode, the out-of-band interrupt byte (docs/gdb.md). */
#ifndef SMMHP_GDB_CONN_H
#define SMMHP_GDB_CONN_H

#include <stdbool.h>
#include <stddef.h>

#define GDB_PACKET_MAX 16384

struct gdb_conn {
  int lfd, fd;          /* listening socket, client socket (-1: none) */
  unsigned port;        /* the port actually bound */
  bool noack;           /* QStartNoAckMode accepted */
  char last[GDB_PACKET_MAX + 8]; /* last packet sent, framed (resent on '-') */
  size_t last_len;
};

/* Listen on 127.0.0.1:port (0: any free port): 0 or -1 with err set. */
int gdb_conn_listen(struct gdb_conn *c, unsigned port, char *err, size_t errlen);
/* Accept the client: 1 accepted, 0 nobody waiting (block=false), -1 error. */
int gdb_conn_accept(struct gdb_conn *c, bool block);
/* Wait for the next packet; its payload into buf (NUL-terminated).
 * Returns its length, GDB_CONN_INTR for the interrupt byte, -1 when the
 * client is gone. */
#define GDB_CONN_INTR (-2)
int gdb_conn_recv(struct gdb_conn *c, char *buf, size_t cap);
/* Without blocking: did the client send the interrupt byte (0x03)? */
bool gdb_conn_poll_intr(struct gdb_conn *c);
int gdb_conn_send(struct gdb_conn *c, const char *payload);
int gdb_conn_send_bin(struct gdb_conn *c, const char *payload, size_t len);
void gdb_conn_close_client(struct gdb_conn *c);
void gdb_conn_close(struct gdb_conn *c);

#endif
