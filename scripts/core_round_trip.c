// Round-trip time of one cache line between two CPUs: thread A on the first CPU writes a
// counter, thread B on the second sees it and writes it back, 200,000 times. It is several times
// longer when the line crosses between dies than when the two CPUs share a last-level cache; on
// a virtual machine, where the host places the virtual CPUs, it tells which of the two the
// process is getting at the moment (scripts/swing-probe prints it beside the timings).
//
//     cc -O2 -pthread scripts/core_round_trip.c -o core-round-trip && ./core-round-trip [CPU_A CPU_B]
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

enum { ROUND_TRIPS = 200000 };

static _Atomic long counter __attribute__((aligned(64)));

static double seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static int pin(int cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    return pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

static void *answer(void *cpu) {
    if (pin(*(int *)cpu) != 0) {
        fprintf(stderr, "core-round-trip: cannot run on CPU %d\n", *(int *)cpu);
        exit(2);
    }
    for (long i = 0; i < ROUND_TRIPS; i++) {
        while (atomic_load(&counter) != 2 * i + 1) {}
        atomic_store(&counter, 2 * i + 2);
    }
    return NULL;
}

int main(int argc, char **argv) {
    int cpus[2] = {0, 1};
    if (argc == 3) {
        cpus[0] = atoi(argv[1]);
        cpus[1] = atoi(argv[2]);
    } else if (argc != 1) {
        fprintf(stderr, "usage: core-round-trip [CPU_A CPU_B]   (default 0 1)\n");
        return 2;
    }
    if (pin(cpus[0]) != 0) {
        fprintf(stderr, "core-round-trip: cannot run on CPU %d\n", cpus[0]);
        return 2;
    }
    pthread_t thread;
    if (pthread_create(&thread, NULL, answer, &cpus[1]) != 0) {
        fprintf(stderr, "core-round-trip: cannot start a thread\n");
        return 2;
    }
    const double start = seconds();
    for (long i = 0; i < ROUND_TRIPS; i++) {
        atomic_store(&counter, 2 * i + 1);
        while (atomic_load(&counter) != 2 * i + 2) {}
    }
    const double elapsed = seconds() - start;
    pthread_join(thread, NULL);
    printf("%.0f\n", elapsed / ROUND_TRIPS * 1e9);
    return 0;
}
