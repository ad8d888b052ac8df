/*
 * fo_rng.h -- the small random number generator of the coordinate-descent solvers
 * (the order of coordinates: fo_dual_cd.h, fo_cd.h).
 *
 * xorshift64* (S. Vigna, "An experimental exploration of Marsaglia's xorshift
 * generators, scrambled", ACM TOMS 42(4), 2016), its state seeded through
 * splitmix64 so that nearby seeds give unrelated streams.  Header-only and
 * inline: one draw is a few instructions in the solvers' inner loops.
 */
#ifndef FASTOPTIM_FO_RNG_H
#define FASTOPTIM_FO_RNG_H

#include <stdint.h>

#include "fastoptim/fo_config.h"

/* The next 64 random bits; the state is never 0. */
FO_INLINE uint64_t fo_rng_next(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 0x2545F4914F6CDD1DULL;
}

/* Uniform integer in [0, n) (n >= 1); the modulo bias is below 2^-32 for n < 2^32. */
FO_INLINE int64_t fo_rng_below(uint64_t *state, int64_t n)
{
    return (int64_t)(fo_rng_next(state) % (uint64_t)n);
}

/* The starting state for a seed: splitmix64 of it, never 0. */
FO_INLINE uint64_t fo_rng_seed(uint64_t seed)
{
    uint64_t z = seed + 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    z ^= z >> 31;
    return z ? z : 0x9E3779B97F4A7C15ULL;
}

#endif /* FASTOPTIM_FO_RNG_H */
