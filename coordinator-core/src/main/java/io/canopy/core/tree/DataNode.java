package io.canopy.core.tree;

import java.util.Collections;
import java.util.List;
import java.util.NavigableSet;
import java.util.TreeSet;

import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Stat;

/**
 * One znode as stored: data (null and empty are distinct, as in ZooKeeper), ACL and ZooKeeper's persisted stat,
 * held together as one immutable {@link NodeState} that every change replaces (copy-on-write), so that a
 * snapshot capture can keep the state of the moment by reference. {@code cversion} is stored as ZooKeeper stores
 * it, the count of child creations; clients see {@code 2 * cversion - numChildren} (creations plus deletions).
 * Children are kept sorted so that every traversal (digest, getChildren) is deterministic; they are not part of
 * the snapshot, which rebuilds them from the paths.
 */
public final class DataNode {
    NodeState state;
    final NavigableSet<String> children = new TreeSet<>();

    DataNode(NodeState state) {
        this.state = state;
    }

    /** The current state; immutable, so it stays valid (as of now) after later changes. */
    public NodeState state() {
        return state;
    }

    public byte[] data() {
        return state.data();
    }

    public List<ACL> acl() {
        return state.acl();
    }

    public long czxid() {
        return state.czxid();
    }

    public long mzxid() {
        return state.mzxid();
    }

    public long pzxid() {
        return state.pzxid();
    }

    public long ctime() {
        return state.ctime();
    }

    public long mtime() {
        return state.mtime();
    }

    public int version() {
        return state.version();
    }

    /** The stored (creation-count) cversion, which also numbers sequential children. */
    public int rawCversion() {
        return state.cversion();
    }

    public int aversion() {
        return state.aversion();
    }

    /** The stored owner: a session id, the container marker, a TTL encoding, or 0. */
    public long ephemeralOwner() {
        return state.ephemeralOwner();
    }

    public NavigableSet<String> children() {
        return Collections.unmodifiableNavigableSet(children);
    }

    public int numChildren() {
        return children.size();
    }

    /** The stat as ZooKeeper's DataNode.copyStat reports it to clients. */
    public Stat stat() {
        NodeState s = state;
        Stat stat = new Stat();
        stat.setCzxid(s.czxid());
        stat.setMzxid(s.mzxid());
        stat.setCtime(s.ctime());
        stat.setMtime(s.mtime());
        stat.setVersion(s.version());
        stat.setCversion(s.cversion() * 2 - children.size());
        stat.setAversion(s.aversion());
        stat.setEphemeralOwner(io.canopy.protocol.ZkConstants.EphemeralOwner.isSession(s.ephemeralOwner())
                ? s.ephemeralOwner() : 0);
        stat.setDataLength(s.data() == null ? 0 : s.data().length);
        stat.setNumChildren(children.size());
        stat.setPzxid(s.pzxid());
        return stat;
    }
}
