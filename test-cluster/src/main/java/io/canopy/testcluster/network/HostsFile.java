package io.canopy.testcluster.network;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A hosts file for one JVM, read by the JDK instead of the system resolver when the JVM is started with
 * {@code -Djdk.net.hosts.file=<file>} (JDK 9 and later). This is how a node process learns its own addresses for
 * the other nodes' names without any change to the node: every name it resolves, and only those, come from here.
 *
 * <p>Because the file replaces every other source of names in that JVM, it also maps {@code localhost} and this
 * machine's own host name to 127.0.0.1: libraries call {@code InetAddress.getLocalHost()}, which fails when the
 * machine's name does not resolve.
 */
public final class HostsFile {
    /** The JDK system property that makes a JVM resolve names from a file only. */
    public static final String PROPERTY = "jdk.net.hosts.file";

    private final Map<String, String> addressByName = new LinkedHashMap<>();

    /** A file that maps {@code localhost} and this machine's host name (if it has one) to 127.0.0.1. */
    public static HostsFile withLocalNames() {
        HostsFile file = new HostsFile();
        file.map("localhost", "127.0.0.1");
        machineHostName().filter(name -> !name.equalsIgnoreCase("localhost"))
                .ifPresent(name -> file.map(name, "127.0.0.1"));
        return file;
    }

    /** Maps {@code name} to {@code address} (an IPv4 literal), replacing an earlier mapping of that name. */
    public HostsFile map(String name, String address) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(address, "address");
        if (name.isBlank() || name.chars().anyMatch(Character::isWhitespace) || name.contains("#")) {
            throw new IllegalArgumentException("not a host name: '" + name + "'");
        }
        if (!address.matches("\\d{1,3}(\\.\\d{1,3}){3}")) {
            throw new IllegalArgumentException("not an IPv4 address: '" + address + "'");
        }
        addressByName.put(name, address);
        return this;
    }

    /** The mappings, in the order they were made. */
    public Map<String, String> mappings() {
        return Collections.unmodifiableMap(new LinkedHashMap<>(addressByName));
    }

    /** The file's text: one {@code address name} line per mapping, after a comment saying what it is for. */
    public String render(String comment) {
        StringBuilder sb = new StringBuilder();
        for (String line : comment.split("\\R")) {
            sb.append("# ").append(line).append('\n');
        }
        addressByName.forEach((name, address) -> sb.append(address).append(' ').append(name).append('\n'));
        return sb.toString();
    }

    /** Writes {@link #render} to {@code file}, creating its folder. */
    public Path write(Path file, String comment) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.writeString(file, render(comment), StandardCharsets.UTF_8);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write hosts file " + file, e);
        }
    }

    /** The JVM option that makes a JVM resolve names from {@code file} only. */
    public static String jvmOption(Path file) {
        return "-D" + PROPERTY + "=" + file.toAbsolutePath();
    }

    /**
     * This machine's host name as the operating system reports it, without resolving it (it may not resolve in
     * this JVM either); empty if it cannot be found.
     */
    static Optional<String> machineHostName() {
        try {
            return Optional.of(InetAddress.getLocalHost().getHostName());
        } catch (UnknownHostException e) {
            // The JDK names the host in the message ("name: name: Name or service not known"); Linux also has:
            try {
                return Optional.of(Files.readString(Path.of("/proc/sys/kernel/hostname")).trim())
                        .filter(s -> !s.isEmpty());
            } catch (IOException | RuntimeException unreadable) {
                return Optional.ofNullable(System.getenv("HOSTNAME")).filter(s -> !s.isBlank());
            }
        }
    }
}
