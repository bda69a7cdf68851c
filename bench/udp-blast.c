/*
 * udp-blast: the load generator of the end-to-end ingest benchmark (bench/e2e-udp.ts).
 * Sends the datagrams of a file (each prefixed by a 2-byte big-endian length) round-robin to a
 * loopback address at a fixed rate, for a bounded count and time, then prints what it sent as
 * one JSON line.
 *
 * In C because a Node.js sender saturates one core at about the rates we need to measure the
 * collector at. On a 2-core machine the sender shares the CPUs with the collector, so it is
 * frugal: datagrams go out in batches with sendmmsg(2) (one syscall per batch), and between
 * batches it sleeps instead of spinning, leaving the CPU to the receiver. The benchmark compiles
 * it with `cc -O2` on first use.
 *
 * usage: udp-blast FILE HOST PORT RATE SECONDS [BATCH]   (HOST must be 127.x.x.x; BATCH 1..64, default 32)
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_DATAGRAMS (1 << 16)
#define MAX_BATCH 64

static unsigned char data[64 << 20];
static size_t offs[MAX_DATAGRAMS];
static size_t lens[MAX_DATAGRAMS];

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

static void sleep_for(double s) {
  struct timespec t;
  t.tv_sec = (time_t)s;
  t.tv_nsec = (long)((s - (double)t.tv_sec) * 1e9);
  nanosleep(&t, NULL);
}

int main(int argc, char **argv) {
  if (argc != 6 && argc != 7) { fprintf(stderr, "usage: udp-blast FILE HOST PORT RATE SECONDS [BATCH]\n"); return 2; }
  if (strncmp(argv[2], "127.", 4) != 0) { fprintf(stderr, "udp-blast: only loopback targets (127.0.0.0/8)\n"); return 2; }
  FILE *f = fopen(argv[1], "rb");
  if (!f) { perror("udp-blast: open"); return 2; }
  size_t len = fread(data, 1, sizeof data, f);
  fclose(f);
  int n = 0;
  for (size_t p = 0; p + 2 <= len && n < MAX_DATAGRAMS;) {
    size_t l = ((size_t)data[p] << 8) | data[p + 1];
    if (l == 0 || p + 2 + l > len) break;
    offs[n] = p + 2; lens[n] = l; n++; p += 2 + l;
  }
  if (n == 0) { fprintf(stderr, "udp-blast: no datagrams in file\n"); return 2; }
  long rate = atol(argv[4]);
  double secs = atof(argv[5]);
  int batch = argc == 7 ? atoi(argv[6]) : 32;
  if (rate <= 0 || rate > 5000000 || !(secs > 0) || secs > 120) { fprintf(stderr, "udp-blast: rate 1..5000000, seconds 0..120\n"); return 2; }
  if (batch < 1 || batch > MAX_BATCH) { fprintf(stderr, "udp-blast: batch 1..%d\n", MAX_BATCH); return 2; }
  int port = atoi(argv[3]);
  if (port <= 0 || port > 65535) { fprintf(stderr, "udp-blast: bad port\n"); return 2; }
  int s = socket(AF_INET, SOCK_DGRAM, 0);
  if (s < 0) { perror("udp-blast: socket"); return 2; }
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_port = htons((unsigned short)port);
  if (inet_pton(AF_INET, argv[2], &a.sin_addr) != 1) { fprintf(stderr, "udp-blast: bad host\n"); return 2; }
  if (connect(s, (struct sockaddr *)&a, sizeof a) < 0) { perror("udp-blast: connect"); return 2; }

  struct mmsghdr msgs[MAX_BATCH];
  struct iovec iov[MAX_BATCH];
  memset(msgs, 0, sizeof msgs);
  long total = (long)((double)rate * secs), sent = 0, errors = 0, lateBatches = 0;
  double limit = secs * 2 + 1; /* hard stop even if sending falls behind */
  double t0 = now();
  int k = 0;
  for (long i = 0; i < total;) {
    int b = (int)(total - i < batch ? total - i : batch);
    /* Batch i is due at t0 + i/rate: sleep when early, never spin for long. */
    double due = (double)i / (double)rate;
    double el = now() - t0;
    if (el > limit) break;
    if (due > el) {
      if (due - el > 0.0002) sleep_for(due - el - 0.0001);
      while (now() - t0 < due) { /* the last ~100 us */ }
    } else if (el - due > 0.01) {
      lateBatches++;
    }
    for (int j = 0; j < b; j++) {
      iov[j].iov_base = data + offs[k];
      iov[j].iov_len = lens[k];
      msgs[j].msg_hdr.msg_iov = &iov[j];
      msgs[j].msg_hdr.msg_iovlen = 1;
      if (++k == n) k = 0;
    }
    int done = 0;
    while (done < b) {
      int r = sendmmsg(s, msgs + done, (unsigned)(b - done), 0);
      if (r < 0) {
        if (errno == EINTR) continue;
        /* ENOBUFS / ECONNREFUSED (nobody listening): count the rest of the batch as not sent. */
        errors += b - done;
        break;
      }
      sent += r;
      done += r;
    }
    i += b;
  }
  double el = now() - t0;
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  double cpu = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
  printf("{\"sent\":%ld,\"errors\":%ld,\"seconds\":%.3f,\"lateBatches\":%ld,\"cpuSeconds\":%.3f}\n", sent, errors, el, lateBatches, cpu);
  return 0;
}
