package io.canopy.node.conformance.zookeeper;

import static io.canopy.testcluster.process.LoopbackPorts.freePort;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import io.canopy.node.conformance.CoordinatorTarget;
import io.canopy.node.conformance.LoopbackTarget;
import io.canopy.testcluster.Timing;

import org.apache.zookeeper.server.ServerConfig;
import org.apache.zookeeper.server.ZooKeeperServerMain;

/**
 * Apache ZooKeeper 3.9.5 as a conformance target: one standalone server in this JVM, started on first use on a
 * free 127.0.0.1 port with a temporary data directory and shared by every {@code ...AgainstZooKeeperTest}
 * (each test works under its own root path). It defines the behaviour Canopy must reproduce.
 *
 * <p>Configured for what the suite exercises: extended types (TTL nodes), every four-letter word, a container
 * and TTL reaper that runs every 100 ms, a super digest user, session bounds of 2 s .. 60 s, and quota hard limits
 * enforced.
 */
public final class ZooKeeperTarget {

    static final String SUPER_CREDENTIALS = "super:conformance-secret";
    static final int MIN_SESSION_TIMEOUT_MS = 2_000;
    static final int MAX_SESSION_TIMEOUT_MS = 60_000;

    private static CoordinatorTarget shared;
    private static RuntimeException startFailure;

    /** The JVM-wide server, started on first call and stopped when the JVM exits. */
    public static synchronized CoordinatorTarget shared() {
        if (startFailure != null) {
            throw startFailure;
        }
        if (shared == null) {
            try {
                shared = start();
            } catch (RuntimeException e) {
                startFailure = e;
                throw e;
            }
        }
        return shared;
    }

    private static CoordinatorTarget start() {
        try {
            configureSystemProperties();
            Path dataDir = Files.createTempDirectory("conformance-zk");
            int port = freePort();
            Path cfg = dataDir.resolve("zoo.cfg");
            Files.writeString(cfg, String.join("\n",
                    "tickTime=500",
                    "dataDir=" + dataDir.resolve("data"),
                    "clientPort=" + port,
                    "clientPortAddress=127.0.0.1",
                    "minSessionTimeout=" + MIN_SESSION_TIMEOUT_MS,
                    "maxSessionTimeout=" + MAX_SESSION_TIMEOUT_MS,
                    "maxClientCnxns=0",
                    "4lw.commands.whitelist=*",
                    ""));
            ServerConfig config = new ServerConfig();
            config.parse(cfg.toString());
            CountDownLatch started = new CountDownLatch(1);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            ZooKeeperServerMain main = new ZooKeeperServerMain() {
                @Override
                protected void serverStarted() {
                    started.countDown();
                }
            };
            Thread thread = new Thread(() -> {
                try {
                    main.runFromConfig(config);
                } catch (Throwable e) {
                    failure.set(e);
                } finally {
                    started.countDown();
                }
            }, "conformance-zookeeper-server");
            thread.setDaemon(true);
            thread.start();
            if (!started.await(Timing.seconds(30).toMillis(), TimeUnit.MILLISECONDS) || failure.get() != null) {
                throw new IllegalStateException("ZooKeeper did not start", failure.get());
            }
            Runtime.getRuntime().addShutdownHook(new Thread(main::close, "conformance-zookeeper-stop"));
            if (!org.apache.zookeeper.server.ZooKeeperServer.enforceQuota) {
                throw new IllegalStateException("ZooKeeperServer was initialized before zookeeper.enforceQuota was "
                        + "set: the quota tests would run without enforcement");
            }
            return new LoopbackTarget(port, MIN_SESSION_TIMEOUT_MS, MAX_SESSION_TIMEOUT_MS, SUPER_CREDENTIALS);
        } catch (Exception e) {
            throw new IllegalStateException("cannot start the in-JVM ZooKeeper", e);
        }
    }

    /** JVM-wide switches the server reads once, before it starts. */
    private static void configureSystemProperties() throws Exception {
        System.setProperty("zookeeper.extendedTypesEnabled", "true");
        System.setProperty("zookeeper.4lw.commands.whitelist", "*");
        System.setProperty("znode.container.checkIntervalMs", "100");
        System.setProperty("zookeeper.admin.enableServer", "false");
        // Durability is not under test here; skipping fsync keeps the suite fast on a shared disk.
        System.setProperty("zookeeper.forceSync", "no");
        System.setProperty("zookeeper.enforceQuota", "true");
        // Computed here, not with DigestAuthenticationProvider.generateDigest: that class reads this property
        // in its static initializer, so loading it first would freeze the super digest as unset.
        byte[] sha1 = MessageDigest.getInstance("SHA1").digest(SUPER_CREDENTIALS.getBytes(StandardCharsets.UTF_8));
        System.setProperty("zookeeper.DigestAuthenticationProvider.superDigest",
                "super:" + Base64.getEncoder().encodeToString(sha1));
    }
}
