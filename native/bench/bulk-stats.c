/* Baseline for bulk-stats.bench: the same virConnectGetAllDomainStats call from plain C.
 * Usage: bulk-stats URI ITERATIONS. Prints one JSON line:
 *   bareUs:  the call and virDomainStatsRecordListFree only;
 *   identUs: the same plus reading each record's name, UUID and ID, which any consumer needs to tell the
 *            records apart (the binding returns them). */
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static void quiet(void *opaque, virErrorPtr err) { (void)opaque; (void)err; }

static double now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s URI ITERATIONS\n", argv[0]);
    return 2;
  }
  virSetErrorFunc(NULL, quiet);
  int iterations = atoi(argv[2]);
  virConnectPtr conn = virConnectOpen(argv[1]);
  if (conn == NULL) {
    virErrorPtr e = virGetLastError();
    fprintf(stderr, "open failed: %s\n", e != NULL && e->message != NULL ? e->message : "?");
    return 1;
  }
  int records = 0;
  for (int warm = 0; warm < 5; warm++) {
    virDomainStatsRecordPtr *recs = NULL;
    records = virConnectGetAllDomainStats(conn, 0, &recs, 0);
    virDomainStatsRecordListFree(recs);
  }
  double start = now_us();
  for (int i = 0; i < iterations; i++) {
    virDomainStatsRecordPtr *recs = NULL;
    int n = virConnectGetAllDomainStats(conn, 0, &recs, 0);
    if (n < 0) return 1;
    virDomainStatsRecordListFree(recs);
  }
  double bare = (now_us() - start) / iterations;
  unsigned long sink = 0;
  start = now_us();
  for (int i = 0; i < iterations; i++) {
    virDomainStatsRecordPtr *recs = NULL;
    int n = virConnectGetAllDomainStats(conn, 0, &recs, 0);
    if (n < 0) return 1;
    for (int r = 0; r < n; r++) {
      char uuid[VIR_UUID_STRING_BUFLEN];
      const char *name = virDomainGetName(recs[r]->dom);
      virDomainGetUUIDString(recs[r]->dom, uuid);
      sink += name[0] + uuid[0] + virDomainGetID(recs[r]->dom) + recs[r]->nparams;
    }
    virDomainStatsRecordListFree(recs);
  }
  double ident = (now_us() - start) / iterations;
  printf("{\"bareUs\": %.2f, \"identUs\": %.2f, \"records\": %d, \"sink\": %lu}\n", bare, ident, records, sink);
  virConnectClose(conn);
  return 0;
}
