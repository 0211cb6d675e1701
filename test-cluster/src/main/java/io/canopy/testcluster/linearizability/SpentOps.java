package io.canopy.testcluster.linearizability;

import io.canopy.testcluster.history.Op;

import java.util.HashMap;
import java.util.Map;

/**
 * Uncertain operations that can never take effect again, so whether the search linearized them or not no
 * longer matters: two configurations that differ only in such operations have the same future, and the
 * memo table should see them as one (without this, every unknown-outcome CAS that once could have applied
 * doubles the configurations for the rest of the history).
 *
 * <p>"Never again" needs versions that never go back, so this only works on keys without deletes: there a
 * CAS expecting version e is spent once the node exists with a version above e, and a create is spent once
 * the node exists.
 */
final class SpentOps {

    private final int words;
    private final long[] creates;
    private final int[] casExpected;
    private final int[] casBit;
    private final Map<Integer, long[]> byVersion = new HashMap<>();

    private SpentOps(int words, long[] creates, int[] casExpected, int[] casBit) {
        this.words = words;
        this.creates = creates;
        this.casExpected = casExpected;
        this.casBit = casBit;
    }

    /** Null when the key has deletes or no uncertain CAS/create: then nothing is ever spent. */
    static SpentOps of(PreparedKey k) {
        int cas = 0;
        int creates = 0;
        for (ModelOp o : k.ops) {
            if (o.type == Op.Type.DELETE) {
                return null;
            }
            cas += o.uncertain && o.type == Op.Type.CAS ? 1 : 0;
            creates += o.uncertain && o.type == Op.Type.CREATE ? 1 : 0;
        }
        if (cas + creates == 0) {
            return null;
        }
        int uncertain = k.ops.length - k.completedCount;
        int words = (uncertain + 63) / 64;
        long[] createMask = new long[words];
        int[] expected = new int[cas];
        int[] bits = new int[cas];
        int c = 0;
        for (int op = k.completedCount; op < k.ops.length; op++) {
            int bit = op - k.completedCount;
            if (k.ops[op].type == Op.Type.CREATE) {
                createMask[bit >>> 6] |= 1L << bit;
            } else if (k.ops[op].type == Op.Type.CAS) {
                expected[c] = k.ops[op].expectedVersion;
                bits[c++] = bit;
            }
        }
        return new SpentOps(words, createMask, expected, bits);
    }

    /** The spent uncertain ops in {@code state}, as bits over the uncertain ops; null if none. */
    long[] mask(long state) {
        if (!ZnodeModel.exists(state)) {
            return null;
        }
        return byVersion.computeIfAbsent(ZnodeModel.version(state), this::compute);
    }

    private long[] compute(int version) {
        long[] mask = creates.clone();
        for (int i = 0; i < casExpected.length; i++) {
            if (casExpected[i] < version) {
                mask[casBit[i] >>> 6] |= 1L << casBit[i];
            }
        }
        return mask;
    }

    int words() {
        return words;
    }
}
