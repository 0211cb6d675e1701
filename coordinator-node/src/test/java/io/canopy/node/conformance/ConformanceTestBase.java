package io.canopy.node.conformance;

import io.canopy.testcluster.Timing;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Watcher.Event.KeeperState;
import org.apache.zookeeper.ZooDefs.Ids;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.Stat;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.Timeout;

/**
 * What every conformance test shares: the target, a unique root path per test (tests never see each other's
 * nodes, so they need no cleanup between them and could run in any order), and clients that are closed after
 * the test whatever happens.
 *
 * <p>Subclasses bind the suite to a server by implementing {@link #target()}.
 */
@Timeout(120)
public abstract class ConformanceTestBase {

    /** The default session timeout the suite asks for: long enough never to expire by accident. */
    protected static final int SESSION_TIMEOUT_MS = 30_000;

    private static final AtomicLong ROOTS = new AtomicLong();

    private final Deque<AutoCloseable> toClose = new ArrayDeque<>();

    /** This test's own root: a fresh persistent node, created before the test. */
    protected String root;

    /** A client for setting up and checking state, connected before the test. */
    protected ZooKeeper admin;

    /**
     * The server under test. Called many times per test (every connect): return the same instance; the
     * implementation decides the server's lifetime (the ZooKeeper binding shares one server per JVM).
     */
    protected abstract CoordinatorTarget target();

    @BeforeEach
    void createRoot(TestInfo info) throws Exception {
        String method = info.getTestMethod().map(m -> m.getName()).orElse("test");
        root = "/conformance-" + getClass().getSimpleName() + "-" + method + "-" + System.nanoTime() + "-"
                + ROOTS.incrementAndGet();
        admin = connect();
        admin.create(root, new byte[0], Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
    }

    @AfterEach
    void closeClients() {
        while (!toClose.isEmpty()) {
            try {
                toClose.pop().close();
            } catch (Exception ignored) {
                // A client of an expired session or a stopped proxy may fail to close cleanly; that is fine here.
            }
        }
    }

    /** Registers {@code closeable} to be closed after the test (last registered, first closed). */
    protected <T extends AutoCloseable> T closeLater(T closeable) {
        toClose.push(closeable);
        return closeable;
    }

    /** A connected client of the target with the default session timeout. */
    protected ZooKeeper connect() throws Exception {
        return connect(target().connectString(), SESSION_TIMEOUT_MS, new EventRecorder());
    }

    /** A connected client; {@code defaultWatcher} receives its connection-state events. */
    protected ZooKeeper connect(String connectString, int sessionTimeoutMs, EventRecorder defaultWatcher)
            throws Exception {
        ZooKeeper zk = closeLater(new ZooKeeper(connectString, sessionTimeoutMs, defaultWatcher));
        defaultWatcher.awaitState(KeeperState.SyncConnected, Timing.seconds(15));
        return zk;
    }

    /** A started Curator client of the target whose first connection is established. */
    protected CuratorFramework curator() throws Exception {
        CuratorFramework client = CuratorFrameworkFactory.builder()
                .connectString(target().connectString())
                .sessionTimeoutMs(SESSION_TIMEOUT_MS)
                .connectionTimeoutMs((int) Timing.seconds(15).toMillis())
                .retryPolicy(new ExponentialBackoffRetry(50, 5))
                .build();
        closeLater(client);
        client.start();
        assertThat(client.blockUntilConnected((int) Timing.seconds(15).toSeconds(), java.util.concurrent.TimeUnit.SECONDS))
                .as("Curator connected").isTrue();
        return client;
    }

    /** {@code root + "/" + name}. */
    protected String path(String name) {
        return root + "/" + name;
    }

    /** Creates a persistent, world-open node with {@code data} and returns its path. */
    protected String createNode(String path, String data) throws Exception {
        return admin.create(path, bytes(data), Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
    }

    /** Awaitility with the suite's scaled timeout and a short poll interval. */
    protected static ConditionFactory await() {
        return Awaitility.await().atMost(Timing.seconds(20)).pollInterval(Duration.ofMillis(20))
                .pollDelay(Duration.ZERO);
    }

    /**
     * Waits for a sync of the admin client: its next read sees every write completed before this call, even
     * when the target is an ensemble and the writer used another server.
     */
    protected void syncAdmin() throws Exception {
        java.util.concurrent.CompletableFuture<Integer> done = new java.util.concurrent.CompletableFuture<>();
        admin.sync("/", (rc, p, ctx) -> done.complete(rc), null);
        assertThat(done.get(Timing.seconds(10).toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS))
                .isEqualTo(KeeperException.Code.OK.intValue());
    }

    /** The stat of {@code path}, failing the test if it does not exist. */
    protected Stat stat(String path) throws Exception {
        Stat stat = admin.exists(path, false);
        assertThat(stat).as("stat of %s", path).isNotNull();
        return stat;
    }

    /** The error code of the KeeperException that {@code call} throws (fails if it throws none). */
    protected static KeeperException.Code codeOf(KeeperCall call) {
        try {
            call.run();
        } catch (KeeperException e) {
            return e.code();
        } catch (Exception e) {
            throw new AssertionError("expected a KeeperException, got " + e, e);
        }
        throw new AssertionError("expected a KeeperException, but the call succeeded");
    }

    protected static byte[] bytes(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    protected static String string(byte[] b) {
        return b == null ? null : new String(b, java.nio.charset.StandardCharsets.UTF_8);
    }

    /** Child names as a sorted list: ZooKeeper returns children in no particular order. */
    protected static List<String> sorted(List<String> names) {
        return names.stream().sorted().toList();
    }

    /**
     * A mutable ACL list: the 3.9 client's ACL validation calls {@code contains(null)}, which immutable
     * {@code List.of} lists reject with a NullPointerException.
     */
    protected static List<org.apache.zookeeper.data.ACL> acls(org.apache.zookeeper.data.ACL... acls) {
        return new java.util.ArrayList<>(java.util.Arrays.asList(acls));
    }

    /** A client call that may throw anything. */
    @FunctionalInterface
    protected interface KeeperCall {
        void run() throws Exception;
    }
}
