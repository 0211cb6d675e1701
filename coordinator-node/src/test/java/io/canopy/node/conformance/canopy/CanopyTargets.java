package io.canopy.node.conformance.canopy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.List;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import io.canopy.node.CanopyNodeApplication;
import io.canopy.node.conformance.CoordinatorTarget;
import io.canopy.node.conformance.LoopbackTarget;
import io.canopy.node.config.CoordinatorNode;
import io.canopy.testcluster.process.LoopbackPorts;
import io.canopy.testcluster.process.NodeProcess;

/**
 * Canopy as a conformance target, configured like the ZooKeeper reference (session bounds 2 s .. 60 s, a super
 * digest user, containers and TTL nodes reaped every 100 ms, every four-letter word, no per-address connection
 * limit, quota hard limits enforced). Two shapes, each started once per JVM and shared by its test classes: the Spring Boot application in
 * this JVM, and the executable jar in a JVM of its own.
 */
final class CanopyTargets {
    static final String SUPER_CREDENTIALS = "super:conformance-secret";
    static final int MIN_SESSION_TIMEOUT_MS = 2_000;
    static final int MAX_SESSION_TIMEOUT_MS = 60_000;

    private static CoordinatorTarget inJvm;
    private static CoordinatorTarget process;

    private CanopyTargets() {
    }

    /** The node's settings, as command-line arguments. */
    static List<String> arguments() {
        return List.of(
                "--canopy.session.tick-time=500ms",
                "--canopy.session.min-timeout=" + MIN_SESSION_TIMEOUT_MS + "ms",
                "--canopy.session.max-timeout=" + MAX_SESSION_TIMEOUT_MS + "ms",
                "--canopy.security.super-digest=" + superDigest(),
                "--canopy.container-check-interval=100ms",
                "--canopy.limits.max-client-connections=0",
                "--canopy.four-letter-words=*",
                "--canopy.quota.enforce=true");
    }

    static synchronized CoordinatorTarget inJvm() {
        if (inJvm == null) {
            inJvm = startInJvm();
        }
        return inJvm;
    }

    static synchronized CoordinatorTarget process() {
        if (process == null) {
            try {
                // Killed when the test JVM exits, by the harness's shutdown hook.
                NodeProcess node = NodeProcess.startStandalone("conformance", Files.createTempDirectory(
                        "conformance-canopy-proc"), arguments().toArray(String[]::new));
                process = target(node.clientPort());
            } catch (Exception e) {
                throw new IllegalStateException("cannot start a Canopy node process", e);
            }
        }
        return process;
    }

    private static CoordinatorTarget startInJvm() {
        try {
            Path dataDir = Files.createTempDirectory("conformance-canopy");
            LoopbackPorts ports = new LoopbackPorts();
            List<String> args = new java.util.ArrayList<>(arguments());
            args.addAll(List.of(
                    "--canopy.data-dir=" + dataDir,
                    "--canopy.client-port=" + ports.next(LoopbackPorts.DEFAULT_HOST),
                    "--canopy.client-address=127.0.0.1",
                    "--canopy.peer-port=" + ports.next(LoopbackPorts.DEFAULT_HOST),
                    "--canopy.peer-address=127.0.0.1",
                    "--server.address=127.0.0.1",
                    "--server.port=0"));
            ConfigurableApplicationContext context = new SpringApplicationBuilder(CanopyNodeApplication.class)
                    .run(args.toArray(String[]::new));
            Runtime.getRuntime().addShutdownHook(new Thread(context::close, "conformance-canopy-stop"));
            return target(context.getBean(CoordinatorNode.class).clientPort());
        } catch (Exception e) {
            throw new IllegalStateException("cannot start Canopy in this JVM", e);
        }
    }

    private static CoordinatorTarget target(int port) {
        return new LoopbackTarget(port, MIN_SESSION_TIMEOUT_MS, MAX_SESSION_TIMEOUT_MS, SUPER_CREDENTIALS);
    }

    static String superDigest() {
        try {
            byte[] sha1 = MessageDigest.getInstance("SHA1").digest(SUPER_CREDENTIALS.getBytes(StandardCharsets.UTF_8));
            return "super:" + Base64.getEncoder().encodeToString(sha1);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
