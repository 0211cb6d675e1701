package io.canopy.testcluster.process;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.canopy.testcluster.Timing;

/**
 * A Canopy node in a JVM of its own, started from the executable jar (system property {@code canopy.node.jar},
 * default {@code target/canopy-node.jar}) as an operator would start it.
 *
 * <p>What it guarantees:
 * <ul>
 *   <li>Only the process this object started is ever signalled, through its own handle or its PID; it is killed
 *       by {@link #close()}, and at the latest when the test JVM exits.</li>
 *   <li>Every start uses the same data folder, address and ports, so a restart is the same node coming back.</li>
 *   <li>The node's output is appended to {@link #logFile()} across restarts, each start preceded by a
 *       {@link NodeLog#MARKER} line; a node that fails to start is reported with that path and the log's last
 *       lines.</li>
 *   <li>Methods are safe to call from several threads; four-letter words never block longer than a few
 *       seconds, even against a paused node.</li>
 * </ul>
 */
public final class NodeProcess implements AutoCloseable {
    /** How long {@link #start()} waits for {@code ruok}: a cluster node takes ~20 s on a 2-core machine. */
    static final Duration START_TIMEOUT = Timing.seconds(120);
    private static final Duration STOP_TIMEOUT = Timing.seconds(60);
    private static final Duration KILL_TIMEOUT = Timing.seconds(30);
    private static final int LOG_LINES_IN_ERRORS = 30;

    private final NodeConfig config;
    private volatile Process process;
    private volatile boolean paused;

    public NodeProcess(NodeConfig config) {
        this.config = config;
    }

    /** A standalone node on fresh free ports of 127.0.0.1, not started; its log is {@code <label>-node1.log}. */
    public static NodeProcess standalone(String label, Path dataDir, String... extraArgs) {
        return new NodeProcess(NodeConfig.standalone(label, dataDir, List.of(extraArgs)));
    }

    /** {@link #standalone} and {@link #start()}. */
    public static NodeProcess startStandalone(String label, Path dataDir, String... extraArgs) {
        NodeProcess node = standalone(label, dataDir, extraArgs);
        node.start();
        return node;
    }

    /** Starts (or starts again) the node and waits until it answers {@code ruok}. */
    public void start() {
        launch();
        awaitServing(START_TIMEOUT);
    }

    /**
     * Starts the node's JVM without waiting for it to serve; see {@link #awaitServing}.
     *
     * @throws IllegalStateException if it is running already, or the executable jar is missing
     */
    public synchronized void launch() {
        if (isAlive()) {
            throw new IllegalStateException(name() + " is already running, pid " + process.pid());
        }
        List<String> command = command();
        NodeLog.appendMarker(logFile(), "starting " + name() + ": " + String.join(" ", command));
        try {
            Files.createDirectories(config.dataDir());
            Process started = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile().toFile()))
                    .start();
            ProcessReaper.register(started);
            process = started;
            paused = false;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name() + "; log " + logFile(), e);
        }
    }

    /**
     * Waits until the node answers {@code ruok}.
     *
     * @throws IllegalStateException if the process exits first or {@code timeout} passes, with the log's path
     *                               and last lines
     */
    public void awaitServing(Duration timeout) {
        Process started = requireStarted();
        Polling.until(timeout, () -> {
            if (!started.isAlive()) {
                throw new IllegalStateException(name() + " exited with code " + started.exitValue()
                        + " before serving clients" + logExcerpt());
            }
            return "imok".equals(fourLetterWord("ruok")) ? Boolean.TRUE : null;
        }, () -> name() + " did not answer ruok within " + timeout + logExcerpt());
    }

    /** Stops the node cleanly ({@link #stop()}) if it runs, then {@link #start()}s it again. */
    public void restart() {
        if (isAlive()) {
            stop();
        }
        start();
    }

    /** SIGKILL (no shutdown hook, no snapshot, no flush), and waits until the process is gone. */
    public synchronized void kill9() {
        Process started = requireStarted();
        started.destroyForcibly();
        if (!waitFor(started, KILL_TIMEOUT)) {
            throw new IllegalStateException(name() + " (pid " + started.pid() + ") survived SIGKILL for " + KILL_TIMEOUT);
        }
        paused = false;
    }

    /**
     * SIGTERM, the clean shutdown path (connections closed, snapshot taken), resuming a paused node first.
     *
     * @return the exit code
     * @throws IllegalStateException if the node has not exited after a minute (it is then killed)
     */
    public synchronized int stop() {
        Process started = requireStarted();
        if (isPaused()) {
            resume();
        }
        started.destroy();
        if (!waitFor(started, STOP_TIMEOUT)) {
            kill9();
            throw new IllegalStateException(name() + " did not exit within " + STOP_TIMEOUT
                    + " of SIGTERM and was killed; log " + logFile());
        }
        return started.exitValue();
    }

    /** SIGSTOP: the node freezes (a long GC pause, a hung machine) while its sockets stay open. */
    public synchronized void pause() {
        signal("STOP");
        paused = true;
    }

    /** SIGCONT: a paused node carries on. */
    public synchronized void resume() {
        signal("CONT");
        paused = false;
    }

    /**
     * Deletes the node's data folder, so that the next start is a node that lost its disk.
     *
     * @throws IllegalStateException if the node is running
     */
    public synchronized void wipeData() {
        if (isAlive()) {
            throw new IllegalStateException("cannot wipe the data of running " + name() + ": kill or stop it first");
        }
        Folders.deleteRecursively(config.dataDir());
    }

    /** The complete answer to a four-letter word, or null if the node does not answer. */
    public String fourLetterWord(String word) {
        return FourLetterWordClient.send(config.host(), config.clientPort(), word);
    }

    /** {@code mntr} as key/value pairs ({@code zk_server_state}, {@code zk_last_zxid}, ...); empty if no answer. */
    public Map<String, String> mntr() {
        return FourLetterWordClient.parseMntr(fourLetterWord("mntr"));
    }

    /** The {@code Mode:} of {@code srvr}: leader, follower or standalone; null if the node does not answer. */
    public String mode() {
        return FourLetterWordClient.parseMode(fourLetterWord("srvr"));
    }

    /** Whether the process runs (a paused process runs). */
    public boolean isAlive() {
        Process started = process;
        return started != null && started.isAlive();
    }

    /** Whether the process runs but is stopped by {@link #pause()}. */
    public boolean isPaused() {
        return paused && isAlive();
    }

    /** The PID of the current (or last) process; throws if the node was never started. */
    public long pid() {
        return requireStarted().pid();
    }

    public NodeConfig config() {
        return config;
    }

    public int nodeId() {
        return config.nodeId();
    }

    public String host() {
        return config.host();
    }

    public int clientPort() {
        return config.clientPort();
    }

    public int peerPort() {
        return config.peerPort();
    }

    public int httpPort() {
        return config.httpPort();
    }

    public Path dataDir() {
        return config.dataDir();
    }

    /**
     * Appends a thread dump of the running node to its log file (jstack of the JDK running the tests), for a
     * node that stopped answering. Returns false if no dump could be taken.
     */
    public synchronized boolean dumpThreads() {
        if (!isAlive() || isPaused()) {
            return false;
        }
        Path jstack = Path.of(System.getProperty("java.home"), "bin", "jstack");
        if (!Files.isExecutable(jstack)) {
            return false;
        }
        NodeLog.appendMarker(logFile(), "thread dump of " + name() + " (it stopped answering)");
        try {
            Process dump = new ProcessBuilder(jstack.toString(), Long.toString(requireStarted().pid()))
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile().toFile()))
                    .start();
            return waitFor(dump, Duration.ofSeconds(30)) && dump.exitValue() == 0;
        } catch (IOException e) {
            return false;
        }
    }

    public Path logFile() {
        return config.logFile();
    }

    /** {@code host:clientPort}, for a ZooKeeper client that should talk to this node only. */
    public String connectString() {
        return config.connectString();
    }

    /** Kills the process (SIGKILL, resuming it first if paused) if it runs. */
    @Override
    public synchronized void close() {
        Process started = process;
        if (started == null || !started.isAlive()) {
            return;
        }
        if (paused) {
            try {
                resume();
            } catch (RuntimeException e) {
                // SIGKILL ends a stopped process too: resuming is a courtesy
            }
        }
        started.destroyForcibly();
        waitFor(started, KILL_TIMEOUT);
    }

    @Override
    public String toString() {
        return name() + (isAlive() ? " pid " + process.pid() + (isPaused() ? " (paused)" : "") : " (not running)");
    }

    private String name() {
        return "node " + config.nodeId() + " at " + config.connectString();
    }

    private String logExcerpt() {
        return "; log " + logFile() + ", last lines:" + System.lineSeparator()
                + NodeLog.tail(logFile(), LOG_LINES_IN_ERRORS);
    }

    private Process requireStarted() {
        Process started = process;
        if (started == null) {
            throw new IllegalStateException(name() + " was never started");
        }
        return started;
    }

    private List<String> command() {
        Path jar = Path.of(System.getProperty("canopy.node.jar", "target/canopy-node.jar")).toAbsolutePath();
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("executable jar not found at " + jar + " (system property canopy.node.jar)"
                    + ": run the integration tests through 'verify', so that 'package' builds it first");
        }
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(config.jvmArgs());
        command.add("-jar");
        command.add(jar.toString());
        command.addAll(config.arguments());
        return command;
    }

    private void signal(String signal) {
        Process started = requireStarted();
        if (!started.isAlive()) {
            throw new IllegalStateException("cannot send SIG" + signal + " to " + name() + ": it is not running");
        }
        try {
            Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(started.pid()))
                    .redirectErrorStream(true).start();
            if (!waitFor(kill, Duration.ofSeconds(10)) || kill.exitValue() != 0) {
                throw new IllegalStateException("kill -" + signal + " " + started.pid() + " failed: "
                        + new String(kill.getInputStream().readAllBytes()).trim());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run kill -" + signal + " " + started.pid(), e);
        }
    }

    /** Waits for {@code p} to exit; an interrupt becomes an {@link IllegalStateException}, the flag kept. */
    private static boolean waitFor(Process p, Duration timeout) {
        try {
            return p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for pid " + p.pid() + " to exit", e);
        }
    }
}
