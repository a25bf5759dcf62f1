/*
 * The entropy loop of src/randomness/analyse.ts (shannonEntropy) in C, for the benchmark's
 * TS-to-C ratio: one pass filling a reused 256-bin histogram, then a sum over a precomputed
 * c*log2(c) table that also clears the bins (over the input's own bytes when shorter than
 * 256). Built with gcc -O2 by features.bench.ts at run time.
 *
 *   entropy <blob-file> <milliseconds-per-size> <size>...
 * For each size, a pass computes the entropy of the buffers at blob offsets i*size for i below
 * the pool size (about 64 KiB in all, as the TypeScript side does); passes repeat for about the
 * given time and the median pass time is reported. One line per size:
 *   size=<bytes> pool=<buffers> passes=<count> median_pass_seconds=<s> poolsum=<sum>
 * poolsum, the entropies of one pass added up, lets the caller check that both
 * implementations computed the same figures.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TABLE_SIZE 65536
#define MAX_PASSES 1000000

static double x_log2_x[TABLE_SIZE + 1];
static int32_t histogram[256];

/* Leaves the histogram all zero, like the TypeScript loop, so no call pays for a memset. */
static double entropy(const uint8_t *bytes, size_t n) {
  if (n == 0) return 0.0;
  /* Four bytes per iteration, as the TypeScript loop (where it halves the loop overhead). */
  size_t i = 0;
  for (; i + 3 < n; i += 4) {
    histogram[bytes[i]]++;
    histogram[bytes[i + 1]]++;
    histogram[bytes[i + 2]]++;
    histogram[bytes[i + 3]]++;
  }
  for (; i < n; i++) histogram[bytes[i]]++;
  double sum = 0.0;
  if (n < 256) {
    for (i = 0; i < n; i++) {
      sum += x_log2_x[histogram[bytes[i]]];
      histogram[bytes[i]] = 0;
    }
  } else {
    for (int b = 0; b < 256; b++) {
      int32_t c = histogram[b];
      sum += c <= TABLE_SIZE ? x_log2_x[c] : c * log2((double)c);
      histogram[b] = 0;
    }
  }
  double h = log2((double)n) - sum / (double)n;
  return h < 0 ? 0 : h > 8 ? 8 : h;
}

/* Buffers per pass: about 64 KiB of input, between 1 and 256 buffers (as the benchmark). */
static size_t pool_size(size_t size) {
  size_t pool = size == 0 ? 1 : 65536 / size;
  return pool < 1 ? 1 : pool > 256 ? 256 : pool;
}

static int compare_doubles(const void *x, const void *y) {
  double a = *(const double *)x, b = *(const double *)y;
  return (a > b) - (a < b);
}

static double pass_seconds[MAX_PASSES];

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: %s <blob-file> <milliseconds-per-size> <size>...\n", argv[0]);
    return 2;
  }
  FILE *file = fopen(argv[1], "rb");
  if (!file) {
    perror("blob");
    return 1;
  }
  fseek(file, 0, SEEK_END);
  long blob_size = ftell(file);
  fseek(file, 0, SEEK_SET);
  uint8_t *blob = malloc((size_t)blob_size);
  if (!blob || fread(blob, 1, (size_t)blob_size, file) != (size_t)blob_size) {
    fprintf(stderr, "cannot read blob\n");
    return 1;
  }
  fclose(file);
  for (int c = 2; c <= TABLE_SIZE; c++) x_log2_x[c] = c * log2((double)c);
  double budget = atof(argv[2]) / 1000.0;

  for (int a = 3; a < argc; a++) {
    size_t size = (size_t)atol(argv[a]);
    size_t pool = pool_size(size);
    if (size == 0 || pool * size > (size_t)blob_size) {
      fprintf(stderr, "size %zu does not fit the blob\n", size);
      return 1;
    }
    double pool_sum = 0.0;
    for (size_t i = 0; i < pool; i++) pool_sum += entropy(blob + i * size, size);
    /* The median of many short passes, as the TypeScript side measures: the machine is
     * shared, and a pass that lost the core to another process says nothing about the loop. */
    volatile double checksum = 0.0;
    size_t passes = 0;
    double start = now_seconds();
    while (passes < MAX_PASSES && now_seconds() - start < budget) {
      double t0 = now_seconds();
      for (size_t i = 0; i < pool; i++) checksum += entropy(blob + i * size, size);
      pass_seconds[passes++] = now_seconds() - t0;
    }
    (void)checksum;
    qsort(pass_seconds, passes, sizeof(double), compare_doubles);
    printf("size=%zu pool=%zu passes=%zu median_pass_seconds=%.12f poolsum=%.9f\n", size, pool,
           passes, pass_seconds[passes / 2], pool_sum);
  }
  free(blob);
  return 0;
}
