// CLONES marks a function to be compiled once per instruction set (AVX-512, AVX2+FMA, baseline
// x86-64), the best version picked by the loader for the running CPU. That needs GNU indirect
// functions, which x86-64 Linux has; elsewhere the function is compiled once, for the target.
#ifndef PRN_CKERNELS_CLONES_H
#define PRN_CKERNELS_CLONES_H

#if defined(__x86_64__) && defined(__linux__)
#define CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define CLONES
#endif

#endif
