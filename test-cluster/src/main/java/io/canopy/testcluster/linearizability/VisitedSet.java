package io.canopy.testcluster.linearizability;

import java.util.Arrays;

/**
 * Lowe's memo table: the (linearized-set, model state) configurations already explored. Two searches
 * reaching the same configuration have the same future, so the second one is cut. Open addressing on a
 * 64-bit hash (the caller's incremental Zobrist hash of the set mixed with the state), and each key stored
 * compactly: the set's bit words minus the leading all-ones words and the trailing zero words, which is
 * small because linearized sets are mostly a dense prefix of the ops in invocation order.
 */
final class VisitedSet {

    private long[] hashes = new long[1024];
    private long[][] keys = new long[1024][];
    private int size;

    int size() {
        return size;
    }

    /** Adds the configuration; false if it was already there. */
    boolean add(long[] bits, long setHash, long state) {
        long h = mix(setHash ^ (state * 0x9E3779B97F4A7C15L));
        if (h == 0) {
            h = 1;
        }
        int low = 0;
        while (low < bits.length && bits[low] == -1L) {
            low++;
        }
        int high = bits.length;
        while (high > low && bits[high - 1] == 0L) {
            high--;
        }
        int mask = hashes.length - 1;
        int slot = (int) h & mask;
        while (hashes[slot] != 0) {
            if (hashes[slot] == h && same(keys[slot], bits, state, low, high)) {
                return false;
            }
            slot = (slot + 1) & mask;
        }
        long[] key = new long[2 + high - low];
        key[0] = state;
        key[1] = low;
        System.arraycopy(bits, low, key, 2, high - low);
        hashes[slot] = h;
        keys[slot] = key;
        if (++size * 2 > hashes.length) {
            grow();
        }
        return true;
    }

    private static boolean same(long[] key, long[] bits, long state, int low, int high) {
        if (key[0] != state || key[1] != low || key.length != 2 + high - low) {
            return false;
        }
        return Arrays.equals(key, 2, key.length, bits, low, high);
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
