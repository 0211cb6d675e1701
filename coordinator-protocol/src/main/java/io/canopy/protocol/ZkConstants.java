package io.canopy.protocol;

/** The small ZooKeeper enums that travel as ints: permissions, create modes, watch events and states. */
public final class ZkConstants {
    private ZkConstants() {
    }

    /** {@code ZooDefs.Perms}. */
    public static final class Perms {
        public static final int READ = 1;
        public static final int WRITE = 2;
        public static final int CREATE = 4;
        public static final int DELETE = 8;
        public static final int ADMIN = 16;
        public static final int ALL = READ | WRITE | CREATE | DELETE | ADMIN;

        private Perms() {
        }
    }

    /** {@code CreateMode} flag values in {@code CreateRequest.flags}. */
    public static final class CreateFlags {
        public static final int PERSISTENT = 0;
        public static final int EPHEMERAL = 1;
        public static final int PERSISTENT_SEQUENTIAL = 2;
        public static final int EPHEMERAL_SEQUENTIAL = 3;
        public static final int CONTAINER = 4;
        public static final int PERSISTENT_WITH_TTL = 5;
        public static final int PERSISTENT_SEQUENTIAL_WITH_TTL = 6;

        private CreateFlags() {
        }

        public static boolean isValid(int flags) {
            return flags >= PERSISTENT && flags <= PERSISTENT_SEQUENTIAL_WITH_TTL;
        }

        public static boolean isSequential(int flags) {
            return flags == PERSISTENT_SEQUENTIAL || flags == EPHEMERAL_SEQUENTIAL
                    || flags == PERSISTENT_SEQUENTIAL_WITH_TTL;
        }

        public static boolean isEphemeral(int flags) {
            return flags == EPHEMERAL || flags == EPHEMERAL_SEQUENTIAL;
        }

        public static boolean isContainer(int flags) {
            return flags == CONTAINER;
        }

        public static boolean isTtl(int flags) {
            return flags == PERSISTENT_WITH_TTL || flags == PERSISTENT_SEQUENTIAL_WITH_TTL;
        }
    }

    /** {@code Watcher.Event.EventType}. */
    public static final class EventType {
        public static final int NONE = -1;
        public static final int NODE_CREATED = 1;
        public static final int NODE_DELETED = 2;
        public static final int NODE_DATA_CHANGED = 3;
        public static final int NODE_CHILDREN_CHANGED = 4;
        public static final int DATA_WATCH_REMOVED = 5;
        public static final int CHILD_WATCH_REMOVED = 6;
        public static final int PERSISTENT_WATCH_REMOVED = 7;

        private EventType() {
        }
    }

    /** {@code Watcher.Event.KeeperState}. */
    public static final class KeeperState {
        public static final int DISCONNECTED = 0;
        public static final int SYNC_CONNECTED = 3;
        public static final int AUTH_FAILED = 4;
        public static final int CONNECTED_READ_ONLY = 5;
        public static final int SASL_AUTHENTICATED = 6;
        public static final int EXPIRED = -112;
        public static final int CLOSED = 7;

        private KeeperState() {
        }
    }

    /** {@code Watcher.WatcherType} as used by removeWatches and checkWatches. */
    public static final class WatcherType {
        public static final int CHILDREN = 1;
        public static final int DATA = 2;
        public static final int ANY = 3;
        public static final int PERSISTENT = 4;
        public static final int PERSISTENT_RECURSIVE = 5;

        private WatcherType() {
        }
    }

    /** {@code AddWatchMode}. */
    public static final class AddWatchMode {
        public static final int PERSISTENT = 0;
        public static final int PERSISTENT_RECURSIVE = 1;

        private AddWatchMode() {
        }
    }

    /** Special xids in reply headers. */
    public static final class Xid {
        public static final int NOTIFICATION = -1;
        public static final int PING = -2;
        public static final int AUTH = -4;
        public static final int SET_WATCHES = -8;

        private Xid() {
        }
    }

    /** {@code EphemeralType}: how ephemeralOwner encodes container and TTL nodes. */
    public static final class EphemeralOwner {
        /** ephemeralOwner of a container node. */
        public static final long CONTAINER = 0x8000000000000000L;
        /** High byte marking a TTL node; the low bits carry the TTL in milliseconds. */
        public static final long TTL_MASK = 0xFF00000000000000L;
        public static final long MAX_TTL = 0x00FFFFFFFFFFFFFFL;

        private EphemeralOwner() {
        }

        public static long ttl(long ttlMillis) {
            return TTL_MASK | ttlMillis;
        }
    }
}
