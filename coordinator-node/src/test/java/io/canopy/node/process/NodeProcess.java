package io.canopy.node.process;

import io.canopy.node.testsupport.Timing;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A Canopy node in its own JVM, started from the executable jar as a user would start it. Crash tests kill it
 * with SIGKILL; only processes this class started are ever signalled, by their PID.
 */
public final class NodeProcess implements AutoCloseable {
    private final Path dataDir;
    private final int clientPort;
    private final int httpPort;
    private final int peerPort;
    private final List<String> extraArgs;
    private final Path logFile;
    private Process process;

    private NodeProcess(Path dataDir, int clientPort, int httpPort, int peerPort, List<String> extraArgs) {
        this.dataDir = dataDir;
        this.clientPort = clientPort;
        this.httpPort = httpPort;
        this.peerPort = peerPort;
        this.extraArgs = List.copyOf(extraArgs);
        this.logFile = Path.of(System.getProperty("canopy.it.logs", "target/it-logs"))
                .resolve("node-" + clientPort + ".log");
    }

    /** Starts a standalone node on free ports and waits until it serves clients. */
    public static NodeProcess startStandalone(Path dataDir, String... extraArgs) throws IOException {
        NodeProcess node = new NodeProcess(dataDir, freePort(), freePort(), freePort(), List.of(extraArgs));
        node.start();
        return node;
    }

    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static Path jar() {
        Path jar = Path.of(System.getProperty("canopy.node.jar", "target/canopy-node.jar"));
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("executable jar not found at " + jar.toAbsolutePath()
                    + ": run the integration tests through 'verify' so that 'package' builds it first");
        }
        return jar;
    }

    /** Starts (or restarts, on the same folder and ports) the node and waits until it answers {@code ruok}. */
    public void start() throws IOException {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException("already running, pid " + process.pid());
        }
        Files.createDirectories(logFile.getParent());
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx512m", "-XX:+UseSerialGC", "-jar",
                jar().toAbsolutePath().toString(),
                "--canopy.data-dir=" + dataDir.toAbsolutePath(),
                "--canopy.client-port=" + clientPort,
                "--canopy.client-address=127.0.0.1",
                "--canopy.peer-port=" + peerPort,
                "--server.address=127.0.0.1",
                "--server.port=" + httpPort));
        cmd.addAll(extraArgs);
        process = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                .start();
        awaitServing(Timing.seconds(60));
    }

    private void awaitServing(Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("node exited with " + process.exitValue() + "; see " + logFile);
            }
            if ("imok".equals(fourLetterWord("ruok"))) {
                return;
            }
            try {
                Thread.sleep(100);   // polling a port that is not open yet: there is no event to wait on
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
        }
        throw new IllegalStateException("node did not serve within " + timeout + "; see " + logFile);
    }

    /** Sends a four-letter word; returns the answer, or null if the port does not answer. */
    public String fourLetterWord(String word) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", clientPort), 1000);
            s.setSoTimeout(2000);
            OutputStream out = s.getOutputStream();
            out.write(word.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            StringBuilder sb = new StringBuilder();
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            int c;
            while ((c = in.read()) >= 0) {
                sb.append((char) c);
            }
            return sb.toString();
        } catch (IOException e) {
            return null;
        }
    }

    /** SIGKILL: no shutdown hook, no snapshot, no flush. */
    public void kill9() throws InterruptedException {
        signal("KILL");
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /** SIGTERM: the clean shutdown path (snapshot, connections closed). */
    public int stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
        return process.exitValue();
    }

    public void pause() {
        signal("STOP");
    }

    public void resume() {
        signal("CONT");
    }

    private void signal(String sig) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + sig, Long.toString(process.pid())).start();
            kill.waitFor(10, TimeUnit.SECONDS);
        } catch (IOException e) {
            throw new IllegalStateException("could not send SIG" + sig + " to " + process.pid(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public String connectString() {
        return "127.0.0.1:" + clientPort;
    }

    public int clientPort() {
        return clientPort;
    }

    public int httpPort() {
        return httpPort;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process != null && process.isAlive();
    }

    public Path logFile() {
        return logFile;
    }

    @Override
    public void close() throws InterruptedException {
        if (isAlive()) {
            process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
    }
}
