package io.canopy.core.tree;

import java.util.Collections;
import java.util.List;
import java.util.NavigableSet;
import java.util.TreeSet;

import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Stat;

/**
 * One znode as stored: data (null and empty are distinct, as in ZooKeeper), ACL and ZooKeeper's persisted stat.
 * {@code cversion} is stored as ZooKeeper stores it, the count of child creations; clients see
 * {@code 2 * cversion - numChildren} (creations plus deletions). Children are kept sorted so that every
 * traversal (snapshot, digest, getChildren) is deterministic.
 */
public final class DataNode {
    byte[] data;
    List<ACL> acl;
    long czxid;
    long mzxid;
    long pzxid;
    long ctime;
    long mtime;
    int version;
    int cversion;
    int aversion;
    long ephemeralOwner;
    final NavigableSet<String> children = new TreeSet<>();

    DataNode(byte[] data, List<ACL> acl) {
        this.data = data;
        this.acl = acl;
    }

    public byte[] data() {
        return data;
    }

    public List<ACL> acl() {
        return acl;
    }

    public long czxid() {
        return czxid;
    }

    public long mzxid() {
        return mzxid;
    }

    public long pzxid() {
        return pzxid;
    }

    public long ctime() {
        return ctime;
    }

    public long mtime() {
        return mtime;
    }

    public int version() {
        return version;
    }

    /** The stored (creation-count) cversion, which also numbers sequential children. */
    public int rawCversion() {
        return cversion;
    }

    public int aversion() {
        return aversion;
    }

    /** The stored owner: a session id, the container marker, a TTL encoding, or 0. */
    public long ephemeralOwner() {
        return ephemeralOwner;
    }

    public NavigableSet<String> children() {
        return Collections.unmodifiableNavigableSet(children);
    }

    public int numChildren() {
        return children.size();
    }

    /** The stat as ZooKeeper's DataNode.copyStat reports it to clients. */
    public Stat stat() {
        Stat s = new Stat();
        s.setCzxid(czxid);
        s.setMzxid(mzxid);
        s.setCtime(ctime);
        s.setMtime(mtime);
        s.setVersion(version);
        s.setCversion(cversion * 2 - children.size());
        s.setAversion(aversion);
        s.setEphemeralOwner(io.canopy.protocol.ZkConstants.EphemeralOwner.isSession(ephemeralOwner)
                ? ephemeralOwner : 0);
        s.setDataLength(data == null ? 0 : data.length);
        s.setNumChildren(children.size());
        s.setPzxid(pzxid);
        return s;
    }
}
