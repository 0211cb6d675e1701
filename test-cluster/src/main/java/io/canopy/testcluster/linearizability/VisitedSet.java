package io.canopy.testcluster.linearizability;

import java.util.Arrays;

/**
 * Lowe's memo table: the (linearized-set, model state) configurations already explored. Two searches
 * reaching the same configuration have the same future, so the second one is cut. Open addressing on a
 * 64-bit hash (the caller's incremental Zobrist hash of the set mixed with the state), and each key stored
 * compactly: the set's bit words minus the leading all-ones words and the trailing zero words, which is
 * small because linearized sets are mostly a dense prefix of the completed ops in invocation order plus a
 * few uncertain ops.
 */
final class VisitedSet {

    private long[] hashes = new long[1024];
    private long[][] keys = new long[1024][];
    private int size;

    int size() {
        return size;
    }

    /**
     * Adds the configuration; false if it was already there. The set's words are in two regions, the
     * completed operations' words then, from {@code split}, the uncertain ones': each region is trimmed on
     * its own, because uncertain operations stay pending for ever and would otherwise keep every key long.
     */
    boolean add(long[] bits, int split, long setHash, long state) {
        long h = mix(setHash ^ (state * 0x9E3779B97F4A7C15L));
        if (h == 0) {
            h = 1;
        }
        int lowC = 0;
        while (lowC < split && bits[lowC] == -1L) {
            lowC++;
        }
        int highC = trimmedEnd(bits, lowC, split);
        int lowU = split;
        while (lowU < bits.length && bits[lowU] == 0L) {
            lowU++;
        }
        int highU = trimmedEnd(bits, lowU, bits.length);
        long shape = ((long) lowC << 48) | ((long) highC << 32) | ((long) lowU << 16) | highU;
        int mask = hashes.length - 1;
        int slot = (int) h & mask;
        while (hashes[slot] != 0) {
            long[] key = keys[slot];
            if (hashes[slot] == h && key[0] == state && key[1] == shape
                    && Arrays.equals(key, 2, 2 + highC - lowC, bits, lowC, highC)
                    && Arrays.equals(key, 2 + highC - lowC, key.length, bits, lowU, highU)) {
                return false;
            }
            slot = (slot + 1) & mask;
        }
        long[] key = new long[2 + highC - lowC + highU - lowU];
        key[0] = state;
        key[1] = shape;
        System.arraycopy(bits, lowC, key, 2, highC - lowC);
        System.arraycopy(bits, lowU, key, 2 + highC - lowC, highU - lowU);
        hashes[slot] = h;
        keys[slot] = key;
        if (++size * 2 > hashes.length) {
            grow();
        }
        return true;
    }

    private static int trimmedEnd(long[] bits, int from, int to) {
        int high = to;
        while (high > from && bits[high - 1] == 0L) {
            high--;
        }
        return high;
    }

    private void grow() {
        long[] oldHashes = hashes;
        long[][] oldKeys = keys;
        hashes = new long[oldHashes.length * 2];
        keys = new long[oldHashes.length * 2][];
        int mask = hashes.length - 1;
        for (int i = 0; i < oldHashes.length; i++) {
            if (oldHashes[i] != 0) {
                int slot = (int) oldHashes[i] & mask;
                while (hashes[slot] != 0) {
                    slot = (slot + 1) & mask;
                }
                hashes[slot] = oldHashes[i];
                keys[slot] = oldKeys[i];
            }
        }
    }

    /** The murmur3 finalizer: spreads the Zobrist bits before masking. */
    static long mix(long z) {
        z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
        z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
        return z ^ (z >>> 33);
    }
}
