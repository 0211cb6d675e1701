package io.canopy.core.tree;

import java.util.List;

import org.apache.zookeeper.data.ACL;

/**
 * Everything a snapshot stores about one znode, as one immutable value. A {@link DataNode} replaces its state
 * instead of mutating it, so a {@link io.canopy.core.SnapshotImage} can keep references to the states of every
 * node at one log index (a cheap capture) and serialize them later on another thread while apply goes on.
 * The data array and the ACL list are shared, never copied: the tree never mutates either in place (data is
 * replaced by setData, ACL lists are immutable and replaced by setACL).
 *
 * @param cversion the stored cversion (count of child creations), see {@link DataNode#rawCversion()}
 */
public record NodeState(byte[] data, List<ACL> acl, long czxid, long mzxid, long pzxid, long ctime, long mtime,
                        int version, int cversion, int aversion, long ephemeralOwner) {

    /** A new node's state: every zxid is its creation zxid, every version 0. */
    static NodeState created(byte[] data, List<ACL> acl, long zxid, long time, long owner) {
        return new NodeState(data, acl, zxid, zxid, zxid, time, time, 0, 0, 0, owner);
    }

    /** A child was created: the stored cversion goes up by one and pzxid becomes zxid. */
    NodeState withChildCreated(long zxid) {
        return new NodeState(data, acl, czxid, mzxid, zxid, ctime, mtime, version, cversion + 1, aversion,
                ephemeralOwner);
    }

    /** A child was deleted: pzxid moves forward only (the stored cversion does not change). */
    NodeState withChildDeleted(long zxid) {
        return zxid > pzxid ? new NodeState(data, acl, czxid, mzxid, zxid, ctime, mtime, version, cversion,
                aversion, ephemeralOwner) : this;
    }

    NodeState withData(byte[] newData, int newVersion, long zxid, long time) {
        return new NodeState(newData, acl, czxid, zxid, pzxid, ctime, time, newVersion, cversion, aversion,
                ephemeralOwner);
    }

    /** The server rewrote the data (a quota's statistics): no version, zxid or time changes, as in ZooKeeper. */
    NodeState withRawData(byte[] newData) {
        return new NodeState(newData, acl, czxid, mzxid, pzxid, ctime, mtime, version, cversion, aversion,
                ephemeralOwner);
    }

    NodeState withAcl(List<ACL> newAcl, int newAversion) {
        return new NodeState(data, newAcl, czxid, mzxid, pzxid, ctime, mtime, version, cversion, newAversion,
                ephemeralOwner);
    }

    NodeState withAversion(int newAversion) {
        return withAcl(acl, newAversion);
    }

    // A record over an array: equality by identity of the array would mislead, so compare contents.
    @Override
    public boolean equals(Object o) {
        return o instanceof NodeState s && java.util.Arrays.equals(data, s.data) && java.util.Objects.equals(acl, s.acl)
                && czxid == s.czxid && mzxid == s.mzxid && pzxid == s.pzxid && ctime == s.ctime
                && mtime == s.mtime && version == s.version && cversion == s.cversion && aversion == s.aversion
                && ephemeralOwner == s.ephemeralOwner;
    }

    @Override
    public int hashCode() {
        return java.util.Arrays.hashCode(data) * 31 + Long.hashCode(mzxid);
    }

    @Override
    public String toString() {
        return "NodeState[dataLength=" + (data == null ? -1 : data.length) + ", acl=" + acl + ", mzxid=" + mzxid
                + ", version=" + version + ", cversion=" + cversion + ", aversion=" + aversion + "]";
    }
}
