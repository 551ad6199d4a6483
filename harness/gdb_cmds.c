/* The gdb stub's packets (GDB manual, "Remote Protocol" appendix): the
 * queries gdb makes on connection, registers, memory through the
 * selected vCPU's view, breakpoints and watchpoints, resumption. */
#include "gdb_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char hexd[] = "0123456789abcdef";

static struct vcpu *sel_vcpu(struct machine *m, int sel)
{
  struct gdb *g = m->gdb;
  return &m->cpu[sel >= 0 ? sel : g->last_slot];
}

/* "-1"/"0": any; else a vCPU slot + 1 in hex. -2 when not a vCPU. */
static int parse_tid(struct machine *m, const char *s)
{
  if (!strcmp(s, "-1") || !strcmp(s, "0"))
    return -1;
  char *end;
  unsigned long t = strtoul(s, &end, 16);
  if (end == s || t == 0 || t > m->ncpus)
    return -2;
  return (int)t - 1;
}

static const char *state_name(const struct vcpu *v)
{
  if (v->dead)
    return "dead (faulted)";
  switch (v->state) {
  case VCPU_ABSENT: return "absent";
  case VCPU_WAIT_SIPI: return "wait-for-SIPI";
  case VCPU_RUN: return "running";
  case VCPU_HALTED: return "halted";
  case VCPU_SLEEP: return "delay";
  }
  return "?";
}

/* Guest memory as vCPU v sees it: SMRAM reads all-ones outside SMM. */
static size_t mem_read(struct machine *m, struct vcpu *v, uint64_t addr, size_t len, char *hex)
{
  size_t i = 0;
  for (; i < len && addr + i < m->ram_size; i++) {
    uint64_t a = addr + i;
    uint8_t b = !v->in_smm && addr_in_smram(m, a) ? 0xFF : m->ram[a];
    hex[2 * i] = hexd[b >> 4];
    hex[2 * i + 1] = hexd[b & 15];
  }
  hex[2 * i] = 0;
  return i;
}

static int mem_write(struct machine *m, struct vcpu *v, uint64_t addr, size_t len, const char *hex)
{
  uint8_t buf[GDB_PACKET_MAX / 2];
  if (len > sizeof buf || addr >= m->ram_size || len > m->ram_size - addr || strlen(hex) < 2 * len)
    return -1;
  for (size_t i = 0; i < len; i++) {
    unsigned x;
    if (sscanf(hex + 2 * i, "%2x", &x) != 1 || (!v->in_smm && addr_in_smram(m, addr + i)))
      return -1;
    buf[i] = (uint8_t)x;
  }
  machine_phys_write(m, addr, buf, len);
  for (int vw = 0; vw < VIEW_COUNT; vw++)
    uc_ctl_remove_cache(m->uc[vw], addr, addr + len); /* a slice may resume right away */
  return 0;
}

static void to_hex_str(const char *s, char *out)
{
  for (; *s; s++) {
    *out++ = hexd[(unsigned char)*s >> 4];
    *out++ = hexd[*s & 15];
  }
  *out = 0;
}

/* qXfer reads: "m" + a window of text, or "l" + the last of it. */
static void xfer(struct gdb *g, const char *text, const char *args)
{
  unsigned long off = 0, len = 0;
  if (!text || sscanf(args, "%lx,%lx", &off, &len) != 2) {
    gdb_conn_send(&g->c, "E00");
    return;
  }
  size_t tl = strlen(text);
  if (off > tl)
    off = tl;
  if (len > sizeof g->out - 2)
    len = sizeof g->out - 2;
  size_t n = tl - off < len ? tl - off : len;
  g->out[0] = off + n < tl ? 'm' : 'l';
  memcpy(g->out + 1, text + off, n);
  gdb_conn_send_bin(&g->c, g->out, n + 1);
}

static void query(struct machine *m, const char *p)
{
  struct gdb *g = m->gdb;
  char *o = g->out;

  if (!strncmp(p, "qSupported", 10)) {
    snprintf(o, sizeof g->out,
             "PacketSize=%x;qXfer:features:read+;QStartNoAckMode+;swbreak+;hwbreak+;vContSupported+",
             GDB_PACKET_MAX - 16);
  } else if (!strcmp(p, "qAttached")) {
    strcpy(o, "1");
  } else if (!strcmp(p, "qC")) {
    snprintf(o, sizeof g->out, "QC%x", g->last_slot + 1);
  } else if (!strcmp(p, "qfThreadInfo")) {
    size_t n = (size_t)snprintf(o, sizeof g->out, "m");
    for (unsigned i = 0; i < m->ncpus; i++)
      n += (size_t)snprintf(o + n, sizeof g->out - n, "%s%x", i ? "," : "", i + 1);
  } else if (!strcmp(p, "qsThreadInfo")) {
    strcpy(o, "l");
  } else if (!strncmp(p, "qThreadExtraInfo,", 17)) {
    int s = parse_tid(m, p + 17);
    char text[128];
    if (s < 0) {
      strcpy(o, "E01");
    } else {
      struct vcpu *v = &m->cpu[s];
      snprintf(text, sizeof text, "vCPU %d APIC %u %s%s", s, v->apic_id, state_name(v), v->in_smm ? " SMM" : "");
      to_hex_str(text, o);
    }
  } else if (!strncmp(p, "qXfer:features:read:", 20)) {
    char annex[64];
    const char *colon = strchr(p + 20, ':');
    size_t al = colon ? (size_t)(colon - (p + 20)) : 0;
    if (!colon || al >= sizeof annex) {
      strcpy(o, "E00");
    } else {
      memcpy(annex, p + 20, al);
      annex[al] = 0;
      xfer(g, gdb_regs_xml(annex), colon + 1);
      return;
    }
  } else if (!strncmp(p, "qSymbol", 7)) {
    strcpy(o, "OK");
  } else {
    o[0] = 0; /* unsupported */
  }
  gdb_conn_send(&g->c, o);
}

/* vCont;ACTION[:TID]...: returns 1 to resume (step or continue), 0 to
 * keep serving (reply sent). */
static int vcont(struct machine *m, const char *p, enum gdb_resume *r)
{
  struct gdb *g = m->gdb;
  bool step = false, others = false;
  int step_slot = -1;
  char buf[256];
  snprintf(buf, sizeof buf, "%s", p);
  for (char *a = strtok(buf, ";"); a; a = strtok(NULL, ";")) {
    char *colon = strchr(a, ':');
    int tid = colon ? parse_tid(m, colon + 1) : -1;
    if (a[0] == 's' || a[0] == 'S') {
      if (!step) {
        step = true;
        step_slot = tid;
      }
    } else if ((a[0] == 'c' || a[0] == 'C') && !colon) {
      others = true;
    }
  }
  if (step) {
    g->step_slot = step_slot >= 0 ? step_slot : (g->csel >= 0 ? g->csel : g->last_slot);
    g->step_alone = !others;
    *r = GDB_STEP;
  } else {
    *r = GDB_CONT;
  }
  return 1;
}

static bool z_packet(struct machine *m, const char *p)
{
  int type;
  uint64_t addr, kind;
  if (sscanf(p + 1, "%d,%" SCNx64 ",%" SCNx64, &type, &addr, &kind) != 3 || type < 0 || type > 4)
    return false;
  uint64_t len = type <= 1 ? 1 : kind;
  return (p[0] == 'Z' ? gdb_bp_insert(m, type, addr, len) : gdb_bp_remove(m, type, addr, len)) == 0;
}

/* One packet: 1 = resume with *r, 0 = keep serving. */
static int handle(struct machine *m, char *p, enum gdb_resume *r)
{
  struct gdb *g = m->gdb;
  char *o = g->out;
  uint64_t addr, len;
  unsigned n;

  o[0] = 0;
  switch (p[0]) {
  case '?':
    gdb_conn_send(&g->c, g->last_stop);
    return 0;
  case 'q':
    query(m, p);
    return 0;
  case 'Q':
    if (!strcmp(p, "QStartNoAckMode")) {
      gdb_conn_send(&g->c, "OK");
      g->c.noack = true;
      return 0;
    }
    break;
  case 'H': {
    int s = parse_tid(m, p + 2);
    if (s == -2) {
      strcpy(o, "E01");
    } else {
      if (p[1] == 'g')
        g->gsel = s;
      else
        g->csel = s;
      strcpy(o, "OK");
    }
    break;
  }
  case 'T':
    strcpy(o, parse_tid(m, p + 1) >= 0 ? "OK" : "E01");
    break;
  case 'g':
    gdb_regs_get_all(m, g->scratch, sel_vcpu(m, g->gsel), o);
    break;
  case 'G':
    strcpy(o, gdb_regs_set_all(m, g->scratch, sel_vcpu(m, g->gsel), p + 1) ? "E01" : "OK");
    break;
  case 'p':
    if (sscanf(p + 1, "%x", &n) != 1 || gdb_reg_get(m, g->scratch, sel_vcpu(m, g->gsel), n, o) < 0)
      strcpy(o, "E01");
    break;
  case 'P': {
    char *eq = strchr(p, '=');
    if (!eq || sscanf(p + 1, "%x", &n) != 1 || gdb_reg_set(m, g->scratch, sel_vcpu(m, g->gsel), n, eq + 1))
      strcpy(o, "E01");
    else
      strcpy(o, "OK");
    break;
  }
  case 'm':
    if (sscanf(p + 1, "%" SCNx64 ",%" SCNx64, &addr, &len) != 2)
      strcpy(o, "E01");
    else if (mem_read(m, sel_vcpu(m, g->gsel), addr, len < GDB_PACKET_MAX / 2 - 8 ? len : GDB_PACKET_MAX / 2 - 8, o) == 0)
      strcpy(o, "E14");
    break;
  case 'M': {
    char *colon = strchr(p, ':');
    if (!colon || sscanf(p + 1, "%" SCNx64 ",%" SCNx64, &addr, &len) != 2 ||
        mem_write(m, sel_vcpu(m, g->gsel), addr, len, colon + 1))
      strcpy(o, "E01");
    else
      strcpy(o, "OK");
    break;
  }
  case 'Z':
  case 'z':
    strcpy(o, z_packet(m, p) ? "OK" : "E01");
    break;
  case 'c':
    *r = GDB_CONT;
    return 1;
  case 's':
    g->step_slot = g->csel >= 0 ? g->csel : g->last_slot;
    g->step_alone = true;
    *r = GDB_STEP;
    return 1;
  case 'v':
    if (!strcmp(p, "vCont?")) {
      strcpy(o, "vCont;c;C;s;S");
    } else if (!strncmp(p, "vCont;", 6)) {
      return vcont(m, p + 6, r);
    } else if (!strncmp(p, "vKill", 5)) {
      gdb_conn_send(&g->c, "OK");
      fprintf(stderr, "smmhp: gdb: killed by the debugger\n");
      exit(1);
    }
    break;
  case 'k':
    fprintf(stderr, "smmhp: gdb: killed by the debugger\n");
    exit(1);
  case 'D':
    gdb_conn_send(&g->c, "OK");
    *r = GDB_DETACHED;
    return 1;
  default:
    break; /* empty reply: not supported */
  }
  gdb_conn_send(&g->c, o);
  return 0;
}

enum gdb_resume gdb_serve(struct machine *m, const char *stop)
{
  struct gdb *g = m->gdb;
  enum gdb_resume r = GDB_CONT;

  snprintf(g->last_stop, sizeof g->last_stop, "%s", stop);
  g->gsel = g->last_slot; /* after a stop, gdb takes the stopped thread as selected */
  if (g->running)
    gdb_conn_send(&g->c, stop);
  g->running = false;
  for (;;) {
    int n = gdb_conn_recv(&g->c, g->in, sizeof g->in);
    if (n == GDB_CONN_INTR)
      continue; /* already stopped */
    if (n < 0) {
      r = GDB_DETACHED; /* the client hung up */
      break;
    }
    if (handle(m, g->in, &r))
      break;
  }
  if (r == GDB_DETACHED) {
    gdb_bp_remove_all(m);
    g->watch_pending = false;
    g->connected = false;
    gdb_conn_close_client(&g->c);
    fprintf(stderr, "smmhp: gdb: detached; the run goes on\n");
    return GDB_CONT;
  }
  g->running = true;
  return r;
}
