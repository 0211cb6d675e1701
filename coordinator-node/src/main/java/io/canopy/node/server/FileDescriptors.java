package io.canopy.node.server;

import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;

import com.sun.management.UnixOperatingSystemMXBean;

/**
 * The process's open and maximum file descriptors, from the JVM's operating-system MXBean, as ZooKeeper's
 * {@code OSMXBean} reads them for {@code zk_open_file_descriptor_count} and {@code zk_max_file_descriptor_count}:
 * on Unix only, -1 elsewhere (ZooKeeper 3.9's gauges report -1 where the Unix bean is missing).
 */
final class FileDescriptors {
    private FileDescriptors() {
    }

    static long open() {
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        return os instanceof UnixOperatingSystemMXBean unix ? unix.getOpenFileDescriptorCount() : -1;
    }

    static long max() {
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        return os instanceof UnixOperatingSystemMXBean unix ? unix.getMaxFileDescriptorCount() : -1;
    }
}
