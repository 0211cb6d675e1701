package io.canopy.core;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Id;

import io.canopy.core.session.SessionTable;
import io.canopy.core.tree.DataNode;
import io.canopy.core.tree.DataTree;
import io.canopy.core.tree.NodeState;

/**
 * The snapshot stream: {@code [int magic][byte version][long lastAppliedIndex][long lastZxid]} then the state
 * segment {@code [int sessions](session)*[int nodes](node)*} with sessions by id and nodes in canonical
 * depth-first order, then the nodes' streams {@code [int count]([int origin][long stream][long lastSeq])*} by
 * origin (version 3; older versions have none). The state segment alone is what
 * {@link CoordinatorState#digest()} hashes (not the streams), so equal state gives equal digests and a
 * read-then-written snapshot is byte-identical. Snapshots are written from a {@link SnapshotImage}; the digest
 * walks the live tree ({@link #writeState}); both give the same bytes.
 */
final class SnapshotFormat {
    static final int MAGIC = 0x434E5059; // "CNPY"
    /**
     * 2 adds each session's owner node; version 1 files are still read (owner 0: any node). 3 adds the streams
     * ({@link StreamTable}); a version 2 file is read with none, so each node's next run must start a stream.
     */
    static final byte VERSION = 3;
    private static final int MAX_BLOB = 64 << 20;

    private SnapshotFormat() {
    }

    static void writeHeader(DataOutputStream out, long lastIndex, long lastZxid) throws IOException {
        out.writeInt(MAGIC);
        out.writeByte(VERSION);
        out.writeLong(lastIndex);
        out.writeLong(lastZxid);
    }

    /** The state segment by walking the live tree in canonical order (the digest; no sort, no capture). */
    static void writeState(DataOutputStream out, DataTree tree, SessionTable sessions) throws IOException {
        writeSessions(out, sessions.all());
        out.writeInt(tree.size());
        IOException[] failure = new IOException[1];
        tree.forEachInOrder((path, n) -> {
            if (failure[0] == null) {
                try {
                    writeNode(out, path, n.state());
                } catch (IOException e) {
                    failure[0] = e;
                }
            }
        });
        if (failure[0] != null) {
            throw failure[0];
        }
    }

    static void writeSessions(DataOutputStream out, Collection<SessionTable.Session> sessions) throws IOException {
        out.writeInt(sessions.size());
        for (SessionTable.Session s : sessions) {
            out.writeLong(s.id());
            out.writeInt(s.timeoutMillis());
            writeBytes(out, s.password());
            out.writeInt(s.owner());
        }
    }

    static void writeNode(DataOutputStream out, String path, NodeState n) throws IOException {
        writeString(out, path);
        writeBytes(out, n.data());
        out.writeInt(n.acl().size());
        for (ACL a : n.acl()) {
            out.writeInt(a.getPerms());
            writeString(out, a.getId().getScheme());
            writeString(out, a.getId().getId());
        }
        out.writeLong(n.czxid());
        out.writeLong(n.mzxid());
        out.writeLong(n.pzxid());
        out.writeLong(n.ctime());
        out.writeLong(n.mtime());
        out.writeInt(n.version());
        out.writeInt(n.cversion());
        out.writeInt(n.aversion());
        out.writeLong(n.ephemeralOwner());
    }

    /** What a snapshot holds. */
    record Loaded(long lastIndex, long lastZxid, DataTree tree, SessionTable sessions,
                  StreamTable streams) {
    }

    static Loaded read(DataInputStream in) throws IOException {
        if (in.readInt() != MAGIC) {
            throw new IOException("not a Canopy snapshot");
        }
        byte version = in.readByte();
        if (version < 1 || version > VERSION) {
            throw new IOException("unsupported snapshot version " + version);
        }
        long lastIndex = in.readLong();
        long lastZxid = in.readLong();
        SessionTable sessions = new SessionTable();
        int sessionCount = count(in.readInt());
        for (int i = 0; i < sessionCount; i++) {
            long id = in.readLong();
            int timeout = in.readInt();
            byte[] password = readBytes(in);
            int owner = version >= 2 ? in.readInt() : 0;
            sessions.put(new SessionTable.Session(id, timeout, password, owner));
        }
        DataTree tree = DataTree.empty();
        int nodeCount = count(in.readInt());
        for (int i = 0; i < nodeCount; i++) {
            readNode(in, tree, i == 0);
        }
        StreamTable streams = version >= 3 ? StreamTable.readFrom(in) : new StreamTable();
        return new Loaded(lastIndex, lastZxid, tree, sessions, streams);
    }

    private static void readNode(DataInputStream in, DataTree tree, boolean first) throws IOException {
        String path = readString(in);
        if (path == null || first != DataTree.ROOT.equals(path) || tree.get(path) != null) {
            throw new IOException("snapshot node out of order: " + path);
        }
        if (!first && tree.get(DataTree.parentOf(path)) == null) {
            throw new IOException("snapshot node without parent: " + path);
        }
        byte[] data = readBytes(in);
        int aclCount = count(in.readInt());
        List<ACL> acl = new ArrayList<>(Math.min(aclCount, 16));
        for (int j = 0; j < aclCount; j++) {
            int perms = in.readInt();
            acl.add(new ACL(perms, new Id(readString(in), readString(in))));
        }
        DataNode n = DataTree.newNode(new NodeState(data, acl, in.readLong(), in.readLong(), in.readLong(),
                in.readLong(), in.readLong(), in.readInt(), in.readInt(), in.readInt(), in.readLong()));
        tree.putRaw(path, n);
    }

    private static int count(int n) throws IOException {
        if (n < 0) {
            throw new IOException("negative count in snapshot");
        }
        return n;
    }

    private static void writeBytes(DataOutputStream out, byte[] b) throws IOException {
        if (b == null) {
            out.writeInt(-1);
        } else {
            out.writeInt(b.length);
            out.write(b);
        }
    }

    private static byte[] readBytes(DataInputStream in) throws IOException {
        int len = in.readInt();
        if (len == -1) {
            return null;
        }
        if (len < 0 || len > MAX_BLOB) {
            throw new IOException("bad length in snapshot: " + len);
        }
        byte[] b = new byte[len];
        in.readFully(b);
        return b;
    }

    private static void writeString(DataOutputStream out, String s) throws IOException {
        writeBytes(out, s == null ? null : s.getBytes(StandardCharsets.UTF_8));
    }

    private static String readString(DataInputStream in) throws IOException {
        byte[] b = readBytes(in);
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }
}
