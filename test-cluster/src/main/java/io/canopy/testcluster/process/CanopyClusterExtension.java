package io.canopy.testcluster.process;

import java.util.List;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * One {@link CanopyCluster} for the tests of a class, registered on a static field:
 * <pre>{@code
 * @RegisterExtension
 * static final CanopyClusterExtension cluster = CanopyClusterExtension.nodes(3)
 *         .nodeArgs("--canopy.snapshot.threshold=500");
 * }</pre>
 * The cluster is started (every node serving, one leader) before the first test of the class and killed after
 * the last; tests reach it through {@link #cluster()}. Log files are labelled with the test class's simple name
 * unless {@link #label} says otherwise. Node data lives in a new temporary folder, deleted after the class if all
 * of its tests passed; if one failed, or the cluster did not start, the folder is kept and its path and the log
 * files' paths are printed to stderr. Each node's log marks where every test starts and how it ended
 * ({@code === canopy-test-harness === <time> test <method> starting}, then {@code passed} or {@code FAILED}), so
 * that the lines of a failed test can be told from those of the class's other tests.
 */
public final class CanopyClusterExtension implements BeforeAllCallback, BeforeEachCallback, AfterAllCallback,
        TestWatcher {
    private final CanopyCluster.Builder builder;
    private String label;
    private CanopyCluster cluster;
    /** The class whose beforeAll started the cluster (nested classes inherit the extension, not the cluster). */
    private String owner;
    private volatile boolean failed;

    private CanopyClusterExtension(int nodes) {
        this.builder = CanopyCluster.builder().nodes(nodes);
    }

    /** A cluster of {@code count} voting members. */
    public static CanopyClusterExtension nodes(int count) {
        return new CanopyClusterExtension(count);
    }

    /** Arguments every node gets, e.g. {@code --canopy.snapshot.threshold=500}. */
    public CanopyClusterExtension nodeArgs(String... args) {
        requireNotStarted();
        builder.nodeArgs(List.of(args));
        return this;
    }

    /** The nodes' JVM options instead of {@link NodeConfig#DEFAULT_JVM_ARGS}. */
    public CanopyClusterExtension jvmArgs(String... args) {
        requireNotStarted();
        builder.jvmArgs(List.of(args));
        return this;
    }

    /**
     * Relays between the nodes, so that tests can {@link CanopyCluster#isolate isolate} and
     * {@link CanopyCluster#partition partition} them; see {@link CanopyCluster.Builder#partitionable()}.
     */
    public CanopyClusterExtension partitionable() {
        requireNotStarted();
        builder.partitionable();
        return this;
    }

    /** Names the log files {@code <label>-node<i>.log} instead of after the test class. */
    public CanopyClusterExtension label(String label) {
        requireNotStarted();
        builder.label(label);
        this.label = label;
        return this;
    }

    /** The running cluster of the current test class. */
    public CanopyCluster cluster() {
        if (cluster == null) {
            throw new IllegalStateException("no cluster: register CanopyClusterExtension with @RegisterExtension on a"
                    + " static field, and use it from tests, not from static initializers");
        }
        return cluster;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        if (cluster != null) {
            return;   // a nested class: the enclosing class's cluster serves it
        }
        String name = label != null ? label : context.getRequiredTestClass().getSimpleName();
        failed = false;
        owner = context.getUniqueId();
        cluster = builder.label(name).build();   // data in a new temporary folder
        try {
            cluster.start();
        } catch (RuntimeException e) {
            failed = true;
            throw e;
        }
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        markTest(context, "starting");
    }

    @Override
    public void testSuccessful(ExtensionContext context) {
        markTest(context, "passed");
    }

    @Override
    public void testFailed(ExtensionContext context, Throwable cause) {
        failed = true;
        markTest(context, "FAILED: " + cause);
    }

    /** A marker in every node's log: {@code test <method> <what>}. */
    private void markTest(ExtensionContext context, String what) {
        if (cluster != null) {
            String test = context.getTestMethod().map(m -> m.getName()).orElse(context.getDisplayName());
            cluster.mark("test " + test + " " + what.replaceAll("\\R", " "));
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (cluster == null || !context.getUniqueId().equals(owner)) {
            return;
        }
        CanopyCluster finished = cluster;
        cluster = null;
        try {
            finished.close();
        } finally {
            if (failed || context.getExecutionException().isPresent()) {
                System.err.println(keptReport(finished));
            } else {
                Folders.deleteRecursively(finished.dataRoot());
            }
        }
    }

    private static String keptReport(CanopyCluster cluster) {
        StringBuilder sb = new StringBuilder("[canopy-test-harness] ").append(cluster.label())
                .append(" failed; node data kept in ").append(cluster.dataRoot()).append(", node logs:");
        cluster.logFiles().forEach(log -> sb.append(System.lineSeparator()).append("  ").append(log));
        return sb.toString();
    }

    private void requireNotStarted() {
        if (cluster != null) {
            throw new IllegalStateException("the cluster is running already: configure the extension where it is"
                    + " declared");
        }
    }
}
