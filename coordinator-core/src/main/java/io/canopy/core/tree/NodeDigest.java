package io.canopy.core.tree;

import org.apache.zookeeper.data.ACL;

/**
 * A 64-bit hash of one znode (path, data, ACL and every stat field). The tree digest is the sum of these over all
 * nodes, as in ZooKeeper's digest: order-independent, so a change costs one node's hash rather than a pass over
 * the tree, and replicas that applied the same entries have equal digests. Not cryptographic: it detects
 * divergence between replicas, it does not defend against an adversary.
 */
final class NodeDigest {
    private static final long FNV_OFFSET = 0xcbf29ce484222325L;
    private static final long FNV_PRIME = 0x100000001b3L;

    private NodeDigest() {
    }

    static long of(String path, NodeState s) {
        long h = FNV_OFFSET;
        h = chars(h, path);
        byte[] data = s.data();
        if (data == null) {
            h = mix(h, -1);
        } else {
            h = mix(h, data.length);
            for (byte b : data) {
                h = (h ^ (b & 0xff)) * FNV_PRIME;
            }
        }
        for (ACL a : s.acl()) {
            h = mix(h, a.getPerms());
            h = chars(h, a.getId().getScheme());
            h = chars(h, a.getId().getId());
        }
        h = mix(h, s.czxid());
        h = mix(h, s.mzxid());
        h = mix(h, s.pzxid());
        h = mix(h, s.ctime());
        h = mix(h, s.mtime());
        h = mix(h, s.version());
        h = mix(h, s.cversion());
        h = mix(h, s.aversion());
        h = mix(h, s.ephemeralOwner());
        return finish(h);
    }

    private static long chars(long h, String s) {
        if (s == null) {
            return mix(h, -1);
        }
        h = mix(h, s.length());
        for (int i = 0; i < s.length(); i++) {
            h = (h ^ s.charAt(i)) * FNV_PRIME;
        }
        return h;
    }

    private static long mix(long h, long v) {
        return (h ^ v) * FNV_PRIME + Long.rotateLeft(v, 29);
    }

    /** Murmur3's 64-bit finalizer, so that similar nodes spread over the whole range before they are summed. */
    private static long finish(long h) {
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
    }
}
