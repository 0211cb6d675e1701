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

    /**
     * {@code EphemeralType} (with extended types enabled): how ephemeralOwner encodes container and TTL nodes.
     * A TTL owner is {@code 0xFF} in the high byte, two reserved zero bytes, then the TTL in milliseconds in the
     * low 40 bits.
     */
    public static final class EphemeralOwner {
        /** ephemeralOwner of a container node. */
        public static final long CONTAINER = 0x8000000000000000L;
        /** High byte marking an extended (TTL) owner. */
        public static final long TTL_MASK = 0xFF00000000000000L;
        /** The two bytes after the high byte: the extended feature, 0 for TTL. */
        public static final long RESERVED_MASK = 0x00FFFF0000000000L;
        /** ZooKeeper's {@code EphemeralType.TTL.maxValue()}: 40 bits of milliseconds. */
        public static final long MAX_TTL = 0x000000FFFFFFFFFFL;

        private EphemeralOwner() {
        }

        /** @throws IllegalArgumentException when ttl is not in 1..MAX_TTL */
        public static long ttl(long ttlMillis) {
            if (ttlMillis <= 0 || ttlMillis > MAX_TTL) {
                throw new IllegalArgumentException("ttl must be positive and cannot be larger than: " + MAX_TTL);
            }
            return TTL_MASK | ttlMillis;
        }

        public static boolean isContainer(long owner) {
            return owner == CONTAINER;
        }

        public static boolean isTtl(long owner) {
            return (owner & TTL_MASK) == TTL_MASK && (owner & RESERVED_MASK) == 0;
        }

        /** The TTL in milliseconds of a TTL owner. */
        public static long ttlOf(long owner) {
            return owner & MAX_TTL;
        }

        /** True for an owner that is a session (a plain ephemeral node). */
        public static boolean isSession(long owner) {
            return owner != 0 && !isContainer(owner) && (owner & TTL_MASK) != TTL_MASK;
        }
    }
}
